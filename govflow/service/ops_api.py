"""Dead letters (list, re-drive), campaigns (start, status) and command dispatch (send,
acknowledge): thin HTTP over :mod:`govflow.grid.campaign`, :mod:`govflow.grid.dispatch`
and the plugins' intake. Campaigns and orders need the grid kept in the store."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Query, status
from pydantic import Field

from govflow.errors import ServiceError
from govflow.service.context import AdminKey, CurrentActor, ServiceContext
from govflow.service.models import _Body
from govflow.service.views import dead_letter_view, when

if TYPE_CHECKING:
    from govflow.grid.tree import Grid


class StartCampaign(_Body):
    node: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    workflow: str = Field(default="emergency_task", max_length=100)
    minutes: float | None = Field(default=None, gt=0, le=60 * 24 * 30)


class SendOrder(_Body):
    node: str = Field(min_length=1, max_length=32)
    identities: list[str] = Field(min_length=1, max_length=32)
    text: str = Field(min_length=1, max_length=4000)
    minutes: float | None = Field(default=None, gt=0, le=60 * 24 * 30)


def _grid(ctx: ServiceContext) -> Grid:
    from govflow.grid.tree import Grid

    grid = ctx.engine.grid
    if not isinstance(grid, Grid):
        raise ServiceError("this store keeps no grid, so there are no campaigns or orders: "
                           "`govflow grid load FILE --url URL` (or `grid generate --save`), "
                           "then restart the service")
    return grid


def router(ctx: ServiceContext) -> APIRouter:
    api = APIRouter(tags=["operations"])
    engine = ctx.engine
    zone = ctx.zone

    async def locked(work: Any) -> Any:
        import asyncio

        def run() -> Any:
            with ctx.write_lock:
                return work()
        return await asyncio.get_running_loop().run_in_executor(ctx.committer.executor, run)

    # -- dead letters ----------------------------------------------------------------------
    @api.get("/dead-letters", summary="records that could not be taken in, with the reason")
    async def dead_letters(key: AdminKey, source: str | None = None,
                           limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
        letters = await ctx.read(lambda: ctx.store.dead_letters(source, limit=limit))
        return {"dead_letters": [dead_letter_view(d, zone) for d in letters]}

    @api.post("/dead-letters/{letter_id}/redrive",
              summary="take a dead letter in again through its source's rules")
    async def redrive(letter_id: str, key: AdminKey) -> dict[str, Any]:
        return dict(await locked(lambda: _redrive(ctx, letter_id)))

    # -- campaigns -------------------------------------------------------------------------
    @api.post("/campaigns", status_code=status.HTTP_201_CREATED,
              summary="one click: a task on every cell under a node")
    async def start(body: StartCampaign, actor: CurrentActor) -> dict[str, Any]:
        from govflow.grid.campaign import start_campaign

        grid = _grid(ctx)
        deadline = timedelta(minutes=body.minutes) if body.minutes else None
        campaign = await locked(lambda: start_campaign(
            engine, grid, body.node, name=body.name, workflow=body.workflow,
            deadline=deadline, actor=actor))
        return {"id": campaign.id, "name": campaign.name, "node": campaign.node,
                "workflow": campaign.workflow, "opened_at": when(campaign.opened_at, zone),
                "due_at": when(campaign.due_at, zone), "tasks": campaign.tasks,
                "alerts": campaign.alerts}

    @api.get("/campaigns/{campaign_id}", summary="on-post rate (到岗率) per node")
    async def campaign(campaign_id: str, actor: CurrentActor) -> dict[str, Any]:
        from govflow.grid.campaign import campaign_status

        grid = _grid(ctx)
        rates = await ctx.read(lambda: campaign_status(engine, grid, campaign_id))
        return {"id": campaign_id, "nodes": [
            {"node": r.node, "tier": r.tier, "required": r.required, "on_post": r.on_post,
             "late": r.late, "open": r.open, "cancelled": r.cancelled, "rate": r.rate}
            for r in rates.values()]}

    # -- command dispatch ------------------------------------------------------------------
    @api.post("/orders", status_code=status.HTTP_201_CREATED,
              summary="send an order to everyone with these identities under a node")
    async def send(body: SendOrder, actor: CurrentActor) -> dict[str, Any]:
        from govflow.grid.dispatch import dispatch_order
        from govflow.grid.model import Identity

        grid = _grid(ctx)
        try:
            identities = Identity.parse(body.identities)
        except (KeyError, ValueError) as exc:
            raise ServiceError(f"identities {body.identities}: {exc}") from None
        deadline = timedelta(minutes=body.minutes) if body.minutes else None
        order = await locked(lambda: dispatch_order(
            engine, grid, body.node, identities, text=body.text, deadline=deadline,
            actor=actor))
        return {"id": order.id, "node": order.node, "opened_at": when(order.opened_at, zone),
                "cases": order.cases}

    @api.get("/orders/{order_id}", summary="how many addressees are in each state")
    async def order(order_id: str, actor: CurrentActor) -> dict[str, Any]:
        from govflow.grid.dispatch import order_status

        counts = await ctx.read(lambda: order_status(engine, order_id))
        if not counts:
            raise ServiceError(f"no order {order_id!r} in this store")
        return {"id": order_id, "states": counts}

    @api.post("/orders/{order_id}/acknowledge",
              summary="the caller acknowledges its own copy of the order")
    async def acknowledge(order_id: str, actor: CurrentActor) -> dict[str, Any]:
        from govflow.engine.requests import FireRequest
        from govflow.service.views import case_view

        def mine() -> str:
            for case in ctx.store.iter_cases():
                if case.data.get("order") == order_id and case.data.get("person") == actor.id:
                    return case.id
            raise ServiceError(f"order {order_id!r} has no copy for {actor.id!r}")

        case_id = await ctx.read(mine)
        case = await ctx.committer.submit(FireRequest(case_id, "acknowledge", actor))
        return case_view(case, zone)

    return api


def _redrive(ctx: ServiceContext, letter_id: str) -> dict[str, Any]:
    """Feed the dead letter's record to its source's rules again; the old letter is removed
    in the same commit (a record refused again comes back as a new letter with the new
    reason)."""
    from govflow.plugins.intake import Intake
    from govflow.plugins.sources import RawRecord

    store = ctx.store
    letter = next((d for d in store.dead_letters() if d.id == letter_id), None)
    if letter is None:
        raise ServiceError(f"no dead letter {letter_id!r}")
    host = ctx.engine.plugins
    source = host.sources.get(letter.source) if host is not None else None
    if host is None or source is None:
        raise ServiceError(f"dead letter {letter_id!r} came from source {letter.source!r}, "
                           "which no loaded plugin provides (start with --plugins-dir)")
    try:
        payload = json.loads(letter.payload)
    except ValueError as exc:
        raise ServiceError(f"dead letter {letter_id!r} holds no JSON record: {exc}") from None

    found, record_id = source, letter.record_id

    class Again:
        name = found.name
        model = found.model

        def read(self, cursor: str | None) -> Any:
            yield RawRecord(id=record_id, cursor="", payload=payload)

    # the letter goes in the same transaction as what the record becomes (a case, or a new
    # letter with the new reason): a crash or a second re-drive cannot take it in twice
    report = Intake(ctx.engine, host).run(Again(), retire=[letter_id])
    return {"id": letter_id, "taken": report.taken, "dead": report.dead,
            "reasons": dict(report.dead_reasons)}
