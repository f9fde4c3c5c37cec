"""Heads inside a run: the hyperparameter and decision threshold chosen together, honestly, for the metric."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from liger.baselines.heads import HEADS, Head
from liger.data.dataset import Dataset, Split
from liger.baselines.decision_rule import THRESHOLD_GRID, choose_decision, decide
from liger.harness.methods import fit_and_score
from liger.synthetic import make_task

SPLITS = ("train", "dev", "test")
ID_OFFSET = {"train": 0, "dev": 10_000, "test": 20_000}


def synthetic(metric="f1", *, n_classes=2, positive_clusters=1, n=(400, 300, 1000), seed=0):
    """Clusters of which ``positive_clusters`` of 10 are class 1 (binary: ~14% positives with noise)."""
    labels = np.array([1] * positive_clusters + [0] * (10 - positive_clusters)) if n_classes == 2 else np.arange(10) % n_classes
    task = make_task(n_clusters=10, dim=16, n_lfs=4, n_classes=n_classes, accuracy=0.8, coverage=0.3, spread=1.5,
                     smoothness=0.9, cluster_labels=labels, random_state=seed)
    splits, embeddings = {}, {}
    for index, (name, size) in enumerate(zip(SPLITS, n)):
        sample = task.sample(size, random_state=100 * seed + index)
        splits[name] = Split(name, sample.L, tuple(f"{name}{i}" for i in range(size)), sample.y)
        embeddings[name] = sample.E
    classes = ("neg", "pos") if n_classes == 2 else tuple(f"c{c}" for c in range(n_classes))
    return Dataset("synthetic", splits, tuple(f"lf{i}" for i in range(4)), classes, metric), embeddings


class SpyModel:
    """Knows the ids of its training rows (column 0 of E) and refuses to score any of them."""

    def __init__(self, E, y, value, log):
        self.train_ids, self.value, self.log = frozenset(E[:, 0].astype(int)), value, log
        self.classes_ = np.array([0, 1])

    def predict_proba(self, E):
        ids = E[:, 0].astype(int)
        overlap = self.train_ids.intersection(ids)
        assert not overlap, f"a model scored {len(overlap)} of its own training rows, e.g. {sorted(overlap)[:3]}"
        positive = 1.0 / (1.0 + np.exp(-self.value * E[:, 1]))
        self.log.append((self.train_ids, self.value, ids, positive))
        return np.column_stack([1.0 - positive, positive])


@pytest.fixture
def spy(monkeypatch):
    log = []
    monkeypatch.setitem(HEADS, "spy", Head("k", lambda E, y, value, **_: SpyModel(E, y, value, log), larger_is_simpler=False))
    dataset, embeddings = synthetic()
    with_ids = {s: np.column_stack([ID_OFFSET[s] + np.arange(len(embeddings[s])), embeddings[s]]) for s in SPLITS}
    return dataset, with_ids, log


def test_full_supervision_never_scores_a_dev_row_with_a_model_or_threshold_trained_on_it(spy):
    dataset, embeddings, log = spy
    result = fit_and_score({"name": "fs_spy", "kind": "spy", "supervision": "full", "k": [1, 3, 8]}, dataset, embeddings,
                           seed=0, progress=False)  # SpyModel asserts on every call
    dev_ids = set(ID_OFFSET["dev"] + np.arange(len(dataset["dev"])))
    # Each grid value scores every dev row exactly once, from a fold model that left it out.
    out_of_fold = {}
    for _train_ids, value, ids, positive in log:
        if set(ids) <= dev_ids:
            column = out_of_fold.setdefault(value, np.full(len(dev_ids), np.nan))
            assert np.isnan(column[ids - ID_OFFSET["dev"]]).all(), "a dev row was scored twice for one value"
            column[ids - ID_OFFSET["dev"]] = positive
    assert sorted(out_of_fold) == [1, 3, 8] and not any(np.isnan(c).any() for c in out_of_fold.values())
    # The model fit on all of dev scores test only.
    final = [ids for train_ids, _, ids, _ in log if train_ids == dev_ids]
    assert final and all(set(ids).isdisjoint(dev_ids) for ids in final)
    # The value and threshold are the choice on those out-of-fold probabilities, and dev reports them.
    y = dataset["dev"].y
    candidates = [np.column_stack([1 - out_of_fold[v], out_of_fold[v]]) for v in (1, 3, 8)]
    choice, table = choose_decision("f1", y, candidates)
    assert (result["hparams"]["k"], result["hparams"]["threshold"]) == ((1, 3, 8)[choice.index], choice.threshold)
    assert result["tried"] == [{"k": (1, 3, 8)[i], "threshold": t, "dev_cv_f1": s} for i, t, s in table]
    predicted = decide(candidates[choice.index], choice.threshold)
    assert result["dev"]["f1"] == f1_score(y, predicted)


def test_weak_supervision_trains_on_covered_train_rows_and_chooses_on_dev(spy):
    dataset, embeddings, log = spy
    result = fit_and_score({"name": "ws_spy", "kind": "spy", "supervision": "weak", "k": [2, 5]}, dataset, embeddings,
                           seed=0, progress=False)
    covered = np.flatnonzero((dataset["train"].L != -1).any(axis=1))
    assert {train_ids for train_ids, *_ in log} == {frozenset(covered)}
    assert result["hparams"]["train_points"] == len(covered)
    assert len(result["tried"]) == 2 * len(THRESHOLD_GRID) and set(result["tried"][0]) == {"k", "threshold", "dev_f1"}


@pytest.mark.parametrize(("kind", "param", "grid"), [("logreg", "C", [1, 10, 100]), ("knn", "k", [1, 5, 20])])
def test_tuning_the_threshold_for_f1_beats_argmax_on_an_imbalanced_task(kind, param, grid):
    dataset, embeddings = synthetic("f1")
    assert dataset["test"].y.mean() < 0.2
    method = {"name": f"fs_{kind}", "kind": kind, "supervision": "full", param: grid}
    argmax = fit_and_score({**method, "decision_thresholds": [0.5]}, dataset, embeddings, seed=0, progress=False)
    tuned = fit_and_score(method, dataset, embeddings, seed=0, progress=False)
    assert argmax["hparams"]["threshold"] == 0.5 and tuned["hparams"]["threshold"] < 0.5
    assert tuned["hparams"]["selection_f1"] > argmax["hparams"]["selection_f1"]
    assert tuned["test"]["f1"] > argmax["test"]["f1"] + 0.03


def test_more_than_two_classes_predict_by_argmax_and_say_so():
    dataset, embeddings = synthetic("accuracy", n_classes=3, n=(300, 120, 120))
    result = fit_and_score({"name": "fs_logreg", "kind": "logreg", "supervision": "full", "C": [1, 10],
                            "class_weight": "balanced"}, dataset, embeddings, seed=0, progress=False)
    assert result["hparams"]["decision_rule"] == "argmax (more than 2 classes)" and result["hparams"]["threshold"] is None
    assert result["hparams"]["class_weight"] is None  # argmax would keep a reweighted prior
    assert [t["threshold"] for t in result["tried"]] == [None, None]


def test_a_head_without_a_grid_is_named():
    dataset, embeddings = synthetic()
    with pytest.raises(ValueError, match="method 'fs_logreg' has no C grid"):
        fit_and_score({"name": "fs_logreg", "kind": "logreg", "supervision": "full"}, dataset, embeddings, seed=0,
                      progress=False)


def test_repeated_folds_pool_every_fold_set_s_out_of_fold_predictions():
    from liger.baselines.heads import fit_logreg
    from liger.harness.methods import choose_by_cross_validation, out_of_fold_probabilities
    from liger.method.tuning import stratified_folds

    rng = np.random.default_rng(0)
    E, y = rng.standard_normal((60, 4)), rng.integers(0, 2, size=60)
    E[:, 0] += 1.5 * y
    fit = lambda E_, y_, C: fit_logreg(E_, y_, C=C, n_classes=2, random_state=0)  # noqa: E731
    probabilities = lambda model, E_: model.predict_proba(E_)  # noqa: E731
    fold_sets = [stratified_folds(y, n_folds=4, seed=s) for s in (0, 1)]
    choice, table, first = choose_by_cross_validation(fit, probabilities, [0.01, 1.0], E, y, fold_sets, metric="accuracy",
                                                      thresholds=THRESHOLD_GRID)
    pooled = [np.concatenate([out_of_fold_probabilities(lambda a, b, C=C: fit(a, b, C), probabilities, E, y, f)
                              for f in fold_sets]) for C in (0.01, 1.0)]
    expected, expected_table = choose_decision("accuracy", np.tile(y, 2), pooled, thresholds=THRESHOLD_GRID)
    assert (choice, table) == (expected, expected_table)
    np.testing.assert_array_equal(first[1], pooled[1][:60])  # the first fold set's rows, one per labelled row
