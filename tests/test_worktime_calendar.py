"""WorkCalendar: work days from the real 2026 Chinese calendar, work periods, deadline sums."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from govflow.errors import CalendarError
from govflow.workflows.spec import CalendarSpec
from govflow.worktime import Duration, WorkCalendar, parse_duration

SH = ZoneInfo("Asia/Shanghai")


def sh(y: int, m: int, d: int, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock moment."""
    return datetime(y, m, d, hour, minute, tzinfo=SH)


def utc(y: int, m: int, d: int, hour: int, minute: int = 0) -> datetime:
    """A UTC moment."""
    return datetime(y, m, d, hour, minute, tzinfo=UTC)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    """The default calendar: mainland China, 09:00–12:00 and 13:30–18:00."""
    return WorkCalendar.china()


# -- the real 2026 data ---------------------------------------------------------------------


def test_package_facts_for_national_day_2026(cal: WorkCalendar) -> None:
    """Oct 1–7 2026 are holidays; Sun Sep 20 and Sat Oct 10 are make-up work days."""
    assert not any(cal.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert cal.is_workday(date(2026, 10, 8))
    assert cal.is_workday(date(2026, 10, 10))  # Saturday
    assert cal.is_workday(date(2026, 9, 20))  # Sunday
    assert not cal.is_workday(date(2026, 10, 11))  # plain Sunday


def test_three_workdays_across_national_day_and_a_make_up_saturday(cal: WorkCalendar) -> None:
    """Wed Sep 30 10:00 + 3 work days skips Oct 1–7 and lands on make-up Sat Oct 10 10:00."""
    due = cal.add(sh(2026, 9, 30, 10), parse_duration("3 workdays"))
    assert due == utc(2026, 10, 10, 2)
    assert due.tzinfo is UTC


def test_one_workday_lands_on_a_make_up_sunday(cal: WorkCalendar) -> None:
    """Fri Sep 18 10:00 + 1 work day skips Saturday and lands on make-up Sun Sep 20 10:00."""
    assert cal.add(sh(2026, 9, 18, 10), Duration(1, "workdays")) == utc(2026, 9, 20, 2)


def test_mid_autumn_weekend_is_skipped(cal: WorkCalendar) -> None:
    """Thu Sep 24 10:00 + 1 work day skips the Mid-autumn holiday (Fri Sep 25–Sun 27)."""
    assert cal.add(sh(2026, 9, 24, 10), Duration(1, "workdays")) == utc(2026, 9, 28, 2)


def test_spring_festival_2026(cal: WorkCalendar) -> None:
    """Fri Feb 13 15:00 + 2 work days: make-up Sat Feb 14, then Feb 15–23 off, Tue Feb 24 15:00."""
    assert cal.is_workday(date(2026, 2, 14))
    assert not cal.is_workday(date(2026, 2, 23))
    assert cal.add(sh(2026, 2, 13, 15), Duration(2, "workdays")) == utc(2026, 2, 24, 7)


# -- where counting starts and ends -----------------------------------------------------------


def test_start_after_hours_counts_from_next_morning(cal: WorkCalendar) -> None:
    """From Mon 20:00, 1 work hour ends Tue 10:00 and 1 work day ends Tue 18:00."""
    start = sh(2026, 9, 28, 20)
    assert cal.add(start, Duration(1, "workhours")) == utc(2026, 9, 29, 2)
    assert cal.add(start, Duration(1, "workdays")) == utc(2026, 9, 29, 10)


def test_start_in_lunch_break_counts_from_afternoon(cal: WorkCalendar) -> None:
    """From 12:30, 2 work hours end at 15:30 and 1 work day ends next day at 12:00."""
    start = sh(2026, 9, 28, 12, 30)
    assert cal.add(start, Duration(2, "workhours")) == sh(2026, 9, 28, 15, 30)
    assert cal.add(start, Duration(1, "workdays")) == sh(2026, 9, 29, 12)


def test_workhours_cross_the_lunch_break(cal: WorkCalendar) -> None:
    """11:00 + 2 work hours = 14:30 (one hour before lunch, one after 13:30)."""
    assert cal.add(sh(2026, 9, 28, 11), parse_duration("2 work hours")) == sh(2026, 9, 28, 14, 30)


def test_fraction_of_a_workday(cal: WorkCalendar) -> None:
    """0.7 × 1 work day = 5 h 15 min of work: 09:00 → 15:45."""
    limit = Duration(1, "workdays")
    assert cal.add(sh(2026, 9, 28, 9), limit.scaled(0.7)) == sh(2026, 9, 28, 15, 45)


def test_yellow_warning_at_eight_tenths(cal: WorkCalendar) -> None:
    """0.8 × 3 work days from Sep 30 10:00 is 18 h of work: Oct 9 13:30 + 1 h = 14:30."""
    yellow = cal.add(sh(2026, 9, 30, 10), Duration(3, "workdays").scaled(0.8))
    assert yellow == sh(2026, 10, 9, 14, 30)


def test_whole_day_ends_at_the_period_end_not_next_morning(cal: WorkCalendar) -> None:
    """From 09:00, 1 work day ends at 18:00 the same day."""
    assert cal.add(sh(2026, 9, 28, 9), Duration(1, "workdays")) == sh(2026, 9, 28, 18)


def test_elapsed_units_ignore_the_calendar(cal: WorkCalendar) -> None:
    """Minutes, hours and days are plain elapsed time, holidays or not."""
    start = sh(2026, 9, 30, 22)
    assert cal.add(start, parse_duration("2 days")) == sh(2026, 10, 2, 22)
    assert cal.add(start, parse_duration("30 min")) == sh(2026, 9, 30, 22, 30)
    assert cal.add(start, parse_duration("4h")) == sh(2026, 10, 1, 2)


def test_zero_returns_start_and_negative_is_refused(cal: WorkCalendar) -> None:
    """A zero duration adds nothing; a negative one raises ValueError."""
    start = sh(2026, 9, 28, 20)
    assert cal.add(start, Duration(0, "workdays")) == start
    with pytest.raises(ValueError, match="negative"):
        cal.add(start, Duration(-1, "workdays"))


@pytest.mark.parametrize("amount", [float("nan"), float("inf"), 1e9])
def test_absurd_amounts_are_refused(cal: WorkCalendar, amount: float) -> None:
    """NaN, infinity and a billion work days raise ValueError instead of looping."""
    with pytest.raises(ValueError, match="finite"):
        cal.add(sh(2026, 9, 28, 10), Duration(amount, "workdays"))


def test_unknown_unit_is_refused(cal: WorkCalendar) -> None:
    """A Duration built with a unit outside the five raises ValueError naming it."""
    with pytest.raises(ValueError, match="unknown unit 'weeks'"):
        cal.add(sh(2026, 9, 28, 10), Duration(1, "weeks"))  # type: ignore[arg-type]


def test_long_limit(cal: WorkCalendar) -> None:
    """20 work days from Sep 1 09:00 (Tue) count make-up Sep 20 and skip two holidays."""
    # Sep 1–24 has 18 weekdays + Sun Sep 20 = 19 work days; Sep 25–27 off; Mon 28 is day 20
    assert cal.add(sh(2026, 9, 1, 9), Duration(20, "workdays")) == sh(2026, 9, 28, 18)


# -- next_work_start, work_time_between -------------------------------------------------------


def test_next_work_start(cal: WorkCalendar) -> None:
    """Inside work time it is the moment itself; else the next period's start."""
    assert cal.next_work_start(sh(2026, 9, 28, 10)) == sh(2026, 9, 28, 10)
    assert cal.next_work_start(sh(2026, 9, 28, 12)) == sh(2026, 9, 28, 13, 30)
    assert cal.next_work_start(sh(2026, 9, 30, 19)) == sh(2026, 10, 8, 9)
    assert cal.next_work_start(sh(2026, 9, 30, 19)).tzinfo is UTC


def test_is_work_time(cal: WorkCalendar) -> None:
    """Period starts are work time, period ends and holidays are not."""
    assert cal.is_work_time(sh(2026, 9, 28, 9))
    assert not cal.is_work_time(sh(2026, 9, 28, 12))
    assert not cal.is_work_time(sh(2026, 10, 2, 10))


def test_work_time_between(cal: WorkCalendar) -> None:
    """Work time over National Day counts only work periods; reversed order is negative."""
    start, due = sh(2026, 9, 30, 10), sh(2026, 10, 10, 10)
    assert cal.work_time_between(start, due) == timedelta(hours=22, minutes=30)
    assert cal.work_time_between(due, start) == -timedelta(hours=22, minutes=30)
    assert cal.work_time_between(sh(2026, 9, 28, 12), sh(2026, 9, 28, 13)) == timedelta(0)


def test_fraction_elapsed(cal: WorkCalendar) -> None:
    """The yellow moment is at 0.8 of the limit's work time."""
    start, limit = sh(2026, 9, 30, 10), Duration(3, "workdays")
    yellow, red = cal.add(start, limit.scaled(0.8)), cal.add(start, limit)
    assert cal.work_time_between(start, yellow) / cal.work_time_between(start, red) == 0.8


# -- years not covered, overrides, non-official ----------------------------------------------


def test_past_year_not_covered_raises_naming_date_and_fix(cal: WorkCalendar) -> None:
    """A past year no one vouches for (before the package and the regulation of 2024) raises
    CalendarError naming the date and the fix; a future one is provisional instead."""
    with pytest.raises(CalendarError, match="2003-12-31") as info:
        cal.is_workday(date(2003, 12, 31))
    message = str(info.value)
    assert "calendar.holidays" in message
    assert "upgrade chinese-calendar" in message
    assert cal.year_status(2003) == "not covered"
    assert cal.add(sh(2026, 12, 30, 10), Duration(3, "workdays")) == sh(2027, 1, 5, 10)


def test_spec_overrides_win_over_the_package() -> None:
    """A file's holiday beats a package work day and its work day beats a package holiday."""
    cal = WorkCalendar.from_spec(
        CalendarSpec(holidays=frozenset({"2026-09-29"}), workdays=frozenset({"2026-10-02"}))
    )
    assert not cal.is_workday(date(2026, 9, 29))
    assert cal.is_workday(date(2026, 10, 2))
    assert cal.is_workday(date(2026, 9, 30))
    # Mon 28 10:00: 6.5 h, Tue off, Wed 30 7.5 h, Thu Oct 1 off, Fri Oct 2 7.5 h, 1 h on Oct 8
    assert cal.add(sh(2026, 9, 28, 10), Duration(3, "workdays")) == sh(2026, 10, 8, 10)


def test_a_year_listed_in_the_file_is_covered() -> None:
    """Listing 2027's holidays in the file makes 2027 answerable: other days follow weekdays."""
    cal = WorkCalendar.from_spec(
        CalendarSpec(holidays=frozenset({"2027-01-01"}), workdays=frozenset({"2027-01-09"}))
    )
    assert not cal.is_workday(date(2027, 1, 1))
    assert cal.is_workday(date(2027, 1, 4))
    assert not cal.is_workday(date(2027, 1, 2))
    assert cal.is_workday(date(2027, 1, 9))
    # Wed Dec 30 10:00 + 3 work days: Thu 31, (Jan 1 off, weekend), Mon 4, Tue Jan 5 10:00
    assert cal.add(sh(2026, 12, 30, 10), Duration(3, "workdays")) == sh(2027, 1, 5, 10)


def test_unofficial_calendar_rests_on_weekends_in_any_year() -> None:
    """With official false, Oct 1 2026 is a work day and 2031 needs no data."""
    cal = WorkCalendar.from_spec(CalendarSpec(official=False, holidays=frozenset({"2031-05-01"})))
    assert cal.is_workday(date(2026, 10, 1))
    assert not cal.is_workday(date(2026, 10, 10))
    assert not cal.is_workday(date(2031, 5, 1))
    # Thu 2031-05-01 is a holiday: Wed Apr 30 10:00 + 1 work day → Fri May 2 10:00
    assert cal.add(sh(2031, 4, 30, 10), Duration(1, "workdays")) == sh(2031, 5, 2, 10)


def test_custom_periods() -> None:
    """A single 08:00–16:00 period makes a work day 8 hours long."""
    cal = WorkCalendar(periods=[("08:00", "16:00")], official=False)
    assert cal.day_length == timedelta(hours=8)
    assert cal.period_strings() == (("08:00", "16:00"),)
    assert cal.add(sh(2026, 9, 28, 12), Duration(1, "workdays")) == sh(2026, 9, 29, 12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"periods": []}, "periods is empty"),
        ({"periods": [("09:00", "08:00")]}, "09:00-08:00"),
        ({"periods": [("09:00", "12:00"), ("11:00", "13:00")]}, "not overlap"),
        ({"periods": [("9am", "12:00")]}, "'9am' is not a time of day"),
        ({"periods": [("09:00", "24:30")]}, "'24:30' is not a time of day"),
        ({"holidays": ["2026-13-01"]}, "calendar.holidays: '2026-13-01' is not a date"),
        ({"holidays": ["2026-10-10"], "workdays": ["2026-10-10"]}, "both as a holiday"),
    ],
)
def test_bad_configuration_is_a_calendar_error(kwargs: dict[str, object], match: str) -> None:
    """A wrong zone, period or date raises CalendarError naming it and the fix."""
    with pytest.raises(CalendarError, match=match):
        WorkCalendar(**kwargs)  # type: ignore[arg-type]


