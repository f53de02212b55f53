"""Requests for the engine's batch primitive: open a case, fire a trigger, note an event.

Plain slotted records (not frozen: one is built per call on the hot path)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from govflow.records import Actor


@dataclass(slots=True)
class OpenRequest:
    """Open a case of ``workflow`` on ``cell``."""

    workflow: str
    cell: str
    category: str = ""
    data: dict[str, Any] | None = None
    source: str = "manual"
    owner: str | None = None
    at: datetime | None = None
    actor: Actor | None = None


@dataclass(slots=True)
class FireRequest:
    """Fire ``trigger`` on case ``case_id``; with ``expected_rev``, only if the case still has
    that ``rev`` (else :class:`~govflow.errors.ConflictError`: a client's optimistic version)."""

    case_id: str
    trigger: str
    actor: Actor
    data: dict[str, Any] | None = None
    reason: str = ""
    expected_rev: int | None = None


@dataclass(slots=True)
class NoteRequest:
    """Write an event ``what`` on a case without changing its state (e.g. ``merge``), with
    outbox messages ``notices`` of (kind, recipient, payload) in the same transaction."""

    case_id: str
    what: str
    actor: Actor
    data: dict[str, Any] | None = None
    reason: str = ""
    notices: tuple[tuple[str, str, dict[str, Any]], ...] = ()


Request = OpenRequest | FireRequest | NoteRequest
