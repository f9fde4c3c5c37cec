"""M(r): the faiss-backed estimator against a brute-force double loop, its bootstrap, and its validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from liger.analysis.smoothness import (
    base_rate,
    bootstrap_replicates,
    curve_from_pairs,
    label_pairs,
    normalized_area,
    pointwise_smoothness,
    radii_at_pair_fractions,
    smoothness_curve,
)
from liger.synthetic import make_task


def brute_force(E, y, radii):
    """Pairs within each radius and pairs with different labels, by the docs' formula, one pair at a time."""
    E = np.asarray(E, dtype=np.float64)
    units = [row / math.sqrt(sum(v * v for v in row)) for row in E]
    n = len(units)
    within = [0] * len(radii)
    differ = [0] * len(radii)
    for i in range(n):
        for j in range(i + 1, n):
            gap = units[i] - units[j]
            d = 0.5 * float(np.dot(gap, gap))
            for k, r in enumerate(radii):
                if d <= r:
                    within[k] += 1
                    differ[k] += int(y[i] != y[j])
    return np.array(within), np.array(differ)


def brute_force_pointwise(E, y, radii):
    E = np.asarray(E, dtype=np.float64)
    U = E / np.linalg.norm(E, axis=1, keepdims=True)
    n = len(U)
    out, counts = [], []
    for r in radii:
        shares = []
        for i in range(n):
            neighbours = [j for j in range(n) if j != i and 0.5 * float(np.dot(U[i] - U[j], U[i] - U[j])) <= r]
            if neighbours:
                shares.append(sum(y[j] != y[i] for j in neighbours) / len(neighbours))
        out.append(np.mean(shares) if shares else np.nan)
        counts.append(len(shares))
    return np.array(out), np.array(counts)


def random_set(seed, n=60, dim=5, n_classes=3, duplicates=6):
    rng = np.random.default_rng(seed)
    E = rng.standard_normal((n, dim))
    # Duplicated rows (same text twice) sit at distance exactly 0, with the same or another label.
    E[rng.choice(n, duplicates, replace=False)] = E[rng.choice(n, duplicates, replace=False)]
    return E.astype(np.float32), rng.integers(0, n_classes, n)


@pytest.mark.parametrize("seed", range(5))
def test_counts_and_m_equal_a_brute_force_count(seed):
    E, y = random_set(seed)
    radii = np.concatenate([[0.0, 1e-12], np.linspace(0.05, 2.0, 25)])
    curve = smoothness_curve(E, y, radii, n_bootstrap=0)
    within, differ = brute_force(E, y, radii)
    np.testing.assert_array_equal(curve.n_pairs, within)
    expected = np.array([d / w if w else np.nan for d, w in zip(differ, within)])
    np.testing.assert_array_equal(curve.m, expected)
    assert curve.n_pairs[-1] == len(y) * (len(y) - 1) // 2


def test_pairs_exactly_at_a_radius_count():
    # Dyadic unit vectors: every distance (0, 0.5, 0.75, 1, 1.5, 2) is exact in float64 whatever the summation order.
    E = np.array([
        [1.0, 0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0, 0.0],      # a duplicate of row 0
        [0.5, 0.5, 0.5, 0.5],      # d = 0.5 to rows 0 and 1
        [0.0, 1.0, 0.0, 0.0],      # d = 1 to rows 0 and 1, 0.5 to row 2
        [-1.0, 0.0, 0.0, 0.0],     # d = 2 to rows 0 and 1
        [0.5, -0.5, 0.5, -0.5],    # d = 0.5 to rows 0, 1; 1 to row 2
        [0.0, 0.0, 3.0, 0.0],      # not unit length: scaled first
    ])
    y = np.array([0, 1, 0, 0, 1, 1, 0])
    radii = np.array([0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0])
    curve = smoothness_curve(E, y, radii, n_bootstrap=0)
    within, differ = brute_force(E, y, radii)
    np.testing.assert_array_equal(curve.n_pairs, within)
    np.testing.assert_array_equal(curve.m, [d / w for d, w in zip(differ, within)])
    # Hand count: at r = 0 only the duplicate pair (0, 1), whose labels differ; at r = 0.5 the pairs at exactly 0.5
    # join: (0,1) (0,2) (0,5) (1,2) (1,5) (2,3) (2,6) (5,6), of which (0,1) (0,5) (1,2) (5,6) differ.
    assert (curve.n_pairs[0], curve.m[0]) == (1, 1.0)
    assert (curve.n_pairs[2], curve.m[2]) == (8, 0.5)
    assert curve.n_pairs[-1] == 21


