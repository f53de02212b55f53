"""Property tests of WorkCalendar: monotonic add, inverted by between, ends in work time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from govflow.worktime import Duration, WorkCalendar
from govflow.worktime.duration import Unit

CHINA = WorkCalendar.china()
WORK_UNITS: tuple[Unit, ...] = ("workhours", "workdays")
ALL_UNITS: tuple[Unit, ...] = ("minutes", "hours", "days", "workhours", "workdays")


@st.composite
def calendars(draw: st.DrawFn) -> tuple[WorkCalendar, datetime, datetime]:
    """A calendar with the range of start moments it can answer for (with room to add)."""
    if draw(st.booleans()):
        return CHINA, datetime(2004, 1, 1, tzinfo=UTC), datetime(2026, 9, 1, tzinfo=UTC)
    marks = sorted(draw(st.sets(st.integers(0, 96), min_size=2, max_size=6)))
    pairs = [(marks[i], marks[i + 1]) for i in range(0, len(marks) - 1, 2)]
    periods = [(_clock(s), _clock(e)) for s, e in pairs]
    zone = draw(st.sampled_from(["Asia/Shanghai", "UTC", "Asia/Kolkata", "America/Bogota"]))
    holidays = draw(
        st.sets(
            st.dates(
                min_value=datetime(2030, 1, 1).date(), max_value=datetime(2030, 12, 31).date()
            ),
            max_size=30,
        )
    )
    cal = WorkCalendar(timezone=zone, periods=periods, official=False, holidays=holidays)
    return cal, datetime(2029, 6, 1, tzinfo=UTC), datetime(2031, 6, 1, tzinfo=UTC)


def _clock(quarter: int) -> str:
    """HH:MM of a quarter-hour mark (96 = 24:00)."""
    return f"{quarter // 4:02d}:{quarter % 4 * 15:02d}"


@st.composite
def cases(draw: st.DrawFn, units: tuple[Unit, ...]) -> tuple[WorkCalendar, datetime, Duration]:
    """A calendar, a start it can answer for, and a positive duration."""
    cal, low, high = draw(calendars())
    start = draw(
        st.datetimes(
            min_value=low.replace(tzinfo=None),
            max_value=high.replace(tzinfo=None),
            timezones=st.just(UTC),
        )
    )
    unit = draw(st.sampled_from(units))
    amount = draw(st.floats(min_value=0.001, max_value=30, allow_nan=False))
    return cal, start, Duration(amount, unit)


def _work_us(cal: WorkCalendar, d: Duration) -> int:
    """The work time a work duration asks for, in microseconds."""
    unit = cal.day_length if d.unit == "workdays" else timedelta(hours=1)
    return round(d.amount * (unit // timedelta(microseconds=1)))


@settings(deadline=None)
@given(cases(ALL_UNITS), st.floats(min_value=0, max_value=1))
def test_add_is_monotonic_in_the_duration(
    case: tuple[WorkCalendar, datetime, Duration], fraction: float
) -> None:
    """A shorter duration of the same unit never ends later, and nothing ends before the start."""
    cal, start, d = case
    shorter = cal.add(start, d.scaled(fraction))
    longer = cal.add(start, d)
    assert start <= shorter <= longer


@settings(deadline=None)
@given(cases(WORK_UNITS))
def test_work_time_between_inverts_add(case: tuple[WorkCalendar, datetime, Duration]) -> None:
    """The work time from a start to start + d is d, from inside or outside work time."""
    cal, start, d = case
    end = cal.add(start, d)
    assert cal.work_time_between(start, end) == timedelta(microseconds=_work_us(cal, d))
    inside = cal.next_work_start(start)
    assert cal.work_time_between(inside, cal.add(inside, d)) == timedelta(
        microseconds=_work_us(cal, d)
    )


@settings(deadline=None)
@given(cases(WORK_UNITS))
def test_work_units_end_inside_a_period_or_at_its_end(
    case: tuple[WorkCalendar, datetime, Duration],
) -> None:
    """The result of adding work time lies in (period start, period end] of a work day."""
    cal, start, d = case
    end = cal.add(start, d).astimezone(cal.tz)
    day = end.date()
    clock = timedelta(
        hours=end.hour, minutes=end.minute, seconds=end.second, microseconds=end.microsecond
    ) // timedelta(microseconds=1)
    if clock == 0:  # the end of a period closing at 24:00
        day, clock = day - timedelta(days=1), 86_400_000_000
    assert cal.is_workday(day)
    assert any(s < clock <= e for s, e in cal.periods)


@settings(deadline=None)
@given(cases(WORK_UNITS))
def test_counting_starts_at_the_next_work_start(
    case: tuple[WorkCalendar, datetime, Duration],
) -> None:
    """Adding from outside work time equals adding from the next work period's start."""
    cal, start, d = case
    assert cal.add(start, d) == cal.add(cal.next_work_start(start), d)


@settings(deadline=None)
@given(cases(WORK_UNITS), st.floats(min_value=0, max_value=1))
def test_work_time_between_is_additive(
    case: tuple[WorkCalendar, datetime, Duration], fraction: float
) -> None:
    """Work time a→b plus b→c is work time a→c."""
    cal, start, d = case
    middle, end = cal.add(start, d.scaled(fraction)), cal.add(start, d)
    total = cal.work_time_between(start, end)
    assert cal.work_time_between(start, middle) + cal.work_time_between(middle, end) == total
