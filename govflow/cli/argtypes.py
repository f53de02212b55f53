"""Argument types for the ``govflow`` command: a wrong value is a one-line usage error.

argparse reports an :class:`argparse.ArgumentTypeError` as ``argument --opt: <message>``
with exit status 2, so the message names the option and the value, never a traceback.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date, datetime


def iso_time(text: str) -> datetime:
    """An ISO 8601 time with its offset, e.g. ``2026-10-01T08:00+08:00``."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO time; write e.g. 2026-10-01T08:00+08:00") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no timezone; add one, e.g. {text}+08:00 or {text}Z")
    return moment


def iso_day(text: str) -> date:
    """A calendar day written ``YYYY-MM-DD``."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None


def int_range(low: int, high: int | None = None) -> Callable[[str], int]:
    """A whole number ``low <= n`` (and ``<= high`` when given)."""
    wanted = f"a whole number from {low} to {high}" if high is not None else (
        f"a whole number >= {low}")

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {wanted}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{value} is out of range; give {wanted}")
        return value

    parse.__name__ = "int_range"
    return parse


def positive_float(text: str) -> float:
    """A number > 0 (NaN and infinity refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} must be a number greater than 0")
    return value
