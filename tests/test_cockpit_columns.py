"""The cockpit's columnar read of a SQL store equals the per-case read, at the first reading,
after changes (only the changed cases are read again) and when started from the kept file."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from govflow.cockpit.kpi import CAMPAIGN, COMMAND_ORDER, from_grid
from govflow.cockpit.live import LiveCockpit, Reading, read
from govflow.grid import generate_district
from govflow.kernels.columns import NEVER
from govflow.kernels.snapshot import Snapshot
from govflow.records import Case, Change
from govflow.store.columnar import read_table, refresh
from govflow.store.table import NO_TIME, Names, iso_seconds, load_table, save_table
from tests.conftest import make_store

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
CATEGORIES = ("占道经营 street vending", "餐饮油烟 oil fumes", "noise", CAMPAIGN, COMMAND_ORDER,
              "城市管理/市容", "环境/噪声")
SOURCES = ("patrol", "hotline", "campaign", "hotline_feed", "zhengwu_board")
STATES = ("reported", "registered", "handling", "closed", "returned")
DUES: tuple[Any, ...] = (None, "2026-09-03T10:00:00+08:00", "2026-09-04 09:30:00", 1790000000,
                         "not a time", {"at": "x"}, True)


@pytest.fixture(scope="module")
def grid() -> Any:
    return generate_district(0, people="none")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    made = make_store(request.param, tmp_path)
    yield made
    if request.param == "postgresql":
        made.drop_schema()
    made.close()


def _at(rng: random.Random, hours: float) -> datetime:
    # whole and fractional seconds both: the epoch seconds must agree on either
    return T0 + timedelta(hours=hours, microseconds=rng.choice([0, 0, 123_456, 999_000]))


def _case(rng: random.Random, n: int, cells: list[str]) -> Case:
    opened = rng.uniform(0, 24 * 40)
    closed = opened + rng.uniform(0.5, 200) if rng.random() < 0.5 else None
    due = opened + rng.uniform(1, 100) if rng.random() < 0.7 else None
    breached = opened + rng.uniform(0, 50) if rng.random() < 0.3 else None
    cell = "999999999999999" if rng.random() < 0.03 else rng.choice(cells)
    return Case(
        id=f"c{n:015x}", workflow="w", version=1, state=rng.choice(STATES), cell=cell,
        owner=cell, category=rng.choice(CATEGORIES), source=rng.choice(SOURCES),
        data={"due": d} if (d := rng.choice(DUES)) is not None else {"other": 1},
        opened_at=_at(rng, opened), state_entered_at=_at(rng, opened),
        closed_at=None if closed is None else _at(rng, closed),
        due_at=None if due is None else _at(rng, due),
        light=rng.choice(("green", "yellow", "red", "flashing")),
        breached_at=None if breached is None else _at(rng, breached),
        rework=rng.choice((0, 0, 1, 3, 40_000)), rev=1)


def _changed(rng: random.Random, case: Case) -> Case:
    """The case after one more write (as the engine makes one: ``rev`` one higher)."""
    closed = None if case.closed_at is not None else case.opened_at + timedelta(hours=9)
    return dataclasses.replace(
        case, state=rng.choice(STATES), light=rng.choice(("green", "red")), closed_at=closed,
        breached_at=case.breached_at or case.opened_at + timedelta(hours=3),
        rework=case.rework + 1, category=rng.choice(CATEGORIES), rev=case.rev + 1)


def _fill(store: Any, cases: list[Case]) -> None:
    store.commit([Change(case=c, expected_rev=None) for c in cases])


def _update(store: Any, cases: list[Case]) -> None:
    store.commit([Change(case=c, expected_rev=c.rev - 1) for c in cases])


def _same_snapshot(a: Snapshot, b: Snapshot) -> None:
    for name in ("cell", "category", "status", "light", "opened", "closed", "due", "rework",
                 "source"):
        x, y = getattr(a.columns, name), getattr(b.columns, name)
        assert x.dtype == y.dtype, name
        assert np.array_equal(x, y), name
    assert (a.case_ids, a.categories, a.statuses, a.sources, a.skipped) == \
        (b.case_ids, b.categories, b.statuses, b.sources, b.skipped)


def _nan_as_none(row: dict[str, Any]) -> dict[str, Any]:
    """A cockpit row with its NaN figures (no case to rate) as None: NaN equals nothing."""
    return {k: None if isinstance(v, float) and v != v else v for k, v in row.items()}


def _same_as_per_case_read(reading: Reading, store: Any, grid: Any) -> None:
    """The reading equals the per-case path's, down to the figures."""
    snap, tasks, opinions = read(store.iter_cases(), dict(grid.to_arrays().index))
    _same_snapshot(reading.snapshot, snap)
    assert reading.tasks == tasks and reading.opinions == opinions
    t1 = int((T0 + timedelta(days=30)).timestamp())
    mine = from_grid(reading.snapshot, grid, t0=t1 - 20 * 86400, t1=t1)
    theirs = from_grid(snap, grid, t0=t1 - 20 * 86400, t1=t1)
    assert _nan_as_none(mine.row("410102")) == _nan_as_none(theirs.row("410102"))
    assert mine.top_categories("410102", 10) == theirs.top_categories("410102", 10)


