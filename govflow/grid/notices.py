"""Outbox messages that belong to a whole campaign or order rather than one transition.

The engine writes messages with the change that causes them (entry actions, timers). A
campaign's "warn every tier at once" and an order's hand-out to each addressee are written
as one audited note on an anchor case (the first task) carrying every message, in one
transaction, so they are delivered by :meth:`Engine.deliver_outbox` like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from govflow.engine.engine import Engine
from govflow.records import Actor


def post(engine: Engine, anchor: str, kind: str, notes: Sequence[tuple[str, dict[str, Any]]],
         actor: Actor) -> int:
    """Write (recipient, payload) messages of ``kind`` on case ``anchor``; return how many."""
    if not notes:
        return 0
    engine.note(anchor, kind, actor=actor, reason=f"{len(notes)} messages",
                notices=[(kind, recipient, payload) for recipient, payload in notes])
    return len(notes)