# -- time zones -------------------------------------------------------------------------------


def test_naive_datetimes_are_refused(cal: WorkCalendar) -> None:
    """Every method taking a moment refuses a naive datetime."""
    naive = datetime(2026, 9, 28, 10)
    with pytest.raises(ValueError, match="naive"):
        cal.add(naive, Duration(1, "workdays"))
    with pytest.raises(ValueError, match="naive"):
        cal.add(naive, Duration(1, "hours"))
    with pytest.raises(ValueError, match="naive"):
        cal.work_time_between(naive, sh(2026, 9, 29, 10))
    with pytest.raises(ValueError, match="naive"):
        cal.next_work_start(naive)


def test_any_aware_zone_in_utc_out(cal: WorkCalendar) -> None:
    """A start given in Berlin time gives the same UTC result as the same instant in UTC."""
    berlin = datetime(2026, 9, 30, 4, tzinfo=ZoneInfo("Europe/Berlin"))  # 10:00 Shanghai
    due = cal.add(berlin, Duration(3, "workdays"))
    assert due == utc(2026, 10, 10, 2)
    assert due.tzinfo is UTC


def test_shanghai_is_always_utc_plus_eight(cal: WorkCalendar) -> None:
    """Shanghai has no daylight saving: a work day starts 01:00 UTC in winter and summer."""
    assert cal.next_work_start(utc(2026, 1, 5, 0)) == utc(2026, 1, 5, 1)
    assert cal.next_work_start(utc(2026, 7, 6, 0)) == utc(2026, 7, 6, 1)


def test_daylight_saving_zone_keeps_wall_clock_periods() -> None:
    """In Berlin, Fri 10:00 CET + 1 work day is Mon 10:00 CEST (08:00 UTC) after the change."""
    cal = WorkCalendar(timezone="Europe/Berlin", official=False)
    start = datetime(2026, 3, 27, 10, tzinfo=ZoneInfo("Europe/Berlin"))
    assert start.astimezone(UTC) == utc(2026, 3, 27, 9)
    assert cal.add(start, Duration(1, "workdays")) == utc(2026, 3, 30, 8)
