"""Day 10: the emergency campaign on the whole district and the volunteers matched to posts.

One click (:func:`~govflow.grid.campaign.start_campaign`) opens an ``emergency_task`` on every
cell (on post within 1 hour) and warns every tier. The posts the emergency needs (order
keeping in every cell; first aid and delivery in every community) are filled by the
matching kernel with volunteers who hold every required tag, nearest first; each place
becomes a recruitment order (a ``command_order`` case for the volunteer, acknowledged in
the platform). Two hours later the volunteers who have not answered are replaced by
matching again on who is left (:func:`~govflow.kernels.matching.rematch`).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from govflow.demo.staff import Staff
from govflow.engine.requests import FireRequest, OpenRequest
from govflow.grid import Grid, Identity
from govflow.grid.campaign import Campaign, campaign_status, start_campaign
from govflow.grid.dispatch import RECRUITMENT
from govflow.grid.people import SKILLS
from govflow.records import Actor, Case

CAMPAIGN_NAME = "防汛应急: 1 小时到岗"
SKILL_SHIFT = 40  # skill tags sit above the identity bits in the matching bitmask
VOLUNTEER = int(Identity.VOLUNTEER)


def skill(name: str) -> int:
    return 1 << (SKILL_SHIFT + SKILLS.index(name))


#: (post name, required tags, headcount, priority, tier: 3 = every cell, 2 = every community)
POSTS = (
    ("秩序维护", VOLUNTEER, 1, 0, 3),
    ("医疗救护", VOLUNTEER | skill("first_aid"), 1, 1, 2),
    ("物资配送", VOLUNTEER | skill("driving"), 1, 0, 2),
)


@dataclass
class Mobilisation:
    """What the campaign and the matching did."""

    campaign: Campaign
    volunteers: int = 0
    available: int = 0
    places: int = 0
    filled: int = 0
    travel: int = 0
    replaced: int = 0
    refilled: int = 0
    unanswered: int = 0
    orders: dict[str, str] = field(default_factory=dict)  # volunteer id → order case id
    status: dict[str, Any] = field(default_factory=dict)
    state: Any = None


def _columns(grid: Grid, seed: int) -> tuple[Any, Any, list[str], list[str]]:
    from govflow.kernels.matching import Posts, Volunteers

    arrays = grid.to_arrays()
    people = sorted((p for p in grid.people() if Identity.VOLUNTEER in p.identities),
                    key=lambda p: p.id)
    rng = random.Random(f"{seed}|availability")
    tags = np.array([int(p.identities) | sum(skill(s) for s in p.skills) for p in people],
                    dtype=np.uint64)
    vols = Volunteers.of(tags, [arrays.index[p.home] for p in people],
                         available=[rng.random() < 0.85 for _ in people])
    p_tags: list[int] = []
    p_node: list[int] = []
    p_head: list[int] = []
    p_prio: list[int] = []
    names: list[str] = []
    for code in arrays.codes:
        tier = int(arrays.tier[arrays.index[code]])
        for name, need, head, prio, at in POSTS:
            if tier == at:
                p_tags.append(need)
                p_node.append(arrays.index[code])
                p_head.append(head)
                p_prio.append(prio)
                names.append(f"{name}@{code}")
    posts = Posts.of(np.array(p_tags, dtype=np.uint64), p_node, p_head, p_prio)
    return vols, posts, [p.id for p in people], names


def start(engine: Any, grid: Grid, staff: Staff, seed: int) -> Mobilisation:
    """Start the campaign, match volunteers to its posts and send the recruitment orders."""
    from govflow.kernels.matching import match

    commander = staff.desk["commander"]
    campaign = start_campaign(engine, grid, grid.root, name=CAMPAIGN_NAME, actor=commander)
    vols, posts, ids, names = _columns(grid, seed)
    assignment = match(vols, posts, grid.to_arrays().parent)
    result = Mobilisation(campaign, len(vols), int(vols.available.sum()),
                          int(posts.headcount.sum()), assignment.filled, assignment.travel)
    result.state = (vols, posts, ids, names, assignment)
    _send(engine, grid, commander, result, assignment.volunteer, assignment.post, 1)
    return result


def _send(engine: Any, grid: Grid, commander: Actor, result: Mobilisation, volunteer: Any,
          post: Any, round_: int) -> None:
    _, _, ids, names, _ = result.state
    requests = []
    for v, p in zip(volunteer.tolist(), post.tolist(), strict=True):
        person = grid.person(ids[v])
        cell = person.home if grid.tier(person.home) == 3 else grid.cells_under(person.home)[0]
        requests.append(OpenRequest(
            "command_order", cell, RECRUITMENT,
            {"order": f"recruit-{round_}", "person": person.id, "round": round_,
             "post": names[p], "text": f"应急招募: {names[p]}"},
            "mobilise", person.home, None, commander))
    opened = engine.open_cases(requests, actor=commander, batch=200)
    for req, case_id in zip(requests, opened, strict=True):
        result.orders[str((req.data or {})["person"])] = case_id


def _silent(result: Mobilisation, open_cases: Mapping[str, Case]) -> list[str]:
    """Volunteers whose order is still open and not acknowledged (``open_cases``: by id)."""
    return sorted(pid for pid, cid in result.orders.items()
                  if cid in open_cases and open_cases[cid].state == "sent")


def _cancel(engine: Any, staff: Staff, result: Mobilisation, people: list[str],
            reason: str) -> None:
    commander = staff.desk["commander"]
    engine.fire_many([FireRequest(result.orders[pid], "cancel", commander, None, reason)
                      for pid in people], batch=200)


def replace_silent(engine: Any, grid: Grid, staff: Staff, result: Mobilisation,
                   open_cases: Mapping[str, Case]) -> None:
    """Cancel the orders nobody acknowledged and match their places again."""
    from govflow.kernels.matching import rematch

    vols, posts, ids, names, previous = result.state
    index = {pid: k for k, pid in enumerate(ids)}
    silent = _silent(result, open_cases)
    if not silent:
        return
    _cancel(engine, staff, result, silent, "未响应, 重新匹配")
    again = rematch(vols, posts, grid.to_arrays().parent, previous, [index[p] for p in silent])
    kept = previous.filled - len(silent)
    result.replaced = len(silent)
    result.refilled = again.filled - kept
    result.state = (vols, posts, ids, names, again)
    _send(engine, grid, staff.desk["commander"], result, again.volunteer[kept:],
          again.post[kept:], 2)


def close_orders(engine: Any, staff: Staff, result: Mobilisation,
                 open_cases: Mapping[str, Case]) -> None:
    """The emergency is over: orders still unanswered are cancelled (no third round)."""
    silent = _silent(result, open_cases)
    result.unanswered = len(silent)
    if silent:
        _cancel(engine, staff, result, silent, "应急结束, 未响应")


def finish(engine: Any, grid: Grid, result: Mobilisation) -> None:
    """Keep the campaign's on-post figures per node (到岗率)."""
    result.status = campaign_status(engine, grid, result.campaign.id)


