"""The cockpit's figures as plain JSON-ready dicts: one node's KPIs (with their formulas),
its tier's bars, the overdue list, the top categories, the map's colours per cell.

The page's JSON endpoints, the HTML snapshot and the terminal view all take their figures
from here (shown through :func:`govflow.cockpit.terminal.fmt`), so they never disagree.
Times are shown in the calendar's zone (Asia/Shanghai by default).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from govflow.cockpit.kpi import TIER_LABELS, TIER_NAMES, Cockpit
from govflow.cockpit.terminal import fmt
from govflow.kernels.figures import FIELDS

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: the KPIs a map can be coloured by (key → whether higher is better)
MAP_KPIS = {"on_time_rate": True, "backlog": False, "red": False, "rework_rate": False,
            "on_post_rate": True}


def local(seconds: int | float, zone: tzinfo = SHANGHAI) -> str:
    """Epoch seconds as an ISO time in ``zone``."""
    return datetime.fromtimestamp(seconds, UTC).astimezone(zone).isoformat(timespec="seconds")


def number(value: float) -> float | None:
    """JSON has no NaN: an undefined rate is ``null``."""
    return None if isinstance(value, float) and math.isnan(value) else round(float(value), 6)


def window(cockpit: Cockpit, zone: tzinfo = SHANGHAI) -> dict[str, Any]:
    return {"from": local(cockpit.t0, zone), "to": local(cockpit.t1, zone),
            "days": round((cockpit.t1 - cockpit.t0) / 86400, 3),
            "zone": str(getattr(zone, "key", zone))}


def _side(cockpit: Cockpit, terms: tuple[tuple[int, str], ...], i: int) -> int:
    total = 0.0
    for sign, name in terms:
        src = cockpit.figures[name] if name in FIELDS else cockpit.values[name]
        total += sign * float(src[i])
    return int(total)


def kpis(cockpit: Cockpit, code: str) -> list[dict[str, Any]]:
    """Every KPI of one node: value, as shown, its formula and the two sides of a rate."""
    i = cockpit.node(code)
    out = []
    for f in cockpit.formulas:
        value = float(cockpit.values[f.key][i])
        item: dict[str, Any] = {
            "key": f.key, "label": f.label, "formula": f.text, "rate": f.is_rate,
            "value": number(value), "shown": fmt(value, "%" if f.is_rate else "d"),
        }
        if f.denominator is not None:
            item["numerator"] = _side(cockpit, f.numerator, i)
            item["denominator"] = _side(cockpit, f.denominator, i)
        out.append(item)
    for key, label, series in (("mean_hours", "平均办理(时) mean h",
                                cockpit.mean_hours()),
                               ("p90_hours", "P90 办理(时) p90 h", cockpit.p90_hours())):
        value = float(series[i])
        out.append({"key": key, "label": label, "formula": "closed − opened of cases closed "
                    "in the window" if key == "mean_hours" else "90th percentile (±3.1 %)",
                    "rate": False, "value": number(value), "shown": fmt(value, "h")})
    return out


def _path(cockpit: Cockpit, code: str) -> list[dict[str, str]]:
    chain = []
    i = cockpit.node(code)
    while i >= 0:
        chain.append({"code": cockpit.codes[i], "name": cockpit.names[i],
                      "tier": TIER_LABELS[int(cockpit.tier[i])]})
        i = int(cockpit.parent[i])
    return chain[::-1]


def bars(cockpit: Cockpit, code: str, keys: tuple[str, ...] = ("on_time_rate", "backlog",
                                                                 "red", "overdue")
         ) -> list[dict[str, Any]]:
    """One row per child of ``code`` (the next tier down), in code order."""
    rows = []
    for child in cockpit.children(code):
        k = cockpit.node(child)
        rows.append({"code": child, "name": cockpit.names[k],
                     "values": {key: number(float(cockpit.values[key][k])) for key in keys},
                     "shown": {key: fmt(float(cockpit.values[key][k]),
                                        "%" if cockpit.formulas[key].is_rate else "d")
                               for key in keys}})
    return rows


def node_view(cockpit: Cockpit, code: str | None = None, zone: tzinfo = SHANGHAI, *,
              top: int = 10, overdue: int = 20) -> dict[str, Any]:
    """Everything one level of the drill-down shows."""
    code = code or cockpit.root
    i = cockpit.node(code)
    tier = int(cockpit.tier[i])
    late = [{"case_id": o.case_id, "cell": o.code, "cell_name": cockpit.names[cockpit.node(
                 o.code)], "category": o.category, "state": o.status,
             "hours_overdue": round(o.hours_overdue, 1)}
            for o in cockpit.overdue(code, overdue)]
    return {
        "code": code, "name": cockpit.names[i], "tier": tier, "tier_name": TIER_NAMES[tier],
        "tier_label": TIER_LABELS[tier], "path": _path(cockpit, code),
        "window": window(cockpit, zone), "kpis": kpis(cockpit, code),
        "children_tier": TIER_LABELS[min(tier + 1, len(TIER_LABELS) - 1)],
        "bars": bars(cockpit, code), "overdue": late,
        "overdue_total": int(cockpit.figures["overdue"][i]),
        "categories": [{"category": n, "count": c} for n, c in cockpit.top_categories(code,
                                                                                       top)],
        "hotspots": [{"cell": h.code, "name": h.name, "category": h.category,
                      "count": h.count} for h in cockpit.hotspots(code, n=top)],
        "cases_in_snapshot": len(cockpit.snapshot),
    }


def map_view(cockpit: Cockpit) -> dict[str, Any]:
    """Per cell, the values the map can be coloured by, and each KPI's range."""
    cells = np.flatnonzero(cockpit.tier == cockpit.tier.max())
    out: dict[str, dict[str, float | None]] = {}
    ranges: dict[str, list[float | None]] = {}
    for key in MAP_KPIS:
        series = cockpit.values[key][cells]
        finite = series[np.isfinite(series)]
        ranges[key] = [number(float(finite.min())), number(float(finite.max()))] \
            if finite.size else [None, None]
    for k in cells.tolist():
        out[cockpit.codes[k]] = {key: number(float(cockpit.values[key][k])) for key in MAP_KPIS}
    labels = {key: cockpit.formulas[key].label for key in MAP_KPIS}
    rates = {key: cockpit.formulas[key].is_rate for key in MAP_KPIS}
    return {"cells": out, "ranges": ranges, "labels": labels, "rates": rates,
            "higher_is_better": MAP_KPIS}
