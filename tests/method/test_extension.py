"""Vote extension: the faiss fast path against the brute-force oracle, and the rule itself.

Embeddings are mostly small-integer vectors drawn from a small pool, so duplicates and exact ties
(a query equally similar to support points voting different classes) are common and the two paths
must agree on them bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.metrics.pairwise import cosine_similarity

from liger.embed.base import normalize_rows
from liger.method.extension import (
    NeighbourVotes,
    check_thresholds,
    extend_votes,
    nearest_voting_neighbours,
    nearest_voting_neighbours_reference,
    pair_similarity,
)
from liger.labels import ABSTAIN

NEG_INF = -np.inf


def assert_same_neighbours(fast: NeighbourVotes, reference: NeighbourVotes) -> None:
    np.testing.assert_array_equal(fast.label, reference.label)
    assert fast.label.dtype == reference.label.dtype == np.int64
    # array_equal, not allclose: the fast path re-scores in float64 exactly as the oracle does.
    assert np.array_equal(fast.similarity, reference.similarity), np.abs(fast.similarity - reference.similarity).max()


def expected_extension(L_query, neighbours: NeighbourVotes, thresholds) -> np.ndarray:
    """The rule applied to the oracle's neighbours, written out here rather than via ``extend``."""
    r = np.broadcast_to(np.asarray(thresholds, dtype=np.float64), (L_query.shape[1],))
    take = (L_query == ABSTAIN) & (neighbours.label != ABSTAIN) & (neighbours.similarity > r[None, :])
    return np.where(take, neighbours.label, L_query)


# -- a tiny example worked out by hand ------------------------------------------------------------
# Support (2-D) and votes; classes 0/1, -1 abstains.
#   s0 = (1, 0): LF0 -> 1, LF1 abstains
#   s1 = (0, 1): LF0 -> 0, LF1 -> 1
#   s2 = (1, 1): LF0 abstains, LF1 -> 0
# Queries:
#   q0 = (3, 4), both abstain. LF0: class 1 via s0 cos 3/5, class 0 via s1 cos 4/5 -> (0, 0.8).
#                              LF1: class 1 via s1 cos 4/5, class 0 via s2 cos 7/(5 sqrt 2) -> (0, 0.98995).
#   q1 = (1, -1), LF1 votes 1. LF0: class 1 via s0 cos 1/sqrt 2, class 0 via s1 cos -1/sqrt 2 -> (1, 0.7071).
#   q2 = (-1, 0), both abstain. LF0: class 1 cos -1, class 0 cos 0 -> (0, 0.0).
#                              LF1: class 1 via s1 cos 0, class 0 via s2 cos -1/sqrt 2 -> (1, 0.0).
E_SUPPORT = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
L_SUPPORT = np.array([[1, -1], [0, 1], [-1, 0]])
E_QUERY = np.array([[3.0, 4.0], [1.0, -1.0], [-1.0, 0.0]])
L_QUERY = np.array([[-1, -1], [-1, 1], [-1, -1]])
HAND_LABEL = np.array([[0, 0], [1, ABSTAIN], [0, 1]])
HAND_SIMILARITY = np.array([[0.8, 7 / (5 * np.sqrt(2))], [1 / np.sqrt(2), NEG_INF], [0.0, 0.0]])


@pytest.mark.parametrize("find", [nearest_voting_neighbours, nearest_voting_neighbours_reference])
def test_hand_example_neighbours(find):
    found = find(L_QUERY, E_QUERY, L_SUPPORT, E_SUPPORT)
    np.testing.assert_array_equal(found.label, HAND_LABEL)
    # float32 unit vectors: agree with the exact cosines to float32 precision.
    np.testing.assert_allclose(found.similarity, HAND_SIMILARITY, rtol=0, atol=1e-6)
    # Orthogonal unit vectors give exactly 0, which the strict rule below relies on.
    assert found.similarity[2, 0] == 0.0 and found.similarity[2, 1] == 0.0


