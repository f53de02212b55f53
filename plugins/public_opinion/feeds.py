"""The message-board CSVs, turned into posted/replied events in time order."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def board_events(path: Path) -> Iterator[dict[str, Any]]:
    """``zhengwu_replied_cases_compact.csv``: a posted and a replied event per message.

    Events are sorted by time (ties: posted before replied, then message id), so a replay
    opens each case when it was posted and answers it when the reply came.
    """
    events: list[tuple[str, int, str, dict[str, Any]]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            base = {"message_id": row["message_id"], "subject": row["subject"],
                    "district": row.get("district") or ""}
            events.append((row["created_at"], 0, row["message_id"],
                           {**base, "event": "posted", "at": row["created_at"]}))
            if row.get("replied_at"):
                events.append((row["replied_at"], 1, row["message_id"],
                               {**base, "event": "replied", "at": row["replied_at"]}))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    for _, _, _, payload in events:
        yield payload


def labeled_messages(path: Path) -> Iterator[dict[str, Any]]:
    """``zhengwu_messages_labeled_sample.csv``: posted messages with text and label."""
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {"message_id": row["message_id"], "event": "posted", "at": row["created_at"],
                   "subject": row["subject"], "detail": row.get("detail") or "",
                   "district": row.get("district") or "",
                   "label_l1": row.get("category_l1") or ""}
