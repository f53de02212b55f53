"""The cockpit in a terminal: one node's KPIs and a rich table of its children (one tier
down); ``--node CODE`` drills down. Lists of top categories, hotspots and overdue cases follow.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from govflow.cockpit.kpi import TIER_NAMES, Cockpit

PLURAL = ("districts", "streets", "communities", "cells")

COLUMNS = (
    ("opened", "opened", "d"), ("closed", "closed", "d"), ("due_to_close", "due", "d"),
    ("closure_rate", "closure", "%"), ("on_time_rate", "on time", "%"),
    ("rework_rate", "rework", "%"), ("backlog", "backlog", "d"), ("overdue", "overdue", "d"),
    ("yellow", "yellow", "d"), ("red", "red", "d"), ("on_post_rate", "on post", "%"),
    ("mean_hours", "mean h", "h"), ("p90_hours", "p90 h", "h"),
)


def fmt(value: float, kind: str) -> str:
    """A figure as shown: percentages with one decimal, hours with one, '–' when undefined."""
    if isinstance(value, float) and math.isnan(value):
        return "–"
    if kind == "%":
        return f"{100 * value:.1f}%"
    if kind == "h":
        return f"{value:.1f}"
    return f"{int(value):,}"


def when(seconds: int) -> str:
    """Epoch seconds in the calendar's zone (Asia/Shanghai), as the page shows them."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Shanghai")
    return datetime.fromtimestamp(seconds, UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def tier_table(cockpit: Cockpit, code: str) -> Table:
    """The node itself, then one row per child."""
    i = cockpit.node(code)
    tier = int(cockpit.tier[i])
    below = PLURAL[min(tier + 1, len(PLURAL) - 1)]
    table = Table(title=f"{cockpit.names[i]} ({code}) · {TIER_NAMES[tier]} → {below}",
                  header_style="bold")
    table.add_column("code")
    table.add_column("name")
    for _, label, _kind in COLUMNS:
        table.add_column(label, justify="right")
    for k, child in enumerate([code, *cockpit.children(code)]):
        row = cockpit.row(child)
        cells = [fmt(row[key], kind) for key, _, kind in COLUMNS]
        style = "bold" if k == 0 else None
        table.add_row(child, cockpit.names[cockpit.node(child)], *cells, style=style)
    return table


def render(cockpit: Cockpit, console: Any = None, code: str | None = None, *,
           top: int = 10) -> None:
    """Print the cockpit for ``code`` (default: the whole district)."""
    out = console or Console()
    code = code or cockpit.root
    out.print(f"[bold]领导驾驶舱 cockpit[/] · window {when(cockpit.t0)} – {when(cockpit.t1)} "
              f"北京时间 (Asia/Shanghai) · {len(cockpit.snapshot):,} cases")
    out.print(tier_table(cockpit, code))
    out.print("formulas: " + "; ".join(f"{f.label.split()[0]} = {f.text}" for f in cockpit.formulas
                                      if f.is_rate or " " in f.text), highlight=False,
              soft_wrap=True)
    cats = Table(title="top categories", header_style="bold")
    cats.add_column("category")
    cats.add_column("reported", justify="right")
    for name, count in cockpit.top_categories(code, top):
        cats.add_row(name, f"{count:,}")
    out.print(cats)
    hot = Table(title="hotspots (one category recurring in a cell)", header_style="bold")
    for col in ("cell", "name", "category", "count"):
        hot.add_column(col)
    for h in cockpit.hotspots(code, n=top):
        hot.add_row(h.code, h.name, h.category, str(h.count))
    out.print(hot)
    late = Table(title=f"overdue ({int(cockpit.row(code)['overdue']):,} open past due)",
                 header_style="bold")
    for col in ("case", "cell", "category", "state", "hours over"):
        late.add_column(col)
    for o in cockpit.overdue(code, top):
        late.add_row(o.case_id, o.code, o.category, o.status, f"{o.hours_overdue:.1f}")
    out.print(late)
