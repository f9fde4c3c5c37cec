"""The heads' decision rule: a threshold on P(class 1) chosen with the head's hyperparameter for the metric."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from liger.baselines.decision_rule import THRESHOLD_GRID, check_thresholds, choose_decision, decide, threshold_scores
from liger.method.liger import BALANCE_GRID


def brute_force_choice(metric, y, candidates, thresholds):
    """Every (candidate, threshold) scored by scikit-learn one at a time; the rule's tie order spelled out."""
    table, best = [], None
    for index, probabilities in enumerate(candidates):
        for t in sorted(thresholds):
            predicted = np.array([1 if p > t else 0 for p in probabilities[:, 1]])
            s = accuracy_score(y, predicted) if metric == "accuracy" else f1_score(y, predicted, zero_division=0.0)
            table.append((index, t, float(s)))
            if (best is None or s > best[2]
                    or (s == best[2] and round(abs(t - 0.5), 9) < round(abs(best[1] - 0.5), 9))):
                best = (index, t, float(s))
    return best, table


def binary_candidates(rng, n, n_candidates, *, granularity=None):
    """Random P(class 1) columns; ``granularity`` rounds them to multiples of 1/granularity (kNN-like, many ties)."""
    out = []
    for _ in range(n_candidates):
        p = rng.random_sample(n)
        if granularity:
            p = np.round(p * granularity) / granularity
        out.append(np.column_stack([1 - p, p]))
    return out


@pytest.mark.parametrize("metric", ["accuracy", "f1"])
@pytest.mark.parametrize("granularity", [None, 1, 5, 20])
@pytest.mark.parametrize("seed", range(4))
def test_choice_equals_brute_force(metric, granularity, seed):
    rng = np.random.RandomState(seed)
    n = 40 + 30 * seed
    y = (rng.random_sample(n) < 0.15 + 0.2 * seed).astype(np.int64)
    candidates = binary_candidates(rng, n, 3, granularity=granularity)
    for thresholds in (THRESHOLD_GRID, (0.5,), (0.2, 0.35, 0.5, 0.8)):
        choice, table = choose_decision(metric, y, candidates, thresholds=thresholds)
        best, reference = brute_force_choice(metric, y, candidates, thresholds)
        assert table == reference
        assert (choice.index, choice.threshold, choice.score) == best


def test_vectorised_scores_equal_scikit_learn_bit_for_bit():
    rng = np.random.RandomState(7)
    for n, positive_rate in ((1, 0.5), (25, 0.0), (60, 0.1), (300, 0.5)):
        y = (rng.random_sample(n) < positive_rate).astype(np.int64)
        p = np.round(rng.random_sample(n), 2)
        accuracy = threshold_scores("accuracy", y, p, THRESHOLD_GRID)
        f1 = threshold_scores("f1", y, p, THRESHOLD_GRID)
        for j, t in enumerate(THRESHOLD_GRID):
            predicted = (p > t).astype(np.int64)
            assert accuracy[j] == accuracy_score(y, predicted)
            assert f1[j] == f1_score(y, predicted, zero_division=0.0)


def test_ties_go_to_the_threshold_nearest_half_then_the_simpler_candidate():
    y = np.array([0, 0, 1, 1])
    hard = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])  # every threshold in (0, 1) is perfect
    choice, _ = choose_decision("f1", y, [hard, hard])
    assert (choice.index, choice.threshold, choice.score) == (0, 0.5, 1.0)
    # Without 0.5 on the grid the nearest one is 0.51 (0.46 is 0.04 away).
    assert choose_decision("f1", y, [hard], thresholds=BALANCE_GRID)[0].threshold == 0.51


def test_grid_is_liger_class_balances_and_argmax():
    assert len(THRESHOLD_GRID) == 21 and set(THRESHOLD_GRID) == set(BALANCE_GRID) | {0.5}
    assert list(THRESHOLD_GRID) == sorted(THRESHOLD_GRID)


def test_more_than_two_classes_use_argmax():
    rng = np.random.RandomState(0)
    y = rng.randint(3, size=50)
    candidates = [rng.dirichlet(np.ones(3), size=50) for _ in range(2)]
    choice, table = choose_decision("accuracy", y, candidates)
    assert [t for _, t, _ in table] == [None, None] and choice.threshold is None
    scores = [float(np.mean(c.argmax(axis=1) == y)) for c in candidates]
    assert choice.index == int(np.argmax(scores)) and choice.score == max(scores)
    assert np.array_equal(decide(candidates[0], None), candidates[0].argmax(axis=1))


@pytest.mark.parametrize(
    ("thresholds", "match"),
    [([], "empty"), ([0.0], "threshold is 0.0"), ([1.2], "threshold is 1.2"), ([0.3, 0.3], "repeat")],
)
def test_bad_thresholds_are_named(thresholds, match):
    with pytest.raises(ValueError, match=match):
        check_thresholds(thresholds)


def test_bad_shapes_are_named():
    y = np.array([0, 1, 1])
    with pytest.raises(ValueError, match=r"candidate 0 has probabilities of shape \(2, 2\); expected \(3, K\)"):
        choose_decision("f1", y, [np.full((2, 2), 0.5)])
    with pytest.raises(ValueError, match="metric is 'auc'"):
        choose_decision("auc", y, [np.full((3, 2), 0.5)])
    with pytest.raises(ValueError, match="3 columns"):
        decide(np.full((3, 3), 1 / 3), 0.5)
