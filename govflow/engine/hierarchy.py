"""What the engine needs to know about the grid: parents, containment and the duty chain.

:class:`govflow.grid.Grid` implements this. Without a grid the engine uses
:class:`PrefixHierarchy`, which reads the tree off the codes themselves: a 6-digit
administrative code for the district, then 3 digits each for street, community and cell
(``410102`` ⊃ ``410102001`` ⊃ ``410102001001`` ⊃ ``410102001001001``). Scope checks and
escalation work; nobody is on duty, so messages go to the node code.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Hierarchy(Protocol):
    """The grid as the engine sees it."""

    def parent_of(self, node: str) -> str | None:
        """The node one tier up, or ``None`` at the top (or for an unknown node)."""
        ...

    def is_within(self, node: str, ancestor: str) -> bool:
        """Whether ``node`` is ``ancestor`` or lies below it."""
        ...

    def on_duty(self, node: str) -> str | None:
        """The person the duty chain (四级包联) names for ``node``, or ``None``."""
        ...


# A hierarchy may also have ``is_cell(code) -> bool``: whether cases may live on ``code``.
# The engine's door asks it when it is there (Grid: a tier-3 cell; PrefixHierarchy: a
# well-formed 15-digit code) and otherwise takes any non-empty code.


class PrefixHierarchy:
    """The fallback: the tree read off 6 + 3 + 3 + 3 digit codes; nobody on duty."""

    def parent_of(self, node: str) -> str | None:
        return node[:-3] if len(node) > 6 and len(node) % 3 == 0 else None

    def is_within(self, node: str, ancestor: str) -> bool:
        return node.startswith(ancestor)

    def is_cell(self, code: str) -> bool:
        """Without a grid, any well-formed cell code is a cell."""
        return well_formed_cell(code)

    def on_duty(self, node: str) -> str | None:
        return None


def well_formed_cell(code: str) -> bool:
    """A cell code as the code-read tree knows it: 6 + 3 + 3 + 3 = 15 ASCII digits."""
    return len(code) == 15 and code.isascii() and code.isdigit()
