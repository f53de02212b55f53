"""Simulated time: the demo's first day, its days and its steps (all aware datetimes).

The run starts on Monday 2026-10-12 00:00 in the district (Asia/Shanghai), after the National
Day holiday, unless the demo is given another first day (``--start``), and moves in steps of
:data:`STEP`; timers fire at their own times in between. Each function takes the run's
``start`` (default :data:`START`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 10, 12, 0, 0, tzinfo=LOCAL).astimezone(UTC)
STEP = timedelta(minutes=10)
DAY = timedelta(days=1)
#: the simulated day (1-based) on which the emergency campaign starts, and its local hour
CAMPAIGN_DAY = 10
CAMPAIGN_HOUR = 9.5


def first_moment(day: str) -> datetime:
    """00:00 local time of the ISO date ``day`` (the ``--start`` of a run), in UTC."""
    return datetime.combine(datetime.fromisoformat(day).date(), datetime.min.time(),
                            tzinfo=LOCAL).astimezone(UTC)


def day_start(day: int, start: datetime = START) -> datetime:
    """00:00 local time of simulated day ``day`` (1-based), in UTC."""
    return start + (day - 1) * DAY


def at_hour(day: int, hour: float, start: datetime = START) -> datetime:
    """Day ``day`` at ``hour`` (local, fractional hours), in UTC."""
    return day_start(day, start) + timedelta(hours=hour)


def local_hour(moment: datetime) -> float:
    """The local hour of the day of ``moment`` (0 ≤ h < 24)."""
    loc = moment.astimezone(LOCAL)
    return loc.hour + loc.minute / 60 + loc.second / 3600


def steps_of(day: int, start: datetime = START) -> list[datetime]:
    """The step boundaries inside day ``day``: the first step ends at 00:10 local."""
    first = day_start(day, start)
    return [first + STEP * (k + 1) for k in range(int(DAY / STEP))]


def label(moment: datetime) -> str:
    """``2026-10-21 09:30`` (local) for the progress line."""
    return moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")
