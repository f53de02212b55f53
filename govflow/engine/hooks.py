"""The engine's outgoing side: what it tells observers after each committed change.

The plugin framework implements :class:`EngineHooks` over pluggy (every call isolated: a
plugin that raises is recorded and skipped). :class:`NoHooks` is used when nothing listens.
Hooks are called after the transaction commits, never inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from govflow.records import Case, Event, Message, Timer


class EngineHooks(Protocol):
    """Observers of committed changes, and the delivery of outbox messages."""

    def case_opened(self, case: Case, event: Event) -> None: ...

    def case_transitioned(self, case: Case, event: Event) -> None: ...

    def case_escalated(self, case: Case, event: Event) -> None: ...

    def case_closed(self, case: Case, event: Event) -> None: ...

    def deliver(self, messages: Sequence[Message]) -> list[str]:
        """Deliver messages; return the ids delivered (the rest are retried later)."""
        ...

    def revisit_outcome(self, case: Case) -> bool | None:
        """Whether a due revisit found a rebound (True), a clean site (False), or no answer."""
        ...

    def timer_dead(self, timer: Timer, reason: str, attempts: int) -> None:
        """A timer whose firing kept failing was moved to the dead letters."""
        ...


class NoHooks:
    """Nobody is listening: observations are dropped and no message is delivered."""

    def case_opened(self, case: Case, event: Event) -> None:
        return None

    def case_transitioned(self, case: Case, event: Event) -> None:
        return None

    def case_escalated(self, case: Case, event: Event) -> None:
        return None

    def case_closed(self, case: Case, event: Event) -> None:
        return None

    def deliver(self, messages: Sequence[Message]) -> list[str]:
        return []

    def revisit_outcome(self, case: Case) -> bool | None:
        return None

    def timer_dead(self, timer: Timer, reason: str, attempts: int) -> None:
        return None