def test_one_class_gives_zero_and_empty_radii_give_nan_with_zero_pairs():
    E, _ = random_set(0, duplicates=0)
    curve = smoothness_curve(E, np.zeros(len(E), dtype=np.int64), [0.0, 0.5, 2.0], n_bootstrap=20)
    assert curve.n_pairs[0] == 0 and np.isnan(curve.m[0]) and np.isnan(curve.low[0]) and np.isnan(curve.high[0])
    np.testing.assert_array_equal(curve.m[1:], [0.0, 0.0])
    np.testing.assert_array_equal(curve.high[1:], [0.0, 0.0])


def test_pointwise_variant_equals_a_brute_force_mean():
    E, y = random_set(1, n=40)
    radii = np.array([0.0, 0.1, 0.4, 0.8, 2.0])
    m, n_points = pointwise_smoothness(label_pairs(E, y, 2.0), radii)
    expected_m, expected_n = brute_force_pointwise(E, y, radii)
    np.testing.assert_array_equal(n_points, expected_n)
    np.testing.assert_allclose(m, expected_m, rtol=1e-12)
    assert np.isnan(m[0]) == np.isnan(expected_m[0])


def test_bootstrap_is_seeded_and_weights_pairs_by_multiplicities():
    E, y = random_set(2)
    radii = np.linspace(0.1, 1.5, 8)
    first = smoothness_curve(E, y, radii, n_bootstrap=50, seed=7)
    again = smoothness_curve(E, y, radii, n_bootstrap=50, seed=7)
    other = smoothness_curve(E, y, radii, n_bootstrap=50, seed=8)
    np.testing.assert_array_equal(first.low, again.low)
    np.testing.assert_array_equal(first.high, again.high)
    assert not np.array_equal(first.low, other.low)
    # One resample recomputed directly: draw the same multiplicities, expand into a multiset, count pairs of copies of
    # distinct points (copies of one point never pair with each other).
    pairs = label_pairs(E, y, float(radii[-1]))
    replicates = bootstrap_replicates(pairs, radii, n_bootstrap=3, seed=11)
    counts = np.random.default_rng(11).multinomial(len(y), np.full(len(y), 1 / len(y)), size=3)
    U = E.astype(np.float64) / np.linalg.norm(E.astype(np.float64), axis=1, keepdims=True)
    for b in range(3):
        rows = np.repeat(np.arange(len(y)), counts[b])
        within = np.zeros(len(radii))
        differ = np.zeros(len(radii))
        for a in range(len(rows)):
            for c in range(a + 1, len(rows)):
                i, j = rows[a], rows[c]
                if i == j:
                    continue
                d = 0.5 * float(np.dot(U[i] - U[j], U[i] - U[j]))
                within += d <= radii
                differ += (d <= radii) * (y[i] != y[j])
        expected = np.where(within > 0, differ / np.maximum(within, 1), np.nan)
        np.testing.assert_allclose(replicates[b], expected, rtol=1e-12)


def test_band_contains_the_point_estimate():
    task = make_task(n_clusters=4, dim=16, smoothness=0.8, spread=0.8, random_state=0)
    sample = task.sample(300, random_state=1)
    curve = smoothness_curve(sample.E, sample.y, np.linspace(0.2, 1.2, 11), n_bootstrap=100, seed=0)
    assert (curve.n_pairs > 50).all()
    assert (curve.low <= curve.m).all() and (curve.m <= curve.high).all()
    assert (curve.low < curve.high).all()


def test_labels_smooth_in_the_embedding_give_a_lower_curve_than_random_labels():
    # Same structure and seed, so the same embeddings: only whether labels follow the clusters differs.
    smooth = make_task(n_clusters=4, dim=16, smoothness=1.0, spread=0.8, random_state=0).sample(300, random_state=1)
    rough = make_task(n_clusters=4, dim=16, smoothness=0.0, spread=0.8, random_state=0).sample(300, random_state=1)
    np.testing.assert_array_equal(smooth.E, rough.E)
    radii = np.linspace(0.1, 1.0, 10)
    smooth_curve = smoothness_curve(smooth.E, smooth.y, radii, n_bootstrap=50, seed=0)
    rough_curve = smoothness_curve(rough.E, rough.y, radii, n_bootstrap=50, seed=0)
    defined = smooth_curve.n_pairs > 20
    assert defined.sum() >= 5
    assert (smooth_curve.high[defined] < rough_curve.low[defined]).all()
    # Random labels sit at the base rate whatever the radius.
    assert abs(rough_curve.m[-1] - base_rate(rough.y)) < 0.05


