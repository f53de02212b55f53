"""What became of each replayed record's case, read back from the engine's store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from govflow.engine.engine import Engine
from govflow.replay.records import ReplayRecord


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    """One case after the replay: where, when it opened and closed, and its lights."""

    record_id: str
    case_id: str
    area: str
    state: str
    opened: datetime
    closed: datetime | None
    #: the case's light turned yellow / red at some point (a warn / breach event)
    yellow: bool
    red: bool
    #: the owner was moved up at least once
    escalated: bool
    #: closed at or before its due time (a close at the due instant is on time)
    on_time: bool
    #: the record's handling agency ("" when the mapping names none)
    agency: str = ""
    #: how it ended: open, closed, merged (a duplicate) or transferred (referred out)
    outcome: str = "open"

    @property
    def handling_seconds(self) -> float | None:
        """Closed minus opened, in seconds (None while open)."""
        return None if self.closed is None else (self.closed - self.opened).total_seconds()


#: final states whose name says the record did not end as a plain close
ENDINGS = {"merged": "merged", "duplicate": "merged", "referred": "transferred",
           "transferred": "transferred"}


def outcome_of(state: str, closed: bool) -> str:
    """open, closed, merged or transferred, from the case's final state's name."""
    if not closed:
        return "open"
    return ENDINGS.get(state, "closed")


def outcomes_of(
    engine: Engine, records: Sequence[ReplayRecord], case_ids: Mapping[str, str]
) -> list[CaseOutcome]:
    """Read every record's case (in one pass over the store) and its log."""
    wanted = set(case_ids.values())
    cases = {c.id: c for c in engine.store.iter_cases() if c.id in wanted}
    out: list[CaseOutcome] = []
    for rec in records:
        case_id = case_ids.get(rec.id)
        if case_id is None:
            continue
        case = cases.get(case_id) or engine.case(case_id)
        yellow = red = escalated = red_before_close = False
        for event in engine.history(case_id):
            trigger = event.trigger
            if trigger == "warn":
                yellow = True
            elif trigger == "breach":
                red = True
                # the breach fires at the due instant: a close at that instant is on time
                if case.closed_at is None or event.at < case.closed_at:
                    red_before_close = True
            elif trigger == "escalate":
                escalated = True
        out.append(CaseOutcome(
            record_id=rec.id, case_id=case_id, area=rec.area, state=case.state,
            opened=case.opened_at, closed=case.closed_at, yellow=yellow, red=red,
            escalated=escalated, on_time=case.closed_at is not None and not red_before_close,
            agency=rec.agency, outcome=outcome_of(case.state, case.closed_at is not None),
        ))
    return out
