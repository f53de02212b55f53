"""Re-driving is atomic: the dead letter a record came from is removed in the same commit as
what the record becomes, on every store, and a letter already gone writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from govflow import Actor, Engine
from govflow.engine.requests import OpenRequest
from govflow.errors import DeadLetterGone
from govflow.records import DeadLetter

CELL = "410102001001001"
AT = datetime(2026, 9, 29, 1, 0, tzinfo=UTC)
DESK = Actor.of("desk", "hotline_operator")
CALLER = {"caller_phone": "13800000000", "kind": "complaint"}


def _letter(letter_id: str) -> DeadLetter:
    return DeadLetter(id=letter_id, source="hotline", record_id=f"r-{letter_id}",
                      reason="rule_error: the severity table is missing", payload="{}", at=AT)


def test_a_retired_letter_goes_with_the_case_it_became(engine: Engine) -> None:
    store = engine.store
    store.add_dead_letters([_letter("a"), _letter("b")])
    request = OpenRequest("hotline", CELL, data=dict(CALLER), actor=DESK)
    [case] = engine.apply_batch([request], retired=["a"])
    assert store.get_case(case.id).state == case.state
    assert [d.id for d in store.dead_letters()] == ["b"]


def test_a_letter_already_gone_writes_nothing(engine: Engine) -> None:
    store = engine.store
    store.add_dead_letters([_letter("b")])
    request = OpenRequest("hotline", CELL, data=dict(CALLER), actor=DESK)
    with pytest.raises(DeadLetterGone, match="a"):
        engine.apply_batch([request], retired=["a", "b"])  # "a" was re-driven elsewhere
    assert [d.id for d in store.dead_letters()] == ["b"]  # "b" is not removed either
    assert store.find_open_cases(cell=CELL) == []  # and no case was opened
    with pytest.raises(DeadLetterGone):
        store.commit([], dead_letters=[_letter("c")], retired=["a"])
    assert [d.id for d in store.dead_letters()] == ["b"]  # "c" was not written