@pytest.mark.parametrize(
    "thresholds, expected",
    [
        ([0.75, 0.95], [[0, 0], [-1, 1], [-1, -1]]),  # q1's 0.707 misses 0.75
        ([0.85, 0.95], [[-1, 0], [-1, 1], [-1, -1]]),  # q0's LF0 0.8 misses 0.85
        (0.0, [[0, 0], [1, 1], [-1, -1]]),  # q2 sits at exactly 0: strictly above is required
        (-0.1, [[0, 0], [1, 1], [0, 1]]),
        (0.99, [[-1, -1], [-1, 1], [-1, -1]]),  # 0.98995 misses 0.99
        (1.0, [[-1, -1], [-1, 1], [-1, -1]]),
    ],
    ids=["per_lf", "per_lf_tighter", "zero_is_strict", "below_zero", "just_above", "one"],
)
def test_hand_example_extension(thresholds, expected):
    for batch_size in (1, 2, 2048):
        extended = extend_votes(L_QUERY, E_QUERY, L_SUPPORT, E_SUPPORT, thresholds, batch_size=batch_size)
        np.testing.assert_array_equal(extended, expected)


# -- exact ties ----------------------------------------------------------------------------------
# q = (1, 1, 0); a = (1, 2, 3) and b = (1, 2, -3) differ only in the sign of a coordinate where q
# is zero, so their float32 unit vectors have equal norms and their products with q are the same
# numbers: q is *exactly* equally similar to both, whatever the rounding.
TIE_QUERY = np.array([[1.0, 1.0, 0.0]])
TIE_A, TIE_B = [1.0, 2.0, 3.0], [1.0, 2.0, -3.0]


def test_tie_construction_is_exact():
    q, a, b = normalize_rows(np.array([TIE_QUERY[0], TIE_A, TIE_B]))
    assert pair_similarity(q, a) == pair_similarity(q, b)


@pytest.mark.parametrize("batch_size", [1, 7])
@pytest.mark.parametrize(
    "support, votes, n_classes, label",
    [
        ([TIE_A, TIE_B], [1, 0], 2, ABSTAIN),  # +1 and -1 exactly tied: stays abstained
        ([TIE_A, TIE_A], [0, 1], 2, ABSTAIN),  # duplicate support points with conflicting votes
        ([TIE_A, TIE_B, [0.0, 0.0, 1.0]], [1, 2, 0], 3, ABSTAIN),  # classes 1, 2 tie above class 0
        ([TIE_A, TIE_B, [2.0, 2.0, 0.0]], [1, 2, 0], 3, 0),  # a tie between losers does not matter
        ([TIE_A, TIE_B, [1.0, 2.0, 3.0]], [1, 0, 1], 2, ABSTAIN),  # duplicated winner still tied
    ],
    ids=["binary", "duplicates", "three_way_top_tie", "loser_tie", "duplicate_in_tie"],
)
def test_exact_ties(support, votes, n_classes, label, batch_size):
    L_support = np.array(votes)[:, None]
    L_query = np.array([[ABSTAIN]])
    fast = nearest_voting_neighbours(L_query, TIE_QUERY, L_support, np.array(support), n_classes=n_classes, batch_size=batch_size)
    reference = nearest_voting_neighbours_reference(L_query, TIE_QUERY, L_support, np.array(support), n_classes=n_classes)
    assert_same_neighbours(fast, reference)
    assert fast.label[0, 0] == label
    expected_similarity = 1.0 if label == 0 else 3 / np.sqrt(2 * 14)
    np.testing.assert_allclose(fast.similarity[0, 0], expected_similarity, atol=1e-6)
    extended = extend_votes(L_query, TIE_QUERY, L_support, np.array(support), -1.0, n_classes=n_classes, batch_size=batch_size)
    assert extended[0, 0] == label


