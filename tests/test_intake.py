"""Intake: every record read becomes a case change, a counted skip or a dead letter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel, Field, field_validator

from govflow.engine.engine import Engine
from govflow.errors import PluginError
from govflow.plugins import ListSource, OpenCase, PluginHost, RawRecord, Trigger, hookimpl
from govflow.plugins.intake import Intake
from govflow.plugins.registry import Registry
from govflow.plugins.testing import PluginHarness
from govflow.records import Actor
from govflow.store.base import Store

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / "workflows.yaml"
CELL = "410102001001001"
OTHER = "410102001001002"
T0 = datetime(2026, 9, 29, 2, 0, tzinfo=UTC)


class Report(BaseModel):
    """A test record: a vending report, or a close of an earlier one."""

    id: str
    cell: str
    at: AwareDatetime
    stalls: int = Field(ge=0)
    note: str = ""
    closes: str | None = None


def report_rule(record: Report) -> OpenCase | Trigger:
    if record.closes:
        actor = Actor.of("li", "grid_worker")
        return Trigger(record.closes, "dismiss", actor=actor)
    return OpenCase("street_vending", record.cell, "street_vending",
                    {"location": record.note}, ref=record.id, at=record.at,
                    merge_within=timedelta(hours=2))


class Reports:
    """A plugin whose source is a list the test fills."""

    govflow_plugin_name = "reports"

    def __init__(self, payloads: list[dict[str, Any]] | None = None) -> None:
        self.payloads = payloads or []

    @hookimpl
    def govflow_register_sources(self, registry: Registry) -> None:
        registry.add_source(ListSource("reports", Report, lambda: self.payloads, id_field="id"))

    @hookimpl
    def govflow_register_rules(self, registry: Registry) -> None:
        registry.add_rules("reports", report_rule)


def rec(i: int, cell: str = CELL, minutes: int = 0, **extra: Any) -> dict[str, Any]:
    return {"id": f"r{i}", "cell": cell, "at": (T0 + timedelta(minutes=minutes)).isoformat(),
            "stalls": 1, **extra}


BAD = [
    {"id": "missing", "cell": CELL, "stalls": 1},                       # no 'at'
    {"id": "wrong_type", "cell": CELL, "at": "not a time", "stalls": 1},
    rec(90, cell="999999999999999"),                                     # unknown cell
    rec(91, stalls="three"),                                             # text in a number
    rec(92, note="x" * 10_000_000),                                      # a 10 MB field
    {"id": "nested", "cell": [CELL], "at": T0.isoformat(), "stalls": {"n": 1}},
]


def test_bad_records_become_dead_letters_with_reasons_and_none_is_lost() -> None:
    """Missing field, wrong type, unknown cell, text in a number, 10 MB: each a dead letter."""
    good = [rec(i, cell=CELL if i % 2 else OTHER, minutes=200 * i) for i in range(6)]
    harness = PluginHarness(Reports(good + BAD), workflows=WORKFLOWS,
                            cells=[CELL, OTHER])
    report = harness.run("reports", batch=4)
    letters = {d.record_id: d.reason for d in harness.dead_letters()}
    assert report.read == len(good) + len(BAD)
    assert len(harness.cases()) + len(letters) == report.read
    assert report.opened == len(good) and report.dead == len(BAD)
    assert "at: Field required" in letters["missing"]
    assert "at: Input should be a valid datetime" in letters["wrong_type"]
    assert "unknown cell '999999999999999'" in letters["r90"]
    assert "stalls: Input should be a valid integer" in letters["r91"]
    assert "longer than 65536 characters" in letters["r92"]
    assert len(harness.dead_letters()[0].payload) < 20_000
    assert report.dead_reasons == {"invalid": 4, "unknown_cell": 1, "oversize": 1}


def test_every_record_is_accounted_for_on_every_store(store: Store) -> None:
    """cases + dead letters == records, on memory, SQLite and PostgreSQL."""
    good = [rec(i, cell=CELL, minutes=200 * i) for i in range(5)]
    host = PluginHost([Reports(good + BAD)], entry_points=False)
    engine = Engine(WORKFLOWS, store=store, plugins=host)
    report = Intake(engine, host, cells=[CELL]).run("reports", batch=3)
    cases = list(store.iter_cases())
    assert len(cases) + len(store.dead_letters("reports")) == report.read == 11
    assert store.get_cursor("reports") == str(report.read - 1)


def test_a_restart_resumes_after_the_last_committed_record() -> None:
    """Two runs (the first stopped by limit) take every record exactly once."""
    records = [rec(i, cell=CELL if i % 2 else OTHER, minutes=300 * i) for i in range(20)]
    harness = PluginHarness(Reports(records), workflows=WORKFLOWS)
    first = harness.run("reports", limit=7, batch=3)
    second = harness.run("reports", batch=3)
    assert (first.read, second.read) == (7, 13)
    refs = sorted(c.data["ref"] for c in harness.cases())
    assert refs == sorted(r["id"] for r in records)


class Flaky:
    """A source that fails after five records on its first read."""

    name = "reports"
    model = Report

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.failed = False

    def read(self, cursor: str | None) -> Iterator[RawRecord]:
        start = int(cursor) + 1 if cursor is not None else 0
        for i in range(start, len(self.records)):
            if i == 5 and not self.failed:
                self.failed = True
                raise OSError("feed went away")
            yield RawRecord(self.records[i]["id"], str(i), self.records[i])


def test_a_failing_source_commits_what_it_read_and_the_next_run_resumes() -> None:
    """The source's error names it; the records before are kept; none is taken twice."""
    records = [rec(i, cell=CELL if i % 2 else OTHER, minutes=300 * i) for i in range(10)]
    harness = PluginHarness(Reports(), workflows=WORKFLOWS)
    flaky = Flaky(records)
    with pytest.raises(PluginError, match="source 'reports' failed"):
        harness.intake.run(flaky, batch=100)
    assert len(harness.cases()) == 5
    harness.intake.run(flaky, batch=100)
    assert sorted(c.data["ref"] for c in harness.cases()) == sorted(r["id"] for r in records)


