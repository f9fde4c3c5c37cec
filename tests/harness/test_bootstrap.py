"""The paired bootstrap against brute-force loops over the same draws."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from liger.harness.bootstrap import Column, column_replicates, interval, replicates_by_group, resampled_metric
from liger.metrics import metric_value


def _task(n_classes=2, n=60, seeds=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    predicted = np.where(rng.random((seeds, n)) < 0.7, y, rng.integers(0, n_classes, (seeds, n)))
    return y, predicted


@pytest.mark.parametrize("metric", ["accuracy", "f1"])
def test_resampled_metric_equals_the_metric_of_each_draw(metric):
    y, predicted = _task()
    rows = np.random.default_rng(1).integers(0, len(y), (25, len(y)))
    fast = resampled_metric(metric, 2, y, predicted, rows)
    slow = [[metric_value(metric, y[r], p[r]) for r in rows] for p in predicted]
    np.testing.assert_array_equal(fast, slow)


def test_macro_f1_for_many_classes_matches_scikit_learn():
    y, predicted = _task(n_classes=4)
    rows = np.random.default_rng(2).integers(0, len(y), (10, len(y)))
    fast = resampled_metric("f1", 4, y, predicted, rows)
    slow = [[f1_score(y[r], p[r], average="macro", labels=range(4), zero_division=0.0) for r in rows] for p in predicted]
    np.testing.assert_allclose(fast, slow, rtol=1e-12)


def test_replicates_are_seed_means_over_drawn_rows_and_seeds():
    y, predicted = _task(seeds=3)
    column = Column(y, "accuracy", 2, {"a": predicted, "b": predicted[:1]})
    fast = column_replicates(column, n_bootstrap=50, seed=7)
    rng = np.random.default_rng(7)  # the same draws, consumed in the same order
    rows = rng.integers(0, len(y), (50, len(y)))
    draws = rng.random((50, 3))
    for method, p in column.predictions.items():
        expected = []
        for b in range(50):
            seeds = np.floor(draws[b, : len(p)] * len(p)).astype(int)
            expected.append(np.mean([np.mean(p[s][rows[b]] == y[rows[b]]) for s in seeds]))
        np.testing.assert_array_equal(fast[method], expected)


def test_pairing_makes_a_method_minus_its_copy_exactly_zero():
    y, predicted = _task()
    replicates = column_replicates(Column(y, "f1", 2, {"a": predicted, "copy": predicted.copy()}), n_bootstrap=100)
    assert np.all(replicates["a"] - replicates["copy"] == 0.0)
    low, high = interval(replicates["a"])
    assert low < np.mean([metric_value("f1", y, p) for p in predicted]) < high


def _run(method, seed, ids, y, predicted, dataset="toy"):
    splits = {"test": {"ids": ids, "y": y, "predicted": predicted}}
    return {"dataset": dataset, "embedding": "e", "method": method, "tune_on": "dev", "seed": seed, "metric": "accuracy",
            "predictions": {"class_names": ["a", "b"], "splits": splits}}


def test_runs_that_score_other_rows_are_refused():
    runs = [_run("mv", 0, ["r1", "r2"], [0, 1], [0, 1]), _run("mv", 1, ["r1", "r3"], [0, 1], [0, 0])]
    with pytest.raises(ValueError, match="disagree on the test rows"):
        replicates_by_group(runs, ("dataset", "method"), n_bootstrap=10)


def test_runs_without_predictions_get_no_replicates():
    runs = [_run("mv", 0, ["r1", "r2"], [0, 1], [0, 1]), {**_run("old", 0, [], [], []), "predictions": None}]
    replicates = replicates_by_group(runs, ("dataset", "method"), n_bootstrap=10)
    assert set(replicates) == {("toy", "mv")}
