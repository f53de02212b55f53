"""Benchmark settings: ``GOVFLOW_BENCH_QUICK=1`` (set by CI) runs smaller sizes, same floors."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

QUICK = os.environ.get("GOVFLOW_BENCH_QUICK") == "1"


def size(full: int, quick: int) -> int:
    """The problem size for this run."""
    return quick if QUICK else full


@contextmanager
def gc_paused() -> Iterator[None]:
    """Time as ``timeit`` does: a full collection first, then the cyclic garbage collector
    paused. Objects left by earlier suites in the same process (numba, large arrays, stores)
    would otherwise tax whichever side of a comparison allocates more."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def timed(run: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    """Seconds for one ``run(*args, **kwargs)`` with the collector paused (see
    :func:`gc_paused`)."""
    with gc_paused():
        started = time.perf_counter()
        run(*args, **kwargs)
        return time.perf_counter() - started
