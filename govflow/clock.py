"""Clocks. The engine never reads the wall clock directly: it asks the clock it was given.

All times are timezone-aware datetimes in UTC; the work calendar converts to local time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` as an aware UTC datetime; naive datetimes are refused."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: give a timezone (e.g. UTC)")
    return moment.astimezone(UTC)


class SimClock:
    """A simulated clock: time moves only when told, so 90 days pass in milliseconds."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward by ``delta`` and return the new now."""
        if delta < timedelta(0):
            raise ValueError("a clock does not go backwards")
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> datetime:
        """Jump to ``moment`` (not earlier than now)."""
        moment = as_utc(moment)
        if moment < self._now:
            raise ValueError(f"cannot set the clock back from {self._now} to {moment}")
        self._now = moment
        return self._now
