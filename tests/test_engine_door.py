"""The engine's door: every bad call is refused before anything is written, on every store.

Each refusal is checked the same way (:func:`refused`): the error's exact type, its ``field``
and ``fix``, both named in the message, and the store exactly as it was before the call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import govflow.widths as widths
from govflow import (
    Actor,
    DataError,
    Engine,
    FireRequest,
    GovflowError,
    Limits,
    NoteRequest,
    OpenRequest,
    RequestError,
    SimClock,
    TransitionNotAllowed,
)
from govflow.errors import ServiceError
from govflow.grid import Grid, generate_district
from govflow.records import DeadLetter
from govflow.store.base import Store
from govflow.workflows import load_workflows
from tests.helpers import CELL

WORKFLOWS = load_workflows("""\
roles: [worker, inspector]
workflows:
  permit:
    version: 1
    fields: {n: int, within: duration, due: datetime, ok: bool, note: str}
    initial: new
    open_roles: [worker, system]
    extension: {max_workdays: 5, states: [new], roles: [inspector]}
    states:
      new:
        deadline: {limit: 1 hours, on_breach: {trigger: lapse}}
      big: {}
      small: {}
      lapsed: {final: true}
      done: {final: true}
    transitions:
      - {trigger: size, from: new, to: big, roles: [worker], guard: "data.n > 3"}
      - {trigger: size, from: new, to: small, roles: [worker]}
      - {trigger: lapse, from: new, to: lapsed, roles: [system]}
      - {trigger: finish, from: [big, small], to: done, roles: [worker]}
  other:
    version: 1
    initial: start
    open_roles: [worker]
    states: {start: {}, end: {final: true}}
    transitions:
      - {trigger: end, from: start, to: end, roles: [worker]}
