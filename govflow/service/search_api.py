"""Listing and searching cases, and the caller's worklist: store reads, one query a page."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from govflow.errors import ServiceError
from govflow.records import Actor
from govflow.service.context import CurrentActor, ServiceContext
from govflow.service.views import case_view
from govflow.store.query import CasePage, CaseQuery

Light = Annotated[list[str] | None, Query(description="green, yellow or red (repeatable)")]
State = Annotated[list[str] | None, Query(description="a state (repeatable)")]
_LIGHTS = {"green", "yellow", "red"}


def encode_cursor(position: int | None) -> str | None:
    return None if position is None else base64.urlsafe_b64encode(
        f"p{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text[:1] == "p" and text[1:].isdigit():
            return int(text[1:])
    except (ValueError, UnicodeDecodeError):
        pass
    raise ServiceError(f"cursor {cursor!r} is not one this service gave out; use the "
                       "next_cursor of the page before, or none for the first page")


def narrow(subtree: str | None, scope: tuple[str, ...]) -> tuple[str, ...] | None:
    """The nodes a reader may see under ``subtree``: () means nothing, None anything."""
    if not scope:
        return (subtree,) if subtree else None
    if not subtree:
        return scope
    # codes nest by prefix: keep the deeper of each overlapping pair
    return tuple(sorted({subtree if subtree.startswith(n) else n for n in scope
                         if subtree.startswith(n) or n.startswith(subtree)}))


def _aware(name: str, moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise ServiceError(f"{name}={moment.isoformat()} has no zone; add one, e.g. "
                           f"{moment.isoformat()}+08:00")
    return moment


def page_view(ctx: ServiceContext, page: CasePage, extra: dict[str, Any] | None = None,
              triggers: dict[str, list[str]] | None = None) -> dict[str, Any]:
    zone = ctx.zone
    items = []
    for case in page.cases:
        item = case_view(case, zone)
        if triggers is not None:
            item["triggers"] = triggers.get(case.id, [])
        items.append(item)
    return {"cases": items, "count": len(items), "next_cursor": encode_cursor(page.next),
            **(extra or {})}


def router(ctx: ServiceContext) -> APIRouter:
    api = APIRouter(tags=["search"])
    engine = ctx.engine
    max_page = ctx.config.max_page

    @api.get("/cases", summary="list and search cases (cursor pagination)")
    async def list_cases(
        actor: CurrentActor,
        workflow: str | None = None,
        state: State = None,
        category: str | None = None,
        cell: str | None = None,
        under: Annotated[str | None, Query(description="a grid node: cells under it")] = None,
        light: Light = None,
        open: bool | None = None,
        overdue: bool = False,
        opened_after: datetime | None = None,
        opened_before: datetime | None = None,
        updated_after: datetime | None = None,
        updated_before: datetime | None = None,
        cursor: str | None = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    ) -> dict[str, Any]:
        lights = tuple(light or ())
        unknown = set(lights) - _LIGHTS
        if unknown:
            raise ServiceError(f"light {sorted(unknown)}: give green, yellow or red")
        nodes = narrow(under, actor.scope)
        if nodes == ():
            return page_view(ctx, CasePage())
        query = CaseQuery(
            workflow=workflow, states=tuple(state or ()), category=category, cell=cell,
            under=nodes or (), lights=lights, open=open,
            overdue_at=engine.clock.now() if overdue else None,
            opened_after=_aware("opened_after", opened_after),
            opened_before=_aware("opened_before", opened_before),
            updated_after=_aware("updated_after", updated_after),
            updated_before=_aware("updated_before", updated_before),
            after=decode_cursor(cursor), limit=min(limit, max_page))
        return page_view(ctx, await ctx.read(lambda: _search(ctx, query)))

    @api.get("/worklist", summary="the cases the caller may act on now, with their triggers")
    async def worklist(actor: CurrentActor, cursor: str | None = None,
                       limit: Annotated[int, Query(ge=1, le=10_000)] = 100) -> dict[str, Any]:
        after = decode_cursor(cursor)
        return await ctx.read(lambda: worklist_page(ctx, actor, after, min(limit, max_page)))

    return api


def _search(ctx: ServiceContext, query: CaseQuery) -> CasePage:
    search = getattr(ctx.store, "search_cases", None)
    if search is None:
        raise ServiceError(f"the store {ctx.store!r} has no search")
    page: CasePage = search(query)
    return page


def worklist_page(ctx: ServiceContext, actor: Actor, after: int, limit: int) -> dict[str, Any]:
    """Open cases in states where the actor's roles allow a trigger, in its scope, each with
    the triggers it may fire now (guards checked by the engine); cases whose guards all say
    no are left out. Pages are read until ``limit`` cases are found or the store ends."""
    engine = ctx.engine
    pairs = engine.actionable_states(actor)
    found = CasePage()
    triggers: dict[str, list[str]] = {}
    position = after
    while len(found.cases) < limit:
        page = _search(ctx, CaseQuery(open=True, pairs=pairs, under=actor.scope,
                                      after=position, limit=limit))
        allowed = engine.allowed_for(page.cases, actor)
        for case, at in zip(page.cases, page.positions, strict=True):
            if allowed[case.id] and len(found.cases) < limit:
                found.cases.append(case)
                found.positions.append(at)
                triggers[case.id] = allowed[case.id]
        if page.next is None:
            break
        position = page.next
    if len(found.cases) == limit and found.positions:
        found.next = found.positions[-1]
    return page_view(ctx, found, {"actor": actor.id}, triggers)
