"""Approximate extension (IVF with per-LF selection) against brute force, and the exact path's tiles.

The exact fast path's blocking (LFs scored side by side, support cut into tiles) is exercised here
with tiny tiles against the dense oracle; ``tests/method/test_extension.py`` covers its default blocking.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liger.method.approximate import Agreement, IVFNeighbours, measure_agreement, sample_rows
from liger.embed.base import normalize_rows
from liger.method.extension import nearest_voting_neighbours, nearest_voting_neighbours_reference
from liger.labels import ABSTAIN
from test_extension import assert_same_neighbours, extension_cases  # tests/ is on sys.path under pytest


# -- the exact path in small tiles and LF groups ----------------------------------------------------
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(extension_cases(), st.integers(1, 6), st.integers(1, 4), st.sampled_from([1, 3, 2048]))
def test_exact_in_tiles_equals_oracle(monkeypatch_rows, case, tile_columns, group_rows, batch_size):
    # Tiles of a few support rows cut class segments and LF groups apart; the output must not move.
    L_query, E_query, L_support, E_support, n_classes, _, _ = case
    monkeypatch_rows(group_rows)
    block_bytes = 4 * min(batch_size, group_rows) * tile_columns
    fast = nearest_voting_neighbours(L_query, E_query, L_support, E_support, n_classes=n_classes,
                                     batch_size=batch_size, block_bytes=block_bytes)
    assert_same_neighbours(fast, nearest_voting_neighbours_reference(L_query, E_query, L_support, E_support, n_classes=n_classes))


@pytest.fixture
def monkeypatch_rows():
    # hypothesis reruns the test body; a plain monkeypatch fixture would not reset between examples.
    import liger.method.extension as extension

    saved = extension._BLOCK_ROWS

    def set_rows(rows: int) -> None:
        extension._BLOCK_ROWS = rows

    yield set_rows
    extension._BLOCK_ROWS = saved


def test_exact_near_ties_across_tiles():
    # Near-parallel support points (float32 scores within rounding of each other) split over
    # tiles of 3: the float64 best may sit in any tile, and must still be found.
    rng = np.random.RandomState(4)
    for _ in range(5):
        dim = rng.randint(2, 8)
        E_support = rng.standard_normal(dim) * rng.uniform(0.1, 100, size=(40, 1)) + 1e-7 * rng.standard_normal((40, dim))
        E_query = rng.standard_normal((6, dim))
        L_support = rng.randint(0, 3, size=(40, 3))
        L_query = np.full((6, 3), ABSTAIN)
        fast = nearest_voting_neighbours(L_query, E_query, L_support, E_support, n_classes=3, batch_size=4, block_bytes=4 * 4 * 3)
        assert_same_neighbours(fast, nearest_voting_neighbours_reference(L_query, E_query, L_support, E_support, n_classes=3))


def test_exact_with_scores_around_the_error_bound():
    # Support points a few float32 error bounds apart in score, classes interleaved over tiles
    # of 1-3 rows: which (query, class) pairs may still win changes from tile to tile.
    rng = np.random.RandomState(7)
    for _trial in range(150):
        dim = rng.randint(2, 6)
        direction = rng.standard_normal(dim)
        spread = 10.0 ** rng.uniform(-7, -4.5)
        E_support = direction + spread * rng.standard_normal((12, dim))
        E_query = direction + spread * rng.standard_normal((3, dim))
        L_support = rng.randint(-1, 3, size=(12, 2))
        L_query = np.full((3, 2), ABSTAIN)
        block_bytes = 4 * rng.randint(1, 4) * rng.randint(1, 4)
        fast = nearest_voting_neighbours(L_query, E_query, L_support, E_support, n_classes=3,
                                         batch_size=rng.randint(1, 4), block_bytes=block_bytes)
        assert_same_neighbours(fast, nearest_voting_neighbours_reference(L_query, E_query, L_support, E_support, n_classes=3))


def test_a_class_can_win_back_within_the_bound_over_tiles():
    # Scores set by hand, in units of the error bound s above 0.5: class 0 = [+1.5s] (row 0),
    # class 1 = [0, +0.9s] (rows 1, 2), tiles of 2 rows. After tile 1, class 1 trails the leader
    # by 1.5s; after tile 2 by only 0.6s, so its tile-1 top must still be a candidate then.
    from liger.method.extension import _best_per_segment, _tie_slack, _winner, pair_similarity

    s = _tie_slack(2)
    angles = np.arccos(0.5 + s * np.array([1.5, 0.0, 0.9]))
    support = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    queries = np.array([[1.0, 0.0]], dtype=np.float32)
    best = _best_per_segment(queries, support, np.array([0, 1, 3]), 2, np.array([[True]]))
    exact = pair_similarity(queries[:, None, :], support[None, :, :])[0]
    label, similarity = _winner(best[:, 0])
    assert label[0] == 0 and similarity[0] == exact[0]  # class 0 wins, by its float64 similarity
    assert best[0, 0, 1] == exact[1:].max()


@pytest.mark.parametrize("tile", [1, 2, 5, 1000])
def test_segments_of_several_lfs_split_over_tiles(tile):
    # The scoring core on its own: 3 LFs x 2 classes side by side, tiles cutting through them,
    # some segments empty, near-parallel points making float32 near-ties; per-LF winners must
    # equal those of float64 brute force bit for bit.
    from liger.method.extension import _best_per_segment, _winner, pair_similarity

    rng = np.random.RandomState(tile)
    direction = rng.standard_normal(6)
    support = normalize_rows(direction * rng.uniform(0.5, 2, size=(17, 1)) + 1e-6 * rng.standard_normal((17, 6)))
    support[::3] = normalize_rows(rng.standard_normal((6, 6)))
    queries = normalize_rows(np.vstack([rng.standard_normal((9, 6)), direction[None, :] + 1e-3 * rng.standard_normal((5, 6))]))
    bounds = np.array([0, 4, 7, 7, 12, 15, 17])  # LF 1 has no class-0 support
    wanted = rng.rand(14, 3) < 0.8
    best = _best_per_segment(queries, support, bounds, tile, wanted)
    exact = pair_similarity(queries[:, None, :], support[None, :, :])
    brute = np.stack([exact[:, lo:hi].max(axis=1, initial=-np.inf) for lo, hi in zip(bounds[:-1], bounds[1:])], axis=1)
    for lf in range(3):
        rows = wanted[:, lf]
        got, expected = _winner(best[rows, lf]), _winner(brute[rows].reshape(-1, 3, 2)[:, lf])
        np.testing.assert_array_equal(got[0], expected[0])
        assert np.array_equal(got[1], expected[1])


def test_bad_block_bytes():
    L, E = np.zeros((3, 2), dtype=int), np.eye(3)
    with pytest.raises(ValueError, match="block_bytes is 0; expected a positive number of bytes"):
        nearest_voting_neighbours(L, E, L, E, block_bytes=0)


# -- the approximate index --------------------------------------------------------------------------
def clustered(n_points: int, *, dim: int = 12, n_lfs: int = 4, n_classes: int = 2, seed: int = 0):
    """Points around 6 directions; LFs vote on ~30% of points, mostly the direction's class."""
    rng = np.random.RandomState(seed)
    centres = rng.standard_normal((6, dim))
    cluster = rng.randint(6, size=n_points)
    E = centres[cluster] + 0.6 * rng.standard_normal((n_points, dim))
    truth = cluster % n_classes
    noisy = np.where(rng.rand(n_points, n_lfs) < 0.8, truth[:, None], rng.randint(n_classes, size=(n_points, n_lfs)))
    L = np.where(rng.rand(n_points, n_lfs) < 0.3, noisy, ABSTAIN)
    return L, E


