"""The replay's grid: area → district → the source (city), built from the records.

Replayed cases live on their record's area; escalation moves the owner to the district the
area lies in (the one most of its records name) and then to the city.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable

from govflow.replay.records import ReplayRecord
from govflow.widths import CODE


def code_of(name: str) -> str:
    """The node code of an area or district name: the name itself when it fits the store's
    code width, else its start and a hash (``EMPOWERMENT CONGRESS SOUTHWEST AREA NDC`` is
    39 characters; the cases table keeps 32)."""
    if len(name) <= CODE:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{name[: CODE - 9]}~{digest}"


class ReplayHierarchy:
    """A three-tier tree of names; implements the engine's Hierarchy protocol. Its nodes are
    the names' codes (:func:`code_of`): cases are opened on ``code_of(record.area)``."""

    def __init__(self, root: str, parents: dict[str, str]) -> None:
        self.root = root
        self.parents = dict(parents)

    @classmethod
    def from_records(cls, root: str, records: Iterable[ReplayRecord]) -> ReplayHierarchy:
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        for record in records:
            votes[record.area][record.district] += 1
        parents: dict[str, str] = {}
        top = code_of(root)
        for area, counter in votes.items():
            best = max(sorted(counter), key=lambda d: counter[d])
            district = code_of(f"{root}/{best}") if best else top
            parents[code_of(area)] = district
            if district != top:
                parents[district] = top
        return cls(top, parents)

    def parent_of(self, node: str) -> str | None:
        return self.parents.get(node)

    def is_within(self, node: str, ancestor: str) -> bool:
        current: str | None = node
        while current is not None:
            if current == ancestor:
                return True
            current = self.parents.get(current)
        return False

    def on_duty(self, node: str) -> str | None:
        return None
