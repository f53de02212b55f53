"""What intake remembers between records: open cases by ref and by (cell, category).

Built once per run from the store's open cases of the source (so a restarted intake still
finds the cases earlier runs opened), then kept up to date from each committed batch. Opens
still waiting in the current batch are *held*: a trigger or a duplicate that needs one of
them makes intake commit the batch first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from govflow.errors import CaseNotFound
from govflow.records import Case


class CaseIndex:
    """Open cases of one source: ref → case id, (cell, category) → newest open case."""

    def __init__(self, store: Any, source: str) -> None:
        self.store = store
        self.source = source
        self.refs: dict[str, str] = {}
        self.keys: dict[tuple[str, str], tuple[str, datetime]] = {}
        self._held_refs: set[str] = set()
        self._held_keys: dict[tuple[str, str], datetime] = {}
        #: cases a trigger in the current batch may change (a merge into one waits for it)
        self.touched: set[str] = set()

    @classmethod
    def build(cls, store: Any, source: str) -> CaseIndex:
        index = cls(store, source)
        index.settle(store.find_open_cases())
        return index

    def by_ref(self, ref: str) -> str | None:
        return self.refs.get(ref)

    def pending_ref(self, ref: str) -> bool:
        return ref in self._held_refs

    def pending_key(self, key: tuple[str, str], at: datetime, window: timedelta) -> bool:
        held = self._held_keys.get(key)
        return held is not None and abs(at - held) <= window

    def merge_target(self, key: tuple[str, str], at: datetime, window: timedelta) -> str | None:
        """The open case a duplicate at ``at`` merges into, checked against the store."""
        found = self.keys.get(key)
        if found is None or abs(at - found[1]) > window:
            return None
        try:
            case = self.store.get_case(found[0])
        except CaseNotFound:
            case = None
        if case is None or case.closed_at is not None:
            del self.keys[key]
            return None
        return found[0]

    def hold(self, ref: str, key: tuple[str, str], at: datetime) -> None:
        self._held_refs.add(ref)
        self._held_keys[key] = at

    def settle(self, cases: Iterable[Case]) -> None:
        """Take in cases as committed; forget what was held."""
        self._held_refs.clear()
        self._held_keys.clear()
        self.touched.clear()
        for case in cases:
            if case.source != self.source:
                continue
            ref = case.data.get("ref")
            key = (case.cell, case.category)
            if case.closed_at is None:
                if isinstance(ref, str):
                    self.refs[ref] = case.id
                current = self.keys.get(key)
                if current is None or current[1] <= case.opened_at:
                    self.keys[key] = (case.id, case.opened_at)
            else:
                if isinstance(ref, str) and self.refs.get(ref) == case.id:
                    del self.refs[ref]
                if self.keys.get(key, ("",))[0] == case.id:
                    del self.keys[key]
