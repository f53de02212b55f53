"""The matching kernel: valid assignments, the optimal headcount, travel near the optimum,
rematching after refusals, and input checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govflow.errors import KernelInputError
from govflow.kernels.match_prep import _patterns, ancestors, cost_between
from govflow.kernels.matching import Assignment, Posts, Volunteers, match, rematch
from govflow.kernels.matching_ref import exact_optimum
from govflow.kernels.samples import district_parent, leaves, matching_instance

PARENT = district_parent(3, 6, 12)
CELLS = leaves(PARENT)


def assert_valid(a: Assignment, vols: Volunteers, posts: Posts, parent: np.ndarray) -> None:
    """Only eligible volunteers, within capacity and headcount, with the right travel cost."""
    assert (a.per_post() <= posts.headcount).all()
    used = np.bincount(a.volunteer, minlength=len(vols))
    assert (used <= vols.capacity).all()
    assert vols.available[a.volunteer].all()
    need = posts.tags[a.post]
    assert ((vols.tags[a.volunteer] & need) == need).all()
    anc = ancestors(np.asarray(parent, np.int32))
    want = cost_between(anc, vols.cell[a.volunteer].astype(np.int64),
                        posts.cell[a.post].astype(np.int64))
    np.testing.assert_array_equal(a.cost, want)
    pairs = a.volunteer * len(posts) + a.post
    assert np.unique(pairs).shape == pairs.shape, "a volunteer twice on one post"


@st.composite
def instances(draw: st.DrawFn) -> tuple[Volunteers, Posts]:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_v, n_p = draw(st.integers(0, 40)), draw(st.integers(0, 12))
    n_tags = draw(st.integers(1, 4))
    one_cell = draw(st.booleans())
    vtags = rng.integers(0, 2**n_tags, n_v).astype(np.uint64)
    ptags = rng.integers(0, 2**n_tags, n_p).astype(np.uint64)
    if draw(st.booleans()):
        vtags |= np.uint64(1) << np.uint64(63)  # the top bit (int64 sign) works too
    place = (lambda k: np.full(k, CELLS[0])) if one_cell else (lambda k: rng.choice(CELLS, k))
    vols = Volunteers.of(vtags, place(n_v), np.ones(n_v, np.int32), rng.random(n_v) < 0.9)
    posts = Posts.of(ptags, place(n_p), rng.integers(0, 5, n_p), rng.integers(0, 2, n_p))
    return vols, posts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_fill_equals_the_exact_optimum(inst: tuple[Volunteers, Posts]) -> None:
    """With capacity one the kernel fills exactly as many places as min-cost flow."""
    vols, posts = inst
    got = match(vols, posts, PARENT)
    assert_valid(got, vols, posts, PARENT)
    best = exact_optimum(vols, posts, PARENT)
    assert got.filled == best.filled
    assert got.travel >= best.travel


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 300), st.sampled_from([1, 13, 16, 17, 64]))
def test_tag_patterns_by_bincount_match_a_sort(seed: int, n: int, bits: int) -> None:
    """Distinct tag sets and each volunteer's index: the bincount path equals np.unique."""
    rng = np.random.default_rng(seed)
    wanted = int(rng.integers(0, 2**63)) | (1 << (bits - 1)) if bits == 64 else 2**bits - 1
    masked = rng.integers(0, 2**63, n, dtype=np.uint64) & np.uint64(wanted)
    patterns, index = _patterns(masked, wanted)
    want_p, want_i = np.unique(masked, return_inverse=True)
    np.testing.assert_array_equal(patterns, want_p)
    np.testing.assert_array_equal(index, want_i.ravel())


def test_empty_inputs_give_an_empty_assignment() -> None:
    """No volunteers or no posts: nothing filled."""
    none = Volunteers.of([], [])
    posts = Posts.of([1], [CELLS[0]], [2])
    assert match(none, posts, PARENT).filled == 0
    assert match(Volunteers.of([1], [CELLS[0]]), Posts.of([], [], []), PARENT).filled == 0


