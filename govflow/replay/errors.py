"""The replay's errors live in govflow's one tree (:mod:`govflow.errors`); re-exported here."""

from __future__ import annotations

from govflow.errors import MappingError, ReplayError

__all__ = ["MappingError", "ReplayError"]