""", filename="door.yaml")
WORKER = Actor.of("w1", "worker")


@pytest.fixture
def door(store: Store, clock: SimClock) -> Iterator[Engine]:
    """An engine on the small workflows above, without a grid, over each store in turn."""
    made = Engine(WORKFLOWS, store=store, clock=clock)
    yield made


@pytest.fixture(scope="module")
def grid() -> Grid:
    return generate_district(seed=0)


def snapshot(store: Store) -> tuple[Any, ...]:
    """Everything a store holds that a call could have written."""
    cases = sorted(store.iter_cases(), key=lambda c: c.id)
    return ([(c, store.history(c.id), store.pending_timers(c.id)) for c in cases],
            store.pending_messages(1000), store.dead_letters(), store.workflow_versions())


def refused(engine: Engine, call: Callable[[], object], error: type[GovflowError], field: str,
            ) -> GovflowError:
    """``call`` raises exactly ``error`` naming ``field`` and its fix, and writes nothing."""
    before = snapshot(engine.store)
    with pytest.raises(GovflowError) as info:
        call()
    exc = info.value
    assert type(exc) is error, f"{type(exc).__name__}: {exc}"
    assert isinstance(exc, RequestError)
    assert exc.field == field, str(exc)
    assert field in str(exc) and exc.fix and exc.fix in str(exc), str(exc)
    assert snapshot(engine.store) == before
    return exc


def opened(engine: Engine, **data: Any) -> str:
    return engine.open_case("permit", cell=CELL, actor=WORKER, data=data or None).id


def nested(depth: int) -> dict[str, Any]:
    top: dict[str, Any] = {}
    inner = top
    for _ in range(depth - 1):
        inner["a"] = {}
        inner = inner["a"]
    return top


# -- the cell -------------------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["abc", "", "410102001001", "4101020010010011", "四一〇"])
def test_a_cell_that_is_no_cell_code_is_refused(door: Engine, cell: str) -> None:
    """Without a grid the cell must still be a well-formed tier-3 code (15 digits)."""
    opened(door)
    exc = refused(door, lambda: door.open_case("permit", cell=cell, actor=WORKER),
                  RequestError, "cell")
    assert "tier-3 cell" in str(exc)


def test_cell_none_is_refused_the_same_on_every_store(door: Engine) -> None:
    """Used to: worked in memory, failed vaguely on SQLite."""
    refused(door, lambda: door.open_case("permit", cell=None, actor=WORKER),  # type: ignore[arg-type]
            RequestError, "cell")


def test_with_a_grid_only_its_tier3_cells_take_cases(
    store: Store, clock: SimClock, grid: Grid
) -> None:
    """A community code (tier 2) and a well-formed but unknown cell are refused."""
    engine = Engine(WORKFLOWS, store=store, clock=clock, grid=grid)
    cell = grid.cells()[0]
    community = grid.parent_of(cell)
    assert community is not None and grid.tier(community) == 2
    unknown = next(c for c in (f"{cell[:12]}{n:03d}" for n in range(999, 0, -1))
                   if c not in grid)
    assert engine.open_case("permit", cell=cell, actor=WORKER).cell == cell
    exc = refused(engine, lambda: engine.open_case("permit", cell=community, actor=WORKER),
                  RequestError, "cell")
    assert "not a tier-3 cell" in str(exc)
    exc = refused(engine, lambda: engine.open_case("permit", cell=unknown, actor=WORKER),
                  RequestError, "cell")
    assert "not a cell of the loaded grid" in str(exc)


# -- argument shapes ------------------------------------------------------------------------
def test_data_that_is_not_a_dict_is_a_data_error(door: Engine) -> None:
    """Used to: data=[1, 2] raised a raw AttributeError."""
    refused(door, lambda: door.open_case("permit", cell=CELL, actor=WORKER,
                                         data=[1, 2]),  # type: ignore[arg-type]
            DataError, "data")


@pytest.mark.parametrize("actor", [None, "w1", {"id": "w1"}])
def test_an_actor_that_is_no_actor_is_refused(door: Engine, actor: Any) -> None:
    """Used to: actor=None raised a raw AttributeError."""
    refused(door, lambda: door.open_case("permit", cell=CELL, actor=actor),
            RequestError, "actor")


@pytest.mark.parametrize(("actor", "field"), [
    (Actor(id="", roles=frozenset({"worker"})), "actor.id"),
    (Actor(id=7, roles=frozenset({"worker"})), "actor.id"),  # type: ignore[arg-type]
    (Actor(id="w", roles=["worker"]), "actor.roles"),  # type: ignore[arg-type]
    (Actor(id="w", roles=frozenset({"worker"}), scope=CELL), "actor.scope"),  # type: ignore[arg-type]
])
def test_an_actor_built_wrong_is_refused(door: Engine, actor: Actor, field: str) -> None:
    """An Actor whose id, roles or scope have the wrong type names that part."""
    refused(door, lambda: door.open_case("permit", cell=CELL, actor=actor), RequestError, field)


@pytest.mark.parametrize(("arguments", "field"), [
    ({"workflow": 3}, "workflow"),
    ({"category": ["a"]}, "category"),
    ({"source": "x" * 201}, "source"),
    ({"at": datetime(2026, 1, 1)}, "at"),  # no time zone
])
def test_open_arguments_of_the_wrong_kind_are_refused(
    door: Engine, arguments: dict[str, Any], field: str
) -> None:
    """Each argument of open_case is checked; the message names it."""
    call: dict[str, Any] = {"workflow": "permit", "cell": CELL, "actor": WORKER, **arguments}
    workflow = call.pop("workflow")
    error = DataError if field == "at" else RequestError
    refused(door, lambda: door.open_case(workflow, **call), error, field)


@pytest.mark.parametrize(("arguments", "field"), [
    ({"case_id": 123}, "case_id"),
    ({"trigger": ""}, "trigger"),
    ({"actor": None}, "actor"),
    ({"data": "n=3"}, "data"),
    ({"reason": b"why"}, "reason"),
])
def test_fire_arguments_of_the_wrong_kind_are_refused(
    door: Engine, arguments: dict[str, Any], field: str
) -> None:
    """Each argument of fire is checked before the case is read."""
    call: dict[str, Any] = {"case_id": opened(door, n=1), "trigger": "size", "actor": WORKER,
                            **arguments}
    error = DataError if field == "data" else RequestError
    refused(door, lambda: door.fire(call.pop("case_id"), call.pop("trigger"), **call),
            error, field)


# -- the limits -----------------------------------------------------------------------------
def test_the_default_limits_are_the_documented_ones(door: Engine) -> None:
    """1 MiB of JSON, 32 levels, signed 64-bit integers."""
    assert door.limits == Limits(max_bytes=1024 * 1024, max_depth=32, int_bits=64)
    assert (door.limits.min_int, door.limits.max_int) == (-(2**63), 2**63 - 1)


def test_data_nested_5000_deep_is_refused_at_the_depth_limit(door: Engine) -> None:
    """Used to: a raw RecursionError. 32 levels pass, 33 do not."""
    case_id = door.open_case("permit", cell=CELL, actor=WORKER, data={"x": nested(31)}).id
    assert door.case(case_id).data["x"]["a"]
    deep = {"x": nested(5000)}
    exc = refused(door, lambda: door.open_case("permit", cell=CELL, actor=WORKER, data=deep),
                  DataError, "data" + ".x" + ".a" * 31)
    assert "Limits.max_depth" in str(exc)
    refused(door, lambda: door.fire(case_id, "size", actor=WORKER, data={"y": nested(32)}),
            DataError, "data.y" + ".a" * 31)


@pytest.mark.parametrize("number", [10**5000, -(2**63) - 1, 2**63],
                         ids=["5000-digits", "min-1", "max+1"])
def test_an_integer_beyond_64_bits_is_refused_at_the_call(door: Engine, number: int) -> None:
    """Used to: a 5,000-digit integer failed only at commit."""
    door.open_case("permit", cell=CELL, actor=WORKER, data={"big": 2**63 - 1})
    exc = refused(door, lambda: door.open_case("permit", cell=CELL, actor=WORKER,
                                               data={"big": number}), DataError, "data.big")
    assert "Limits.int_bits" in str(exc)


def test_a_10_mb_payload_is_refused(door: Engine) -> None:
    """Used to: accepted. One string of 10 MB is over the 1 MiB limit (known without
    encoding it); so are many small values that only add up to it."""
    exc = refused(door, lambda: door.open_case("permit", cell=CELL, actor=WORKER,
                                               data={"blob": "x" * 10_000_000}),
                  DataError, "data")
    assert "Limits.max_bytes" in str(exc)
    case_id = opened(door)
    many = {"items": list(range(100_000, 300_000))}  # about 1.4 MB as JSON
    refused(door, lambda: door.fire(case_id, "size", actor=WORKER, data=many), DataError,
            "data")


def test_a_payload_just_under_the_limit_is_taken(store: Store, clock: SimClock) -> None:
    """The limit counts bytes of compact UTF-8 JSON: 中 is three of them."""
    engine = Engine(WORKFLOWS, store=store, clock=clock, limits=Limits(max_bytes=1000))
    fits = {"t": "中" * 328}  # {"t":"…"} = 8 + 984 = 992 bytes
    assert engine.open_case("permit", cell=CELL, actor=WORKER, data=fits).data == fits
    over = {"t": "中" * 331}  # 1001 bytes
    refused(engine, lambda: engine.open_case("permit", cell=CELL, actor=WORKER, data=over),
            DataError, "data")


def test_the_limits_are_configurable(store: Store, clock: SimClock) -> None:
    """Engine(limits=Limits(...)): each limit applies as given."""
    engine = Engine(WORKFLOWS, store=store, clock=clock,
                    limits=Limits(max_bytes=64, max_depth=2, int_bits=16))
    assert engine.open_case("permit", cell=CELL, actor=WORKER,
                            data={"a": {"b": 32767}}).data == {"a": {"b": 32767}}
    refused(engine, lambda: engine.open_case("permit", cell=CELL, actor=WORKER,
                                             data={"a": {"b": {}}}), DataError, "data.a.b")
    refused(engine, lambda: engine.open_case("permit", cell=CELL, actor=WORKER,
                                             data={"b": 32768}), DataError, "data.b")
    refused(engine, lambda: engine.open_case("permit", cell=CELL, actor=WORKER,
                                             data={"c": "x" * 60}), DataError, "data")


@pytest.mark.parametrize("bad", [{"max_bytes": 0}, {"max_depth": -1}, {"int_bits": 2.5}])
def test_limits_themselves_are_checked(bad: dict[str, Any]) -> None:
    """A limit below 1 or not a whole number is refused when the Limits are made."""
    with pytest.raises(ValueError, match=f"Limits.{next(iter(bad))}"):
        Limits(**bad)


# -- declared field types -------------------------------------------------------------------
@pytest.mark.parametrize(("data", "field"), [
    ({"n": "5"}, "data.n"), ({"n": True}, "data.n"), ({"n": None}, "data.n"),
    ({"n": 2.5}, "data.n"), ({"within": "soon"}, "data.within"),
    ({"due": "tomorrow"}, "data.due"), ({"ok": "yes"}, "data.ok"), ({"note": 3}, "data.note"),
])
def test_declared_field_types_are_checked_at_open(
    door: Engine, data: dict[str, Any], field: str
) -> None:
    """Used to: {n: "5"} was taken, and the guard failed later (allowed_triggers said [])."""
    exc = refused(door, lambda: door.open_case("permit", cell=CELL, actor=WORKER, data=data),
                  DataError, field)
    assert "workflow 'permit' v1 declares" in str(exc)


def test_declared_field_types_are_checked_at_fire(door: Engine) -> None:
    """Trigger data joins the case data: a wrong type is refused before the guard runs."""
    case_id = opened(door, n=5, within="2 days", due="2026-10-09T17:00:00+08:00", ok=True)
    assert door.allowed_triggers(case_id, WORKER) == ["size"]
    refused(door, lambda: door.fire(case_id, "size", actor=WORKER, data={"n": "9"}),
            DataError, "data.n")
    assert door.allowed_triggers(case_id, WORKER) == ["size"]
    assert door.fire(case_id, "size", actor=WORKER, data={"n": 9, "extra": "x"}).state == "big"


def test_move_checks_the_target_workflows_fields(door: Engine) -> None:
    """Moving data into a workflow that declares other types is refused."""
    case_id = door.open_case("other", cell=CELL, actor=WORKER, data={"n": "three"}).id
    refused(door, lambda: door.move(case_id, "permit", actor=WORKER), DataError, "data.n")
    assert door.move(case_id, "permit", actor=WORKER, data={"n": 3}).workflow == "permit"


# -- the system role ------------------------------------------------------------------------
def test_a_caller_cannot_claim_the_system_role(door: Engine) -> None:
    """Used to: any caller could build Actor.of(x, "system") and fire the timer-only
    triggers. Now open and fire refuse it, and so does an equal copy of a minted actor."""
    case_id = opened(door)
    fake = Actor.of("me", "system")
    refused(door, lambda: door.open_case("permit", cell=CELL, actor=fake), RequestError,
            "actor.roles")
    exc = refused(door, lambda: door.fire(case_id, "lapse", actor=fake), RequestError,
                  "actor.roles")
    assert "Engine.system_actor" in str(exc)
    minted = door.system_actor("nightly-job")
    copy = Actor(id=minted.id, roles=minted.roles, scope=minted.scope)
    assert copy == minted and copy is not minted
    refused(door, lambda: door.fire(case_id, "lapse", actor=copy), RequestError, "actor.roles")
    refused(door, lambda: door.apply_batch([FireRequest(case_id, "lapse", fake)]),
            RequestError, "actor.roles")


def test_a_minted_system_actor_and_the_timers_still_fire_system_triggers(door: Engine) -> None:
    """The explicit grant works, and the engine's own timer fires ``lapse`` as before."""
    by_job = opened(door)
    job = door.system_actor("nightly-job")
    assert door.system_actor("nightly-job") is job
    assert door.fire(by_job, "lapse", actor=job).state == "lapsed"
    by_timer = opened(door)
    clock = door.clock
    assert isinstance(clock, SimClock)
    door.run_until(clock.now() + timedelta(hours=2))
    assert door.case(by_timer).state == "lapsed"
    assert door.history(by_timer)[-1].actor == "system"


