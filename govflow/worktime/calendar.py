"""The work calendar: which days are worked, which hours of them, and deadline arithmetic.

Work time is counted in local wall-clock time of the calendar's zone over the work periods
of each work day. ``workdays`` are a length of work time (N × the length of one day's
periods), so a limit of 3 work days entered at 10:00 falls at 10:00 three work days later,
and a limit reached exactly at a period's end falls at that end (18:00), never at the next
morning. Which days are worked comes, in this order, from the file's ``workdays`` and
``holidays`` overrides, then (``official``) mainland China's calendar from chinese-calendar,
or (not ``official``) Monday to Friday.

Each year has a status (:meth:`WorkCalendar.year_status`): ``official (package)`` when
chinese-calendar knows it, ``official (file)`` when the file lists days of it, else
``provisional``: the statutory holidays with their make-up days (补假), weekends off, no worked
weekend (see :mod:`govflow.worktime.provisional`), until the State Council's notice is imported.
A calendar that is not ``official`` counts Monday to Friday (status ``weekdays``) everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from govflow.clock import as_utc
from govflow.errors import CalendarError
from govflow.worktime.duration import Duration


class CalendarSettings(Protocol):
    """What a calendar is made from: ``govflow.workflows.spec.CalendarSpec`` is one. Declared
    here so that the calendar does not import the workflows layer above it."""

    @property
    def timezone(self) -> str: ...
    @property
    def periods(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def official(self) -> bool: ...
    @property
    def holidays(self) -> frozenset[str]: ...
    @property
    def workdays(self) -> frozenset[str]: ...


_US_PER_DAY = 86_400_000_000
_US_PER_HOUR = 3_600_000_000
_ELAPSED_US = {"minutes": 60_000_000, "hours": _US_PER_HOUR, "days": _US_PER_DAY}
#: a run of this many rest days in a row means the calendar is misconfigured
_MAX_REST_RUN = 3660
#: no limit in any unit is a million of it; this also refuses NaN and infinity
_MAX_AMOUNT = 1e6

#: the status of a year (:meth:`WorkCalendar.year_status`)
PACKAGE, FILE, PROVISIONAL, WEEKDAYS, UNCOVERED = (
    "official (package)", "official (file)", "provisional", "weekdays", "not covered")

_UNSET = object()

Period = tuple[int, int]
"""A work period as (start, end) in microseconds since local midnight."""


class WorkCalendar:
    """Work days and work periods in one time zone; adds durations to moments."""

    def __init__(
        self,
        *,
        timezone: str = "Asia/Shanghai",
        periods: Sequence[tuple[str | time, str | time]] = (("09:00", "12:00"), ("13:30", "18:00")),
        official: bool = True,
        holidays: Iterable[str | date] = (),
        workdays: Iterable[str | date] = (),
    ) -> None:
        try:
            self.tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CalendarError(
                f"unknown time zone {timezone!r} in the calendar: use an IANA name such as "
                "'Asia/Shanghai'"
            ) from exc
        self.timezone = timezone
        self.periods: tuple[Period, ...] = _read_periods(periods)
        self.day_length = timedelta(microseconds=sum(e - s for s, e in self.periods))
        self._day_us = sum(e - s for s, e in self.periods)
        self.official = official
        self.holidays = frozenset(_read_date(d, "holidays") for d in holidays)
        self.workdays = frozenset(_read_date(d, "workdays") for d in workdays)
        both = sorted(self.holidays & self.workdays)
        if both:
            shown = ", ".join(d.isoformat() for d in both)
            raise CalendarError(
                f"calendar lists {shown} both as a holiday and as a work day: keep it in one list"
            )
        #: years the file vouches for: where chinese-calendar has no data, a date of these
        #: years that the file does not list follows the weekday rule
        self._file_years = frozenset(d.year for d in self.holidays | self.workdays)
        self._by_ordinal: Callable[[int], bool] = lru_cache(maxsize=1 << 16)(self._lookup)
        self._status: dict[int, str] = {}
        self._begins: datetime | object | None = _UNSET

    @classmethod
    def from_spec(cls, spec: CalendarSettings) -> WorkCalendar:
        """The calendar a workflows file asks for."""
        return cls(
            timezone=spec.timezone,
            periods=spec.periods,
            official=spec.official,
            holidays=spec.holidays,
            workdays=spec.workdays,
        )

    @classmethod
    def china(cls) -> WorkCalendar:
        """Mainland China's official calendar, Asia/Shanghai, 09:00–12:00 and 13:30–18:00."""
        return cls()

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(timezone={self.timezone!r}, periods={self.period_strings()!r}, "
            f"official={self.official!r}, holidays={len(self.holidays)}, "
            f"workdays={len(self.workdays)})"
        )

    def period_strings(self) -> tuple[tuple[str, str], ...]:
        """The work periods as ("HH:MM", "HH:MM") pairs."""
        return tuple((_hhmm(s), _hhmm(e)) for s, e in self.periods)

    # -- days ---------------------------------------------------------------------------------

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is worked; raises CalendarError for a date the calendar cannot answer."""
        return self._by_ordinal(day.toordinal())

    def _lookup(self, ordinal: int) -> bool:
        day = date.fromordinal(ordinal)
        if day in self.holidays:
            return False
        if day in self.workdays:
            return True
        if self.official:
            official = _official_is_workday(day)
            if official is not None:
                return official
            if day.year not in self._file_years:
                from govflow.worktime.provisional import FIRST_YEAR, rest_days

                if day.year < FIRST_YEAR:
                    raise CalendarError(
                        f"the work calendar has no data for {day.isoformat()} "
                        f"(chinese-calendar covers {_years(package_years())}, and the "
                        f"provisional rule applies from {FIRST_YEAR}): add the holidays and "
                        f"make-up work days of {day.year} to the workflow file's calendar "
                        "(calendar.holidays / calendar.workdays, or `govflow calendar "
                        "import`), or upgrade chinese-calendar")
                return day.weekday() < 5 and day not in rest_days(day.year)
        return day.weekday() < 5

    # -- years --------------------------------------------------------------------------------

    def year_status(self, year: int) -> str:
        """``official (package)``, ``official (file)``, ``provisional``, ``weekdays`` (a
        calendar that is not ``official``) or ``not covered`` (a past year nobody vouches for:
        its days raise CalendarError)."""
        status = self._status.get(year)
        if status is None:
            if not self.official:
                status = WEEKDAYS
            elif year in package_years():
                status = PACKAGE
            elif year in self._file_years:
                status = FILE
            else:
                from govflow.worktime.provisional import FIRST_YEAR

                status = PROVISIONAL if year >= FIRST_YEAR else UNCOVERED
            self._status[year] = status
        return status

    def is_provisional(self, year: int) -> bool:
        """Whether ``year``'s work days are the provisional rule's, not a published notice's."""
        return self.year_status(year) == PROVISIONAL

    def provisional_between(self, a: datetime, b: datetime) -> bool:
        """Whether a local day from ``a`` to ``b`` (either order) lies in a provisional year:
        a work-time span between them may then move when the year's notice is imported.
        Costs two zone conversions; not on the hot path of :meth:`add`."""
        hi = as_utc(a if a > b else b)
        begins = self._provisional_begins()
        if begins is None or hi < begins:
            return False  # the common case: both before the first provisional year
        first = as_utc(a).astimezone(self.tz).year
        last = as_utc(b).astimezone(self.tz).year
        if first > last:
            first, last = last, first
        return any(self.is_provisional(year) for year in range(first, last + 1))

    def _provisional_begins(self) -> datetime | None:
        """The first moment of the first provisional year (local midnight), or None."""
        if self._begins is _UNSET:
            found: datetime | None = None
            if self.official:
                from govflow.worktime.provisional import FIRST_YEAR

                year = FIRST_YEAR
                while not self.is_provisional(year):
                    year += 1
                found = self._moment(date(year, 1, 1).toordinal(), 0)
            self._begins = found
        return self._begins if isinstance(self._begins, datetime) else None

    def horizon(self) -> date | None:
        """The last day of the last year vouched for (package or file), or None for a calendar
        that is not ``official``. Every later day is provisional."""
        if not self.official:
            return None
        years = set(package_years()) | self._file_years
        return date(max(years), 12, 31) if years else None

    def add_checked(self, start: datetime, duration: Duration) -> tuple[datetime, bool]:
        """:meth:`add`, and whether the span counted a provisional day (work units only)."""
        end = self.add(start, duration)
        return end, duration.is_work_time and self.provisional_between(start, end)

    # -- moments ------------------------------------------------------------------------------

    def _local(self, moment: datetime) -> tuple[int, int]:
        """(date ordinal, microseconds since local midnight) of an aware moment."""
        local = as_utc(moment).astimezone(self.tz)
        us = ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000
        return local.toordinal(), us + local.microsecond

    def _moment(self, ordinal: int, us: int) -> datetime:
        """The UTC moment of a local wall-clock time."""
        wall = datetime.combine(date.fromordinal(ordinal), time()) + timedelta(microseconds=us)
        return wall.replace(tzinfo=self.tz).astimezone(UTC)

    def is_work_time(self, moment: datetime) -> bool:
        """Whether ``moment`` lies inside a work period of a work day (start in, end out)."""
        ordinal, us = self._local(moment)
        return self._by_ordinal(ordinal) and any(s <= us < e for s, e in self.periods)

    def next_work_start(self, moment: datetime) -> datetime:
        """``moment`` itself if it is work time, else the start of the next work period."""
        ordinal, us = self._local(moment)
        rest = 0
        while True:
            if self._by_ordinal(ordinal):
                for start, end in self.periods:
                    if us < end:
                        return as_utc(moment) if us >= start else self._moment(ordinal, start)
            ordinal, us, rest = ordinal + 1, 0, self._count_rest(rest, ordinal)

    def add(self, start: datetime, duration: Duration) -> datetime:
        """The moment ``duration`` after ``start``, as an aware UTC datetime.

        Minutes, hours and days are elapsed time. Work hours and work days are counted over
        work periods only, from ``start`` if it is work time, else from the next period's start.
        """
        amount, unit = duration.amount, duration.unit
        if not 0 <= amount < _MAX_AMOUNT:
            raise ValueError(f"cannot add {duration}: the amount must be finite and not negative")
        unit_us = _ELAPSED_US.get(unit)
        if unit_us is not None:
            return as_utc(start) + timedelta(microseconds=round(amount * unit_us))
        if unit == "workdays":
            return self._add_work(start, round(amount * self._day_us))
        if unit == "workhours":
            return self._add_work(start, round(amount * _US_PER_HOUR))
        raise ValueError(f"cannot add {duration}: unknown unit {unit!r}")

    def _add_work(self, start: datetime, remaining: int) -> datetime:
        if remaining == 0:
            return as_utc(start)
        ordinal, us = self._local(start)
        day_us, periods, is_workday = self._day_us, self.periods, self._by_ordinal
        rest = 0
        while True:
            if is_workday(ordinal):
                rest = 0
                if us == 0 and remaining > day_us:
                    remaining -= day_us
                else:
                    for begin, end in periods:
                        if us >= end:
                            continue
                        begin = max(begin, us)
                        if remaining <= end - begin:
                            return self._moment(ordinal, begin + remaining)
                        remaining -= end - begin
            else:
                rest = self._count_rest(rest, ordinal)
            ordinal, us = ordinal + 1, 0

    def work_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Work time from ``a`` to ``b`` (negative if ``b`` is earlier)."""
        a, b = as_utc(a), as_utc(b)
        if b < a:
            return -self.work_time_between(b, a)
        first, us_a = self._local(a)
        last, us_b = self._local(b)
        total, periods = 0, self.periods
        for ordinal in range(first, last + 1):
            if not self._by_ordinal(ordinal):
                continue
            lo = us_a if ordinal == first else 0
            hi = us_b if ordinal == last else _US_PER_DAY
            if lo == 0 and hi == _US_PER_DAY:
                total += self._day_us
                continue
            for begin, end in periods:
                total += max(0, min(end, hi) - max(begin, lo))
        return timedelta(microseconds=total)

    def _count_rest(self, rest: int, ordinal: int) -> int:
        if rest >= _MAX_REST_RUN:
            raise CalendarError(
                f"no work day in the {_MAX_REST_RUN} days before "
                f"{date.fromordinal(ordinal).isoformat()}: check the calendar's holidays"
            )
        return rest + 1


def _official_is_workday(day: date) -> bool | None:
    """chinese-calendar's answer for ``day``, or None for a year it has no data for."""
    import chinese_calendar  # imported on first use: nothing heavy at import time

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


