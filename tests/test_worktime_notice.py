"""The State Council's holiday notices read into days off and work days, on the real texts."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from govflow.errors import NoticeError
from govflow.worktime.notice import merge, read_notice, read_notice_file

TITLE = "国务院办公厅关于2026年部分节假日安排的通知"

#: what the README of the notices attributes to the three mid-year notices
MID_YEAR = {
    # 2015: the 70th anniversary of the victory (国发明电〔2015〕1号)
    date(2015, 9, 3), date(2015, 9, 4), date(2015, 9, 6),
    # 2019: Labour Day made 1–4 May (国办发明电〔2019〕3号)
    date(2019, 4, 28), date(2019, 5, 2), date(2019, 5, 3), date(2019, 5, 5),
    # 2020: the Spring Festival extended to 2 February (国办发明电〔2020〕1号)
    date(2020, 1, 31), date(2020, 2, 1),
}


def notices(shared_data: Path) -> list[Path]:
    return sorted((shared_data / "holiday_notices").glob("20*.txt"))


def test_twelve_notices_agree_with_chinese_calendar_but_for_the_mid_year_ones(
        shared_data: Path) -> None:
    """All twelve notices imported together give chinese-calendar's answer on every day of
    2015–2026, except exactly the dates the three later notices changed."""
    files = notices(shared_data)
    assert [f.stem for f in files] == [str(y) for y in range(2015, 2027)]
    off, work = merge(read_notice_file(f) for f in files)
    differ = set()
    day = date(2015, 1, 1)
    while day <= date(2026, 12, 31):
        worked = day in work or (day not in off and day.weekday() < 5)
        if worked != chinese_calendar.is_workday(day):
            differ.add(day)
        day += timedelta(days=1)
    assert differ == MID_YEAR


def test_an_item_may_set_days_of_the_neighbouring_year(shared_data: Path) -> None:
    """The 2019 notice's New Year item makes 2018-12-29 a work day and 2018-12-31 a day off,
    and it wins over the 2018 notice (which says nothing of them)."""
    n2018 = read_notice_file(shared_data / "holiday_notices" / "2018.txt")
    n2019 = read_notice_file(shared_data / "holiday_notices" / "2019.txt")
    assert date(2018, 12, 29) in n2019.work and date(2018, 12, 31) in n2019.off
    off, work = merge([n2019, n2018])  # given out of order: the issue dates decide
    assert date(2018, 12, 29) in work and date(2018, 12, 31) in off


def test_the_later_notice_wins_on_the_dates_it_names() -> None:
    """A later notice that makes a listed work day a day off wins on that date only."""
    title = "国务院办公厅关于2020年部分节假日安排的通知"
    first = read_notice(f"{title}\n二、春节：1月24日至30日放假调休，共7天。1月19日（星期日）、"
                        "2月1日（星期六）上班。\n2019年11月21日", "first")
    # a later text in the same form: 31 January to 2 February off
    later = read_notice(f"{title}\n一、春节：1月31日至2月2日放假，共3天。\n2020年1月26日", "later")
    off, work = merge([later, first])  # the issue dates decide, not the order given
    assert date(2020, 2, 1) in off and date(2020, 2, 1) not in work
    assert date(2020, 1, 19) in work and date(2020, 1, 24) in off
    off, work = merge([first, later])
    assert date(2020, 2, 1) in off and date(2020, 2, 1) not in work


def test_the_issue_example_is_read() -> None:
    """The example item of the issue: 1 to 3 January off, Sunday 4 January worked."""
    notice = read_notice("国务院办公厅关于2026年部分节假日安排的通知\n"
                         "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。\n"
                         "2025年11月4日")
    assert notice.off == {date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)}
    assert notice.work == {date(2026, 1, 4)}
    assert notice.issued == date(2025, 11, 4)


@pytest.mark.parametrize(("item", "reason"), [
    ("一、元旦：1月1日（周五）至3日（周六）放假调休，共3天。", "not a 周五"),
    ("一、元旦：1月1日至3日放假调休，共4天。", "the dates give 3 days"),
    ("一、元旦：1月1日至3日放假调休，共3天。1月4日（周日）加班。",
     "cannot read '1月4日（周日）加班'"),
    ("一、元旦：2月30日放假。", "is not a date"),
    ("一、元旦：1月3日至1日放假。", "ends before it starts"),
    ("元旦放假三天", "not an item"),
])
def test_a_text_it_cannot_read_fully_is_refused_with_item_and_reason(
        item: str, reason: str) -> None:
    """Every clause must be understood and every check hold, or nothing is taken."""
    with pytest.raises(NoticeError, match=reason) as info:
        read_notice(f"{TITLE}\n{item}\n2025年11月4日", "2026.txt")
    assert info.value.source == "2026.txt"
    assert "nothing was imported" in str(info.value)


def test_a_text_without_the_title_is_refused() -> None:
    """A text that is not a notice says what it lacks."""
    with pytest.raises(NoticeError, match="no title"):
        read_notice("一、元旦：1月1日放假。")
