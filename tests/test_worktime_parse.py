"""parse_duration: durations in plain English and Chinese words."""

from __future__ import annotations

import pytest

from govflow.worktime import Duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30 min", Duration(30, "minutes")),
        ("30 minutes", Duration(30, "minutes")),
        ("1 minute", Duration(1, "minutes")),
        ("4h", Duration(4, "hours")),
        ("4 hours", Duration(4, "hours")),
        ("1 hour", Duration(1, "hours")),
        ("2 days", Duration(2, "days")),
        ("1 day", Duration(1, "days")),
        ("3 workdays", Duration(3, "workdays")),
        ("3 work days", Duration(3, "workdays")),
        ("3 working days", Duration(3, "workdays")),
        ("3 Work-Days", Duration(3, "workdays")),
        ("1 workday", Duration(1, "workdays")),
        ("6 work hours", Duration(6, "workhours")),
        ("6 workhours", Duration(6, "workhours")),
        ("1.5 workdays", Duration(1.5, "workdays")),
        (".5 hours", Duration(0.5, "hours")),
        ("  10   min  ", Duration(10, "minutes")),
        ("3个工作日", Duration(3, "workdays")),
        ("3 个工作日", Duration(3, "workdays")),
        ("2小时", Duration(2, "hours")),
        ("2个小时", Duration(2, "hours")),
        ("7天", Duration(7, "days")),
        ("30分钟", Duration(30, "minutes")),
        ("6工作小时", Duration(6, "workhours")),
    ],
)
def test_reads_accepted_forms(text: str, expected: Duration) -> None:
    """Every documented English and Chinese form reads to its amount and unit."""
    assert parse_duration(text) == expected


def test_amount_is_a_float() -> None:
    """The amount is stored as a float whatever the text looks like."""
    parsed = parse_duration("3 workdays")
    assert isinstance(parsed.amount, float)
    assert str(parsed) == "3 workdays"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "days",
        "3",
        "3 weeks",
        "three days",
        "0 days",
        "0.0 hours",
        "-1 days",
        "1e3 days",
        "nan hours",
        "inf hours",
        "9" * 400 + " days",
        "3 workdays later",
        "3 工作周",
    ],
)
def test_refuses_bad_text_naming_it_and_the_accepted_forms(text: str) -> None:
    """Bad text raises ValueError that quotes the text and lists the accepted forms."""
    with pytest.raises(ValueError, match="accepted forms") as info:
        parse_duration(text)
    assert repr(text)[:60] in str(info.value)  # a long text is cut to its start and length
    assert "3 workdays" in str(info.value)


def test_zero_is_refused_with_the_reason() -> None:
    """A zero amount says the amount must be greater than 0."""
    with pytest.raises(ValueError, match="greater than 0"):
        parse_duration("0 workdays")


def test_unknown_unit_is_named() -> None:
    """An unknown unit is quoted in the message."""
    with pytest.raises(ValueError, match="unknown unit 'fortnights'"):
        parse_duration("2 fortnights")


def test_non_string_is_refused() -> None:
    """A number instead of text raises ValueError, not TypeError."""
    with pytest.raises(ValueError, match="cannot read duration 3"):
        parse_duration(3)  # type: ignore[arg-type]
