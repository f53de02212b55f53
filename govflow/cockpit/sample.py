"""Synthetic cases on a generated grid, for ``govflow cockpit --sample N`` and the tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from govflow.kernels.samples import sample_cases
from govflow.kernels.snapshot import Snapshot

CATEGORIES = (
    "占道经营 street vending", "突店经营 shop-front overflow", "餐饮油烟 oil fumes",
    "燃气安全 gas safety", "施工围挡 hoardings", "乱堆物料 piled materials",
    "暴露垃圾 exposed garbage", "违章停车 illegal parking", "井盖缺损 manhole covers",
    "绿化破坏 damaged greenery", "噪声扰民 noise", "违法建设 illegal building",
)
STATES = ("registered", "dispatched", "handling", "handled", "checking", "closed",
          "returned", "deferred")
SOURCES = ("campaign", "hotline", "patrol", "video", "manual")


def sample_snapshot(arrays: Any, n: int, seed: int = 0) -> Snapshot:
    """``n`` cases over 90 days on the cells of ``arrays`` (a ``GridArrays``)."""
    cols = sample_cases(seed, n, np.asarray(arrays.parent, np.int32),
                        n_category=len(CATEGORIES), n_status=len(STATES),
                        n_source=len(SOURCES))
    ids = tuple(f"{seed:04x}{i:012x}" for i in range(n))
    return Snapshot(cols, ids, CATEGORIES, STATES, SOURCES)
