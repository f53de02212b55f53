"""Work time: durations in plain words and the work calendar that counts them."""

from __future__ import annotations

from govflow.worktime.calendar import WorkCalendar
from govflow.worktime.duration import Duration
from govflow.worktime.parse import parse_duration

__all__ = ["Duration", "WorkCalendar", "parse_duration"]
