"""The aggregation kernel against its plain-numpy reference, and its input checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govflow.errors import KernelInputError
from govflow.kernels.aggregate import aggregate
from govflow.kernels.aggregate_ref import aggregate_ref
from govflow.kernels.columns import NEVER, CaseColumns, empty_columns
from govflow.kernels.figures import FIELD, PERCENTILE_ERROR
from govflow.kernels.samples import DAY, T_START, district_parent, sample_cases

PARENT = district_parent(3, 6, 12)  # 1 + 3 + 6 + 12 nodes
CELLS = np.arange(10, 22, dtype=np.int32)
N_STATUS, N_CATEGORY = 4, 5
T0, T1 = T_START + 10 * DAY, T_START + 40 * DAY


def _same(a: object, b: object) -> None:
    for name in ("fields", "status", "category", "hist"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def _both(cols: CaseColumns, t0: int = T0, t1: int = T1, campaign: int = 1) -> object:
    kw = dict(t0=t0, t1=t1, n_status=N_STATUS, n_category=N_CATEGORY, campaign_source=campaign)
    got = aggregate(cols, PARENT, **kw)
    _same(got, aggregate_ref(cols, PARENT, **kw))
    return got


@st.composite
def case_columns(draw: st.DrawFn, max_n: int = 60) -> CaseColumns:
    n = draw(st.integers(0, max_n))
    one_cell = draw(st.booleans())
    big = draw(st.booleans())  # extreme times: far past/future and the NEVER sentinel
    span = 2**61 if big else 60 * DAY
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cell = np.full(n, CELLS[0]) if one_cell else rng.choice(CELLS, n)
    opened = T_START + rng.integers(-span // 4, span, n)
    closed = np.where(rng.random(n) < 0.6, opened + rng.integers(0, span // 2, n), NEVER)
    due = np.where(rng.random(n) < 0.9, opened + rng.integers(0, span // 2, n), NEVER)
    return CaseColumns(
        cell=cell.astype(np.int32), category=rng.integers(0, N_CATEGORY, n).astype(np.int16),
        status=rng.integers(0, N_STATUS, n).astype(np.int8),
        light=rng.integers(0, 3, n).astype(np.int8), opened=opened.astype(np.int64),
        closed=closed.astype(np.int64), due=due.astype(np.int64),
        rework=rng.integers(0, 32767 if big else 3, n).astype(np.int16),
        source=rng.integers(0, 3, n).astype(np.int16),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_columns())
def test_kernel_matches_reference_on_random_records(cols: CaseColumns) -> None:
    """Every figure of every node equals the reference's, whatever the records."""
    _both(cols)


def test_empty_input_gives_zero_figures() -> None:
    """No records: all figures are zero, percentiles undefined."""
    got = _both(empty_columns())
    assert not got.fields.any() and not got.hist.any()
    assert np.isnan(got.percentile()).all()


def test_one_record_counts_on_its_cell_and_every_ancestor() -> None:
    """A single closed case shows on its cell, its community, its street and the district."""
    cols = CaseColumns(
        cell=np.array([CELLS[3]], np.int32), category=np.array([2], np.int16),
        status=np.array([1], np.int8), light=np.array([0], np.int8),
        opened=np.array([T0 + 100], np.int64), closed=np.array([T0 + 3700], np.int64),
        due=np.array([T0 + 7200], np.int64), rework=np.array([1], np.int16),
        source=np.array([0], np.int16))
    got = _both(cols)
    chain = [int(CELLS[3])]
    while PARENT[chain[-1]] >= 0:
        chain.append(int(PARENT[chain[-1]]))
    for node in chain:
        assert got["closed"][node] == 1 and got["closed_on_time"][node] == 1
        assert got["reworked"][node] == 1 and got["handling_seconds"][node] == 3600
    others = np.setdiff1d(np.arange(PARENT.shape[0]), chain)
    assert not got.fields[others].any()


def test_all_records_in_one_cell_roll_up_to_the_root() -> None:
    """Everything on one cell: that cell's row equals the district's row."""
    cols = sample_cases(3, 500, PARENT, n_status=N_STATUS, n_category=N_CATEGORY, n_source=3)
    cols = CaseColumns(*(np.full_like(cols.cell, CELLS[5]) if f == "cell" else getattr(cols, f)
                         for f in ("cell", "category", "status", "light", "opened", "closed",
                                   "due", "rework", "source")))
    got = _both(cols, T_START, T_START + 90 * DAY)
    np.testing.assert_array_equal(got.fields[CELLS[5]], got.fields[0])


def test_district_row_is_the_sum_of_the_cells() -> None:
    """Rolling up keeps totals: the root holds the sum over the cells."""
    cols = sample_cases(1, 2000, PARENT, n_status=N_STATUS, n_category=N_CATEGORY, n_source=3)
    got = _both(cols, T_START, T_START + 90 * DAY)
    np.testing.assert_array_equal(got.fields[0], got.fields[CELLS].sum(axis=0))
    assert got["opened"][0] == 2000