def test_nearest_volunteer_wins() -> None:
    """Same cell before same community before same street before anywhere."""
    anc = ancestors(PARENT)
    cell = int(CELLS[0])
    community = anc[2, cell]
    same_comm = next(int(c) for c in CELLS if c != cell and anc[2, c] == community)
    far = next(int(c) for c in CELLS if anc[1, c] != anc[1, cell])
    vols = Volunteers.of([1, 1, 1], [far, same_comm, cell])
    got = match(vols, Posts.of([1], [cell], [2]), PARENT)
    assert sorted(got.volunteer.tolist()) == [1, 2]
    assert sorted(got.cost.tolist()) == [0, 1]


def test_only_volunteers_with_every_required_tag() -> None:
    """A post asking for two tags takes only someone holding both."""
    vols = Volunteers.of([0b01, 0b10, 0b11], [CELLS[0]] * 3)
    got = match(vols, Posts.of([0b11], [CELLS[1]], [3]), PARENT)
    assert got.volunteer.tolist() == [2]


def test_scarce_volunteer_goes_where_only_they_fit() -> None:
    """A versatile volunteer is kept for the post nobody else can fill."""
    vols = Volunteers.of([0b11, 0b01], [CELLS[0], CELLS[5]])
    posts = Posts.of([0b01, 0b10], [CELLS[0], CELLS[5]], [1, 1])
    got = match(vols, posts, PARENT)
    assert got.filled == 2
    assert dict(zip(got.post.tolist(), got.volunteer.tolist(), strict=True)) == {1: 0, 0: 1}


@pytest.mark.slow
@pytest.mark.parametrize("supply", ["plentiful", "scarce"])
@pytest.mark.parametrize("seed", [0, 1])
def test_near_optimal_on_a_district(supply: str, seed: int) -> None:
    """1e4 volunteers × 1e3 posts: fill within 0.5 % and travel within 10 % of optimal."""
    parent = district_parent()
    vols, posts = matching_instance(seed, 10_000, 1_000, parent, supply)  # type: ignore[arg-type]
    got = match(vols, posts, parent)
    assert_valid(got, vols, posts, parent)
    best = exact_optimum(vols, posts, parent)
    assert got.filled >= 0.995 * best.filled
    assert got.travel <= 1.10 * best.travel


def test_rematch_replaces_volunteers_who_declined() -> None:
    """Declined volunteers leave, the rest stay, their places go to others."""
    parent = district_parent()
    vols, posts = matching_instance(5, 3000, 300, parent, "plentiful")
    first = match(vols, posts, parent)
    declined = first.volunteer[::7]
    again = rematch(vols, posts, parent, first, declined)
    assert_valid(again, vols, posts, parent)
    assert not np.isin(again.volunteer, declined).any()
    kept = ~np.isin(first.volunteer, declined)
    n_kept = int(kept.sum())
    np.testing.assert_array_equal(again.volunteer[:n_kept], first.volunteer[kept])
    assert again.filled >= first.filled - declined.size
    assert again.filled > n_kept


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda: match(Volunteers.of([1], [999]), Posts.of([1], [0], [1]), PARENT),
         "out of range"),
        (lambda: match(Volunteers.of([1], [0]), Posts.of([1], [-2], [1]), PARENT),
         "out of range"),
        (lambda: Volunteers.of([1, 2], [0]), "one length"),
        (lambda: Volunteers.of([1], [0], capacity=[-1]), "negative"),
        (lambda: Posts.of([1], [0], [-3]), "negative"),
        (lambda: Posts.of([1], [0], [np.nan]), "NaN"),
        (lambda: match(Volunteers.of([1], [0]), Posts.of([1], [0], [1]), [0, -1]),
         "parents must come before"),
    ],
)
def test_invalid_input_is_refused(build: object, words: str) -> None:
    """Bad columns raise KernelInputError before any kernel runs."""
    with pytest.raises(KernelInputError, match=words):
        build()  # type: ignore[operator]
