"""The replay's figures per area: cases, closed, median handling time, share closed within
the limit, how many went yellow / red and where; as a dict (tests, JSON) and a rich table."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from govflow.replay.outcome import CaseOutcome
from govflow.replay.run import ReplayResult


def figures(outcomes: Iterable[CaseOutcome]) -> dict[str, Any]:
    """Counts and shares for a set of cases (``median_handling_seconds`` over closed ones;
    ``within_limit_share`` = closed before the deadline breached ÷ closed)."""
    cases = closed = within = yellow = red = escalated = merged = transferred = 0
    handling: list[float] = []
    for o in outcomes:
        cases += 1
        yellow += o.yellow
        red += o.red
        escalated += o.escalated
        seconds = o.handling_seconds
        if seconds is not None:
            closed += 1
            handling.append(seconds)
            within += o.on_time
            merged += o.outcome == "merged"
            transferred += o.outcome == "transferred"
    return {
        "cases": cases, "closed": closed, "open": cases - closed,
        "resolved": closed - merged - transferred, "merged": merged,
        "transferred": transferred,
        "median_handling_seconds": statistics.median(handling) if handling else None,
        "within_limit": within,
        "within_limit_share": within / closed if closed else None,
        "yellow": yellow, "red": red, "escalated": escalated,
    }


def build_report(result: ReplayResult, *, top: int = 10) -> dict[str, Any]:
    """Everything the replay found, as plain data (JSON-ready)."""
    by_area: dict[str, list[CaseOutcome]] = defaultdict(list)
    for outcome in result.outcomes:
        by_area[outcome.area].append(outcome)
    areas = {area: figures(items) for area, items in sorted(by_area.items())}
    by_agency: dict[str, list[CaseOutcome]] = defaultdict(list)
    for outcome in result.outcomes:
        if outcome.agency:
            by_agency[outcome.agency].append(outcome)
    agencies = {name: figures(items) for name, items in sorted(by_agency.items())}
    reds = sorted(((a, f["red"]) for a, f in areas.items() if f["red"]),
                  key=lambda pair: (-pair[1], pair[0]))
    read = result.read
    return {
        "source": result.source,
        "workflow": result.workflow,
        "limit": result.limit,
        "rows": read.rows,
        "good": len(read.records),
        "bad": read.bad_by_reason(),
        "bad_rows": len(read.bad),
        "refused_moves": dict(result.refused.most_common()),
        "started": result.started.isoformat() if result.started else None,
        "until": result.until.isoformat() if result.until else None,
        "timezone": result.timezone,
        "totals": figures(result.outcomes),
        "areas": areas,
        "agencies": agencies,
        "top_red": [[area, count] for area, count in reds[:top]],
        "replay_seconds": round(result.seconds, 3),
        "records_per_second": round(result.records_per_second, 1),
    }


def render(report: dict[str, Any], *, rows: int = 20) -> Any:
    """The report as rich renderables (a per-area table and the notes under it)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    zone = str(report.get("timezone") or "UTC")

    table = Table(title=f"replay of {report['source']} through {report['workflow']} "
                  f"(limit {report['limit']})")
    table.add_column("area", no_wrap=True, overflow="ellipsis", max_width=28)
    for name in ("cases", "closed", "merged", "moved", "median", "on time", "yellow", "red",
                 "up"):
        table.add_column(name, justify="right", no_wrap=True)
    areas = sorted(report["areas"].items(), key=lambda kv: (-kv[1]["cases"], kv[0]))
    for area, f in areas[:rows]:
        table.add_row(area, *_cells(f))
    if len(areas) > rows:
        table.add_row(f"… {len(areas) - rows} more areas", *[""] * 9)
    table.add_row("all", *_cells(report["totals"]), style="bold")
    notes = ("closed: every ending (merged: as a duplicate; moved: transferred to another "
             "agency); median: handling time of closed cases; on time: closed within the "
             "limit ÷ closed; up: escalated")
    bad = ", ".join(f"{reason}: {n}" for reason, n in report["bad"].items()) or "none"
    lines = [
        notes,
        f"rows read {report['rows']}: {report['good']} replayed, {report['bad_rows']} bad "
        f"({bad})",
        "top areas by red: " + (", ".join(f"{a} ({n})" for a, n in report["top_red"][:5])
                                or "none"),
        f"replayed in {report['replay_seconds']} s ({report['records_per_second']} records/s), "
        f"simulated {_local(report['started'], zone)} → {_local(report['until'], zone)}",
    ]
    if report["refused_moves"]:
        lines.insert(1, "moves the workflow refused: " + ", ".join(
            f"{k}: {v}" for k, v in report["refused_moves"].items()))
    return Group(table, *(Text(line) for line in lines))


def _cells(f: dict[str, Any]) -> list[str]:
    median = f["median_handling_seconds"]
    share = f["within_limit_share"]
    return [
        str(f["cases"]), str(f["closed"]), str(f["merged"]), str(f["transferred"]),
        "-" if median is None else _duration(median),
        "-" if share is None else f"{share:.1%}",
        str(f["yellow"]), str(f["red"]), str(f["escalated"]),
    ]


def _duration(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


def _local(moment: str | None, zone: str) -> str:
    """An ISO time of the report in the calendar's zone, e.g. ``2024-03-04 00:00-08:00``."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    if not moment:
        return "-"
    return datetime.fromisoformat(moment).astimezone(ZoneInfo(zone)).isoformat(
        sep=" ", timespec="minutes")