def test_columns_equal_the_per_case_read_then_follow_changes(store: Any, grid: Any) -> None:
    rng = random.Random(5)
    cells = grid.cells_under("410102001")[:40] + grid.cells_under("410102003")[:40]
    cases = [_case(rng, n, cells) for n in range(600)]
    _fill(store, cases)
    live = LiveCockpit(store, grid, max_age=3600)
    assert live.columns is not None
    first = live.refresh()
    assert first.source == "full" and len(first.snapshot) == sum(
        c.cell != "999999999999999" for c in cases) and first.snapshot.skipped > 0
    _same_as_per_case_read(first, store, grid)
    kept = dataclasses.replace(first.snapshot, columns=first.snapshot.columns.take(
        np.arange(len(first.snapshot))))  # a copy of every array

    # some cases change, some are new: only those are read again
    touched = [_changed(rng, c) for c in rng.sample(cases, 37)]
    _update(store, touched)
    _fill(store, [_case(rng, n, cells) for n in range(600, 613)])
    before = live.columns.table
    assert before is not None
    done = refresh(store, before)
    assert (done.changed, done.new, done.dropped, done.full) == (50, 13, 0, False)
    second = live.refresh()
    assert second.source == "changes" and second.generation == first.generation + 1
    _same_as_per_case_read(second, store, grid)
    # the earlier reading (a request may still be using it) was not touched by the patch
    _same_snapshot(first.snapshot, kept)

    # nothing changed: no rows read, the same reading kept
    assert refresh(store, live.columns.table).changed == 0
    assert live.refresh().generation == second.generation


def test_the_kept_file_starts_a_reading_and_only_changes_are_read(
        store: Any, grid: Any, tmp_path: Path) -> None:
    rng = random.Random(8)
    cells = grid.cells_under("410102002")[:30]
    cases = [_case(rng, n, cells) for n in range(300)]
    _fill(store, cases)
    kept = tmp_path / "cases.cockpit.npz"
    writer = LiveCockpit(store, grid, cache=kept)
    writer.refresh()
    writer.columns.keep()  # type: ignore[union-attr]  # waits for the writing thread
    assert kept.exists()
    # the store moves on while no server runs
    _update(store, [_changed(rng, c) for c in cases[:20]])
    _fill(store, [_case(rng, n, cells) for n in range(300, 305)])
    again = LiveCockpit(store, grid, cache=kept)
    reading = again.refresh()
    assert reading.source == "file"
    _same_as_per_case_read(reading, store, grid)


