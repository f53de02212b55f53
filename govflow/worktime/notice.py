"""The State Council's yearly holiday notice, read into days off and make-up work days.

The General Office publishes 国务院办公厅关于YYYY年部分节假日安排的通知 each autumn; each item
reads like ``一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。``.
Every clause
of every item must be understood, and every weekday in brackets and every ``共N天`` must agree
with the dates, or the whole text is refused with the item and the reason: a notice is never
half-imported. Several notices merge in order, the later one winning on the dates it names
(an item may name dates of the neighbouring year, as the 2019 New Year item does for 2018).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from govflow.errors import NoticeError

_TITLE = re.compile(r"国务院办公厅关于(\d{4})年部分节假日安排的通知")
_ISSUED = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_ITEM = re.compile(r"^([一二三四五六七八九十]+)、([^：:]+)[：:](.+)$")
_DATE = r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:（([^）]*)）)?"
_RANGE = re.compile(rf"^{_DATE}至{_DATE}放假(?:调休)?(?:(\d+)天)?$")
_SINGLE = re.compile(rf"^{_DATE}放假(?:(\d+)天)?$")
_LIST = re.compile(rf"^((?:{_DATE}、)*{_DATE})(上班|补休)$")
_ONE = re.compile(_DATE)
_COUNT = re.compile(r"^共(\d+)天$")
_WEEKDAY = re.compile(r"(?:星期|周)([一二三四五六日天])")
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
#: clauses that state no date: kept as read, they change nothing
_NO_DAYS = ("与周末连休", "不调休")
#: a sentence that encourages, not decides (2024: rest on New Year's Eve if employers allow)
_ENCOURAGES = "鼓励"


@dataclass(slots=True)
class Notice:
    """One notice read: its year, when it was issued, the days off and the days worked."""

    source: str
    year: int
    issued: date | None
    off: set[date] = field(default_factory=set)
    work: set[date] = field(default_factory=set)


def read_notice(text: str, source: str = "notice") -> Notice:
    """Read one notice's text; raises :class:`NoticeError` naming the item and the reason."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = next((m for m in map(_TITLE.search, lines[:3]) if m), None)
    if title is None:
        raise NoticeError(source, lines[0] if lines else "",
                          "no title 国务院办公厅关于YYYY年部分节假日安排的通知 in the first lines: "
                          "give the notice's text from its title on")
    notice = Notice(source, int(title.group(1)), None)
    items = 0
    for line in lines:
        if _TITLE.search(line):
            continue
        issued = _ISSUED.match(line)
        if issued:
            notice.issued = date(*map(int, issued.groups()))
            continue
        item = _ITEM.match(line)
        if item is None:
            raise NoticeError(source, line, "not an item (一、节日：…) nor the notice's date")
        _read_item(notice, line, item.group(3))
        items += 1
    if not items:
        raise NoticeError(source, lines[0], "the notice has no item (一、元旦：…)")
    both = notice.off & notice.work
    if both:
        shown = ", ".join(sorted(d.isoformat() for d in both))
        raise NoticeError(source, "", f"{shown} named both as a day off and as a work day")
    return notice


def read_notice_file(path: str | Path) -> Notice:
    """Read a notice from a UTF-8 text file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NoticeError(str(file), "", f"cannot read the file: {exc}") from exc
    return read_notice(text, str(file))


def merge(notices: Iterable[Notice]) -> tuple[set[date], set[date]]:
    """(days off, work days) of several notices, later ones (by issue date, then by order
    given) winning on every date they name."""
    ordered = sorted(enumerate(notices),
                     key=lambda pair: (pair[1].issued or date(pair[1].year - 1, 1, 1), pair[0]))
    off: set[date] = set()
    work: set[date] = set()
    for _, notice in ordered:
        off -= notice.work
        work -= notice.off
        off |= notice.off
        work |= notice.work
    return off, work


def _read_item(notice: Notice, line: str, body: str) -> None:
    last: date | None = None
    counted: int | None = None  # days of the last range, for the 共N天 that follows
    for sentence in filter(None, (s.strip() for s in body.split("。"))):
        if sentence.startswith(_ENCOURAGES):
            continue
        for clause in filter(None, (c.strip() for c in sentence.split("，"))):
            if clause in _NO_DAYS:
                continue
            count = _COUNT.match(clause)
            if count:
                if counted is None:
                    raise NoticeError(notice.source, line, f"{clause!r} follows no dates off")
                if int(count.group(1)) != counted:
                    raise NoticeError(notice.source, line,
                                      f"{clause!r} but the dates give {counted} days")
                continue
            span = _RANGE.match(clause)
            if span:
                g = span.groups()
                first = _date(notice, line, g[0:4], last)
                end = _date(notice, line, g[4:8], first)
                if end < first:
                    raise NoticeError(notice.source, line, f"{clause!r} ends before it starts")
                days = [first + timedelta(n) for n in range((end - first).days + 1)]
                counted = _check_count(notice, line, clause, g[8], len(days))
                notice.off.update(days)
                last = end
                continue
            single = _SINGLE.match(clause)
            if single:
                g = single.groups()
                day = _date(notice, line, g[0:4], last)
                counted = _check_count(notice, line, clause, g[4], 1)
                notice.off.add(day)
                last = day
                continue
            listed = _LIST.match(clause)
            if listed:
                target = notice.work if listed.groups()[-1] == "上班" else notice.off
                for found in _ONE.finditer(listed.group(1)):
                    last = _date(notice, line, found.groups(), last)
                    target.add(last)
                counted = None
                continue
            raise NoticeError(notice.source, line, f"cannot read {clause!r}")


def _check_count(notice: Notice, line: str, clause: str, given: str | None, days: int) -> int:
    if given is not None and int(given) != days:
        raise NoticeError(notice.source, line, f"{clause!r} says {given} days, the dates {days}")
    return days


def _date(notice: Notice, line: str, parts: tuple[str | None, ...], before: date | None
          ) -> date:
    """A date from (year, month, day, bracket); a missing year or month is the previous
    date's (or the notice's year), and a weekday in the bracket must be the date's."""
    year_text, month_text, day_text, bracket = parts
    year = int(year_text) if year_text else (before.year if before else notice.year)
    if month_text:
        month = int(month_text)
    elif before is not None:
        month = before.month
    else:
        raise NoticeError(notice.source, line, f"{day_text}日 has no month")
    try:
        day = date(year, month, int(day_text or "0"))
    except ValueError as exc:
        raise NoticeError(notice.source, line,
                          f"{year}年{month}月{day_text}日 is not a date: {exc}") from exc
    if bracket:
        weekday = _WEEKDAY.search(bracket)
        if weekday and _WEEKDAYS[weekday.group(1)] != day.weekday():
            raise NoticeError(notice.source, line,
                              f"{day.isoformat()} is not a {weekday.group(0)} as the bracket "
                              "says: check the date")
    return day
