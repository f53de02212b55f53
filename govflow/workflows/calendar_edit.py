"""Write days into the ``calendar:`` block of a workflows file, keeping everything else.

A careful textual edit rather than a YAML round trip: only the values of ``holidays:`` and
``workdays:`` inside the top-level ``calendar:`` mapping are rewritten (a flow list ``[...]``,
possibly over several lines, or a block list of ``- `` items); every other line, comments
included, stays byte for byte, and so does a comment on the key's own line. Comments inside
the replaced lists are not kept. The result is loaded again before it is written, so a file is
never left unreadable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from govflow.errors import CalendarError

_TOP = re.compile(r"^calendar\s*:\s*(#.*)?$")
_KEY = re.compile(r"^(?P<indent>\s+)(?P<key>holidays|workdays)\s*:(?P<rest>.*)$")


def set_calendar_days(text: str, holidays: Iterable[date], workdays: Iterable[date]) -> str:
    """``text`` with the calendar's holidays and workdays set to these (sorted) dates."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    values = {"holidays": sorted(set(holidays)), "workdays": sorted(set(workdays))}
    start = next((n for n, line in enumerate(lines) if _TOP.match(line.rstrip("\r\n"))), None)
    if start is None:
        block = [f"calendar:{newline}"]
        for key, days in values.items():
            block.extend(_render("  ", key, "", days, newline))
        tail = "" if not lines or lines[-1].endswith("\n") else newline
        return "".join(lines) + tail + newline + "".join(block)
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t#"):
        end += 1
    body = lines[start + 1:end]
    indent = "  "
    for key, days in values.items():
        found = _find(body, key)
        if found is None:
            insert = len(body)
            while insert > 0 and not body[insert - 1].strip():
                insert -= 1
            body[insert:insert] = _render(indent, key, "", days, newline)
            continue
        first, last, indent, comment = found
        body[first:last] = _render(indent, key, comment, days, newline)
    return "".join(lines[:start + 1] + body + lines[end:])


def write_calendar_days(path: str | Path, holidays: Iterable[date],
                        workdays: Iterable[date]) -> None:
    """Rewrite the file's calendar days in place (checked by loading the result first)."""
    from govflow.workflows.yamlio import load_yaml

    file = Path(path)
    new = set_calendar_days(file.read_text(encoding="utf-8"), holidays, workdays)
    doc = load_yaml(new)
    if doc.data is None or doc.problems:
        raise CalendarError(f"{file}: writing the calendar days would leave the file "
                            f"unreadable ({doc.problems[:1]}); the file is unchanged")
    file.write_text(new, encoding="utf-8")


def _find(body: list[str], key: str) -> tuple[int, int, str, str] | None:
    """(first line, line after, indent, key-line comment) of ``key``'s entry in the block."""
    for n, line in enumerate(body):
        match = _KEY.match(line.rstrip("\r\n"))
        if not match or match.group("key") != key:
            continue
        indent = match.group("indent")
        rest = match.group("rest").strip()
        value, _, comment = rest.partition("#") if not rest.startswith("[") else (rest, "", "")
        last = n + 1
        if rest.startswith("["):
            depth = rest.count("[") - rest.count("]")
            while depth > 0 and last < len(body):
                depth += body[last].count("[") - body[last].count("]")
                last += 1
            closing = (body[last - 1] if last - 1 > n else line).rstrip("\r\n")
            comment = closing.rpartition("]")[2].strip().lstrip("#").strip()
        elif not value.strip():
            while last < len(body) and (not body[last].strip() or _deeper(body[last], indent)):
                last += 1
            while last > n + 1 and not body[last - 1].strip():
                last -= 1
        else:
            raise CalendarError(f"calendar.{key} is neither a list [...] nor a block of - items; "
                                "write it as a list to import into it")
        return n, last, indent, comment.strip() if isinstance(comment, str) else ""
    return None


def _deeper(line: str, indent: str) -> bool:
    stripped = line.lstrip(" \t")
    return len(line) - len(stripped) > len(indent) or (stripped.startswith("- ") and (
        len(line) - len(stripped) == len(indent)))


def _render(indent: str, key: str, comment: str, days: list[date], newline: str) -> list[str]:
    """The key and its dates as a block list, one date a line."""
    note = f"  # {comment}" if comment else ""
    if not days:
        return [f"{indent}{key}: []{note}{newline}"]
    return [f"{indent}{key}:{note}{newline}",
            *(f"{indent}  - {day.isoformat()}{newline}" for day in days)]
