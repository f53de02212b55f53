"""The store protocol: what the engine needs from a database.

The engine core never imports SQLAlchemy. It talks to a :class:`Store`; govflow ships an
in-memory store (tests, dry runs) and a SQLAlchemy store (SQLite file, PostgreSQL), and the
same test suite runs against both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from govflow.records import ApiKey, Case, Change, DeadLetter, Event, Message, Timer


@runtime_checkable
class Store(Protocol):
    """Durable home of cases, the event log, timers, the outbox and dead letters."""

    def commit(
        self, changes: Sequence[Change], *, cursor: tuple[str, str] | None = None,
        dead_letters: Sequence[DeadLetter] = (), retired: Sequence[str] = (),
    ) -> None:
        """Write all ``changes`` in one transaction, or none of them.

        ``cursor`` (source name, position) and ``dead_letters`` are written in the same
        transaction, so an intake that restarts resumes after the last committed record and
        takes no record twice. ``retired`` names dead letters removed in the same transaction
        (a re-driven record): if one is no longer there, :class:`~govflow.errors.DeadLetterGone`
        is raised and nothing is written.

        Raises :class:`~govflow.errors.ConflictError` when a case's ``rev`` is not the
        expected one or a ``fired_timer`` was already fired, and writes nothing then.
        New cases get ``rev`` = ``expected_rev + 1`` (1 for an insert): the engine sets
        ``case.rev`` before handing the change over.
        """
        ...

    def get_case(self, case_id: str) -> Case:
        """The case, or :class:`~govflow.errors.CaseNotFound`. The caller may mutate the copy."""
        ...

    def history(self, case_id: str) -> list[Event]:
        """The case's event log in order of ``seq``."""
        ...

    def find_open_cases(
        self, *, cell: str | None = None, category: str | None = None,
        opened_after: datetime | None = None, workflow: str | None = None,
    ) -> list[Case]:
        """Open (not closed) cases matching every given filter, oldest first."""
        ...

    def claim_due_timers(self, now: datetime, limit: int) -> list[Timer]:
        """Up to ``limit`` unfired timers due at or before ``now``, earliest first.

        A claim is a lease, not a firing: with several engine processes the store hands each
        timer to one of them at a time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL); a timer whose
        worker died is handed out again after the lease. Firing happens in :meth:`commit`.
        """
        ...

    def drop_timers(self, timer_ids: Iterable[str], at: datetime) -> None:
        """Mark claimed timers as done without changing their case (stale or moot ones)."""
        ...

    def pending_timers(self, case_id: str) -> list[Timer]:
        """The case's unfired, uncancelled timers, earliest first."""
        ...

    def next_due(self) -> datetime | None:
        """When the earliest unfired timer is due, or ``None``."""
        ...

    def pending_messages(self, limit: int) -> list[Message]:
        """Undelivered outbox messages, oldest first."""
        ...

    def mark_delivered(self, message_ids: Iterable[str]) -> None:
        """Record that these messages were delivered (idempotent)."""
        ...

    def get_cursor(self, source: str) -> str | None:
        """The last committed position of a data source, or ``None``."""
        ...

    def add_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        """Keep records that could not be taken in."""
        ...

    def dead_letters(self, source: str | None = None, *,
                     limit: int | None = None) -> list[DeadLetter]:
        """The dead letters (oldest first, at most ``limit``), optionally of one source."""
        ...

    def bury_timer(self, timer_id: str, letter: DeadLetter) -> None:
        """Cancel a timer that cannot fire and keep it as ``letter``, in one transaction
        (a timer already fired or cancelled is left as it is, the letter kept all the same)."""
        ...

    def count_dead_letters(self, source: str | None = None) -> int:
        """How many dead letters there are (of one source), for the cockpit."""
        ...

    def keep_workflow(self, name: str, version: int, text: str, digest: str) -> str | None:
        """Keep a workflow version cases are opened on (first writer wins: a kept version is
        never replaced). Returns the digest kept before, or ``None`` if this call kept it."""
        ...

    def workflow_versions(self) -> list[tuple[str, int, str, str]]:
        """Every kept workflow version as (name, version, text, digest), by name and version."""
        ...

    def iter_cases(self) -> Iterable[Case]:
        """Every case (open and closed), for snapshots and exports."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


@runtime_checkable
class KeyStore(Protocol):
    """Where the service keeps its keys (both stores implement it; the engine never uses it)."""

    def add_key(self, key: ApiKey) -> None:
        """Keep a new key; raises :class:`~govflow.errors.ServiceError` if the name is taken."""
        ...

    def find_key(self, key_hash: str) -> ApiKey | None:
        """The key with this secret hash (revoked or not), or ``None``."""
        ...

    def list_keys(self) -> list[ApiKey]:
        """Every key, by name."""
        ...

    def revoke_key(self, name: str, at: datetime) -> bool:
        """Revoke a key; False when there is no such live key."""
        ...
