"""Running cases outlive their workflow file (stored versions) and move to a new version."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from govflow import Actor, Engine, MigrationError, SimClock
from govflow.store.base import Store
from tests.conftest import SHANGHAI
from tests.helpers import CELL

V1 = """
roles: [handler]
workflows:
  permit:
    version: 1
    initial: received
    states:
      received: {deadline: {limit: 4 hours}}
      reviewing: {deadline: {limit: 1 workday}}
      done: {final: true}
    transitions:
      - {trigger: review, from: received, to: reviewing, roles: [handler]}
      - {trigger: finish, from: reviewing, to: done, roles: [handler]}
"""

V2 = """
roles: [handler]
workflows:
  permit:
    version: 2
    initial: intake
    states:
      intake: {deadline: {limit: 2 hours}}
      checking: {deadline: {limit: 2 workdays, yellow_at: 0.5}}
      done: {final: true}
    transitions:
      - {trigger: review, from: intake, to: checking, roles: [handler]}
      - {trigger: finish, from: checking, to: done, roles: [handler]}
"""

HANDLER = Actor.of("h", "handler")
#: Monday 2026-11-30 10:00 in Shanghai, a working day
START = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_v1_case_survives_a_v2_only_file_then_migrates(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A case opened on v1 runs on the stored v1 after a restart with a v2-only file; migrated
    with a state map, its deadline is counted under v2 from when it entered its state."""
    clock = SimClock(START)
    first = Engine(_write(tmp_path, "v1.yaml", V1), store=store, clock=clock)
    waiting = first.open_case("permit", cell=CELL, actor=HANDLER).id
    moving = first.open_case("permit", cell=CELL, actor=HANDLER).id
    first.fire(moving, "review", actor=HANDLER)  # reviewing since Mon 10:00
    with caplog.at_level(logging.WARNING, logger="govflow.engine"):
        second = Engine(_write(tmp_path, "v2.yaml", V2), store=store, clock=clock)
    assert second.restored_versions == [("permit", 1)]
    assert "permit v1 is in no loaded file" in caplog.text
    assert second.workflow("permit").version == 2  # new cases open on the file's version
    clock.set(START + timedelta(hours=1))
    assert second.case(waiting).version == 1
    second.fire(waiting, "review", actor=HANDLER)  # the stored v1 still runs it
    second.fire(moving, "finish", actor=HANDLER)
    kept = second.open_case("permit", cell=CELL, actor=HANDLER)  # a v2 case, left alone
    assert kept.version == 2
    clock.set(START + timedelta(hours=1, minutes=30))
    report = second.migrate("permit", 2, state_map={"reviewing": "checking"})
    assert (report.found, report.moved) == (1, 1)
    case = second.case(waiting)
    assert (case.version, case.state, case.light) == (2, "checking", "green")
    # in reviewing since Mon 11:00 Shanghai; v2 gives 2 work days (due Wed 11:00), yellow
    # at half of it (Tue 11:00), both to the minute
    assert case.due_at == datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    timers = {t.kind: t.due_at for t in second.store.pending_timers(waiting)}
    assert timers == {"yellow": datetime(2026, 12, 1, 3, 0, tzinfo=UTC),
                      "red": datetime(2026, 12, 2, 3, 0, tzinfo=UTC)}
    event = second.history(waiting)[-1]
    assert (event.trigger, event.source, event.dest) == ("migrate", "reviewing", "checking")
    assert (event.data["from_version"], event.data["version"]) == (1, 2)
    assert second.case(kept.id).events == 1
    second.run_until(datetime(2026, 12, 2, 3, 1, tzinfo=UTC))  # the new rules breach it
    assert [e.trigger for e in second.history(waiting)][-2:] == ["warn", "breach"]
    second.fire(waiting, "finish", actor=HANDLER)  # v2's transition
    assert second.case(waiting).is_closed