def test_a_key_with_the_system_role_needs_the_grant(door: Engine) -> None:
    """The service's keys: --role system is refused unless granted on purpose."""
    from govflow.service.keys import issue

    if not hasattr(door.store, "add_key"):
        pytest.skip("this store keeps no keys")
    with pytest.raises(ServiceError, match="--grant-system"):
        issue(door.store, "ops", roles=["system"])
    assert door.store.list_keys() == []  # type: ignore[attr-defined]
    key, _ = issue(door.store, "ops", roles=["system"], grant_system=True)
    assert key.roles == ("system",)


# -- names as long as the store keeps them --------------------------------------------------
def test_names_up_to_their_column_width_are_kept_one_more_is_refused(door: Engine) -> None:
    """Used to: the door let 200 characters through where PostgreSQL keeps 32 or 100, and the
    commit failed with a StoreError. Now each name is held to its column (govflow.widths) on
    every store: at the width it is written and read back, one character over it is refused."""
    long_id = "w" * widths.NAME
    worker = Actor.of(long_id, "worker")
    case = door.open_case("permit", cell=CELL, actor=worker, category="c" * widths.NAME,
                          source="s" * widths.NAME, owner="4" * widths.CODE)
    door.note(case.id, "n" * widths.NAME, actor=worker,
              notices=[("k" * widths.KIND, "r" * widths.NAME, {})])
    kept = door.store.get_case(case.id)
    assert (kept.category, kept.source, kept.owner) == ("c" * widths.NAME, "s" * widths.NAME,
                                                        "4" * widths.CODE)
    assert [e.actor for e in door.history(case.id)] == [long_id, long_id]
    assert [(m.kind, m.recipient) for m in door.store.pending_messages(10)] == [
        ("k" * widths.KIND, "r" * widths.NAME)]

    over = {"category": "c" * (widths.NAME + 1), "source": "s" * (widths.NAME + 1),
            "owner": "4" * (widths.CODE + 1)}
    for name, value in over.items():
        exc = refused(door, lambda n=name, v=value: door.open_case(
            "permit", cell=CELL, actor=WORKER, **{n: v}), RequestError, name)
        assert str(widths.CODE if name == "owner" else widths.NAME) in str(exc)
    refused(door, lambda: door.open_case("permit", cell=CELL,
                                         actor=Actor.of("w" * (widths.NAME + 1), "worker")),
            RequestError, "actor.id")
    refused(door, lambda: door.open_case("permit", cell=CELL,
                                         actor=Actor.of("w2", "worker", "r" * (widths.NAME + 1))),
            RequestError, "actor.roles")
    # an actor with more roles than the log's column keeps (a commander with every role) is
    # let through and written as its first roles and +N for the rest
    many = Actor.of("w3", "worker", *(f"role_{n:02d}_of_the_district" for n in range(5)))
    wide = door.open_case("permit", cell=CELL, actor=many)
    role = door.history(wide.id)[0].role
    assert role == ",".join(f"role_{n:02d}_of_the_district" for n in range(4)) + ",+2"
    assert len(role) <= widths.NAME
    refused(door, lambda: door.note(case.id, "n" * (widths.NAME + 1), actor=WORKER),
            RequestError, "what")
    refused(door, lambda: door.fire(case.id, "t" * (widths.NAME + 1), actor=WORKER),
            RequestError, "trigger")
    refused(door, lambda: door.note(case.id, "comment", actor=WORKER,
                                    notices=[("k" * (widths.KIND + 1), "li", {})]),
            DataError, "notices.0.0")
    refused(door, lambda: door.note(case.id, "comment", actor=WORKER,
                                    notices=[("sms", "r" * (widths.NAME + 1), {})]),
            DataError, "notices.0.1")


