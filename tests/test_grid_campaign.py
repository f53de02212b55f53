"""One-click campaigns, command dispatch and the grid kept in a store."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from govflow import Engine, SimClock
from govflow.errors import GridError, PermissionDenied
from govflow.grid import Grid, Identity, generate_district
from govflow.grid.campaign import campaign_status, cancel_campaign, start_campaign
from govflow.grid.dispatch import dispatch_order, order_status
from govflow.grid.duty import actor_for
from govflow.grid.persist import load_from_store, save_to_store
from govflow.grid.routing import grid_actions
from govflow.records import Actor
from govflow.store.base import Store
from govflow.store.memory import MemoryStore

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows.yaml"
COMMANDER = Actor.of("command-centre", "commander")


@pytest.fixture(scope="module")
def grid() -> Grid:
    return generate_district(seed=0)


def _engine(grid: Grid, clock: SimClock, store: Store | None = None) -> Engine:
    return Engine(WORKFLOWS, store=store or MemoryStore(), clock=clock, grid=grid,
                  actions=grid_actions(grid))


def _check_in(engine: Engine, grid: Grid, tasks: dict[str, str], cell: str) -> None:
    worker = actor_for(grid, grid.people_under(cell, Identity.GRID_WORKER)[0])
    engine.fire(tasks[cell], "check_in", actor=worker)


def test_campaign_over_the_district_rolls_up_per_tier(
    grid: Grid, clock: SimClock, store: Store
) -> None:
    """934 tasks open at once; the on-post rate per cell, community, street and district
    matches a hand count as cells check in on time and late."""
    engine = _engine(grid, clock, store)
    campaign = start_campaign(engine, grid, grid.root, name="防汛到岗", actor=COMMANDER)
    assert campaign.tasks == 934
    assert campaign.due_at == campaign.opened_at + timedelta(hours=1)
    tasks = {c.cell: c.id for c in engine.store.iter_cases()
             if c.data.get("campaign") == campaign.id}
    assert len(tasks) == 934
    # hand count: community A (all its cells) and one cell of community B in street 1 on
    # time; one cell of street 2 checks in after the hour
    community_a, community_b = "410102001001", "410102001002"
    a_cells = grid.cells_under(community_a)
    b_cells = grid.cells_under(community_b)
    for cell in [*a_cells, b_cells[0]]:
        _check_in(engine, grid, tasks, cell)
    engine.run_until(clock.now() + timedelta(minutes=61))
    late_cell = grid.cells_under("410102002")[0]
    _check_in(engine, grid, tasks, late_cell)

    status = campaign_status(engine, grid, campaign.id)
    on_time = len(a_cells) + 1
    street_1 = len(grid.cells_under("410102001"))
    assert status[community_a].rate == 1.0
    assert (status[community_b].required, status[community_b].on_post) == (len(b_cells), 1)
    assert status[community_b].rate == pytest.approx(1 / len(b_cells))
    assert (status["410102001"].required, status["410102001"].on_post) == (street_1, on_time)
    street_2 = status["410102002"]
    assert (street_2.on_post, street_2.late) == (0, 1) and street_2.rate == 0.0
    district = status[grid.root]
    assert (district.required, district.on_post, district.late, district.open) == (
        934, on_time, 1, 934 - on_time - 1)
    assert district.rate == pytest.approx(on_time / 934)
    assert status[a_cells[0]].tier == 3 and status[a_cells[0]].rate == 1.0
    assert len(status) == len(grid)

    cancelled = cancel_campaign(engine, grid, campaign.id, actor=COMMANDER, reason="警报解除")
    assert cancelled == 934 - on_time - 1
    after = campaign_status(engine, grid, campaign.id)[grid.root]
    assert (after.open, after.cancelled, after.on_post) == (0, cancelled, on_time)
    cancel_event = engine.history(tasks[grid.cells()[-1]])[-1]
    assert cancel_event.trigger == "cancel" and cancel_event.reason == "警报解除"


def test_campaign_warns_every_tier_at_once(grid: Grid, clock: SimClock) -> None:
    """Starting a campaign on a street tells the person on duty for the street, each of its
    communities and each of its cells, in one go."""
    engine = _engine(grid, clock)
    street = "410102003"
    campaign = start_campaign(engine, grid, street, name="核酸检测", actor=COMMANDER,
                              deadline=timedelta(minutes=30))
    alerts = [m for m in engine.store.pending_messages(10_000) if m.kind == "campaign_alert"]
    assert campaign.alerts == len(alerts) == len(grid.subtree(street))
    assert {m.recipient for m in alerts} == {grid.on_duty(n) for n in grid.subtree(street)}
    assert campaign.tasks == len(grid.cells_under(street))
    assert campaign.due_at == campaign.opened_at + timedelta(minutes=30)


def test_campaign_on_unknown_node_is_a_clear_error(grid: Grid, clock: SimClock) -> None:
    """A campaign on a node the grid lacks names the node and opens nothing."""
    engine = _engine(grid, clock)
    with pytest.raises(GridError, match="unknown node '410102099'"):
        start_campaign(engine, grid, "410102099", name="x", actor=COMMANDER)
    assert list(engine.store.iter_cases()) == []
    with pytest.raises(GridError, match="no campaign"):
        campaign_status(engine, grid, "c000")
    with pytest.raises(GridError, match=r"no campaign 'c000'.*govflow campaign start"):
        cancel_campaign(engine, grid, "c000", actor=COMMANDER, reason="x")


def test_dispatch_order_reaches_each_person_and_escalates_the_silent(
    grid: Grid, clock: SimClock
) -> None:
    """An order to every building head and doctor of a community is one case per person;
    those who do not acknowledge within 2 hours are escalated up the chain."""
    engine = _engine(grid, clock)
    community = "410102004002"
    wanted = Identity.BUILDING_HEAD | Identity.COMMUNITY_DOCTOR
    people = grid.people_under(community, wanted)
    order = dispatch_order(engine, grid, community, wanted, text="今晚20:00前排查燃气阀门",
                           actor=COMMANDER)
    assert set(order.cases) == {p.id for p in people}
    sent = [m for m in engine.store.pending_messages(10_000) if m.kind == "order"]
    assert {m.recipient for m in sent} == {p.id for p in people}
    first = people[0]
    engine.fire(order.cases[first.id], "acknowledge", actor=actor_for(grid, first))
    engine.run_until(clock.now() + timedelta(hours=2, minutes=1))
    status = order_status(engine, order.id)
    assert status == {"acknowledged": 1, "sent": len(people) - 1,
                      "escalated": len(people) - 1}
    silent = engine.case(order.cases[people[1].id])
    assert silent.owner == grid.parent_of(people[1].home)


def test_dispatch_to_nobody_is_an_error(grid: Grid, clock: SimClock) -> None:
    """An order whose identities match nobody under the node is refused."""
    engine = _engine(grid, clock)
    cell = "410102001001001"
    with pytest.raises(GridError, match="nothing to dispatch"):
        dispatch_order(engine, grid, cell, Identity.COMMUNITY_POLICE, text="x", actor=COMMANDER)


def test_grid_round_trips_through_a_store(grid: Grid, store: Store) -> None:
    """save_grid/load_grid keep nodes, people (identities) and the duty chain."""
    if isinstance(store, MemoryStore):
        with pytest.raises(GridError, match="keeps no grid"):
            save_to_store(store, grid)
        return
    save_to_store(store, grid)
    loaded = load_from_store(store)
    assert loaded.nodes() == grid.nodes()
    assert [(p.id, p.home, p.identities) for p in loaded.people()] == [
        (p.id, p.home, p.identities) for p in grid.people()]
    assert sorted(loaded.duties, key=str) == sorted(grid.duties, key=str)
    assert loaded.on_duty("410102001001001") == grid.on_duty("410102001001001")


NATIVE = """\
roles: [grid_worker, cadre, commander]
workflows:
  drill:
    version: 1
    initial: assigned
    states:
      assigned:
        on_enter: [warn_tiers]
        deadline: {limit: 1 hours}
      on_post: {final: true}
      cancelled: {final: true}
    transitions:
      - {trigger: check_in, from: assigned, to: on_post, roles: [grid_worker, cadre]}
      - {trigger: cancel, from: assigned, to: cancelled, roles: [commander]}
