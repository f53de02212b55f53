"""The numba kernels beside their peers, each measured in the same run on this machine.

- aggregation: the kernel vs the same figures with numpy ``bincount`` (the reference), pandas
  ``groupby``, polars ``group_by``; a bare ``bincount`` of the cells (counts only) and a
  streaming read of the same number of bytes (``np.add.reduce``) give the context.
  Floors (issue 6): ≥ 3× numpy and ≥ 10× pandas at 1e7 records. They do not hold at 1e6:
  there the peers' arrays stay in cache and the ratios measured 4–10× numpy and 6–10×
  pandas (the low ends with the machine shared), so quick mode (1e6 only) checks ≥ 2.5×
  numpy and ≥ 4× pandas; the 1e7 floors are checked by the full run.
- sweep: the kernel vs the vectorised numpy version at 1e6 open cases; floor ≥ 2×.
- matching: 1e6 volunteers × 1e5 posts in ≤ 1 s, plentiful and scarce supply alike (quick:
  1e5 × 1e4); against the exact min-cost-flow optimum (1e4 × 1e3 quick, and 1e5 × 1e4 full)
  over seeds and supply: filled within 0.5 % and travel within 10 % of the optimum's.
Figures land in each benchmark's ``extra_info`` (``--benchmark-json``) and are printed.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from benchmarks.conftest import QUICK
from govflow.kernels.aggregate import aggregate, aggregate_kernel, empty_figures
from govflow.kernels.aggregate_ref import aggregate_ref, handling_bins
from govflow.kernels.columns import CaseColumns
from govflow.kernels.figures import N_BINS
from govflow.kernels.matching import match
from govflow.kernels.matching_ref import exact_optimum
from govflow.kernels.samples import DAY, T_START, district_parent, matching_instance, sample_cases
from govflow.kernels.sweep import check_sweep, sweep_kernel
from govflow.kernels.sweep_ref import sweep_arrays

PARENT = district_parent()
N_STATUS, N_CATEGORY, CAMPAIGN = 8, 30, 0
T0, T1 = T_START + 30 * DAY, T_START + 60 * DAY
AGG_SIZES = [1_000_000] if QUICK else [1_000_000, 10_000_000]


def median_seconds(fn: Callable[[], Any], rounds: int) -> float:
    """Median wall time of ``rounds`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed(benchmark: Any, fn: Callable[[], Any], rounds: int) -> tuple[float, Any]:
    """Median seconds of ``fn`` through pytest-benchmark (or by hand when it is disabled)."""
    result = benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=1)
    stats = getattr(benchmark, "stats", None)
    if stats is None:  # --benchmark-disable: still measure, so the floors are checked
        return median_seconds(fn, rounds), result
    return float(stats.stats.median), result


def _flags(c: CaseColumns) -> dict[str, np.ndarray]:
    """Per-record flags of the figures (the vectorised part every dataframe peer needs)."""
    o, cl, d = c.opened, c.closed, c.due
    opened_in = (o >= T0) & (o < T1)
    closed_in = (cl >= T0) & (cl < T1)
    open_end = (o < T1) & (cl >= T1)
    camp = (c.source == CAMPAIGN) & opened_in
    return {
        "opened": opened_in, "active": (o < T1) & (cl >= T0), "closed": closed_in,
        "closed_on_time": closed_in & (cl <= d), "backlog": open_end,
        "overdue": open_end & (d < T1), "yellow": open_end & (c.light == 1),
        "red": open_end & (c.light == 2), "reworked": closed_in & (c.rework > 0),
        "rework_events": np.where(closed_in, c.rework, 0),
        "campaign_required": camp, "campaign_on_post": camp & (cl <= d),
        "handling_seconds": np.where(closed_in, cl - o, 0),
    }


def pandas_figures(c: CaseColumns) -> Any:
    """The per-cell figures with pandas groupby (roll-up omitted: 1,106 rows, negligible)."""
    import pandas as pd

    flags = _flags(c)
    df = pd.DataFrame({"cell": c.cell, "status": c.status, "category": c.category, **flags})
    fields = df.groupby("cell")[list(flags)].sum()
    status = df[flags["active"]].groupby(["cell", "status"]).size()
    category = df[flags["opened"]].groupby(["cell", "category"]).size()
    closed = df[flags["closed"]]
    hist = closed.assign(bin=handling_bins(closed["handling_seconds"].to_numpy())).groupby(
        ["cell", "bin"]).size()
    return fields, status, category, hist


def polars_figures(c: CaseColumns) -> Any:
    """The same per-cell figures with polars group_by."""
    import polars as pl

    flags = _flags(c)
    df = pl.DataFrame({"cell": c.cell, "status": c.status, "category": c.category,
                       **{k: v for k, v in flags.items()}})
    fields = df.group_by("cell").agg([pl.col(k).sum() for k in flags])
    status = df.filter(pl.col("active")).group_by(["cell", "status"]).len()
    category = df.filter(pl.col("opened")).group_by(["cell", "category"]).len()
    closed = df.filter(pl.col("closed"))
    hist = closed.with_columns(
        pl.Series("bin", handling_bins(closed["handling_seconds"].to_numpy()))
    ).group_by(["cell", "bin"]).len()
    return fields, status, category, hist


def _report(name: str, info: dict[str, Any]) -> None:
    shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                      for k, v in info.items())
    print(f"\n[{name}] {shown}")


@pytest.mark.parametrize("n", AGG_SIZES, ids=lambda n: f"{n:.0e}")
def test_aggregate(benchmark: Any, n: int) -> None:
    """Aggregation kernel vs numpy, pandas, polars and a streaming read of as many bytes."""
    cols = sample_cases(0, n, PARENT, n_status=N_STATUS, n_category=N_CATEGORY)
    args = (cols.cell, cols.category, cols.status, cols.light, cols.opened, cols.closed,
            cols.due, cols.rework, cols.source, PARENT.copy(), np.int64(T0), np.int64(T1),
            np.int64(CAMPAIGN))

    def kernel() -> None:
        out = empty_figures(PARENT.shape[0], N_STATUS, N_CATEGORY)
        aggregate_kernel(*args, out.fields, out.status, out.category, out.hist)

    kw = dict(t0=T0, t1=T1, n_status=N_STATUS, n_category=N_CATEGORY, campaign_source=CAMPAIGN)
    got, want = aggregate(cols, PARENT, **kw), aggregate_ref(cols, PARENT, **kw)
    np.testing.assert_array_equal(got.fields, want.fields)
    np.testing.assert_array_equal(got.hist, want.hist)
    assert got.hist.shape[1] == N_BINS
    rounds = 5
    t_kernel, _ = timed(benchmark, kernel, rounds)
    peers = 2 if n >= 10_000_000 else 3
    t_numpy = median_seconds(lambda: aggregate_ref(cols, PARENT, **kw), peers)
    t_pandas = median_seconds(lambda: pandas_figures(cols), peers)
    t_polars = median_seconds(lambda: polars_figures(cols), peers)
    t_bincount = median_seconds(lambda: np.bincount(cols.cell, minlength=PARENT.shape[0]),
                                rounds)
    raw = np.ones(cols.nbytes // 8, np.uint64)
    t_stream = median_seconds(lambda: np.add.reduce(raw), rounds)
    info = {
        "records": n, "bytes_per_record": cols.nbytes / n, "kernel_s": t_kernel,
        "records_per_s": n / t_kernel, "GB_per_s": cols.nbytes / t_kernel / 1e9,
        "stream_GB_per_s": cols.nbytes / t_stream / 1e9,
        "share_of_stream": t_stream / t_kernel, "numpy_s": t_numpy, "pandas_s": t_pandas,
        "polars_s": t_polars, "bare_bincount_s": t_bincount, "x_numpy": t_numpy / t_kernel,
        "x_pandas": t_pandas / t_kernel, "x_polars": t_polars / t_kernel,
        "x_bare_bincount": t_bincount / t_kernel,
    }
    benchmark.extra_info.update(info)
    _report(f"aggregate {n:.0e}", info)
    big = n >= 10_000_000
    assert info["x_numpy"] >= (3.0 if big else 2.5), info
    assert info["x_pandas"] >= (10.0 if big else 4.0), info


def test_sweep(benchmark: Any) -> None:
    """Sweep of 1e6 open cases vs the vectorised numpy version of the same computation."""
    n = 1_000_000
    rng = np.random.default_rng(1)
    start = T_START + rng.integers(0, 30 * DAY, n)
    due = start + rng.integers(3600, 10 * DAY, n)
    now = T_START + 20 * DAY
    s, d, f, prev = check_sweep(start, due, rng.choice([0.7, 0.8], n),
                                rng.integers(0, 3, n).astype(np.int8))
    light = np.empty(n, np.int8)
    esc = np.empty(n, np.uint8)
    t_kernel, _ = timed(benchmark, lambda: sweep_kernel(s, d, f, prev, np.int64(now), light,
                                                         esc), 20)
    t_numpy = median_seconds(lambda: sweep_arrays(s, d, f, prev, now), 10)
    np.testing.assert_array_equal(light, sweep_arrays(s, d, f, prev, now).light)
    info = {"cases": n, "kernel_s": t_kernel, "numpy_s": t_numpy,
            "cases_per_s": n / t_kernel, "x_numpy": t_numpy / t_kernel}
    benchmark.extra_info.update(info)
    _report("sweep 1e6", info)
    assert info["x_numpy"] >= 2.0, info


@pytest.mark.parametrize("supply", ["plentiful", "scarce"])
def test_matching_speed(benchmark: Any, supply: str) -> None:
    """1e6 volunteers × 1e5 posts (quick: 1e5 × 1e4), input checks and preparation included.

    Floor: ≤ 1 s for either supply (scarce fills about three times the places and repairs
    far more, so it is the slower one).
    """
    n_vol, n_posts = (100_000, 10_000) if QUICK else (1_000_000, 100_000)
    vols, posts = matching_instance(0, n_vol, n_posts, PARENT, supply)  # type: ignore[arg-type]
    t, result = timed(benchmark, lambda: match(vols, posts, PARENT), 3)
    info = {"volunteers": n_vol, "posts": n_posts, "supply": supply, "seconds": t,
            "filled": result.filled, "travel": result.travel,
            "headcount": int(posts.headcount.sum())}
    benchmark.extra_info.update(info)
    _report(f"matching {supply}", info)
    assert t <= 1.0, info


QUALITY = [(10_000, 1_000)] if QUICK else [(10_000, 1_000), (100_000, 10_000)]


@pytest.mark.parametrize(("n_vol", "n_posts"), QUALITY, ids=lambda v: f"{v:.0e}")
def test_matching_quality(benchmark: Any, n_vol: int, n_posts: int) -> None:
    """Against the exact optimum over 3 seeds × {plentiful, scarce}: fill ≥ 99.5 % of the
    optimum's and travel ≤ 110 % of the optimum's, at once."""
    rows = []
    greedy_s, exact_s = [], []
    for supply in ("plentiful", "scarce"):
        for seed in range(3):
            vols, posts = matching_instance(seed, n_vol, n_posts, PARENT, supply)  # type: ignore[arg-type]
            t = time.perf_counter()
            got = match(vols, posts, PARENT)
            greedy_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            best = exact_optimum(vols, posts, PARENT)
            exact_s.append(time.perf_counter() - t)
            rows.append((supply, seed, got.filled / best.filled, got.travel / best.travel))
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    fill = [r[2] for r in rows]
    travel = [r[3] for r in rows]
    info = {"size": f"{n_vol}x{n_posts}", "worst_fill_ratio": min(fill),
            "worst_travel_ratio": max(travel), "median_travel_ratio": statistics.median(travel),
            "greedy_median_s": statistics.median(greedy_s),
            "exact_median_s": statistics.median(exact_s)}
    benchmark.extra_info.update(info)
    for supply, seed, f, tr in rows:
        print(f"\n  {supply:<10} seed {seed}: fill {f:.4f} of optimal, travel {tr:.3f}×")
    _report(f"matching quality {n_vol}x{n_posts}", info)
    assert min(fill) >= 0.995, rows
    assert max(travel) <= 1.10, rows