# -- the other writes -----------------------------------------------------------------------
def test_the_other_writes_check_their_arguments(door: Engine) -> None:
    """note, extend, supervise, record_revisit, move, migrate, allowed_triggers."""
    case_id = opened(door, n=1)
    inspector = Actor.of("i1", "inspector")
    refused(door, lambda: door.note(case_id, "comment", actor=WORKER, data=[1]),  # type: ignore[arg-type]
            DataError, "data")
    refused(door, lambda: door.note(case_id, "comment", actor=WORKER,
                                    notices=[("sms", "li", {"n": 2**70})]),
            DataError, "notices[0].payload.n")
    refused(door, lambda: door.extend(case_id, float("nan"), actor=inspector, reason="r"),
            RequestError, "workdays")
    refused(door, lambda: door.extend(case_id, 1, actor=inspector, reason=None),  # type: ignore[arg-type]
            RequestError, "reason")
    refused(door, lambda: door.supervise(case_id, 2, actor=WORKER),  # type: ignore[arg-type]
            RequestError, "level")
    refused(door, lambda: door.supervise(case_id, "purple", actor=WORKER), RequestError,
            "level")
    refused(door, lambda: door.record_revisit(case_id, rebound="no", actor=WORKER),  # type: ignore[arg-type]
            RequestError, "rebound")
    refused(door, lambda: door.move(case_id, "other", actor=WORKER, from_states="new"),  # type: ignore[arg-type]
            RequestError, "from_states")
    refused(door, lambda: door.migrate("permit", "2", actor=WORKER),  # type: ignore[arg-type]
            RequestError, "to_version")
    refused(door, lambda: door.migrate("permit", 2, chunk=0), RequestError, "chunk")
    refused(door, lambda: door.migrate("permit", 2, actor=Actor.of("me", "system")),
            RequestError, "actor.roles")
    refused(door, lambda: door.allowed_triggers(case_id, None),  # type: ignore[arg-type]
            RequestError, "actor")


