"""The service's store reads, the same on every store: search pages, figures, keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from govflow import Engine
from govflow.errors import ServiceError
from govflow.service.keys import authenticate, issue, key_store
from govflow.store.base import Store
from govflow.store.query import CaseQuery
from tests.helpers import CELL, HANDLER, OPERATOR, OTHER_CELL


def test_search_pages_filters_and_updated_times(engine: Engine, store: Store) -> None:
    """Filters combine; pages follow keyset positions; updated_* is the last event's time."""
    ids = [engine.open_case("hotline", cell=CELL if i % 2 else OTHER_CELL, actor=OPERATOR).id
           for i in range(6)]
    engine.fire(ids[1], "sign", actor=HANDLER)
    search = store.search_cases  # type: ignore[attr-defined]
    every: list[str] = []
    after = 0
    while True:
        page = search(CaseQuery(workflow="hotline", after=after, limit=4))
        every += [c.id for c in page.cases]
        if page.next is None:
            break
        after = page.next
    assert every == ids
    signed = search(CaseQuery(states=("signed",)))
    assert [c.id for c in signed.cases] == [ids[1]]
    under = search(CaseQuery(under=(CELL[:12],), cell=CELL))
    assert [c.id for c in under.cases] == ids[1::2]
    assert search(CaseQuery(pairs=())).cases == []
    assert [c.id for c in search(CaseQuery(pairs=(("hotline", "signed"),))).cases] == [ids[1]]
    now = engine.clock.now()
    assert len(search(CaseQuery(updated_after=now - timedelta(seconds=1))).cases) == 6
    assert search(CaseQuery(updated_after=now + timedelta(seconds=1))).cases == []
    late = search(CaseQuery(overdue_at=now + timedelta(days=30)))
    assert len(late.cases) == 6
    figures = store.service_figures(now + timedelta(days=30))  # type: ignore[attr-defined]
    assert figures["timers_due"] > 0 and figures["timers_late"] > 0
    assert figures["dead_letters"] == 0


def test_keys_are_kept_as_hashes_and_revoked(store: Store) -> None:
    """A key authenticates as its actor until revoked; its secret is not stored."""
    record, secret = issue(store, "op", roles=["hotline_operator"], scope=[CELL])
    assert secret not in repr(record) and record.key_hash != secret
    keys = key_store(store)
    found = authenticate(keys, f"Bearer {secret}")
    assert found.as_actor().scope == (CELL,) and found.as_actor().roles == {"hotline_operator"}
    with pytest.raises(ServiceError, match="exists already"):
        issue(store, "op", roles=["handler"])
    assert keys.revoke_key("op", datetime.now(UTC))
    assert not keys.revoke_key("op", datetime.now(UTC))
    with pytest.raises(ServiceError, match="revoked"):
        authenticate(keys, f"Bearer {secret}")
    assert [k.name for k in keys.list_keys()] == ["op"]
