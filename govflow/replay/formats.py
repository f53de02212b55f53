"""Reading the text of one field: timestamps in a stated format and zone, numbers, paths."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo


class TimeParser:
    """Parses one column's timestamps: ``iso`` or a strptime format; naive times are local to
    ``zone`` (a wall time that does not exist or happens twice at a DST change takes the
    offset before the change, Python's ``fold=0``)."""

    def __init__(self, fmt: str, zone: str) -> None:
        self.fmt = fmt
        self.zone = ZoneInfo(zone)

    def __call__(self, text: str) -> datetime:
        """The aware UTC moment; ValueError when the text does not match the format."""
        text = text.strip()
        moment = datetime.fromisoformat(text) if self.fmt == "iso" else (
            datetime.strptime(text, self.fmt))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return moment.astimezone(UTC)


def text_of(value: Any) -> str:
    """A field as stripped text (None and NaN-like blanks become "")."""
    if value is None:
        return ""
    return str(value).strip()


def number(value: Any) -> float | None:
    """A coordinate as a float, or None when blank or not a number."""
    text = text_of(value)
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def field_at(record: dict[str, Any], path: str) -> Any:
    """A field of a JSON object by dotted path (``extended_attributes.ward``), or None."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value
