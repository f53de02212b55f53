"""A rich progress bar for long replays: items done, the simulated date, items per second."""

from __future__ import annotations

import time
from datetime import datetime
from types import TracebackType
from typing import Any


class Ticker:
    """Shows progress when ``enabled`` (and the run is long enough to matter); else no-op."""

    #: fewer timeline items than this finish too fast for a bar to help
    MIN_ITEMS = 2000

    def __init__(self, total: int, *, enabled: bool, label: str) -> None:
        self.total = total
        self.enabled = enabled and total >= self.MIN_ITEMS
        self.label = label
        self._progress: Any = None
        self._task: Any = None
        self._pending = 0
        self._done = 0
        self._began = 0.0

    def __enter__(self) -> Ticker:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("sim {task.fields[moment]}"), TextColumn("{task.fields[rate]} items/s"),
                TimeElapsedColumn(), transient=True, console=Console(stderr=True),
            )
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=self.total, moment="", rate="-")
            self._began = time.perf_counter()
        return self

    def advance(self, count: int, moment: datetime) -> None:
        if self._progress is None:
            return
        self._pending += count
        self._done += count
        if self._pending >= 500:
            elapsed = time.perf_counter() - self._began
            rate = f"{self._done / elapsed:,.0f}" if elapsed > 0 else "-"
            self._progress.update(self._task, advance=self._pending, rate=rate,
                                  moment=moment.strftime("%Y-%m-%d %H:%M"))
            self._pending = 0

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=self._pending)
            self._progress.stop()
