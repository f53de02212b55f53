"""What a reader hands to the replay: records with their moves, and the rows it refused."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: reasons a row is refused (the report counts rows per reason)
MISSING_ID = "missing id"
DUPLICATE_ID = "duplicate id"
BAD_CREATED = "unparseable created time"
BAD_CLOSED = "unparseable closed time"
BAD_DUE = "unparseable due time"
CLOSED_BEFORE_OPENED = "closed before opened"
UNKNOWN_CATEGORY = "unknown category"
BAD_MOVE = "unparseable or early move time"
BAD_NOTE = "unparseable or early note"
NOT_A_RECORD = "not a record"


@dataclass(frozen=True, slots=True)
class Move:
    """Something that happened to a record at a time: a trigger, or a note (no state change)."""

    at: datetime
    trigger: str
    note: bool = False
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReplayRecord:
    """One good record: it opens a case at ``created`` and goes through ``moves`` in order."""

    row: int
    id: str
    created: datetime
    area: str
    category: str = ""
    district: str = ""
    agency: str = ""
    lat: float | None = None
    lon: float | None = None
    moves: tuple[Move, ...] = ()
    #: the record's own due time, when the mapping names a due column and the row has one
    due: datetime | None = None

    @property
    def closed(self) -> datetime | None:
        """When the last state-changing move happened (the record's end), if ever."""
        for move in reversed(self.moves):
            if not move.note:
                return move.at
        return None


@dataclass(frozen=True, slots=True)
class BadRow:
    """A refused row: where it was, its id if it had one, the reason and what was wrong."""

    row: int
    record_id: str
    reason: str
    detail: str


@dataclass(slots=True)
class ReadResult:
    """Everything a reader read: good records, bad rows; ``rows`` = len(records) + len(bad)."""

    source: str
    records: list[ReplayRecord] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.records) + len(self.bad)

    def bad_by_reason(self) -> dict[str, int]:
        """Refused rows per reason, most frequent first."""
        return dict(Counter(b.reason for b in self.bad).most_common())
