"""The JSON API under ``/api/v1``: cases (open, fire, read, history, timers) and the rest.

Every write goes through the engine (the group committer for open and fire); every read
through the store. Handlers that only read are plain functions (run in the thread pool).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Response, status

from govflow.engine.requests import FireRequest, OpenRequest
from govflow.errors import GovflowError
from govflow.records import Case
from govflow.service.context import CurrentActor, ServiceContext
from govflow.service.models import Extend, Fire, OpenCase, Revisit, Supervise
from govflow.service.views import case_view, event_view, timer_view

T = TypeVar("T")


def router(ctx: ServiceContext) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["cases"])
    zone = ctx.zone
    engine = ctx.engine
    metrics = ctx.metrics

    async def locked(work: Callable[[], T]) -> T:
        def run() -> T:
            with ctx.write_lock:
                return work()
        return await asyncio.get_running_loop().run_in_executor(ctx.committer.executor, run)

    @api.post("/cases", status_code=status.HTTP_201_CREATED, summary="open a case")
    async def open_case(body: OpenCase, actor: CurrentActor, response: Response) -> dict[str, Any]:
        req = OpenRequest(body.workflow, body.cell, body.category, dict(body.data), body.source,
                          body.owner, body.at, actor)
        try:
            case = await ctx.committer.submit(req)
        except GovflowError:
            metrics.opens.labels("refused").inc()
            raise
        metrics.opens.labels("ok").inc()
        response.headers["Location"] = f"/api/v1/cases/{case.id}"
        response.headers["ETag"] = f'"{case.rev}"'
        return case_view(case, zone)

    @api.post("/cases/{case_id}/fire", summary="fire a trigger (409 if the version changed)")
    async def fire(case_id: str, body: Fire, actor: CurrentActor,
                   response: Response) -> dict[str, Any]:
        req = FireRequest(case_id, body.trigger, actor, dict(body.data) or None, body.reason,
                          body.version)
        try:
            case = await ctx.committer.submit(req)
        except GovflowError:
            metrics.fires.labels("refused").inc()
            raise
        metrics.fires.labels("ok").inc()
        response.headers["ETag"] = f'"{case.rev}"'
        return case_view(case, zone)

    @api.post("/cases/{case_id}/extend", summary="延期: more work days for the deadline")
    async def extend(case_id: str, body: Extend, actor: CurrentActor) -> dict[str, Any]:
        case = await locked(lambda: engine.extend(case_id, body.workdays, actor=actor,
                                                  reason=body.reason))
        return case_view(case, zone)

    @api.post("/cases/{case_id}/revisit", summary="回访 result (a rebound reopens the case)")
    async def revisit(case_id: str, body: Revisit, actor: CurrentActor) -> dict[str, Any]:
        case = await locked(lambda: engine.record_revisit(case_id, rebound=body.rebound,
                                                          actor=actor, note=body.note))
        return case_view(case, zone)

    @api.post("/cases/{case_id}/supervise", summary="督办: set the supervision level")
    async def supervise(case_id: str, body: Supervise, actor: CurrentActor) -> dict[str, Any]:
        case = await locked(lambda: engine.supervise(case_id, body.level, actor=actor,
                                                     reason=body.reason))
        return case_view(case, zone)

    @api.get("/cases/{case_id}", summary="read a case")
    async def get_case(case_id: str, actor: CurrentActor, response: Response) -> dict[str, Any]:
        case = await ctx.read(lambda: _visible(ctx, case_id, actor))
        response.headers["ETag"] = f'"{case.rev}"'
        return case_view(case, zone)

    @api.get("/cases/{case_id}/history", summary="the case's event log")
    async def history(case_id: str, actor: CurrentActor) -> dict[str, Any]:
        events = await ctx.read(lambda: (_visible(ctx, case_id, actor),
                                         ctx.store.history(case_id))[1])
        return {"case_id": case_id, "events": [event_view(e, zone) for e in events]}

    @api.get("/cases/{case_id}/timers", summary="the case's pending timers")
    async def timers(case_id: str, actor: CurrentActor) -> dict[str, Any]:
        found = await ctx.read(lambda: (_visible(ctx, case_id, actor),
                                        ctx.store.pending_timers(case_id))[1])
        return {"case_id": case_id, "timers": [timer_view(t, zone) for t in found]}

    @api.get("/cases/{case_id}/triggers", summary="the triggers the caller may fire now")
    async def triggers(case_id: str, actor: CurrentActor) -> dict[str, Any]:
        allowed = await ctx.read(lambda: (_visible(ctx, case_id, actor),
                                          engine.allowed_triggers(case_id, actor))[1])
        return {"case_id": case_id, "triggers": allowed}

    from govflow.service import ops_api, search_api

    api.include_router(search_api.router(ctx))
    api.include_router(ops_api.router(ctx))
    return api


def _visible(ctx: ServiceContext, case_id: str, actor: Any) -> Case:
    """The case, if the actor's grid scope covers its cell (else 403, as a write would be)."""
    from govflow.errors import PermissionDenied

    case = ctx.store.get_case(case_id)
    if actor.scope and not any(ctx.engine.grid.is_within(case.cell, n) for n in actor.scope):
        raise PermissionDenied(
            f"actor {actor.id!r} answers for {', '.join(actor.scope)} and may not read case "
            f"{case_id!r} in cell {case.cell!r}", case_id=case_id, actor=actor.id,
            trigger="read")
    return case