def float64_neighbours(L_query, E_query, L_support, E_support, allowed, n_classes):
    """Brute force over float64 cosines, each query restricted to the support rows ``allowed[q]``."""
    Q, S = normalize_rows(E_query).astype(np.float64), normalize_rows(E_support).astype(np.float64)
    scores = np.where(allowed, Q @ S.T, -np.inf)
    n, m = L_query.shape
    best = np.full((n, m, n_classes), -np.inf)
    for lf in range(m):
        for c in range(n_classes):
            voters = L_support[:, lf] == c
            if voters.any():
                best[:, lf, c] = scores[:, voters].max(axis=1)
    return best


def check_against(neighbours, L_query, best, *, margin=1e-5):
    """Labels and similarities of ``neighbours`` against per-class bests, skipping float32 near-ties."""
    ordered = np.sort(best, axis=2)
    top, runner_up = ordered[:, :, -1], ordered[:, :, -2]
    abstain = L_query == ABSTAIN
    assert np.all(neighbours.label[~abstain] == ABSTAIN) and np.all(neighbours.similarity[~abstain] == -np.inf)
    none = abstain & ~np.isfinite(top)
    assert np.all(neighbours.label[none] == ABSTAIN) and np.all(neighbours.similarity[none] == -np.inf)
    clear = abstain & np.isfinite(top) & (top - runner_up > margin)
    assert clear.sum() > 0.8 * (abstain & np.isfinite(top)).sum()  # the skipped near-ties are few
    np.testing.assert_array_equal(neighbours.label[clear], np.argmax(best, axis=2)[clear])
    np.testing.assert_allclose(neighbours.similarity[clear], top[clear], rtol=0, atol=margin)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_probing_every_cell_is_exact(n_classes):
    L, E = clustered(600, n_classes=n_classes, seed=n_classes)
    L_query, E_query = clustered(200, n_classes=n_classes, seed=10 + n_classes)
    index = IVFNeighbours(n_lists=8, n_probe=8, batch_size=64).fit(L, E, n_classes=n_classes)
    allowed = np.ones((len(E_query), len(E)), dtype=bool)
    check_against(index.neighbours(L_query, E_query), L_query, float64_neighbours(L_query, E_query, L, E, allowed, n_classes))