@lru_cache(maxsize=1)
def package_years() -> range:
    """The years chinese-calendar (as installed) has the official days of."""
    from chinese_calendar.constants import holidays, workdays

    known = [*holidays, *workdays]
    return range(min(known).year, max(known).year + 1)


def _years(years: range) -> str:
    return f"{years.start}–{years.stop - 1}"


def _read_date(value: str | date, field: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise CalendarError(
            f"calendar.{field}: {value!r} is not a date; write it as YYYY-MM-DD"
        ) from exc


def _read_periods(periods: Sequence[tuple[str | time, str | time]]) -> tuple[Period, ...]:
    read = tuple((_read_clock(s), _read_clock(e)) for s, e in periods)
    if not read:
        raise CalendarError("calendar.periods is empty: give at least one, e.g. 09:00-18:00")
    previous_end = 0
    for start, end in read:
        if not previous_end <= start < end:
            raise CalendarError(
                f"calendar.periods {_hhmm(start)}-{_hhmm(end)}: periods must each start before "
                "they end, be in order and not overlap"
            )
        previous_end = end
    return read


def _read_clock(value: str | time) -> int:
    """Microseconds since midnight of ``HH:MM`` (``24:00`` allowed as an end)."""
    if isinstance(value, time):
        return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000
    text = str(value).strip()
    hours, sep, minutes = text.partition(":")
    if sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2:
        h, m = int(hours), int(minutes)
        if (h < 24 and m < 60) or (h == 24 and m == 0):
            return (h * 60 + m) * 60_000_000
    raise CalendarError(f"calendar.periods: {value!r} is not a time of day; write it as HH:MM")


def _hhmm(us: int) -> str:
    minutes = us // 60_000_000
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
