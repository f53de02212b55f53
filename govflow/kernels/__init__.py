"""Numba kernels over columnar snapshots, each with a plain-numpy reference.

Importing this package imports neither numba nor any kernel module: the public functions are
loaded on first attribute access, and each kernel compiles (or loads from its cache) on its
first call. See ``docs/cockpit.md`` for the figures and the methods.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "NEVER": "govflow.kernels.columns",
    "CaseColumns": "govflow.kernels.columns",
    "NodeFigures": "govflow.kernels.figures",
    "aggregate": "govflow.kernels.aggregate",
    "sweep": "govflow.kernels.sweep",
    "sweep_at": "govflow.kernels.sweep",
    "SweepResult": "govflow.kernels.sweep",
    "match": "govflow.kernels.matching",
    "rematch": "govflow.kernels.matching",
    "Assignment": "govflow.kernels.matching",
    "Posts": "govflow.kernels.matching",
    "Volunteers": "govflow.kernels.matching",
    "snapshot": "govflow.kernels.snapshot",
    "Snapshot": "govflow.kernels.snapshot",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'govflow.kernels' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
