"""Durations in plain words: ``30 min``, ``4h``, ``2 days``, ``3 workdays``, ``6 work hours``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["minutes", "hours", "days", "workhours", "workdays"]
UNITS: tuple[Unit, ...] = ("minutes", "hours", "days", "workhours", "workdays")


@dataclass(frozen=True, slots=True)
class Duration:
    """An amount of time in one unit. Work units are counted on a :class:`WorkCalendar`."""

    amount: float
    unit: Unit

    @property
    def is_work_time(self) -> bool:
        return self.unit in ("workhours", "workdays")

    def scaled(self, factor: float) -> Duration:
        """The same unit, ``factor`` times as long (used for warning fractions)."""
        return Duration(self.amount * factor, self.unit)

    def __str__(self) -> str:
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{amount} {self.unit}"