def test_unmapped_state_is_refused_with_its_name(store: Store, tmp_path: Path) -> None:
    """A state the new version lacks and the map leaves out is named; nothing moves."""
    clock = SimClock(START)
    engine = Engine(_write(tmp_path, "v1.yaml", V1), store=store, clock=clock)
    case_id = engine.open_case("permit", cell=CELL, actor=HANDLER).id
    engine.fire(case_id, "review", actor=HANDLER)
    engine.add_workflows(_write(tmp_path, "v2.yaml", V2))
    with pytest.raises(MigrationError, match="reviewing") as refused:
        engine.migrate("permit", 2, state_map={"received": "intake"})
    assert refused.value.unmapped == ("reviewing",)
    assert "--map OLD=NEW" in str(refused.value)
    assert engine.case(case_id).version == 1
    with pytest.raises(MigrationError, match="nowhere"):
        engine.migrate("permit", 2, state_map={"reviewing": "nowhere"})


def test_migrate_command_dry_run_refusal_and_move(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``govflow migrate`` on a SQLite file: an unmapped state exits 1 naming it, a dry run
    writes nothing, a mapped run moves the cases."""
    from govflow.cli import main
    from govflow.store.sql import SqlStore

    url = f"sqlite:///{tmp_path / 'gov.db'}"
    clock = SimClock(START)
    store = SqlStore(url, create=True)
    engine = Engine(_write(tmp_path, "v1.yaml", V1), store=store, clock=clock)
    ids = [engine.open_case("permit", cell=CELL, actor=HANDLER).id for _ in range(3)]
    engine.fire(ids[0], "review", actor=HANDLER)
    engine.close()
    v2 = str(_write(tmp_path, "v2.yaml", V2))
    base = ["migrate", "permit", "--to", "2", "--store", url, "--workflows", v2]
    assert main(base) == 1
    err = capsys.readouterr().err
    assert "received (v1, 2 cases)" in err and "reviewing (v1, 1 case)" in err
    assert "permit v1 is not in" in err
    mapped = [*base, "--map", "received=intake", "--map", "reviewing=checking"]
    assert main([*mapped, "--dry-run"]) == 0
    assert "would move 3 of 3" in capsys.readouterr().out
    assert main(mapped) == 0
    out = capsys.readouterr().out
    assert "moved 3 of 3" in out and "v1 received -> intake: 2" in out
    assert main(["migrate", "permit", "--to", "2", "--map", "oops", "--store", url]) == 1
    assert "OLD=NEW" in capsys.readouterr().err
    after = SqlStore(url)
    try:
        assert sorted((after.get_case(i).version, after.get_case(i).state) for i in ids) == [
            (2, "checking"), (2, "intake"), (2, "intake")]
    finally:
        after.close()


def test_migration_meets_a_worker_and_redoes_the_chunk(store: Store, tmp_path: Path) -> None:
    """Another engine changes a case between the migration's read and its commit: the chunk
    is refused by the case's version counter and redone case by case; the case the worker
    closed is left, the others move, nothing is lost or moved twice."""
    from govflow.engine.batch import Batch

    clock = SimClock(START)
    v1 = _write(tmp_path, "v1.yaml", V1)
    engine = Engine(v1, store=store, clock=clock)
    ids = [engine.open_case("permit", cell=CELL, actor=HANDLER).id for _ in range(5)]
    for case_id in ids:
        engine.fire(case_id, "review", actor=HANDLER)
    engine.add_workflows(_write(tmp_path, "v2.yaml", V2))
    worker = Engine(v1, store=store, clock=clock)
    commit = engine._commit
    calls = []

    def racing(batch: Batch, **kwargs: object) -> None:
        if not calls:
            worker.fire(ids[2], "finish", actor=HANDLER)  # lands first
        calls.append(len(batch.changes))
        commit(batch)

    engine._commit = racing  # type: ignore[method-assign]
    report = engine.migrate("permit", 2, state_map={"reviewing": "checking"}, chunk=10)
    assert calls[0] == 5 and calls[1:] == [1, 1, 1, 1]
    assert (report.found, report.moved, report.skipped) == (5, 4, 1)
    assert engine.case(ids[2]).is_closed and engine.case(ids[2]).version == 1
    for case_id in ids[:2] + ids[3:]:
        moves = [e for e in engine.history(case_id) if e.trigger == "migrate"]
        assert len(moves) == 1 and engine.case(case_id).version == 2
