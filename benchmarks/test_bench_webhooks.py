"""What webhooks cost the engine's commits: fires with an active subscription (every commit
also writes its events' ``webhook_feed`` rows) beside the same fires with none (the commit
only checks that nobody subscribes), on SQLite and PostgreSQL.

Same pairing as ``test_bench_store.py`` (alternating rounds on fresh databases, the ratio the
median of per-round ratios). Floor, checked as a ratio also in quick mode: a single durable
fire with a subscription >= 70 % of one without.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from benchmarks.conftest import size
from benchmarks.test_bench_store import (
    CHAIN,
    _engine,
    _engine_batched,
    _engine_single,
    _new_db,
    _opened,
    _pair,
)
from govflow.service.webhooks import subscribe
from govflow.store.sql import SqlStore
from govflow.store.webhooks import WebhookStore

SIZES = {"single_sqlite": size(2_000, 200), "single_pg": size(500, 60),
         "batched": size(5_000, 500)}


def _setup(kind: str, n: int, subscribed: bool) -> Callable[[], tuple[tuple[Any, ...],
                                                                      Callable[[], None]]]:
    def setup() -> tuple[tuple[Any, ...], Callable[[], None]]:
        url, drop = _new_db(kind)
        engine, ids = _opened(url, n)
        engine.close()
        if subscribed:
            with SqlStore(url) as store:
                subscribe(WebhookStore(store), "http://127.0.0.1:9/bench", ["*"])
        engine = _engine(url)

        def close() -> None:
            engine.close()
            drop()
        return (engine, ids), close
    return setup


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_fire_single_with_a_subscription(benchmark: Any, kind: str) -> None:
    """``engine.fire``, one commit each, with a ``*`` subscription beside none.
    Floor: >= 70 %."""
    n = SIZES["single_sqlite" if kind == "sqlite" else "single_pg"]
    ratio = _pair(benchmark, f"webhook_fire_single_{kind}", n * len(CHAIN),
                  (_setup(kind, n, subscribed=False), _engine_single),
                  (_setup(kind, n, subscribed=True), _engine_single))
    assert ratio >= 0.70, f"a fire with a webhook subscription runs at {ratio:.0%} of none"


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_fire_batched_with_a_subscription(benchmark: Any, kind: str) -> None:
    """``engine.fire_many`` (1,000 per commit) with a subscription beside none. Reported."""
    n = SIZES["batched"]
    ratio = _pair(benchmark, f"webhook_fire_batched_{kind}", n * len(CHAIN),
                  (_setup(kind, n, subscribed=False), _engine_batched),
                  (_setup(kind, n, subscribed=True), _engine_batched))
    assert ratio > 0