def test_bulk_writes_check_each_request(door: Engine) -> None:
    """open_cases, fire_many and apply_batch: a bad request is refused and nothing of the
    batch is written; with on_error it becomes a dead letter and the rest land."""
    good = OpenRequest("permit", CELL, actor=WORKER)
    refused(door, lambda: door.open_cases([good, OpenRequest("permit", "abc")], actor=WORKER),
            RequestError, "cell")
    refused(door, lambda: door.open_cases([good], actor=None),  # type: ignore[arg-type]
            RequestError, "actor")
    refused(door, lambda: door.open_cases([good], actor=WORKER, batch=0), RequestError,
            "batch")
    case_id, other = opened(door), opened(door)
    refused(door, lambda: door.fire_many([FireRequest(case_id, "size", WORKER, {"n": 1}),
                                          FireRequest(other, "size", WORKER, {"n": "1"})]),
            DataError, "data.n")
    refused(door, lambda: door.apply_batch([NoteRequest(case_id, "", WORKER)]), RequestError,
            "what")
    refused(door, lambda: door.apply_batch([("open", "permit")]),  # type: ignore[list-item]
            RequestError, "requests")

    def letter(req: Any, exc: GovflowError) -> DeadLetter:
        return DeadLetter(f"d{id(req)}", "src", "r", str(exc), "{}", door.clock.now())

    results = door.apply_batch([good, OpenRequest("permit", "410102001", actor=WORKER)],
                               on_error=letter)
    assert [type(r).__name__ for r in results] == ["Case", "RequestError"]
    assert "cell '410102001'" in door.store.dead_letters("src")[0].reason


