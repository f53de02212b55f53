"""The cockpit's snapshot measures each case against the right deadline (按期结案率)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from govflow.kernels.columns import NEVER
from govflow.kernels.snapshot import snapshot
from govflow.records import Case

T0 = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)
CELL = "410102001001001"


def _case(**fields: object) -> Case:
    base: dict[str, object] = dict(
        id="c", workflow="w", version=1, state="s", cell=CELL, owner=CELL, category="x",
        source="t", data={}, opened_at=T0, state_entered_at=T0)
    base.update(fields)
    return Case(**base)  # type: ignore[arg-type]


def test_closed_case_that_breached_counts_as_late() -> None:
    """A case that went red at any stage is measured against its first breach: late."""
    breached = T0 + timedelta(hours=1)
    closed = T0 + timedelta(hours=5)
    snap = snapshot([_case(closed_at=closed, breached_at=breached)], {CELL: 0})
    assert snap.columns.due[0] == int(breached.timestamp()) < snap.columns.closed[0]


def test_closed_case_that_never_breached_counts_as_on_time() -> None:
    """No stage went red: no deadline was missed, so it closed on time."""
    snap = snapshot([_case(closed_at=T0 + timedelta(days=3))], {CELL: 0})
    assert snap.columns.due[0] == NEVER


def test_open_case_is_measured_against_its_current_stage() -> None:
    """An open case is overdue against its current stage's deadline, past breaches aside."""
    due = T0 + timedelta(hours=2)
    snap = snapshot([_case(due_at=due, breached_at=T0 - timedelta(hours=1))], {CELL: 0})
    assert snap.columns.due[0] == int(due.timestamp())
