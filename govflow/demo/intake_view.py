"""The engine as the demo's intake sees it: open cases come from the workforce's memory.

:class:`~govflow.plugins.intake.Intake` builds its index of open cases from
``store.find_open_cases()`` on every run, reading every open case of every source; the demo
runs intake for each source many times a simulated day, so it hands intake the open cases
of that source that the workforce already holds (kept current by the engine's hooks)
instead of reading them all again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from govflow.records import Case


class _StoreView:
    def __init__(self, store: Any, open_cases: Callable[[], Iterable[Case]]) -> None:
        self._store = store
        self._open_cases = open_cases

    def find_open_cases(self, **_: Any) -> list[Case]:
        return list(self._open_cases())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class EngineView:
    """Delegates to ``engine``; its ``store`` answers ``find_open_cases`` from memory."""

    def __init__(self, engine: Any, open_cases: Callable[[], Iterable[Case]]) -> None:
        self._engine = engine
        self.store = _StoreView(engine.store, open_cases)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)