def test_a_kept_file_of_other_cases_is_not_trusted(store: Any, grid: Any,
                                                   tmp_path: Path) -> None:
    rng = random.Random(9)
    cells = grid.cells_under("410102002")[:30]
    cases = [_case(rng, n, cells) for n in range(50)]
    _fill(store, cases)
    table = read_table(store)
    kept = tmp_path / "kept.npz"
    other = dataclasses.replace(table, opened=table.opened + 3600)  # same seq and rev
    meta = LiveCockpit(store, grid, cache=kept).columns._meta()  # type: ignore[union-attr]
    save_table(other, kept, meta)
    reader = LiveCockpit(store, grid, cache=kept)
    reading = reader.refresh()
    reader.columns.keep()  # type: ignore[union-attr]
    assert reading.source == "full"
    _same_as_per_case_read(reading, store, grid)
    assert LiveCockpit(store, grid, cache=kept).refresh().source == "file"  # written anew
    save_table(table, kept, {**meta, "store": "sqlite:///elsewhere.db"})
    assert load_table(kept, meta) is None
    kept.write_bytes(b"not a file of columns")
    assert load_table(kept, meta) is None
    assert LiveCockpit(store, grid, cache=kept).refresh().source == "full"


def test_file_round_trip_keeps_every_array(tmp_path: Path) -> None:
    from govflow.store.table import CaseTable

    names = {k: Names() for k in ("cell", "category", "state", "source", "light")}
    codes = {k: names[k].encode(["b", "a", "b"]) for k in names}
    ints = {k: np.array([1, 2, NO_TIME], np.int64) for k in
            ("seq", "rev", "opened", "closed", "due_at", "breached", "data_due", "rework")}
    table = CaseTable(**ints, **codes, ids=np.array(["x", "y", "z"], object), names=names)
    assert names["cell"].names == ["a", "b"] and codes["cell"].tolist() == [1, 0, 1]
    save_table(table, tmp_path / "t.npz", {"k": 1})
    back = load_table(tmp_path / "t.npz", {"k": 1})
    assert back is not None
    for key in table._arrays():
        assert np.array_equal(getattr(back, key), getattr(table, key)), key
    assert back.names["category"].names == ["a", "b"]


def test_iso_seconds_reads_only_iso_strings() -> None:
    assert iso_seconds("2026-09-03T10:00:00+08:00") == int(
        datetime(2026, 9, 3, 2, 0, tzinfo=UTC).timestamp())
    assert iso_seconds("soon") == NO_TIME == NEVER
    assert iso_seconds(20260903) == NO_TIME and iso_seconds(None) == NO_TIME


# -- times within a second of the next one -------------------------------------------------------
def test_times_just_before_a_whole_second_read_as_that_second(store: Any, grid: Any) -> None:
    """SQLite's ``unixepoch`` rounds to the millisecond first (…00.9996 became …01): the
    columns hold the second the time is in, as the per-case read and PostgreSQL do."""
    rng = random.Random(3)
    cells = grid.cells_under("410102001")[:5]
    late = datetime(2026, 9, 20, 10, 0, 0, 999_600, tzinfo=UTC)
    last = datetime(2026, 9, 20, 23, 59, 59, 999_999, tzinfo=UTC)
    case = dataclasses.replace(_case(rng, 1, cells), cell=cells[0], opened_at=late,
                               state_entered_at=late, closed_at=last, due_at=late,
                               breached_at=last)
    _fill(store, [case])
    table = read_table(store)
    second = int(datetime(2026, 9, 20, 10, 0, 0, tzinfo=UTC).timestamp())
    assert table.opened.tolist() == table.due_at.tolist() == [second]
    assert table.closed.tolist() == table.breached.tolist() == [second + 14 * 3600 - 1]
    assert second == int(late.timestamp())  # the per-case read's second
    reading = LiveCockpit(store, grid, max_age=3600).refresh()
    _same_as_per_case_read(reading, store, grid)


def test_a_kept_file_of_the_first_format_is_not_read(tmp_path: Path) -> None:
    """Files of format 1 may hold SQLite times a second late: they are read again."""
    import json

    from govflow.store.table import empty_table

    kept = tmp_path / "t.npz"
    save_table(empty_table(), kept, {"k": 1})
    assert load_table(kept, {"k": 1}) is not None
    with np.load(kept) as written:
        head = json.loads(str(written["head"]))
    _rewrite(kept, head=np.array(json.dumps({**head, "format": 1})))
    assert load_table(kept, {"k": 1}) is None