def test_duplicates_within_the_window_merge_into_the_open_case() -> None:
    """Same category, same cell, within 2 hours: one case with merge notes; later: a new one."""
    records = [rec(1, minutes=0), rec(2, minutes=30), rec(3, minutes=90),
               rec(4, cell=OTHER, minutes=40), rec(5, minutes=60 * 5)]
    harness = PluginHarness(Reports(records), workflows=WORKFLOWS)
    report = harness.run("reports")
    assert (report.opened, report.merged) == (3, 2)
    first = next(c for c in harness.cases() if c.data["ref"] == "r1")
    assert first.data["merged"] == 2
    merges = [e for e in harness.engine.history(first.id) if e.trigger == "merge"]
    assert [e.data["input"]["record"] for e in merges] == ["r2", "r3"]


def test_a_report_after_the_case_closed_opens_a_new_case() -> None:
    """A closed case takes no merges: the next report on the cell opens another."""
    records = [rec(1, minutes=0), rec(2, minutes=10, closes="r1"), rec(3, minutes=20)]
    harness = PluginHarness(Reports(records), workflows=WORKFLOWS)
    report = harness.run("reports")
    assert (report.opened, report.triggered, report.merged) == (2, 1, 0)


def test_a_trigger_the_engine_refuses_becomes_a_dead_letter() -> None:
    """Dismissing twice: the second is refused by the engine and kept with the reason."""
    records = [rec(1), rec(2, closes="r1"), rec(3, closes="r1"), rec(4, closes="nobody")]
    harness = PluginHarness(Reports(records), workflows=WORKFLOWS)
    report = harness.run("reports")
    assert (report.opened, report.triggered, report.dead) == (1, 1, 2)
    reasons = {d.record_id: d.reason for d in harness.dead_letters()}
    assert "engine refused" in reasons["r3"] and "'dismiss' is not allowed" in reasons["r3"]
    assert "no open case for ref 'nobody'" in reasons["r4"]


def test_the_report_splits_time_between_plugin_code_and_the_engine() -> None:
    """plugin_seconds and engine_seconds are both measured."""
    harness = PluginHarness(Reports([rec(i, minutes=300 * i) for i in range(50)]),
                            workflows=WORKFLOWS)
    report = harness.run("reports", batch=10)
    assert report.batches == 5
    assert report.plugin_seconds > 0 and report.engine_seconds > 0
    assert 0 < report.plugin_share < 1


