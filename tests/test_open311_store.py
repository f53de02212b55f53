"""The store reads the Open311 endpoint uses, the same on every store: ids, categories and
source filters, and the cases' last events in one read."""

from __future__ import annotations

from govflow import Engine
from govflow.store.base import Store
from govflow.store.query import CaseQuery
from tests.helpers import CELL, HANDLER, OPERATOR, OTHER_CELL


def test_id_category_and_source_filters_and_last_events(engine: Engine, store: Store) -> None:
    ids = [engine.open_case("hotline", cell=CELL if i % 2 else OTHER_CELL, actor=OPERATOR,
                            category=("water", "noise", "roads")[i % 3],
                            source="open311" if i < 2 else "api").id for i in range(6)]
    engine.fire(ids[1], "sign", actor=HANDLER, reason="on my way")
    search = store.search_cases  # type: ignore[attr-defined]
    picked = search(CaseQuery(ids=(ids[4], ids[0], "nope")))
    assert [c.id for c in picked.cases] == [ids[0], ids[4]]
    assert [c.id for c in search(CaseQuery(categories=("water", "roads"))).cases] == [
        ids[0], ids[2], ids[3], ids[5]]
    assert [c.id for c in search(CaseQuery(source="open311")).cases] == ids[:2]
    both = search(CaseQuery(ids=tuple(ids), categories=("noise",), source="open311"))
    assert [c.id for c in both.cases] == [ids[1]]

    last = store.last_events([ids[0], ids[1], "nope"])  # type: ignore[attr-defined]
    assert set(last) == {ids[0], ids[1]}
    assert last[ids[1]].trigger == "sign" and last[ids[1]].reason == "on my way"
    assert last[ids[0]] == store.history(ids[0])[-1]
    assert store.last_events([]) == {}  # type: ignore[attr-defined]
