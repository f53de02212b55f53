"""The stage-KPI and assessment kernel against its numpy reference, and its input checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govflow.errors import KernelInputError
from govflow.kernels.duty import duty_figures
from govflow.kernels.duty_columns import DUTY
from govflow.kernels.duty_ref import duty_figures_ref
from govflow.kernels.duty_samples import sample_duty
from govflow.kernels.samples import DAY, T_START, district_parent

PARENT = district_parent(3, 6, 12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(0, 80), st.integers(0, 5),
       st.integers(0, 60), st.integers(0, 60))
def test_kernel_matches_reference_on_random_cases(seed: int, n: int, people: int,
                                                  a: int, b: int) -> None:
    """Every count of every node and person equals the reference's, on any window."""
    cols = sample_duty(seed, n, PARENT, people, span=40 * DAY)
    t0, t1 = T_START + min(a, b) * DAY // 2, T_START + max(a, b) * DAY // 2
    got = duty_figures(cols, PARENT, t0=t0, t1=t1, n_people=people)
    want = duty_figures_ref(cols, PARENT, t0=t0, t1=t1, n_people=people)
    np.testing.assert_array_equal(got.nodes, want.nodes)
    np.testing.assert_array_equal(got.people, want.people)


def test_the_root_row_is_the_sum_of_the_cells() -> None:
    """Rolled up: the district row equals the sum over the cells; people are not rolled."""
    cols = sample_duty(1, 500, PARENT, 4)
    got = duty_figures(cols, PARENT, t0=T_START, t1=T_START + 200 * DAY, n_people=4)
    cells = np.arange(10, 22)
    np.testing.assert_array_equal(got.nodes[0], got.nodes[cells].sum(axis=0))
    assert got.people[:, DUTY["answered"]].sum() == (cols.person >= 0).sum()


def test_bad_input_is_refused_with_the_column_named() -> None:
    """A person index past the people list, a satisfaction code out of range."""
    cols = sample_duty(2, 10, PARENT, 2)
    with pytest.raises(KernelInputError, match="person"):
        duty_figures(cols, PARENT, t0=T_START, t1=T_START + DAY, n_people=1)
    bad = sample_duty(2, 10, PARENT, 2)
    bad.satisfied[0] = 3
    with pytest.raises(KernelInputError, match="satisfied"):
        duty_figures(bad, PARENT, t0=T_START, t1=T_START + DAY, n_people=2)
