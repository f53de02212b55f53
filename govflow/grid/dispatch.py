"""Command dispatch down the tiers (指挥调度垂直化): one tracked order per addressee.

An order to every person with given identities under a node (e.g. every building head and
community doctor of a street) becomes one ``command_order`` case per person, owned by the
person's home node and placed on their cell (or the first cell of their home). Each person is
sent the order; acknowledging is the workflow's ``acknowledge`` trigger. An order not
acknowledged by its deadline is escalated by the engine up the duty chain.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from govflow.engine.requests import OpenRequest
from govflow.errors import GridError, Problem
from govflow.grid.bulk import check_may_open, open_all
from govflow.grid.model import CELL_TIER, Identity
from govflow.grid.notices import post
from govflow.grid.tree import Grid
from govflow.records import Actor

CATEGORY = "command_order"
#: category of the recruitment orders sent to matched volunteers (社会动员精准化)
RECRUITMENT = "recruitment"


@dataclass(frozen=True, slots=True)
class Order:
    """A dispatched order: its id and the case opened for each addressee."""

    id: str
    node: str
    text: str
    opened_at: datetime
    cases: dict[str, str]  # person id → case id


def dispatch_order(engine: Any, grid: Grid, node: str, identities: Identity | int, *,
                   text: str, deadline: timedelta | None = None, actor: Actor,
                   workflow: str = "command_order", batch: int = 1000) -> Order:
    """Send ``text`` to every person under ``node`` holding any of ``identities``."""
    check_may_open(engine, grid, node, workflow, actor)
    people = grid.people_under(node, identities)
    if not people:
        raise GridError([Problem("<order>", None, "", f"nobody under {node!r} holds "
                                 f"{Identity(int(identities)).names()}; nothing to dispatch")])
    now: datetime = engine.clock.now()
    oid = "o" + secrets.token_hex(6)
    spec = engine.workflow(workflow)
    limit = spec.states[spec.initial].deadline
    limit_field = limit.limit_field if limit is not None else None
    requests = []
    for person in people:
        cell = person.home if grid.tier(person.home) == CELL_TIER else (
            grid.cells_under(person.home) or [person.home])[0]
        data: dict[str, Any] = {"order": oid, "person": person.id, "text": text}
        if deadline is not None:
            data["due"] = (now + deadline).isoformat()
            if limit_field:
                data[limit_field] = f"{deadline.total_seconds() / 60:g} min"
        requests.append(OpenRequest(workflow, cell, CATEGORY, data, "dispatch", person.home,
                                    now, actor))

    def hand_out(ids: list[str]) -> dict[str, str]:
        cases = {p.id: cid for p, cid in zip(people, ids, strict=True)}
        post(engine, ids[0], "order", [(p.id, {"order": oid, "case": cases[p.id],
                                               "text": text}) for p in people], actor)
        return cases

    _, cases = open_all(engine, requests, actor=actor, batch=batch, then=hand_out)
    return Order(oid, node, text, now, cases)


def order_status(engine: Any, order_id: str) -> dict[str, int]:
    """How many addressees are in each state, plus how many were escalated."""
    out: dict[str, int] = {}
    for case in engine.store.iter_cases():
        if case.data.get("order") == order_id:
            out[case.state] = out.get(case.state, 0) + 1
            if case.escalation:
                out["escalated"] = out.get("escalated", 0) + 1
    return out
