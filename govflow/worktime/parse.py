"""Read a duration written in plain words (English or Chinese) into a :class:`Duration`."""

from __future__ import annotations

import math
import re

from govflow.worktime.duration import Duration, Unit

#: unit words, lower-cased with spaces, hyphens and underscores removed → unit
_UNIT_WORDS: dict[str, Unit] = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "分钟", "分"), "minutes"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "小时", "钟头"), "hours"),
    **dict.fromkeys(("d", "day", "days", "天", "日", "自然日"), "days"),
    **dict.fromkeys(
        ("workhour", "workhours", "workinghour", "workinghours", "工作小时", "工时"), "workhours"
    ),
    **dict.fromkeys(("workday", "workdays", "workingday", "workingdays", "工作日"), "workdays"),
}

ACCEPTED_FORMS = (
    "'30 min', '30 minutes', '4h', '4 hours', '2 days', '3 workdays', '3 work days', "
    "'6 work hours', '6 workhours', '1.5 workdays', '3个工作日', '2小时', '7天', '30分钟'"
)

_PATTERN = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(个)?\s*(.*?)\s*$")
_SEPARATORS = re.compile(r"[\s\-_]+")


def parse_duration(text: str) -> Duration:
    """Read ``text`` such as ``3 workdays`` or ``3个工作日``; raise ValueError if it is not one."""
    match = _PATTERN.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(_bad(text, "expected a number followed by a unit"))
    number, _, word = match.groups()
    unit = _UNIT_WORDS.get(_SEPARATORS.sub("", word.lower()))
    if unit is None:
        reason = f"unknown unit {word!r}" if word else "the unit is missing"
        raise ValueError(_bad(text, reason))
    amount = float(number)
    if not math.isfinite(amount) or amount <= 0:
        raise ValueError(_bad(text, "the amount must be a finite number greater than 0"))
    return Duration(amount, unit)


def _bad(text: object, reason: str) -> str:
    shown = repr(text)
    if len(shown) > 80:  # a value pasted by mistake: enough of it to find it, not all of it
        shown = f"{shown[:80]}… ({len(str(text)):,} characters)"
    return f"cannot read duration {shown}: {reason}; accepted forms: {ACCEPTED_FORMS}"