# -- fast path == oracle on many random cases ------------------------------------------------------
@st.composite
def extension_cases(draw):
    n_classes = draw(st.sampled_from([2, 3]))
    dim = draw(st.integers(1, 5))
    n_lfs = draw(st.integers(1, 4))
    n_query = draw(st.integers(1, 12))
    n_support = draw(st.integers(1, 12))
    if draw(st.booleans()):
        # A small pool of small-integer vectors: duplicates, parallel vectors and exact ties.
        pool = draw(hnp.arrays(np.int64, (draw(st.integers(1, 5)), dim), elements=st.integers(-1, 2)))
        pool[~pool.any(axis=1), 0] = 1
        pick = st.integers(0, len(pool) - 1)
        E_query = pool[draw(st.lists(pick, min_size=n_query, max_size=n_query))].astype(np.float64)
        E_support = pool[draw(st.lists(pick, min_size=n_support, max_size=n_support))].astype(np.float64)
    else:
        rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
        E_query, E_support = rng.standard_normal((n_query, dim)), rng.standard_normal((n_support, dim))
    votes = st.integers(ABSTAIN, n_classes - 1)
    L_query = draw(hnp.arrays(np.int64, (n_query, n_lfs), elements=votes))
    L_support = draw(hnp.arrays(np.int64, (n_support, n_lfs), elements=votes))
    if draw(st.booleans()):
        # A duplicate of a support point voting another class wherever it votes: exact ties.
        j = draw(st.integers(0, n_support - 1))
        E_support = np.vstack([E_support, E_support[j]])
        L_support = np.vstack([L_support, np.where(L_support[j] == ABSTAIN, ABSTAIN, (L_support[j] + 1) % n_classes)])
    if draw(st.booleans()):
        L_support[:, draw(st.integers(0, n_lfs - 1))] = ABSTAIN  # an LF that never votes in support
    if draw(st.booleans()):
        L_query[draw(st.integers(0, n_query - 1))] = ABSTAIN  # an all-abstain query row
    threshold = st.one_of(st.sampled_from([-1.0, -0.5, 0.0, 0.5, 1.0]), st.floats(-1.0, 1.0))
    if draw(st.booleans()):
        thresholds = draw(threshold)
    else:
        thresholds = np.array(draw(st.lists(threshold, min_size=n_lfs, max_size=n_lfs)))
    batch_size = draw(st.sampled_from([1, 2, 7, 2048]))
    return L_query, E_query, L_support, E_support, n_classes, thresholds, batch_size


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extension_cases())
def test_fast_path_equals_oracle(case):
    L_query, E_query, L_support, E_support, n_classes, thresholds, batch_size = case
    fast = nearest_voting_neighbours(L_query, E_query, L_support, E_support, n_classes=n_classes, batch_size=batch_size)
    reference = nearest_voting_neighbours_reference(L_query, E_query, L_support, E_support, n_classes=n_classes)
    assert_same_neighbours(fast, reference)

    # Where the LF votes, or never votes in support, there is no neighbour vote at all.
    no_neighbour = (L_query != ABSTAIN) | ~(L_support != ABSTAIN).any(axis=0)[None, :]
    assert np.all(reference.label[no_neighbour] == ABSTAIN)
    assert np.all(reference.similarity[no_neighbour] == NEG_INF)
    # An abstain with voting support always has a finite winner similarity.
    assert np.all(np.isfinite(reference.similarity[~no_neighbour]))

    extended = extend_votes(L_query, E_query, L_support, E_support, thresholds, n_classes=n_classes, batch_size=batch_size)
    np.testing.assert_array_equal(extended, expected_extension(L_query, reference, thresholds))
    # Extension never removes or changes an existing vote.
    voted = L_query != ABSTAIN
    np.testing.assert_array_equal(extended[voted], L_query[voted])


