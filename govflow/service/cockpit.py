"""The leadership cockpit (领导驾驶舱) served live: the page at ``/``, its static files, the
grid's polygons and the JSON it is drawn from.

- ``GET /``: the page (``govflow/cockpit/static/index.html``), offline: ECharts is vendored
- ``GET /static/{path}``: the page's scripts, styles and the vendored ECharts
- ``GET /api/v1/grid.geojson``: every node's polygon with its code, name and tier
- ``GET /api/v1/cockpit/version``: the reading's generation (cheap; the page polls it)
- ``GET /api/v1/cockpit/nodes/{code}``: one level of the drill-down (KPIs with formulas,
  the tier's bars, overdue list, top categories, hotspots); ``days`` and ``until`` set the
  window
- ``GET /api/v1/cockpit/map``: per cell, the KPIs the map is coloured by
- ``GET /api/v1/cockpit/panels/{code}``: campaigns, dispatch, recruitment, public opinion
- ``GET /api/v1/cockpit/cells/{code}/cases`` and ``GET /api/v1/cockpit/cases/{id}``: a
  cell's cases and one case's timeline
- ``GET /api/v1/cockpit/settings``: the district's KPI formulas

Reads are anonymous (a wall screen in the command centre has no key); a request that carries
a key sees only the nodes and cases its grid scope covers. The KPI formulas come from
``$GOVFLOW_COCKPIT_SETTINGS`` or ``cockpit.yaml`` beside the workflows file, else defaults.

The case columns are kept in ``$GOVFLOW_COCKPIT_CACHE`` (a file; ``off`` for none), by
default beside a SQLite store's file (``govflow.db.cockpit.npz``), so a restarted server
answers after reading only the cases that changed while it was down. The server takes
that first reading (and loads the kernel) before it accepts requests, for at most
``$GOVFLOW_COCKPIT_WARM_WAIT`` seconds (default 60).
"""

from __future__ import annotations

import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse

from govflow.service.context import OptionalActor, ServiceContext

STATIC = Path(__file__).resolve().parents[1] / "cockpit" / "static"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".html": "text/html; charset=utf-8", ".json": "application/json"}


