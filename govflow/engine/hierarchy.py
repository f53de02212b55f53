"""What the engine needs to know about the grid: parents, containment and the duty chain.

:class:`govflow.grid.Grid` implements this. Without a grid the engine uses
:class:`PrefixHierarchy`: node codes nest by prefix (``410102`` ⊃ ``410102001`` ⊃ ...), so
scope checks still work, but nobody is on duty and escalation has no parent to move to.
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


class PrefixHierarchy:
    """The fallback: codes nest by prefix; no parents, nobody on duty."""

    def parent_of(self, node: str) -> str | None:
        return None

    def is_within(self, node: str, ancestor: str) -> bool:
        return node.startswith(ancestor)

    def on_duty(self, node: str) -> str | None:
        return None
