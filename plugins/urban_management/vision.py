"""AI vision (AI 视觉平台): a person confirms or rejects an unsure detection.

An unsure detection waits as a ``standard_case`` in ``reported`` with the category
``ai_unconfirmed:<kind>``. :func:`confirm` moves that same case into its kind's workflow
(``street_vending``, ``rectification`` …) with its history kept — the detection, the wait, who
looked at the frame; :func:`reject` invalidates it as a false alarm. :func:`threshold_report`
counts, per kind and per camera, how many detections were confirmed and how many were false
alarms, so the confidence threshold can be set from what people actually found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from govflow.errors import DataError
from govflow.records import Actor, Case

from .rules import UNCONFIRMED, workflow_of

FALSE_ALARM = "false_alarm"


def _kind(case: Case) -> str:
    if case.workflow != "standard_case" or not case.category.startswith(UNCONFIRMED):
        raise DataError(f"case {case.id!r} ({case.workflow}, {case.category!r}) is not an AI "
                        "detection waiting for confirmation (ai_unconfirmed:<kind>)")
    return case.category[len(UNCONFIRMED):]


def confirm(engine: Any, case_id: str, *, actor: Actor, note: str = "") -> Case:
    """The frame shows the problem: the case moves into its kind's workflow."""
    case = engine.case(case_id)
    kind = _kind(case)
    data: dict[str, Any] = {"confirmed_by": actor.id, "vision": "confirmed"}
    if kind == "street_vending":
        data["location"] = str(case.data.get("camera") or "")
    return engine.move(case_id, workflow_of(kind), actor=actor, category=kind, data=data,
                       reason=note or f"AI detection confirmed: {kind}",
                       from_states=("reported",))


def reject(engine: Any, case_id: str, *, actor: Actor, note: str = "") -> Case:
    """The frame shows nothing: the case is closed as a false alarm (``invalid``)."""
    _kind(engine.case(case_id))
    return engine.fire(case_id, "invalidate", actor=actor,
                       data={"vision": FALSE_ALARM, "rejected_by": actor.id},
                       reason=note or "AI detection rejected: false alarm")


@dataclass(frozen=True, slots=True)
class Rates:
    """Detections a person decided on, for one kind or camera."""

    confirmed: int
    false_alarms: int
    waiting: int

    @property
    def decided(self) -> int:
        return self.confirmed + self.false_alarms

    @property
    def confirm_rate(self) -> float:
        """confirmed ÷ decided (NaN when none was decided)."""
        return self.confirmed / self.decided if self.decided else float("nan")

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.decided if self.decided else float("nan")


@dataclass(frozen=True, slots=True)
class ThresholdReport:
    """Per kind and per camera; ``threshold`` is the one in force."""

    threshold: float
    by_kind: dict[str, Rates]
    by_camera: dict[str, Rates]


def threshold_report(cases: Iterable[Case], threshold: float) -> ThresholdReport:
    """Confirm and false-alarm counts over the unsure detections among ``cases``."""
    tallies: dict[tuple[str, str], list[int]] = {}
    for case in cases:
        outcome = case.data.get("vision")
        if case.category.startswith(UNCONFIRMED):
            kind, slot = case.category[len(UNCONFIRMED):], 1 if outcome == FALSE_ALARM else 2
        elif outcome == "confirmed":
            kind, slot = case.category, 0
        else:
            continue
        camera = str(case.data.get("camera") or "?")
        for key in (("kind", kind), ("camera", camera)):
            tallies.setdefault(key, [0, 0, 0])[slot] += 1
    by = {"kind": {}, "camera": {}}  # type: dict[str, dict[str, Rates]]
    for (what, name), (c, f, w) in sorted(tallies.items()):
        by[what][name] = Rates(c, f, w)
    return ThresholdReport(threshold, by["kind"], by["camera"])