"""


def test_alerts_ride_on_the_tasks_when_the_workflow_asks(
    grid: Grid, clock: SimClock, tmp_path: Path
) -> None:
    """With warn_tiers on the initial state, each node's alert is written by the task that
    carries it, in the tasks' own transactions: one per node, none twice."""
    path = tmp_path / "drill.yaml"
    path.write_text(NATIVE, encoding="utf-8")
    engine = Engine(path, store=MemoryStore(), clock=clock, grid=grid,
                    actions=grid_actions(grid))
    street = "410102006"
    campaign = start_campaign(engine, grid, street, name="演练", workflow="drill",
                              actor=COMMANDER)
    alerts = [m for m in engine.store.pending_messages(10_000) if m.kind == "campaign_alert"]
    assert campaign.alerts == len(alerts) == len(grid.subtree(street))
    assert sorted(m.payload["node"] for m in alerts) == grid.subtree(street)
    assert all(engine.case(m.case_id).rev == 1 for m in alerts)


def test_campaign_and_order_check_role_and_scope_before_opening(
    grid: Grid, clock: SimClock
) -> None:
    """No open role, or a scope that does not cover the node: PermissionDenied, nothing open;
    a commander scoped to the street may start one on a community of it."""
    engine = _engine(grid, clock)
    street, community = "410102001", "410102001001"
    worker = Actor.of("li", "grid_worker")
    local = Actor.of("cc-1", "commander", scope=community)
    with pytest.raises(PermissionDenied, match="may not open 'emergency_task'"):
        start_campaign(engine, grid, community, name="x", actor=worker)
    with pytest.raises(PermissionDenied, match="not for all of '410102001'"):
        start_campaign(engine, grid, street, name="x", actor=local)
    with pytest.raises(PermissionDenied, match="may not open 'command_order'"):
        dispatch_order(engine, grid, community, Identity.BUILDING_HEAD, text="x", actor=worker)
    with pytest.raises(PermissionDenied, match="nothing was opened"):
        dispatch_order(engine, grid, street, Identity.BUILDING_HEAD, text="x", actor=local)
    assert list(engine.store.iter_cases()) == []
    scoped = Actor.of("cc-2", "commander", scope=street)
    campaign = start_campaign(engine, grid, community, name="x", actor=scoped)
    assert campaign.tasks == len(grid.cells_under(community))