def test_a_good_call_still_works_through_the_door(door: Engine) -> None:
    """The checks refuse only what is wrong: a whole case runs as before."""
    case_id = opened(door, n=1, note="kerb")
    with pytest.raises(TransitionNotAllowed):
        door.fire(case_id, "finish", actor=WORKER)
    assert door.fire(case_id, "size", actor=WORKER, reason="measured").state == "small"
    assert door.fire(case_id, "finish", actor=WORKER, data={"ok": True}).is_closed
    assert [e.trigger for e in door.history(case_id)] == ["open", "size", "finish"]


def test_the_store_fixture_is_fresh(door: Engine) -> None:
    """Guard for the helper: an empty store snapshots as empty, a write changes it."""
    before = snapshot(door.store)
    assert before[0] == []
    opened(door)
    assert snapshot(door.store) != before


def test_workflows_path_is_the_district_file() -> None:
    """The district's own file has declared fields the door now checks (standard_case)."""
    path = Path(__file__).resolve().parents[1] / "workflows.yaml"
    engine = Engine(path)
    with pytest.raises(DataError, match=r"data\.severity"):
        engine.open_case("standard_case", cell=CELL, actor=Actor.of("w", "grid_worker"),
                         data={"severity": "high"})


def test_a_granted_system_key_acts_through_the_service(tmp_path: Path) -> None:
    """Over HTTP (a real ``govflow serve``): a key granted the system role acts as an
    engine-minted actor, so the door lets it through; a refused call is a 422 problem with
    the field and the fix."""
    import httpx

    from govflow.service.keys import issue
    from govflow.store.sql import SqlStore
    from tests.service_fixtures import start_server

    url = f"sqlite:///{tmp_path / 'svc.db'}"
    store = SqlStore(url, create=True)
    try:
        keys = {"bridge": issue(store, "bridge", roles=["system"], grant_system=True)[1],
                "desk": issue(store, "desk", roles=["grid_worker"])[1]}
    finally:
        store.close()
    server = start_server(url, keys=keys)
    body = {"workflow": "standard_case", "cell": CELL, "data": {"severity": 2}}
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            reply = client.post("/api/v1/cases", json=body, headers=server.headers("bridge"))
            assert reply.status_code == 201, reply.text
            refused = client.post("/api/v1/cases", json={**body, "cell": "abc"},
                                  headers=server.headers("desk"))
            assert refused.status_code == 422, refused.text
            problem = refused.json()
            assert problem["field"] == "cell" and problem["fix"] in problem["detail"]
    finally:
        server.stop()


