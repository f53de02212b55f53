"""Which years a work calendar vouches for, and the warning before a provisional one begins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from govflow.worktime.calendar import FILE, PROVISIONAL, WorkCalendar, package_years

#: warn this many days before a provisional year begins
WARN_DAYS = 60


@dataclass(frozen=True, slots=True)
class YearStatus:
    year: int
    status: str


def year_statuses(cal: WorkCalendar, today: date, ahead: int = 2) -> list[YearStatus]:
    """Each year from the package's first (or the file's first, if earlier) to ``ahead``
    years past ``today``'s, with its status."""
    first = min([package_years().start, *(d.year for d in cal.holidays | cal.workdays)])
    last = max(today.year + ahead, *(d.year for d in cal.holidays | cal.workdays), 0)
    return [YearStatus(y, cal.year_status(y)) for y in range(first, last + 1)]


def provisional_warning(cal: WorkCalendar, today: date, days: int = WARN_DAYS) -> str | None:
    """A warning when ``today``'s year is provisional, or the next one is and begins within
    ``days`` days; None otherwise."""
    for year in (today.year, today.year + 1):
        if cal.year_status(year) != PROVISIONAL:
            continue
        begins = date(year, 1, 1)
        if begins <= today:
            return (f"{year} is provisional: its make-up working days are not known, so "
                    "deadlines counted over it may move; import the State Council's notice "
                    "(`govflow calendar import NOTICE.txt --into workflows.yaml`) and run "
                    "`govflow calendar replan`")
        if (begins - today).days <= days:
            return (f"{year} begins in {(begins - today).days} days and is provisional "
                    "(statutory holidays only, no make-up working days): when the State "
                    "Council's notice is out, import it (`govflow calendar import NOTICE.txt "
                    "--into workflows.yaml`) and run `govflow calendar replan`")
    return None


def thin_file_years(cal: WorkCalendar) -> list[str]:
    """Warnings for years the file vouches for with fewer days off than the statutory ones:
    such a year follows only the file's dates (Monday to Friday otherwise), so one local rest
    day listed alone would drop the Spring Festival."""
    from govflow.worktime.provisional import FIRST_YEAR, statutory_days

    out = []
    for year in sorted({d.year for d in cal.holidays | cal.workdays}):
        if cal.year_status(year) != FILE:
            continue
        listed = sum(1 for d in cal.holidays if d.year == year)
        least = len(statutory_days(year)) if year >= FIRST_YEAR else 11
        if listed < least:
            out.append(f"the file lists only {listed} day(s) off in {year}, which makes {year} "
                       f"official from the file alone (its other days Monday to Friday, no "
                       f"statutory holiday): list the whole year (`govflow calendar import`)")
    return out
