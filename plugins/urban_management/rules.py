"""Python mapping rules: AI detections, Open311 notes and LA 311 rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from govflow.plugins.rules import Note, OpenCase, Skip, Trigger
from govflow.records import Actor

from .models import Detection, La311Request, Open311Note

#: A detection at or above this confidence registers a case; below it a person confirms first.
CONFIDENCE_THRESHOLD = 0.8

_WORKFLOW = {"street_vending": "street_vending", "oil_fumes": "rectification",
             "hoarding": "rectification", "gas_safety": "standard_case"}
#: the category prefix of a detection waiting for a person to confirm it
UNCONFIRMED = "ai_unconfirmed:"


def workflow_of(kind: str) -> str:
    """The workflow a confirmed detection of ``kind`` runs in."""
    return _WORKFLOW[kind]

#: LA request type → (category, duplicate window)
LA_CATEGORIES: dict[str, tuple[str, timedelta | None]] = {
    "Bulky Items": ("bulky_items", None),
    "Metal/Household Appliances": ("bulky_items", None),
    "Electronic Waste": ("e_waste", None),
    "Graffiti Removal": ("graffiti", timedelta(days=1)),
    "Illegal Dumping Pickup": ("illegal_dumping", timedelta(days=1)),
    "Homeless Encampment": ("encampment", timedelta(days=1)),
    "Dead Animal Removal": ("dead_animal", timedelta(hours=12)),
    "Single Streetlight Issue": ("street_light", timedelta(days=1)),
    "Multiple Streetlight Issue": ("street_light", timedelta(days=1)),
    "Report Water Waste": ("water_waste", None),
}

CellOf = Callable[[float, float], str | None]


def detection_rule(threshold: float = CONFIDENCE_THRESHOLD) -> Callable[[Detection], OpenCase]:
    """Confident (or confirmed) detections open the kind's case; the rest wait for a person.

    A doubtful detection opens a ``standard_case`` in ``reported`` (上报): a registrar looks at
    the frame and registers it (立案) or invalidates it, before anyone is dispatched.
    """

    def ai_vision(record: Detection) -> OpenCase:
        data = {"camera": record.camera, "confidence": record.confidence}
        if record.confidence >= threshold or record.confirmed_by:
            if record.confirmed_by:
                data["confirmed_by"] = record.confirmed_by
            extra = {"location": record.camera} if record.kind == "street_vending" else {}
            return OpenCase(_WORKFLOW[record.kind], record.cell, record.kind,
                            {**data, **extra}, at=record.detected_at,
                            merge_within=timedelta(hours=2))
        return OpenCase("standard_case", record.cell, f"{UNCONFIRMED}{record.kind}",
                        {**data, "description": f"AI 识别待确认: {record.kind}"},
                        at=record.detected_at)

    return ai_vision


def open311_rule(cell_of: CellOf) -> Callable[[Open311Note], OpenCase | Trigger | Note | Skip]:
    """opened → open a case; activity → ``work``; follow-ons → notes; closed → ``close``."""

    def open311(record: Open311Note) -> OpenCase | Trigger | Note | Skip:
        actor = Actor(id=f"open311:{record.agency or 'city'}", roles=frozenset({"handler"}))
        kind = record.note_type
        if kind == "opened":
            cell = cell_of(record.long, record.lat) or ""
            return OpenCase("open311_request", cell, record.service_name, {
                "address": record.address, "agency": record.agency,
                "service_code": record.service_code,
                "requested_at": record.requested_at.isoformat(),
            }, ref=record.request_id)
        if kind == "activity":
            return Trigger(record.request_id, "work", {"summary": record.summary,
                                                       "description": record.description},
                           reason=record.description or record.summary, actor=actor)
        if kind in ("follow_on_created", "follow_on_closed"):
            return Note(record.request_id, kind, {"follow_on": record.follow_on_id,
                                                  "description": record.description},
                        reason=record.description)
        if kind == "closed":
            return Trigger(record.request_id, "close", reason=record.summary, actor=actor)
        return Skip("submitted: the request is not opened yet")

    return open311


def la311_rule(cell_of: CellOf) -> Callable[[La311Request], OpenCase]:
    """Each LA request opens a ``standard_case`` on the cell its location maps to."""

    def la311(record: La311Request) -> OpenCase:
        category, window = LA_CATEGORIES.get(record.RequestType, ("other", None))
        cell = cell_of(record.Longitude, record.Latitude) or ""
        return OpenCase("standard_case", cell, category, {
            "description": f"{record.RequestType}: {record.Address or record.NCName or ''}",
            "la_status": record.Status, "channel": record.RequestSource,
        }, ref=record.SRNumber, at=record.CreatedDate, merge_within=window)

    return la311