def test_a_campaign_failing_part_way_leaves_no_open_task(
    grid: Grid, clock: SimClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The third commit fails: the tasks of the first two are cancelled, none stays open."""
    engine = _engine(grid, clock)
    real = engine.open_cases
    calls: list[int] = []

    def flaky(requests: Any, **kw: Any) -> list[str]:
        calls.append(1)
        if len(calls) == 3:
            raise OSError("store went away")
        return real(requests, **kw)

    monkeypatch.setattr(engine, "open_cases", flaky)
    with pytest.raises(OSError, match="store went away"):
        start_campaign(engine, grid, "410102001", name="x", actor=COMMANDER, batch=10)
    cases = list(engine.store.iter_cases())
    assert len(cases) == 20
    assert {c.state for c in cases} == {"cancelled"}


def test_an_order_whose_hand_out_fails_leaves_no_open_order(
    grid: Grid, clock: SimClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The messages cannot be written: every order opened is cancelled again."""
    engine = _engine(grid, clock)

    def broken(*args: Any, **kw: Any) -> None:
        raise OSError("outbox full")

    monkeypatch.setattr(engine, "note", broken)
    with pytest.raises(OSError, match="outbox full"):
        dispatch_order(engine, grid, "410102004002", Identity.BUILDING_HEAD, text="x",
                       actor=COMMANDER, batch=3)
    cases = list(engine.store.iter_cases())
    assert cases and {c.state for c in cases} == {"cancelled"}
