"""Reading the text of one field: timestamps in a stated format and zone, numbers, paths."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo


class TimeParser:
    """Parses one column's timestamps: ``iso`` or a strptime format; naive times are local to
    ``zone`` (a wall time that does not exist or happens twice at a DST change takes the
    offset before the change, Python's ``fold=0``)."""

    def __init__(self, fmt: str | Sequence[str], zone: str) -> None:
        #: the formats tried in turn; the first that matched last time is tried first
        self.formats: list[str] = [fmt] if isinstance(fmt, str) else list(fmt)
        self.fmt = self.formats[0]
        self.zone = ZoneInfo(zone)

    def __call__(self, text: str) -> datetime:
        """The aware UTC moment; ValueError (naming every format tried) when none matches."""
        text = text.strip()
        try:
            moment = _parse(text, self.fmt)
        except ValueError:
            for fmt in self.formats:
                if fmt == self.fmt:
                    continue
                try:
                    moment = _parse(text, fmt)
                except ValueError:
                    continue
                self.fmt = fmt  # an export keeps one format: try it first from now on
                break
            else:
                raise ValueError(f"{text!r} matches none of the formats tried: "
                                 f"{', '.join(self.formats)}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return moment.astimezone(UTC)


def _parse(text: str, fmt: str) -> datetime:
    return datetime.fromisoformat(text) if fmt == "iso" else datetime.strptime(text, fmt)


def text_of(value: Any) -> str:
    """A field as stripped text (None and NaN-like blanks become "")."""
    if value is None:
        return ""
    return str(value).strip()


def number(value: Any) -> float | None:
    """A coordinate as a float, or None when blank or not a number."""
    text = text_of(value)
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def field_at(record: dict[str, Any], path: str) -> Any:
    """A field of a JSON object by dotted path (``extended_attributes.ward``), or None."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value