def test_p90_is_within_the_documented_bound_of_the_exact_value() -> None:
    """The histogram p90 is within 3.1 % of the exact nearest-rank p90."""
    cols = sample_cases(7, 5000, PARENT, n_status=N_STATUS, n_category=N_CATEGORY, n_source=3)
    got = _both(cols, T_START, T_START + 90 * DAY)
    closed_in = (cols.closed >= T_START) & (cols.closed < T_START + 90 * DAY)
    handling = np.sort(cols.closed[closed_in] - cols.opened[closed_in])
    exact = handling[math.ceil(0.9 * handling.size) - 1]
    assert abs(got.percentile(0.9)[0] - exact) <= PERCENTILE_ERROR * exact + 1e-9
    mean = got.mean_handling()[0]
    assert mean == pytest.approx(handling.mean())


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (dict(cell=np.array([99], np.int32)), "out of range"),
        (dict(cell=np.array([-1], np.int32)), "out of range"),
        (dict(category=np.array([N_CATEGORY], np.int16)), "category"),
        (dict(status=np.array([9], np.int8)), "status"),
        (dict(light=np.array([3], np.int8)), "light"),
        (dict(opened=np.array([np.nan])), "NaN"),
        (dict(closed=np.array([T0 - 10], np.int64)), "before it opened"),
        (dict(due=np.array([T0, T0], np.int64)), "one length"),
        (dict(rework=np.array([-1], np.int16)), "negative"),
    ],
)
def test_invalid_input_is_refused_before_the_kernel(change: dict[str, object],
                                                    words: str) -> None:
    """Bad arrays raise KernelInputError naming the problem."""
    base = dict(cell=np.array([CELLS[0]], np.int32), category=np.array([0], np.int16),
                status=np.array([0], np.int8), light=np.array([0], np.int8),
                opened=np.array([T0], np.int64), closed=np.array([NEVER], np.int64),
                due=np.array([NEVER], np.int64), rework=np.array([0], np.int16),
                source=np.array([0], np.int16))
    base.update(change)
    with pytest.raises(KernelInputError, match=words):
        aggregate(CaseColumns(**base), PARENT, t0=T0, t1=T1, n_status=N_STATUS,  # type: ignore[arg-type]
                  n_category=N_CATEGORY)


def test_parent_array_must_list_parents_first() -> None:
    """A child before its parent is refused with how to fix it."""
    with pytest.raises(KernelInputError, match="parents must come before"):
        aggregate(empty_columns(), [1, -1], t0=T0, t1=T1, n_status=1, n_category=1)


def test_float_times_with_inf_mean_never() -> None:
    """Float seconds are accepted; +inf means 'never' like NEVER."""
    cols = sample_cases(2, 50, PARENT, n_status=N_STATUS, n_category=N_CATEGORY, n_source=3)
    as_float = CaseColumns(
        cols.cell, cols.category, cols.status, cols.light, cols.opened.astype(np.float64),
        np.where(cols.closed == NEVER, np.inf, cols.closed.astype(np.float64)),  # type: ignore[arg-type]
        np.where(cols.due == NEVER, np.inf, cols.due.astype(np.float64)),  # type: ignore[arg-type]
        cols.rework, cols.source)
    kw = dict(t0=T_START, t1=T_START + 90 * DAY, n_status=N_STATUS, n_category=N_CATEGORY)
    _same(aggregate(as_float, PARENT, **kw), aggregate(cols, PARENT, **kw))


def test_fields_are_named() -> None:
    """Every documented field has a column."""
    assert set(FIELD) >= {"closed", "closed_on_time", "overdue", "campaign_on_post"}


def test_closed_at_the_due_second_is_on_time_one_second_later_is_not() -> None:
    """Kernel and numpy reference agree: closed == due counts on time, due + 1 s does not."""
    cols = CaseColumns(
        cell=np.array([CELLS[0], CELLS[1]], np.int32), category=np.array([0, 0], np.int16),
        status=np.array([1, 1], np.int8), light=np.array([0, 0], np.int8),
        opened=np.array([T0 + 100, T0 + 100], np.int64),
        closed=np.array([T0 + 7200, T0 + 7201], np.int64),
        due=np.array([T0 + 7200, T0 + 7200], np.int64), rework=np.array([0, 0], np.int16),
        source=np.array([0, 0], np.int16))
    got = _both(cols)
    assert got["closed_on_time"][CELLS[0]] == 1 and got["closed_on_time"][CELLS[1]] == 0
    assert got["closed"][0] == 2 and got["closed_on_time"][0] == 1
