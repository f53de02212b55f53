"""The cockpit as ONE self-contained HTML file (``govflow cockpit --html FILE``), made from
the live page's own template (``static/index.html``): its stylesheet, the vendored ECharts and
its script are inlined, and the JSON responses the page would fetch from ``govflow serve``
are embedded (``window.GOVFLOW_SNAPSHOT``) for the district, its streets and communities. No
server, no external URL. Cells, their cases and timelines need the live page.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from govflow.cockpit.kpi import Cockpit

STATIC = Path(__file__).resolve().parent / "static"


def _inline_script(text: str) -> str:
    return "<script>" + text.replace("</script", "<\\/script") + "</script>"


def _swap(page: str, marker: str, replacement: str) -> str:
    start, end = f"<!--{marker}-->", f"<!--/{marker}-->"
    a, b = page.index(start), page.index(end) + len(end)
    return page[:a] + replacement + page[b:]


def responses(cockpit: Cockpit, *, grid: Any = None, reading: Any = None, store: Any = None,
              zone: Any = None, depth: int = 2) -> dict[str, Any]:
    """The page's JSON responses for the nodes down to tier ``depth`` (by request path)."""
    from govflow.cockpit.panels import panels
    from govflow.cockpit.views import SHANGHAI, map_view, node_view
    from govflow.grid.geojson import feature_collection

    zone = zone or SHANGHAI
    days = f"{(cockpit.t1 - cockpit.t0) / 86400:g}"
    q = f"?days={days}"
    out: dict[str, Any] = {f"/api/v1/cockpit/map{q}": map_view(cockpit)}
    if grid is not None:
        out["/api/v1/grid.geojson"] = feature_collection(grid.nodes())
    else:
        out["/api/v1/grid.geojson"] = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": c, "geometry": None,
             "properties": {"code": c, "name": cockpit.names[i],
                            "parent": None if cockpit.parent[i] < 0 else
                            cockpit.codes[int(cockpit.parent[i])],
                            "tier": int(cockpit.tier[i]), "households": 0}}
            for i, c in enumerate(cockpit.codes)]}
    for i, code in enumerate(cockpit.codes):
        if int(cockpit.tier[i]) > depth:
            continue
        out[f"/api/v1/cockpit/nodes/{code}{q}"] = node_view(cockpit, code, zone)
        if reading is not None:
            out[f"/api/v1/cockpit/panels/{code}{q}"] = panels(reading, cockpit, code, zone,
                                                              store)
        else:
            out[f"/api/v1/cockpit/panels/{code}{q}"] = _no_panels()
    return out


def _no_panels() -> dict[str, Any]:
    why = "this snapshot was made without a store (synthetic cases)"
    return {"campaigns": {"campaigns": [], "empty": why},
            "dispatch": {"orders": [], "empty": why},
            "recruitment": {"rounds": [], "posts": 0, "offered": 0, "accepted": 0,
                            "fill_rate": None, "empty": why},
            "opinion": {"topics": [], "total": 0, "empty": why}}


def render_html(cockpit: Cockpit, code: str | None = None, *, grid: Any = None,
                reading: Any = None, store: Any = None) -> str:
    """The page for ``code`` (default: the district) as one string."""
    from govflow.cockpit.views import local

    page = (STATIC / "index.html").read_text(encoding="utf-8")
    snap = {"days": (cockpit.t1 - cockpit.t0) / 86400, "start": code or cockpit.root,
            "made_at": local(time.time()),
            "responses": responses(cockpit, grid=grid, reading=reading, store=store)}
    blob = json.dumps(snap, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    page = _swap(page, "STYLE", "<style>" + (STATIC / "cockpit.css").read_text(
        encoding="utf-8") + "</style>")
    page = _swap(page, "DATA", f"<script>window.GOVFLOW_SNAPSHOT = {blob};</script>")
    page = _swap(page, "ECHARTS", _inline_script(
        (STATIC / "vendor" / "echarts" / "echarts.min.js").read_text(encoding="utf-8")))
    return _swap(page, "SCRIPT", _inline_script((STATIC / "cockpit.js").read_text(
        encoding="utf-8")))


def write_html(cockpit: Cockpit, path: str | Path, code: str | None = None, *,
               grid: Any = None, reading: Any = None, store: Any = None) -> Path:
    """Write the page to ``path`` (UTF-8) and return it."""
    out = Path(path)
    out.write_text(render_html(cockpit, code, grid=grid, reading=reading, store=store),
                   encoding="utf-8")
    return out


def page_data(cockpit: Cockpit, code: str | None = None) -> dict[str, str]:
    """The KPI cards' figures as the page shows them (for tests and tooling)."""
    from govflow.cockpit.views import kpis

    return {k["key"]: k["shown"] for k in kpis(cockpit, code or cockpit.root)}


__all__ = ["page_data", "render_html", "responses", "write_html"]
