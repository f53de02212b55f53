"""The progress line: simulated date, days done, cases opened and cases per second."""

from __future__ import annotations

import time
from datetime import datetime
from types import TracebackType
from typing import Any

from govflow.demo.timeline import label


class Progress:
    """A rich progress bar (or nothing, when ``quiet``)."""

    def __init__(self, days: int, *, quiet: bool) -> None:
        self.days = days
        self.quiet = quiet
        self.started = time.perf_counter()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if not self.quiet:
            from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(
                TextColumn("[bold]{task.fields[date]}"), BarColumn(),
                TextColumn("day {task.fields[day]}/{task.total:.0f}"),
                TextColumn("{task.fields[cases]:>6,} cases"),
                TextColumn("{task.fields[rate]:>5.0f} cases/s"), TimeElapsedColumn(),
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("demo", total=self.days, date="", cases=0,
                                            rate=0.0, day=1)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, exc, tb)

    def update(self, moment: datetime, day_fraction: float, cases: int) -> None:
        if self._bar is None:
            return
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        self._bar.update(self._task, completed=day_fraction, date=label(moment), cases=cases,
                         rate=cases / elapsed, day=min(int(day_fraction) + 1, self.days))

    def note(self, text: str) -> None:
        """A line above the bar (or nothing, when quiet)."""
        if self._bar is not None:
            self._bar.console.print(text)