def test_near_parallel_support_beyond_the_candidate_list():
    # Regression: 40 support points along nearly one direction have float32 scores within rounding
    # of each other, so the float32 top-4 need not hold the float64 best. The fast path widens its
    # search for such queries and must still match the oracle exactly.
    rng = np.random.RandomState(1)
    for _ in range(10):
        dim = rng.randint(2, 8)
        E_support = rng.standard_normal(dim) * rng.uniform(0.1, 100, size=(40, 1)) + 1e-7 * rng.standard_normal((40, dim))
        E_query = rng.standard_normal((5, dim))
        L_support = rng.randint(0, 2, size=(40, 2))
        L_query = np.full((5, 2), ABSTAIN)
        for batch_size in (1, 3):
            fast = nearest_voting_neighbours(L_query, E_query, L_support, E_support, batch_size=batch_size)
            assert_same_neighbours(fast, nearest_voting_neighbours_reference(L_query, E_query, L_support, E_support))


@pytest.mark.parametrize("seed", range(4))
def test_fast_path_equals_oracle_larger(seed):
    # Bigger than the hypothesis cases: faiss switches to BLAS for >= 20 queries.
    rng = np.random.RandomState(seed)
    n_query, n_support, dim, n_lfs, n_classes = 70, 90, rng.randint(2, 40), 4, 2 + seed % 2
    E_support = rng.standard_normal((n_support, dim))
    E_support[::5] = E_support[1::5] * 3.0  # exact-direction duplicates
    E_query = np.vstack([rng.standard_normal((n_query - 10, dim)), E_support[:10]])  # some queries in support
    L_support = rng.randint(-1, n_classes, size=(n_support, n_lfs))
    L_query = rng.randint(-1, n_classes, size=(n_query, n_lfs))
    L_support[:, 0] = np.where(rng.rand(n_support) < 0.9, ABSTAIN, L_support[:, 0])  # a sparse LF
    for batch_size in (7, 2048):
        fast = nearest_voting_neighbours(L_query, E_query, L_support, E_support, n_classes=n_classes, batch_size=batch_size)
        assert_same_neighbours(fast, nearest_voting_neighbours_reference(L_query, E_query, L_support, E_support, n_classes=n_classes))


# -- threshold properties --------------------------------------------------------------------------
def test_threshold_one_never_extends():
    # Support points are basis vectors, so every similarity is a coordinate of a float32 unit
    # vector: at most exactly 1.0 (a query along a basis vector), never above it.
    rng = np.random.RandomState(0)
    dim, n_lfs = 4, 3
    E_support = np.repeat(np.eye(dim), 3, axis=0)
    E_query = rng.randint(-2, 3, size=(50, dim)).astype(np.float64)
    E_query[~E_query.any(axis=1), 0] = 1.0
    E_query[:dim] = np.eye(dim) * 5.0  # similarity exactly 1.0 to a support point
    L_support = rng.randint(-1, 2, size=(len(E_support), n_lfs))
    L_query = rng.randint(-1, 2, size=(50, n_lfs))
    neighbours = nearest_voting_neighbours(L_query, E_query, L_support, E_support, batch_size=7)
    assert neighbours.similarity.max() <= 1.0 and (neighbours.similarity == 1.0).any()
    np.testing.assert_array_equal(extend_votes(L_query, E_query, L_support, E_support, 1.0), L_query)
    # Per LF: threshold 1 keeps LF 1 as it is while -1 extends the others.
    mixed = extend_votes(L_query, E_query, L_support, E_support, np.array([-1.0, 1.0, -1.0]))
    np.testing.assert_array_equal(mixed[:, 1], L_query[:, 1])
    assert (mixed[:, [0, 2]] != L_query[:, [0, 2]]).any()