# -- damaged kept files ------------------------------------------------------------------------
def _rewrite(path: Path, **changed: Any) -> None:
    """The kept file at ``path`` with some arrays replaced (as a bad write could leave it)."""
    with np.load(path) as old:
        arrays = {k: old[k] for k in old.files}
    arrays.update(changed)
    with path.open("wb") as out:
        np.savez(out, **arrays)


@pytest.mark.parametrize("damage", ["seq repeated", "seq backwards", "negative code",
                                    "code past the names", "codes that wrap as int32"])
def test_a_kept_file_with_impossible_columns_is_read_again(
        store: Any, grid: Any, tmp_path: Path, damage: str,
        caplog: pytest.LogCaptureFixture) -> None:
    rng = random.Random(11)
    cells = grid.cells_under("410102002")[:30]
    _fill(store, [_case(rng, n, cells) for n in range(40)])
    kept = tmp_path / "cases.cockpit.npz"
    writer = LiveCockpit(store, grid, cache=kept)
    writer.refresh()
    writer.columns.keep()  # type: ignore[union-attr]
    meta = writer.columns._meta()  # type: ignore[union-attr]
    table = load_table(kept, meta)
    assert table is not None
    seq, category = table.seq.copy(), table.category.copy()
    if damage == "seq repeated":
        seq[20] = seq[19]
    elif damage == "seq backwards":
        seq[[5, 6]] = seq[[6, 5]]
    elif damage == "negative code":
        category[7] = -1
    elif damage == "codes that wrap as int32":  # 2**32 + 1 would read as a good code, 1
        category = category.astype(np.int64)
        category[7] = 2**32 + 1
    else:
        category[7] = len(table.strings("category"))
    _rewrite(kept, seq=seq, category=category)
    caplog.set_level("WARNING", logger="govflow")
    assert load_table(kept, meta) is None
    assert str(kept) in caplog.text
    caplog.clear()
    reader = LiveCockpit(store, grid, cache=kept)
    reading = reader.refresh()
    assert reading.source == "full"
    assert str(kept) in caplog.text
    _same_as_per_case_read(reading, store, grid)


# -- the task list follows a case out of the task categories -------------------------------------
def test_a_task_moved_to_another_category_leaves_the_task_list(store: Any, grid: Any) -> None:
    rng = random.Random(13)
    cells = grid.cells_under("410102001")[:20]
    cases = [dataclasses.replace(_case(rng, n, cells), category=CAMPAIGN if n < 5 else "noise")
             for n in range(60)]
    _fill(store, cases)
    live = LiveCockpit(store, grid, max_age=3600)
    first = live.refresh()
    assert sorted(c.id for c in first.tasks) == sorted(c.id for c in cases[:5])
    moved = dataclasses.replace(cases[2], category="城市管理/市容", rev=cases[2].rev + 1)
    _update(store, [moved])
    second = live.refresh()
    assert second.source == "changes"  # patched, not read again whole
    assert cases[2].id not in {c.id for c in second.tasks}
    assert sorted(c.id for c in second.tasks) == sorted(c.id for c in cases[:5] if c is not
                                                        cases[2])
    _same_as_per_case_read(second, store, grid)
    back = dataclasses.replace(moved, category=COMMAND_ORDER, rev=moved.rev + 1)
    _update(store, [back])
    third = live.refresh()
    assert [c.category for c in third.tasks if c.id == back.id] == [COMMAND_ORDER]
    _same_as_per_case_read(third, store, grid)


