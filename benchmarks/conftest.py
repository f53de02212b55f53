"""Benchmark settings: ``GOVFLOW_BENCH_QUICK=1`` (set by CI) runs smaller sizes, same floors."""

from __future__ import annotations

import os

QUICK = os.environ.get("GOVFLOW_BENCH_QUICK") == "1"


def size(full: int, quick: int) -> int:
    """The problem size for this run."""
    return quick if QUICK else full
