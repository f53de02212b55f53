"""The deadline sweep kernels against their numpy references, and their input checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govflow.errors import KernelInputError
from govflow.kernels.columns import NEVER
from govflow.kernels.sweep import TIME_LIMIT, sweep, sweep_at
from govflow.kernels.sweep_ref import sweep_at_ref, sweep_ref

NOW = 1_780_000_000


@st.composite
def open_cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(0, 80))
    extreme = draw(st.booleans())
    span = TIME_LIMIT // 2 if extreme else 30 * 86400
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    start = NOW - rng.integers(0, span, n)
    due = start + rng.integers(0, span, n)
    due[rng.random(n) < 0.1] = NEVER
    fraction = rng.choice([0.0, 0.7, 0.8, 1.0], n)
    prev = rng.integers(0, 3, n).astype(np.int8)
    return start, due, fraction, prev


@settings(max_examples=80, deadline=None)
@given(open_cases())
def test_sweep_matches_reference(case: tuple[np.ndarray, ...]) -> None:
    """Lights and escalate flags equal the vectorised numpy version's."""
    start, due, fraction, prev = case
    got, want = sweep(start, due, fraction, NOW, prev), sweep_ref(start, due, fraction, NOW, prev)
    np.testing.assert_array_equal(got.light, want.light)
    np.testing.assert_array_equal(got.escalate, want.escalate)


@settings(max_examples=40, deadline=None)
@given(open_cases())
def test_sweep_at_matches_reference(case: tuple[np.ndarray, ...]) -> None:
    """With calendar-computed yellow and red moments the kernel equals the reference."""
    start, due, _, prev = case
    got, want = sweep_at(start, due, NOW, prev), sweep_at_ref(start, due, NOW, prev)
    np.testing.assert_array_equal(got.light, want.light)
    np.testing.assert_array_equal(got.escalate, want.escalate)


def test_lights_follow_the_fraction_and_the_deadline() -> None:
    """Green before 80 %, yellow from 80 %, red at due; only newly red cases escalate."""
    start = np.full(5, NOW - 100)
    due = np.array([NOW + 100, NOW + 20, NOW, NOW - 1, NEVER])
    res = sweep(start, due, 0.8, NOW, prev_light=[0, 0, 0, 2, 0])
    assert res.light.tolist() == [0, 1, 2, 2, 0]
    assert res.escalate.tolist() == [False, False, True, False, False]
    assert res.warn(np.zeros(5, np.int8)).tolist() == [False, True, False, False, False]
    assert res.counts() == (2, 1, 2)


def test_empty_and_single_inputs() -> None:
    """No cases gives empty results; one case works."""
    assert sweep([], [], 0.8, NOW).light.shape == (0,)
    assert sweep([NOW - 10], [NOW - 5], 0.8, NOW).escalate.tolist() == [True]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (([NOW], [NOW, NOW], 0.8), "one length"),
        (([np.nan], [NOW], 0.8), "NaN"),
        (([NOW], [NOW], 1.5), r"\[0, 1\]"),
        (([NOW], [NOW], np.nan), r"\[0, 1\]"),
        (([NEVER], [NOW], 0.8), "NEVER"),
        (([2**63 - 2], [NOW], 0.8), "2\\*\\*62"),
    ],
)
def test_invalid_input_is_refused(args: tuple[object, ...], words: str) -> None:
    """Bad arrays raise KernelInputError before the kernel."""
    with pytest.raises(KernelInputError, match=words):
        sweep(*args, NOW)  # type: ignore[misc]


def test_previous_lights_are_checked() -> None:
    """A previous light outside 0..2 is refused."""
    with pytest.raises(KernelInputError, match="prev_light"):
        sweep_at([NOW], [NOW], NOW, prev_light=[7])