def test_radii_at_pair_fractions_hold_that_many_pairs():
    E, y = random_set(3, duplicates=0)
    pairs = label_pairs(E, y, 1.0)
    fractions = np.array([1e-4, 0.01, 0.1, 0.3, 0.99])
    radii = radii_at_pair_fractions(pairs, fractions)
    U = E.astype(np.float64) / np.linalg.norm(E.astype(np.float64), axis=1, keepdims=True)
    all_distances = np.sort([0.5 * float(np.dot(U[i] - U[j], U[i] - U[j])) for i in range(len(U)) for j in range(i + 1, len(U))])
    for f, r in zip(fractions, radii):
        needed = max(1, math.ceil(f * len(all_distances)))
        if all_distances[needed - 1] > 1.0:  # beyond the radius searched
            assert np.isnan(r)
        else:
            assert r == pytest.approx(all_distances[needed - 1], rel=1e-12)
    assert np.isnan(radii[-1])  # 99% of the pairs are not within distance 1


def test_base_rate_and_area():
    y = np.array([0, 0, 1, 2])
    # Pairs: 6; same label: (0, 1) only.
    assert base_rate(y) == 5 / 6
    assert normalized_area([0.0, 1.0, 3.0], [0.0, 1.0, 1.0]) == pytest.approx((0.5 + 2.0) / 3.0)
    assert np.isnan(normalized_area([0.0, 1.0], [np.nan, 1.0]))
    np.testing.assert_allclose(normalized_area([0.0, 2.0], np.array([[1.0, 1.0], [0.0, 1.0]])), [1.0, 0.5])


@pytest.mark.parametrize(
    ("E", "y", "error", "match"),
    [
        (np.ones((3, 2)), np.array([0, 1]), ValueError, r"y has shape \(2,\) but E has 3 rows"),
        (np.ones(3), np.array([0, 1, 0]), ValueError, r"E has shape \(3,\); expected 2-D"),
        (np.array([[1.0, 0.0], [np.nan, 1.0]]), np.array([0, 1]), ValueError, r"E row 1 has a NaN"),
        (np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([0, 1]), ValueError, r"E row 1 is all zeros"),
        (np.ones((2, 2)), np.array([0, -1]), ValueError, r"y has value -1 at row 1; expected a gold class >= 0"),
        (np.ones((2, 2)), np.array([0.0, 1.0]), TypeError, r"y has dtype float64; expected integer"),
        (np.ones((1, 2)), np.array([0]), ValueError, r"E has 1 row\(s\); expected at least 2"),
        (np.array([["a", "b"], ["c", "d"]]), np.array([0, 1]), TypeError, r"E has dtype <U1"),
    ],
)
def test_bad_inputs_are_named(E, y, error, match):
    with pytest.raises(error, match=match):
        smoothness_curve(E, y, [0.5], n_bootstrap=0)


@pytest.mark.parametrize(
    ("radii", "kwargs", "match"),
    [
        ([0.5, 0.2], {}, r"radii is not sorted: 0.5 comes before 0.2"),
        ([-0.1, 0.2], {}, r"radii has -0.1; expected finite distances >= 0"),
        ([], {}, r"radii has shape \(0,\)"),
        ([0.5], {"n_bootstrap": -1}, r"n_bootstrap is -1"),
        ([0.5], {"confidence": 1.0}, r"confidence is 1.0"),
    ],
)
def test_bad_settings_are_named(radii, kwargs, match):
    E, y = random_set(0, n=10)
    with pytest.raises(ValueError, match=match):
        smoothness_curve(E, y, radii, **kwargs)


def test_curve_refuses_radii_beyond_the_collected_pairs():
    E, y = random_set(0, n=10)
    with pytest.raises(ValueError, match=r"radii reach 0.9 but the pairs were collected up to 0.5"):
        curve_from_pairs(label_pairs(E, y, 0.5), [0.1, 0.9])