def test_the_supervise_levels_the_door_takes_are_the_reducers() -> None:
    """The door's list of supervision levels is the one the engine applies."""
    import typing

    from govflow.engine.door import SuperviseArgs
    from govflow.engine.reducer import LEVELS

    assert typing.get_args(SuperviseArgs.model_fields["level"].annotation) == LEVELS


def test_keys_add_refuses_the_system_role_without_the_grant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``govflow keys add --role system`` fails and stores nothing; with --grant-system it
    makes the key."""
    from govflow.cli import main
    from govflow.store.sql import SqlStore

    url = f"sqlite:///{tmp_path / 'keys.db'}"
    assert main(["keys", "add", "ops", "--role", "system", "--store", url]) != 0
    assert "--grant-system" in capsys.readouterr().err
    assert main(["keys", "add", "ops", "--role", "system", "--grant-system", "--store", url]) == 0
    store = SqlStore(url)
    try:
        assert [(k.name, k.roles) for k in store.list_keys()] == [("ops", ("system",))]
    finally:
        store.close()


def test_a_plugin_action_sending_a_message_too_long_for_the_outbox_fails_that_call(
    store: Store, clock: SimClock,
) -> None:
    """A message a plugin's action queues is held to the outbox's widths too: the call that
    ran the action fails with a DataError naming it, and nothing of the call is written (on
    PostgreSQL the commit used to fail as a StoreError)."""
    from govflow.engine.actions import ActionContext

    flows = load_workflows("""\
roles: [worker]
workflows:
  loud:
    version: 1
    initial: new
    states: {new: {}, told: {}, done: {final: true}}
    transitions:
      - {trigger: tell, from: new, to: told, roles: [worker], actions: [shout]}
      - {trigger: end, from: told, to: done, roles: [worker]}
""", actions={"shout"}, filename="loud.yaml")

    def shout(ctx: ActionContext) -> None:
        ctx.notify("sms", ctx.input.get("to", "li"))

    engine = Engine(flows, store=store, clock=clock, actions={"shout": shout})
    case_id = engine.open_case("loud", cell=CELL, actor=WORKER).id
    exc = refused(engine, lambda: engine.fire(case_id, "tell", actor=WORKER,
                                              data={"to": "r" * (widths.NAME + 1)}),
                  DataError, "notices")
    assert "outbox" in str(exc) and case_id in str(exc)
    told = engine.fire(case_id, "tell", actor=WORKER, data={"to": "r" * widths.NAME})
    assert told.state == "told"
    assert [m.recipient for m in store.pending_messages(10)] == ["r" * widths.NAME]
