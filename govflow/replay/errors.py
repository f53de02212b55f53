"""The replay's errors, under govflow's tree (``GovflowError``)."""

from __future__ import annotations

from collections.abc import Iterable

from govflow.errors import GovflowError, Problem


class ReplayError(GovflowError):
    """A replay cannot run: a data file that cannot be read, an engine on the wrong clock."""


class MappingError(ReplayError):
    """A mapping file is wrong; ``problems`` lists every problem with its file and line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        count = len(self.problems)
        super().__init__(f"mapping file has {count} problem{'s' if count != 1 else ''}:\n{lines}")
