"""Stage KPIs and assessment (四个一体) over 1e6 cases: the duty kernel beside its numpy
reference, in the same run, alternating rounds, medians.

Both produce the 18 counts per node (rolled up the 1,106 nodes of the district) and per
person (5,000 people); the scores are ratios of those counts (negligible). Floor (issue 13):
the kernel at least 2× faster than the numpy reference at 1e6 cases (quick mode too).
"""

from __future__ import annotations

import statistics
from typing import Any

import numpy as np

from benchmarks.conftest import QUICK, timed
from govflow.cockpit.assessment import node_scores, person_scores
from govflow.kernels.duty import duty_figures
from govflow.kernels.duty_ref import duty_figures_ref
from govflow.kernels.duty_samples import sample_duty
from govflow.kernels.samples import DAY, T_START, district_parent

N, PEOPLE = 1_000_000, 5_000
FLOOR = 2.0


def test_assessment_kernel_beside_numpy(benchmark: Any) -> None:
    """1e6 cases: kernel and reference agree, and the kernel is ≥ 2× the reference."""
    parent = district_parent()
    cols = sample_duty(7, N, parent, PEOPLE)
    window = {"t0": T_START + 30 * DAY, "t1": T_START + 60 * DAY, "n_people": PEOPLE}
    got = duty_figures(cols, parent, **window)  # compiles or loads the kernel
    want = duty_figures_ref(cols, parent, **window)
    np.testing.assert_array_equal(got.nodes, want.nodes)
    np.testing.assert_array_equal(got.people, want.people)
    kernel_s: list[float] = []
    numpy_s: list[float] = []
    for _ in range(3 if QUICK else 7):
        kernel_s.append(timed(duty_figures, cols, parent, **window))
        numpy_s.append(timed(duty_figures_ref, cols, parent, **window))
    benchmark.pedantic(lambda: duty_figures(cols, parent, **window), rounds=1, iterations=1)
    k, r = statistics.median(kernel_s), statistics.median(numpy_s)
    scores = node_scores(got)
    figures = {"cases": N, "people": PEOPLE, "kernel_ms": round(k * 1e3, 1),
               "numpy_ms": round(r * 1e3, 1), "ratio": round(r / k, 2),
               "district_score": round(float(scores[0]), 2),
               "people_scored": int(np.isfinite(person_scores(got)).sum())}
    benchmark.extra_info.update(figures)
    print("\nassessment:", figures)
    assert r / k >= FLOOR, figures
