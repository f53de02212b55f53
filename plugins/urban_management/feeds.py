"""The real feeds: Chicago Open311 GeoReport v2 JSON and the Los Angeles 311 CSV.

Files are opened only when the intake reads (never at import or registration).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def need_file(path: Path) -> Path:
    """``path`` if it is a file; else a FileNotFoundError naming it and GOVFLOW_DATA_DIR."""
    if not path.is_file():
        raise FileNotFoundError(
            f"data file {path} is missing; put it there, or set GOVFLOW_DATA_DIR to the "
            f"folder that holds {path.parent.name}/{path.name}")
    return path


def open311_notes(path: Path) -> Iterator[dict[str, Any]]:
    """One payload per note of every request, requests in file order, notes in their order.

    GeoReport v2 with ``extensions=true``: each request carries its ``notes`` (opened,
    activity, follow-on sub-cases for other departments, closed).
    """
    requests = json.loads(need_file(path).read_text(encoding="utf-8"))
    for request in requests:
        base = {
            "request_id": request.get("service_request_id"),
            "service_name": request.get("service_name"),
            "service_code": request.get("service_code") or "",
            "agency": request.get("agency_responsible") or "",
            "address": request.get("address") or "",
            "lat": request.get("lat"),
            "long": request.get("long"),
            "requested_at": request.get("requested_datetime"),
        }
        for seq, note in enumerate(request.get("notes") or []):
            extra = note.get("extended_attributes") or {}
            yield {
                **base, "seq": seq, "note_type": note.get("type"),
                "note_at": note.get("datetime"), "summary": note.get("summary") or "",
                "description": note.get("description") or "",
                "follow_on_id": extra.get("service_request_id") or "",
            }


def la311_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The CSV rows as dicts; empty cells become ``None`` (so a missing number is refused)."""
    with need_file(path).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {k: (v if v != "" else None) for k, v in row.items()}