# -- the cache file and a refresh at the same time -----------------------------------------------
def _kept_reader(store: Any, grid: Any, tmp_path: Path, rng: random.Random,
                 ) -> tuple[Any, Path, dict[str, Any], list[str]]:
    """A column reader over 30 cases whose file is kept at once (every keep writes): the
    reader, its file, the file's meta and the cells the cases are on."""
    from govflow.cockpit.live import ColumnReader

    cells = grid.cells_under("410102002")[:30]
    _fill(store, [_case(rng, n, cells) for n in range(30)])
    kept = tmp_path / "cases.cockpit.npz"
    reader = ColumnReader(store, cache=kept, cache_every=0.0)
    reader.read()
    reader.keep()
    return reader, kept, reader._meta(), cells


def test_a_refresh_landing_while_the_file_is_kept_is_kept_next(
        store: Any, grid: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reading that replaces the columns while :meth:`ColumnReader.keep` is at work leaves
    them to be written next time; the file holds the table it was written from, with the
    reader's meta."""
    from govflow.store import table as table_module

    rng = random.Random(17)
    reader, kept, meta, cells = _kept_reader(store, grid, tmp_path, rng)
    assert len(load_table(kept, meta) or []) == 30
    real_save = table_module.save_table
    saved: list[int] = []

    def save_then_refresh(table: Any, path: Path, meta_: dict[str, Any]) -> None:
        real_save(table, path, meta_)
        saved.append(len(table))
        if len(saved) == 1:  # a reading lands while the file is being written
            _fill(store, [_case(rng, 40, cells)])
            reader.read()

    monkeypatch.setattr(table_module, "save_table", save_then_refresh)
    _fill(store, [_case(rng, 30, cells)])
    reader.read()
    reader.keep()
    assert saved == [31] and len(load_table(kept, meta) or []) == 31
    reader.keep()  # the reading that landed is written now
    assert saved == [31, 32] and len(load_table(kept, meta) or []) == 32
    reader.keep()  # nothing new
    assert saved == [31, 32]


def test_a_refresh_between_taking_the_columns_and_writing_them_is_not_lost(
        store: Any, grid: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reading that lands after :meth:`ColumnReader.keep` looked at the columns and
    before it marked them written (here: inside its clock check, the one call between the
    two) is still written by a later keep; before, the mark cleared it and the file stayed
    one reading behind until the next change."""
    import time as real_time

    import govflow.cockpit.live as live_module

    rng = random.Random(19)
    reader, kept, meta, cells = _kept_reader(store, grid, tmp_path, rng)
    hooks: list[Any] = []

    class Clock:
        def __getattr__(self, name: str) -> Any:
            return getattr(real_time, name)

        def monotonic(self) -> float:
            while hooks:
                hooks.pop()()
            return real_time.monotonic()

    def land() -> None:
        _fill(store, [_case(rng, 31, cells)])
        reader.read()

    monkeypatch.setattr(live_module, "time", Clock())
    _fill(store, [_case(rng, 30, cells)])
    reader.read()
    hooks.append(land)
    reader.keep()
    reader.keep()
    assert not hooks
    back = load_table(kept, meta)
    assert back is not None and reader.table is not None
    assert back.seq.tolist() == reader.table.seq.tolist() and len(back) == 32


def test_a_case_moved_between_other_categories_is_a_new_reading(store: Any, grid: Any) -> None:
    """A change of category alone (a person confirmed what a case is) moves the generation
    and the cockpit's categories: the reading's digest covers the categories and sources."""
    rng = random.Random(23)
    cells = grid.cells_under("410102001")[:10]
    cases = [dataclasses.replace(_case(rng, n, cells), category="noise", source="patrol")
             for n in range(40)]
    _fill(store, cases)
    live = LiveCockpit(store, grid, max_age=3600)
    first = live.refresh()
    moved = [dataclasses.replace(c, category="环境/噪声", source="hotline_feed", rev=c.rev + 1)
             for c in cases[:3]]
    _update(store, moved)
    second = live.refresh()
    assert second.generation == first.generation + 1
    assert "环境/噪声" in second.snapshot.categories
    assert len(second.opinions) == len(first.opinions) + 3
    _same_as_per_case_read(second, store, grid)
