"""Outbox messages that belong to a whole campaign or order rather than one transition.

The engine writes messages with the change that causes them (entry actions, timers). A
campaign's "warn every tier at once" and an order's hand-out to each addressee are written
here instead, through the store's ordinary :meth:`~govflow.store.base.Store.commit`: one change
on an anchor case (its first task) carrying every message, in one transaction, so they are
delivered by :meth:`Engine.deliver_outbox` like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from govflow.engine.records import Change, Message
from govflow.store.base import Store


class _HasStore(Protocol):
    @property
    def store(self) -> Store: ...


def post(engine: _HasStore, anchor: str, kind: str, notes: Sequence[tuple[str, dict[str, Any]]],
         now: datetime) -> int:
    """Write (recipient, payload) messages of ``kind`` on case ``anchor``; return how many."""
    if not notes:
        return 0
    store = engine.store
    case = store.get_case(anchor)
    expected = case.rev
    case.rev = expected + 1
    outbox = [Message(f"{anchor}:{kind}:{i}", anchor, kind, recipient, now, payload)
              for i, (recipient, payload) in enumerate(notes)]
    store.commit([Change(case=case, expected_rev=expected, outbox=outbox)])
    return len(outbox)
