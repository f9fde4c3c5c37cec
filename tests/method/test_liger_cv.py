"""LigerCV against a brute-force reference: every configuration fit, tuned and cross-validated by hand."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from liger.method.extension import nearest_voting_neighbours
from liger.method.liger_cv import LigerCV
from liger.method.liger import Liger
from liger.metrics import metric_value
from liger.synthetic import make_task
from liger.method.tuning import cross_validated_metric, quantile_thresholds, stratified_folds

PARTS, LEVELS = [1, 2, 3], [None, 0.8, 0.3]


@pytest.fixture(scope="module")
def task():
    task = make_task(n_clusters=3, dim=8, n_lfs=4, accuracy=0.75, coverage=0.3, smoothness=0.9, random_state=3)
    return [task.sample(n, random_state=i) for i, n in enumerate((300, 60, 200))]


def brute_force(train, dev, *, cv, seed=1):
    """(params, in-sample, cv score, tuned Liger) per configuration, parts outer, by hand."""
    folds = None if cv is None else stratified_folds(dev.y, n_folds=cv, seed=seed)
    rows = []
    for n_parts in PARTS:
        for level in LEVELS:
            fitted = Liger(n_parts, extension_level=level, min_part_size=10, random_state=seed).fit(train.L, train.E)
            tuned = fitted.with_dev_balance(dev.L, dev.E, dev.y)
            in_sample = metric_value("accuracy", dev.y, tuned.predict(dev.L, dev.E))
            cv_score = None if folds is None else cross_validated_metric(fitted, dev.L, dev.E, dev.y, None, folds, "accuracy")
            rows.append(({"n_partitions": n_parts, "extension_level": level, "label_model_params": {}}, in_sample, cv_score, tuned))
    return rows


@pytest.mark.parametrize("cv", [3, None])
def test_the_choice_and_every_score_equal_the_brute_force_search(task, cv):
    train, dev, test = task
    search = LigerCV(PARTS, LEVELS, min_part_size=10, cv=cv, random_state=1).fit(
        train.L, train.E, L_dev=dev.L, E_dev=dev.E, y_dev=dev.y)
    reference = brute_force(train, dev, cv=cv)
    assert search.cv_results_ == {"params": [r[0] for r in reference], "in_sample_score": [r[1] for r in reference],
                                  "cv_score": [r[2] for r in reference]}
    deciding = [r[1] if cv is None else r[2] for r in reference]
    best = int(np.argmax(deciding))  # the first of the maxima: ties keep the earlier configuration
    assert (search.best_index_, search.best_score_, search.best_params_) == (best, deciding[best], reference[best][0])
    assert np.array_equal(search.predict(test.L, test.E), reference[best][3].predict(test.L, test.E))
    assert np.array_equal(search.predict_proba(test.L, test.E), reference[best][3].predict_proba(test.L, test.E))
    assert len({round(v, 9) for v in deciding}) > 1  # the grid does discriminate on this task


def test_ties_keep_the_earlier_configuration(task):
    train, dev, _ = task
    search = LigerCV([2], [0.3], label_model_grid=[{"aggregate": "median"}, {"aggregate": "median"}], min_part_size=10).fit(
        train.L, train.E, L_dev=dev.L, E_dev=dev.E, y_dev=dev.y)
    assert search.cv_results_["cv_score"][0] == search.cv_results_["cv_score"][1]
    assert search.best_index_ == 0


def test_a_label_model_grid_of_value_lists_is_every_combination_in_key_order(task):
    train, dev, _ = task
    search = LigerCV([1], [None], label_model="snorkel", label_model_params={"n_epochs": 5},
                     label_model_grid={"lr": [0.01, 0.1], "l2": [0.0, 0.5]}, cv=None)
    search.fit(train.L, train.E, L_dev=dev.L, E_dev=dev.E, y_dev=dev.y)
    assert [p["label_model_params"] for p in search.cv_results_["params"]] == [
        {"lr": 0.01, "l2": 0.0}, {"lr": 0.01, "l2": 0.5}, {"lr": 0.1, "l2": 0.0}, {"lr": 0.1, "l2": 0.5}]
    assert search.best_estimator_.label_model_params["n_epochs"] == 5


def test_votes_extended_by_the_caller_score_as_the_estimator_extending_them_itself(task):
    train, dev, test = task
    own = LigerCV(PARTS, LEVELS, min_part_size=10, cv=3, random_state=1).fit(
        train.L, train.E, L_dev=dev.L, E_dev=dev.E, y_dev=dev.y)
    neighbours = {name: nearest_voting_neighbours(split.L, split.E, train.L, train.E)
                  for name, split in (("train", train), ("dev", dev), ("test", test))}
    votes = {level: {name: split.L if level is None else
                     neighbours[name].extend(split.L, quantile_thresholds(neighbours["train"], level))
                     for name, split in (("train", train), ("dev", dev), ("test", test))} for level in LEVELS}
    given = LigerCV(PARTS, min_part_size=10, cv=3, random_state=1).fit(
        {q: v["train"] for q, v in votes.items()}, train.E, L_dev={q: v["dev"] for q, v in votes.items()},
        E_dev=dev.E, y_dev=dev.y)
    assert given.cv_results_ == own.cv_results_
    chosen = {q: v["test"] for q, v in votes.items()}
    assert np.array_equal(given.predict(chosen, test.E), own.predict(test.L, test.E))
    with pytest.raises(ValueError, match="expected votes at the levels fit on train"):
        given.choose({None: dev.L}, dev.E, dev.y)
    with pytest.raises(ValueError, match="expected raw votes"):
        own.choose({None: dev.L}, dev.E, dev.y)


def test_choosing_again_on_other_labels_reuses_the_train_fits_and_equals_a_fresh_search(task):
    train, dev, test = task
    search = LigerCV(PARTS, LEVELS, min_part_size=10, cv=3, random_state=1).fit(
        train.L, train.E, L_dev=dev.L, E_dev=dev.E, y_dev=dev.y)
    fits = [model for _, model in search.grid_]
    rows = np.arange(0, 60, 2)
    search.choose(dev.L[rows], dev.E[rows], dev.y[rows])
    assert all(a is b for a, b in zip(fits, (model for _, model in search.grid_)))
    fresh = LigerCV(PARTS, LEVELS, min_part_size=10, cv=3, random_state=1).fit(
        train.L, train.E, L_dev=dev.L[rows], E_dev=dev.E[rows], y_dev=dev.y[rows])
    assert search.cv_results_ == fresh.cv_results_
    assert np.array_equal(search.predict(test.L, test.E), fresh.predict(test.L, test.E))


def test_it_is_a_scikit_learn_estimator():
    search = LigerCV([1, 2], [None, 0.5], cv=4, random_state=7)
    twin = clone(search)
    assert twin.get_params() == search.get_params() and twin is not search
    with pytest.raises(NotFittedError, match="best_estimator_"):
        search.predict(np.zeros((2, 3), dtype=np.int64), np.ones((2, 4), dtype=np.float32))


@pytest.mark.parametrize(("params", "message"), [
    ({"n_partitions": [1, 1]}, "n_partitions is \\[1, 1\\]; expected a non-empty list without repeats"),
    ({"n_partitions": [0]}, "n_partitions has 0; expected integers in 1..300"),
    ({"extension_levels": [0.5, 0.5]}, "expected a non-empty list without repeats"),
    ({"extension_levels": [1.5]}, "extension_levels has 1.5; expected None"),
    ({"label_model_grid": {"lr": []}}, "label_model_grid\\['lr'\\] is \\[\\]; expected a non-empty list"),
    ({"label_model_grid": []}, "label_model_grid is empty"),
])
def test_bad_grids_fail_naming_the_value(task, params, message):
    train, dev, _ = task
    with pytest.raises(ValueError, match=message):
        LigerCV(**params).fit(train.L, train.E, L_dev=dev.L, E_dev=dev.E, y_dev=dev.y)


def test_misaligned_labels_fail_naming_the_rows(task):
    train, dev, _ = task
    with pytest.raises(ValueError, match="y has shape \\(59,\\); expected \\(60,\\)"):
        LigerCV().fit(train.L, train.E, L_dev=dev.L, E_dev=dev.E, y_dev=dev.y[:-1])



def test_without_in_sample_scores_the_choice_and_the_chosen_model_are_the_same(task):
    train, dev, test = task
    full = LigerCV(PARTS, LEVELS, min_part_size=10, cv=3, random_state=1).fit(
        train.L, train.E, L_dev=dev.L, E_dev=dev.E, y_dev=dev.y)
    lean = LigerCV(PARTS, LEVELS, min_part_size=10, cv=3, in_sample=False, random_state=1).fit(
        train.L, train.E, L_dev=dev.L, E_dev=dev.E, y_dev=dev.y)
    assert lean.cv_results_["cv_score"] == full.cv_results_["cv_score"]
    assert lean.cv_results_["in_sample_score"] == [None] * len(full.grid_)
    assert (lean.best_index_, lean.best_score_) == (full.best_index_, full.best_score_)
    assert np.array_equal(lean.predict(test.L, test.E), full.predict(test.L, test.E))
    with pytest.raises(NotFittedError, match="estimators_"):
        getattr(lean, "estimators_")  # noqa: B009 (the read is the test)
    with pytest.raises(ValueError, match="no score would choose"):
        LigerCV(cv=None, in_sample=False).fit(train.L, train.E, L_dev=dev.L, E_dev=dev.E, y_dev=dev.y)


def test_repeated_cross_validation_scores_the_mean_over_fold_sets_seeded_anew(task):
    from liger.method.liger_cv import repeat_seed

    train, dev, _ = task
    search = LigerCV(PARTS, LEVELS, min_part_size=10, cv=3, cv_repeats=3, in_sample=False, random_state=1).fit(
        train.L, train.E, L_dev=dev.L, E_dev=dev.E, y_dev=dev.y)
    fold_sets = [stratified_folds(dev.y, n_folds=3, seed=repeat_seed(1, r)) for r in range(3)]
    assert repeat_seed(1, 0) == 1 and len({repeat_seed(1, r) for r in range(3)}) == 3
    expected = []
    for n_parts in PARTS:
        for level in LEVELS:
            fitted = Liger(n_parts, extension_level=level, min_part_size=10, random_state=1).fit(train.L, train.E)
            expected.append(float(np.mean([cross_validated_metric(fitted, dev.L, dev.E, dev.y, None, f, "accuracy")
                                           for f in fold_sets])))
    assert search.cv_results_["cv_score"] == expected
    with pytest.raises(ValueError, match="cv_repeats is 0; expected an integer >= 1"):
        LigerCV(PARTS, LEVELS, min_part_size=10, cv=3, cv_repeats=0).fit(train.L, train.E, L_dev=dev.L, E_dev=dev.E, y_dev=dev.y)
