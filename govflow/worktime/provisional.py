"""The provisional calendar of a year nobody has published yet.

Mainland China's make-up working weekends (调休) are known only when the State Council's
yearly notice appears, usually in November or December. Until then a year is *provisional*:
the statutory holidays of the national regulation on public holidays (全国年节及纪念日放假办法,
as revised in 2024, in force from 2025) are off, a statutory day that falls on a weekend is
made up on the next work day (补假), weekends are off, and no weekend is worked.

The lunar and solar-term dates (Spring Festival, Qingming, Dragon Boat, Mid-Autumn) come from
the ``holidays`` package, whose China calendar computes them; nothing here does lunar
arithmetic.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from govflow.errors import CalendarError

#: the statutory days off per the 2024 revision (names as the ``holidays`` package gives them)
STATUTORY = {
    "New Year's Day": 1,
    "Chinese New Year's Eve": 1,
    "Chinese New Year (Spring Festival)": 3,
    "Tomb-Sweeping Day": 1,
    "Labor Day": 2,
    "Dragon Boat Festival": 1,
    "Mid-Autumn Festival": 1,
    "National Day": 3,
}
#: the regulation's first year in force: earlier years are never provisional in practice
FIRST_YEAR = 2025


def statutory_days(year: int) -> tuple[date, ...]:
    """The statutory days off of ``year`` in order, without any make-up day: 13 entries, a
    day listed twice when two holidays fall on it (Mid-Autumn on National Day)."""
    return _statutory(year)


@lru_cache(maxsize=64)
def _statutory(year: int) -> tuple[date, ...]:
    import holidays  # imported on first use: nothing heavy at import time

    try:
        found = holidays.country_holidays("CN", years=year, observed=False, language="en_US")
    except (NotImplementedError, KeyError, ValueError) as exc:  # pragma: no cover - package API
        raise CalendarError(f"the holidays package cannot give China's holidays of {year}: "
                            f"{exc}; upgrade it (pip install -U holidays)") from exc
    days: dict[str, list[date]] = {}
    for day, names in found.items():
        for name in str(names).split("; "):
            if name in STATUTORY:
                days.setdefault(name, []).append(day)
    for name, count in STATUTORY.items():
        if len(days.get(name, ())) != count:
            raise CalendarError(
                f"the holidays package gives {len(days.get(name, ()))} day(s) of {name!r} in "
                f"{year}, the regulation {count}: upgrade the holidays package, or list "
                f"{year}'s holidays and workdays in the workflow file's calendar")
    return tuple(sorted(d for group in days.values() for d in group))


@lru_cache(maxsize=64)
def rest_days(year: int) -> frozenset[date]:
    """Every day of ``year`` that is not worked under the provisional rule, weekends aside:
    the statutory days plus, for each one on a Saturday or Sunday or on another holiday, the
    next weekday that is not itself off already (补假)."""
    statutory = _statutory(year)
    off = set(statutory)
    seen: set[date] = set()
    for day in statutory:
        if day.weekday() < 5 and day not in seen:
            seen.add(day)
            continue
        make_up = day + timedelta(days=1)
        while make_up.weekday() >= 5 or make_up in off:
            make_up += timedelta(days=1)
        off.add(make_up)
    return frozenset(off)