class Sloppy(Reports):
    """A plugin whose rule returns a naive time, raises, or returns a wrong type."""

    govflow_plugin_name = "sloppy"

    @hookimpl
    def govflow_register_rules(self, registry: Registry) -> None:
        def sloppy(record: Report) -> Any:
            if record.stalls == 1:
                return OpenCase("street_vending", record.cell, "x", {},
                                at=record.at.replace(tzinfo=None))
            if record.stalls == 2:
                raise KeyError("no such stall")
            if record.stalls == 3:
                return "open a case please"
            return OpenCase("nowhere", record.cell)

        registry.add_rules("reports", sloppy)


def test_a_rule_that_misbehaves_dead_letters_the_record_and_the_intake_goes_on() -> None:
    """Naive time, an exception, a wrong return type, an unknown workflow: each a dead letter."""
    records = [rec(i, stalls=i) for i in range(1, 5)] + [rec(9, stalls=1, cell=OTHER)]
    harness = PluginHarness(Sloppy(records), workflows=WORKFLOWS)
    report = harness.run("reports")
    assert (report.read, report.dead) == (5, 5)
    assert report.dead_reasons == {"rule_error": 4, "unknown_workflow": 1}
    reasons = [d.reason for d in harness.dead_letters()]
    assert "needs an aware datetime" in reasons[0]
    assert "KeyError('no such stall')" in reasons[1]
    assert "returned str" in reasons[2]
    assert "unknown workflow 'nowhere'" in reasons[3]

RECORD = st.one_of(
    st.builds(lambda i, c, m: rec(i, cell=c, minutes=m), st.integers(0, 10**6),
              st.sampled_from([CELL, OTHER, "123"]), st.integers(0, 600)),
    st.builds(lambda i, r: rec(i, closes=f"r{r}"), st.integers(0, 10**6), st.integers(0, 50)),
    st.dictionaries(st.sampled_from(["id", "cell", "at", "stalls", "note"]),
                    st.one_of(st.none(), st.integers(), st.text(max_size=5)), max_size=5),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(RECORD, max_size=40), batch=st.integers(1, 12))
def test_every_record_lands_somewhere_whatever_the_mix(records: list[dict[str, Any]],
                                                       batch: int) -> None:
    """Any mix of good, bad, duplicate and trigger records: taken + dead == read, and the
    store agrees with the report."""
    harness = PluginHarness(Reports(records), workflows=WORKFLOWS, cells=[CELL, OTHER])
    report = harness.run("reports", batch=batch)
    assert report.read == len(records)
    assert report.taken + report.dead == report.read
    assert len(harness.cases()) == report.opened
    assert len(harness.dead_letters()) == report.dead
    assert sum(int(c.data.get("merged") or 0) for c in harness.cases()) == report.merged


def test_the_open_case_index_is_read_once_and_checked_before_merging() -> None:
    """A second run reuses the index; a case closed outside intake takes no merge."""
    plugin = Reports([rec(1, minutes=0)])
    harness = PluginHarness(plugin, workflows=WORKFLOWS)
    store = harness.engine.store
    calls: list[int] = []
    original = store.find_open_cases

    def counting(**filters: Any) -> Any:
        calls.append(1)
        return original(**filters)

    store.find_open_cases = counting  # type: ignore[method-assign]
    harness.run("reports")
    case = harness.cases()[0]
    harness.engine.fire(case.id, "dismiss", actor=Actor.of("li", "grid_worker"))
    plugin.payloads.append(rec(2, minutes=10))
    report = harness.run("reports")
    assert len(calls) == 1
    assert (report.opened, report.merged) == (1, 0)


class Touchy(BaseModel):
    """A model whose validator has a bug: it raises TypeError on one cell."""

    id: str
    cell: str
    at: AwareDatetime
    stalls: int = 1

    @field_validator("cell")
    @classmethod
    def _check(cls, value: str) -> str:
        if value == "TYPEERR":
            raise TypeError("validator bug")
        return value