class _State:
    """The grid, the formulas and the live cockpit, made on first use (or at start-up)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._live: Any = None
        self._geojson: bytes | None = None
        self._lock = threading.Lock()
        #: set once the first reading is there and the kernel is loaded
        self.warmed = threading.Event()

    def settings_path(self) -> Path | None:
        named = os.environ.get("GOVFLOW_COCKPIT_SETTINGS")
        if named:
            return Path(named)
        beside = Path(self.ctx.config.workflows).parent / "cockpit.yaml"
        return beside if beside.exists() else None

    def cache_path(self) -> Path | None:
        named = os.environ.get("GOVFLOW_COCKPIT_CACHE")
        if named:
            return None if named.lower() in ("off", "none", "0") else Path(named)
        store = self.ctx.store
        if getattr(store, "backend", None) != "sqlite":
            return None
        from sqlalchemy.engine import make_url

        database = make_url(str(getattr(store, "url", ""))).database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return Path(database + ".cockpit.npz")

    def live(self) -> Any:
        if self._live is None:
            with self._lock:
                if self._live is None:
                    from govflow.cockpit.formulas import Formulas
                    from govflow.cockpit.live import LiveCockpit
                    from govflow.grid.persist import load_from_store

                    grid = load_from_store(self.ctx.store)
                    self._live = LiveCockpit(self.ctx.store, grid,
                                             Formulas.load(self.settings_path()),
                                             cache=self.cache_path())
        return self._live

    def geojson(self) -> bytes:
        if self._geojson is None:
            import json

            from govflow.grid.geojson import feature_collection

            data = feature_collection(self.live().grid.nodes())
            self._geojson = json.dumps(data, ensure_ascii=False,
                                       separators=(",", ":")).encode()
        return self._geojson

    def warm(self) -> None:
        """Read the grid and the first reading before the first request asks, and load the
        aggregation kernel (numba) and the views on a throwaway one-day window, so that the
        first request pays only for its own figures."""
        try:
            from govflow.cockpit.views import map_view, node_view

            live = self.live()
            throwaway = live.cockpit(1.0, live.reading().end - 7 * 86400)
            node_view(throwaway, throwaway.root, self.ctx.zone)
            map_view(throwaway)
        except Exception:  # no grid yet, or the store is down: the first request says so
            return
        finally:
            self.warmed.set()


def _warm_wait() -> float:
    """Seconds the server waits for the cockpit's first reading before it accepts requests
    (``$GOVFLOW_COCKPIT_WARM_WAIT``, default 60; 0: accept at once, the first cockpit request
    then waits for the reading)."""
    raw = os.environ.get("GOVFLOW_COCKPIT_WARM_WAIT", "60")
    try:
        return max(float(raw), 0.0)
    except ValueError:
        raise ValueError(f"GOVFLOW_COCKPIT_WARM_WAIT must be a number of seconds, "
                         f"got {raw!r}") from None


def _until(value: str | None) -> int | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, f"until must be an ISO time with offset, got {value!r}") \
            from None
    if moment.tzinfo is None:
        raise HTTPException(422, f"until needs a UTC offset (e.g. +08:00), got {value!r}")
    return int(moment.timestamp())


def router(ctx: ServiceContext) -> APIRouter:
    api = APIRouter(tags=["cockpit"])
    state = _State(ctx)
    ctx.extras[__name__] = state
    zone = ctx.zone
    wait = _warm_wait()
    threading.Thread(target=state.warm, daemon=True, name="cockpit-warm").start()
    # the page's first figures must come within a second: take the first reading (from the
    # columns kept in the file, plus what changed since) before the server accepts requests
    state.warmed.wait(wait)

    def cockpit(days: float, until: str | None) -> Any:
        return state.live().cockpit(days, _until(until))

    def node_of(cp: Any, code: str, actor: Any) -> str:
        if code not in cp.index:
            raise HTTPException(404, f"no grid node {code!r}; /api/v1/grid.geojson lists "
                                     f"the codes")
        if actor is not None and actor.scope and not any(
                code.startswith(s) for s in actor.scope):
            raise HTTPException(403, f"actor {actor.id!r} answers for "
                                     f"{', '.join(actor.scope)}, not {code!r}")
        return code

    @api.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type=_TYPES[".html"],
                            headers={"Cache-Control": "no-cache"})

    @api.get("/static/{path:path}", include_in_schema=False)
    def static(path: str) -> FileResponse:
        target = (STATIC / path).resolve()
        if not target.is_relative_to(STATIC) or not target.is_file():
            raise HTTPException(404, f"no static file {path!r}")
        return FileResponse(target, media_type=_TYPES.get(target.suffix),
                            headers={"Cache-Control": "max-age=3600"})

    @api.get("/api/v1/grid.geojson", summary="the grid's polygons (GeoJSON)")
    def grid_geojson() -> Response:
        return Response(state.geojson(), media_type="application/geo+json")

    @api.get("/api/v1/cockpit/version", summary="the cockpit's change counter (poll it)")
    def version(request: Request) -> Response:
        r = state.live().reading()
        tag = f'"{r.generation}-{r.digest}"'
        if request.headers.get("if-none-match") == tag:
            return Response(status_code=304, headers={"ETag": tag})
        return JSONResponse({"generation": r.generation, "digest": r.digest,
                             "read_at": datetime.fromtimestamp(r.read_at, zone).isoformat(),
                             "read_seconds": round(r.seconds, 3), "cases": len(r.snapshot),
                             "read_from": r.source,
                             "warm": state.warmed.is_set()},
                            headers={"ETag": tag, "Cache-Control": "no-cache"})

    @api.get("/api/v1/cockpit/settings", summary="the district's KPI formulas")
    def settings() -> dict[str, Any]:
        live = state.live()
        return {"kpis": live.formulas.describe(), "zone": str(zone),
                "settings_file": str(state.settings_path() or "") or None}

    @api.get("/api/v1/cockpit/nodes/{code}", summary="one level: KPIs, bars, lists")
    def node(code: str, actor: OptionalActor, days: float = Query(30.0, gt=0, le=3660),
             until: str | None = None) -> dict[str, Any]:
        from govflow.cockpit.views import node_view

        cp = cockpit(days, until)
        out = node_view(cp, node_of(cp, code, actor), zone)
        out["generation"] = state.live().reading().generation
        return out

    @api.get("/api/v1/cockpit/map", summary="per cell: the KPIs the map is coloured by")
    def cells_map(days: float = Query(30.0, gt=0, le=3660),
                  until: str | None = None) -> dict[str, Any]:
        from govflow.cockpit.views import map_view

        return map_view(cockpit(days, until))

    @api.get("/api/v1/cockpit/panels/{code}", summary="campaigns, dispatch, recruitment, 舆情")
    def panel(code: str, actor: OptionalActor, days: float = Query(30.0, gt=0, le=3660),
              until: str | None = None) -> dict[str, Any]:
        from govflow.cockpit.panels import panels

        live = state.live()
        reading = live.reading()
        cp = live.cockpit(days, _until(until), reading)
        return panels(reading, cp, node_of(cp, code, actor), zone, ctx.store)

    @api.get("/api/v1/cockpit/cells/{code}/cases", summary="one cell's cases")
    def cell_cases(code: str, actor: OptionalActor, days: float = Query(30.0, gt=0, le=3660),
                   until: str | None = None) -> dict[str, Any]:
        from govflow.cockpit.cases import cell_cases as cases_of

        cp = cockpit(days, until)
        node_of(cp, code, actor)
        if int(cp.tier[cp.node(code)]) != int(cp.tier.max()):
            raise HTTPException(422, f"{code!r} is not a cell (三级网格)")
        return cases_of(cp, ctx.store, code, zone)

    @api.get("/api/v1/cockpit/cases/{case_id}", summary="one case's timeline")
    def case_timeline(case_id: str, actor: OptionalActor) -> dict[str, Any]:
        from govflow.cockpit.cases import timeline

        found = timeline(ctx.store, case_id, zone, engine=ctx.engine)
        cell = str(found["case"]["cell"])
        if actor is not None and actor.scope and not any(cell.startswith(s)
                                                         for s in actor.scope):
            raise HTTPException(403, f"actor {actor.id!r} may not read case {case_id!r}")
        return found

    return api