@pytest.mark.parametrize("seed", range(3))
def test_threshold_minus_one_extends_every_decided_abstain(seed):
    # Positive coordinates keep every cosine above 0, so -1 is below all of them.
    rng = np.random.RandomState(seed)
    n_query, n_support, dim, n_lfs = 40, 30, 6, 4
    E_query = np.abs(rng.standard_normal((n_query, dim))) + 0.1
    E_support = np.abs(rng.standard_normal((n_support, dim))) + 0.1
    L_query = rng.randint(-1, 2, size=(n_query, n_lfs))
    L_support = rng.randint(-1, 2, size=(n_support, n_lfs))
    L_support[:, 3] = ABSTAIN  # LF 3 has no voting support: nothing to borrow
    extended = extend_votes(L_query, E_query, L_support, E_support, -1.0, batch_size=7)

    # The rule from an independent float64 cosine matrix; skip the (here absent) near-ties.
    S = cosine_similarity(E_query, E_support)
    checked = 0
    for i in range(n_query):
        for lf in range(n_lfs):
            if L_query[i, lf] != ABSTAIN:
                assert extended[i, lf] == L_query[i, lf]
                continue
            best = [S[i, L_support[:, lf] == c].max(initial=-np.inf) for c in (0, 1)]
            if best == [-np.inf, -np.inf]:
                assert extended[i, lf] == ABSTAIN
            elif abs(best[0] - best[1]) > 1e-6:
                assert extended[i, lf] == int(np.argmax(best))
                checked += 1
    assert checked > 25


# -- validation ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "thresholds, match",
    [
        (1.5, r"threshold 1.5 for LF 0 is outside \[-1, 1\]"),
        (-1.01, r"threshold -1.01 for LF 0 is outside"),
        (np.nan, r"threshold nan for LF 0 is outside"),
        (np.array([0.5, 2.0]), r"threshold 2.0 for LF 1 is outside"),
        (np.array([0.5, 0.5, 0.5]), r"thresholds have shape \(3,\); expected a scalar or \(2,\)"),
        (np.array([[0.5, 0.5]]), r"thresholds have shape \(1, 2\)"),
    ],
    ids=["above_one", "below_minus_one", "nan", "per_lf", "too_many", "two_d"],
)
def test_bad_thresholds(thresholds, match):
    with pytest.raises(ValueError, match=match):
        check_thresholds(thresholds, 2)
    with pytest.raises(ValueError, match=match):
        extend_votes(L_QUERY, E_QUERY, L_SUPPORT, E_SUPPORT, thresholds)
    neighbours = nearest_voting_neighbours(L_QUERY, E_QUERY, L_SUPPORT, E_SUPPORT)
    with pytest.raises(ValueError, match=match):
        neighbours.extend(L_QUERY, thresholds)


def test_boundary_thresholds_are_accepted():
    np.testing.assert_array_equal(check_thresholds(-1, 3), [-1.0, -1.0, -1.0])
    np.testing.assert_array_equal(check_thresholds(np.array([1.0, -1.0, 0.25]), 3), [1.0, -1.0, 0.25])


@pytest.mark.parametrize("find", [nearest_voting_neighbours, nearest_voting_neighbours_reference])
@pytest.mark.parametrize(
    "change, match",
    [
        (dict(E_query=np.ones((4, 2))), r"E_query has 4 rows; expected 3"),
        (dict(E_support=np.ones((2, 2))), r"E_support has 2 rows; expected 3"),
        (dict(E_query=np.ones((3, 5))), r"E_query has dimension 5 and E_support 2"),
        (dict(L_support=np.zeros((3, 3), dtype=int)), r"L_query has 2 LFs and L_support has 3"),
        (dict(L_query=np.full((3, 2), 2)), r"L_query has value 2 at row 0, column 0; expected -1 \(abstain\) or a class in 0..1"),
    ],
    ids=["query_rows", "support_rows", "dims", "lf_count", "class_out_of_range"],
)
def test_mismatched_inputs(find, change, match):
    args = dict(L_query=L_QUERY, E_query=E_QUERY, L_support=L_SUPPORT, E_support=E_SUPPORT) | change
    with pytest.raises(ValueError, match=match):
        find(args["L_query"], args["E_query"], args["L_support"], args["E_support"], n_classes=2)