class Buggy(Reports):
    """A plugin whose model validator and rule raise on some records."""

    govflow_plugin_name = "buggy"

    @hookimpl
    def govflow_register_sources(self, registry: Registry) -> None:
        registry.add_source(ListSource("reports", Touchy, lambda: self.payloads,
                                       id_field="id"))

    @hookimpl
    def govflow_register_rules(self, registry: Registry) -> None:
        def rule(record: Touchy) -> OpenCase:
            merge = "2h" if record.stalls == 7 else None  # not a timedelta: fails later
            return OpenCase("street_vending", record.cell, "street_vending", {},
                            ref=record.id, at=record.at, merge_within=merge)  # type: ignore[arg-type]

        registry.add_rules("reports", rule)


def _accounted(report: Any, harness: PluginHarness) -> None:
    assert report.taken + report.dead == report.read
    assert len(harness.cases()) == report.opened
    assert len(harness.dead_letters()) == report.dead


def test_plugin_code_that_raises_dead_letters_the_record_and_the_cursor_moves_on() -> None:
    """A validator's TypeError, a bad OpenCase, a self-referencing payload, a non-mapping
    payload: each a dead letter; the records after are taken; a restart reads nothing again."""
    loop: dict[str, Any] = {"id": "loop", "cell": CELL, "at": T0.isoformat()}
    loop["self"] = loop
    records: list[Any] = [rec(1), rec(2, cell="TYPEERR"), rec(3, stalls=7), loop, None,
                          [1, 2], rec(4, cell=OTHER)]
    harness = PluginHarness(Buggy(records), workflows=WORKFLOWS, cells=[CELL, OTHER])
    report = harness.run("reports", batch=3)
    assert (report.read, report.opened, report.dead) == (7, 2, 5)
    _accounted(report, harness)
    reasons = {d.record_id: d.reason for d in harness.dead_letters()}
    assert reasons["r2"] == "plugin_error: TypeError: validator bug"
    assert reasons["r3"].startswith("plugin_error: TypeError")
    assert reasons["loop"].startswith("plugin_error: RecursionError")
    assert "valid dictionary" in reasons["4"] and "valid dictionary" in reasons["5"]
    assert harness.engine.store.get_cursor("reports") == "6"
    again = harness.run("reports")
    assert again.read == 0


class Odd:
    """A source that yields things that are not RawRecords between good ones."""

    name = "reports"
    model = Report

    def read(self, cursor: str | None) -> Iterator[Any]:
        if cursor is None:
            yield RawRecord("r1", "0", rec(1))
            yield {"id": "a dict, not a RawRecord"}
            yield RawRecord("r2", "2", rec(2, cell=OTHER))


def test_a_source_yielding_a_non_record_dead_letters_it_and_goes_on() -> None:
    """Something that is not a RawRecord becomes a dead letter naming its type."""
    harness = PluginHarness(Reports(), workflows=WORKFLOWS, cells=[CELL, OTHER])
    report = harness.intake.run(Odd(), batch=2)
    assert (report.read, report.opened, report.dead) == (3, 2, 1)
    _accounted(report, harness)
    (letter,) = harness.dead_letters()
    assert letter.record_id == "<dict>" and letter.reason.startswith("plugin_error:")
    assert harness.engine.store.get_cursor("reports") == "2"
    assert harness.intake.run(Odd()).read == 0


class Broken:
    """A source whose ``read`` raises at once (not a generator), on its first call only."""

    name = "reports"
    model = Report

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.calls = 0

    def read(self, cursor: str | None) -> Iterator[RawRecord]:
        self.calls += 1
        if self.calls == 1:
            raise ConnectionError("no route to feed")
        return iter([RawRecord(r["id"], str(i), r) for i, r in enumerate(self.records)])


def test_a_source_failing_before_its_first_record_is_named_and_the_next_run_works() -> None:
    """read() raising at once gives the same PluginError as a later failure."""
    harness = PluginHarness(Reports(), workflows=WORKFLOWS)
    broken = Broken([rec(1), rec(2, cell=OTHER)])
    with pytest.raises(PluginError, match=r"source .reports. failed while reading after "
                                          r"record 0.*ConnectionError"):
        harness.intake.run(broken)
    assert harness.intake.run(broken).opened == 2