@pytest.mark.parametrize("n_probe", [1, 3])
def test_scan_equals_brute_force_over_probed_cells(n_probe):
    L, E = clustered(800, seed=1)
    L_query, E_query = clustered(300, seed=2)
    index = IVFNeighbours(n_lists=10, n_probe=n_probe, batch_size=50, random_state=3).fit(L, E)
    # The oracle finds the cells itself: each support point's nearest centroid, each query's n_probe nearest.
    centroids = index.centroids_.astype(np.float64)
    support_cell = np.argmax(normalize_rows(E).astype(np.float64) @ centroids.T, axis=1)
    probed = np.argsort(-(normalize_rows(E_query).astype(np.float64) @ centroids.T), axis=1)[:, :n_probe]
    allowed = (support_cell[None, :, None] == probed[:, None, :]).any(axis=2)
    assert 0 < allowed.mean() < 1
    best = float64_neighbours(L_query, E_query, L, E, allowed, 2)
    check_against(index.neighbours(L_query, E_query), L_query, best)


def test_support_as_queries_matches_a_copy():
    # Queries that are the support itself take a shortcut (the filed copy); same answer as a copy.
    L, E = clustered(500, seed=5)
    index = IVFNeighbours(n_lists=6, n_probe=2).fit(L, E)
    assert_same_neighbours(index.neighbours(L, E), index.neighbours(L, E.copy()))


def test_seeded_and_repeatable():
    L, E = clustered(500, seed=6)
    first = IVFNeighbours(n_lists=7, n_probe=2, random_state=11).fit(L, E)
    second = IVFNeighbours(n_lists=7, n_probe=2, random_state=11).fit(L, E)
    np.testing.assert_array_equal(first.centroids_, second.centroids_)
    assert_same_neighbours(first.neighbours(L, E), second.neighbours(L, E))


def test_every_support_point_is_filed_once():
    L, E = clustered(300, seed=7)
    index = IVFNeighbours(n_lists=5).fit(L, E)
    np.testing.assert_array_equal(np.sort(index.support_order_), np.arange(300))
    assert index.list_bounds_[0] == 0 and index.list_bounds_[-1] == 300 and np.all(np.diff(index.list_bounds_) >= 0)


def test_agreement_is_total_when_every_cell_is_probed():
    L, E = clustered(400, seed=8)
    index = IVFNeighbours(n_lists=4, n_probe=4).fit(L, E)
    agreement = measure_agreement(index, L, E, L, E, 0.5, sample_size=150)
    assert agreement == Agreement(n_points=150, extended_votes=1.0, abstain_entries=1.0, neighbour_labels=1.0)


def test_agreement_counts_disagreements():
    L, E = clustered(400, seed=9)
    index = IVFNeighbours(n_lists=20, n_probe=1).fit(L, E)
    rows = sample_rows(400, 100, 0)
    exact = nearest_voting_neighbours(L[rows], E[rows], L, E)
    approximate = index.neighbours(L, E)
    agreement = measure_agreement(index, L, E, L, E, -1.0, sample_size=100, approximate=approximate, exact=exact)
    # Counted here directly: every abstain with voting support is extended at threshold -1.
    extended_exact = exact.extend(L[rows], -1.0)
    extended_approximate = approximate.take(rows).extend(L[rows], -1.0)
    abstains = L[rows] == ABSTAIN
    assert agreement.abstain_entries == (extended_exact == extended_approximate)[abstains].mean() < 1.0
    assert agreement.extended_votes == (extended_exact == extended_approximate).mean()


def test_sample_rows_seeded_distinct_sorted():
    rows = sample_rows(1000, 50, random_state=4)
    assert len(np.unique(rows)) == 50 and np.all(np.diff(rows) > 0) and rows.max() < 1000
    np.testing.assert_array_equal(rows, sample_rows(1000, 50, random_state=4))
    np.testing.assert_array_equal(sample_rows(30, 50), np.arange(30))


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(n_lists=0), r"n_lists is 0; expected 1..50"),
        (dict(n_lists=51), r"n_lists is 51; expected 1..50"),
        (dict(n_probe=0), r"n_probe is 0; expected a positive number of cells"),
    ],
)
def test_bad_parameters(params, match):
    L, E = clustered(50)
    with pytest.raises(ValueError, match=match):
        IVFNeighbours(**params).fit(L, E)


def test_queries_must_match_the_support():
    L, E = clustered(60)
    index = IVFNeighbours(n_lists=3).fit(L, E)
    with pytest.raises(ValueError, match="L_query has 3 LFs and the support 4; expected the same LFs"):
        index.neighbours(L[:, :3], E)
    with pytest.raises(ValueError, match="E_query has dimension 5 and the support 12; expected the same"):
        index.neighbours(L, E[:, :5])
