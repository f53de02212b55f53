"""The replay's grid: area → district → the source (city), built from the records.

Replayed cases live on their record's area; escalation moves the owner to the district the
area lies in (the one most of its records name) and then to the city.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from govflow.replay.records import ReplayRecord


class ReplayHierarchy:
    """A three-tier tree of names; implements the engine's Hierarchy protocol."""

    def __init__(self, root: str, parents: dict[str, str]) -> None:
        self.root = root
        self.parents = dict(parents)

    @classmethod
    def from_records(cls, root: str, records: Iterable[ReplayRecord]) -> ReplayHierarchy:
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        for record in records:
            votes[record.area][record.district] += 1
        parents: dict[str, str] = {}
        for area, counter in votes.items():
            best = max(sorted(counter), key=lambda d: counter[d])
            district = f"{root}/{best}" if best else root
            parents[area] = district
            if district != root:
                parents[district] = root
        return cls(root, parents)

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
