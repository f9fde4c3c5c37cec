"""Liger on synthetic tasks with known structure (``liger.synthetic``).

Margins were set after running several seeds: the smooth-task lift is 18-24 accuracy points and
the partition lift 8-13, so the asserted 10 and 5 points leave room. Expected values are computed
here from the label model and extension directly, never read off Liger itself.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from liger.method.extension import extend_votes, nearest_voting_neighbours
from liger.labels import ABSTAIN
from liger.method.liger import BALANCE_GRID, Liger
from liger.metrics import coverage
from liger.label_models.majority import MajorityVote
from liger.label_models.triplet import TripletLabelModel
from liger.method.partition import KMeansPartition
from liger.synthetic import SyntheticSplit, make_task


def splits(task, sizes=(600, 100, 600), seed=0):
    return [task.sample(n, random_state=1000 * seed + i) for i, n in enumerate(sizes)]


def fit(model: Liger, train: SyntheticSplit, dev: SyntheticSplit | None = None, **kwargs) -> Liger:
    if dev is None:
        return model.fit(train.L, train.E, **kwargs)
    return model.fit(train.L, train.E, L_dev=dev.L, E_dev=dev.E, y_dev=dev.y, **kwargs)


def accuracy(model: Liger, split: SyntheticSplit) -> float:
    return float(np.mean(model.predict(split.L, split.E) == split.y))


def four_cluster_task(smoothness: float, seed: int):
    # Five LFs, each 75% accurate where it votes and voting on 25% of points.
    return make_task(n_clusters=4, dim=16, n_lfs=5, accuracy=0.75, coverage=0.25, smoothness=smoothness, spread=0.5, random_state=seed)


# -- the generator does what the properties below rely on -------------------------------------------
def test_synthetic_task_realises_its_structure():
    accuracy = np.array([[0.9, 0.6], [0.7, 0.8], [0.55, 0.95]])
    coverage_ = np.array([[0.2, 0.5], [0.8, 0.4], [0.5, 0.5]])
    task = make_task(n_clusters=2, dim=4, n_lfs=3, accuracy=accuracy, coverage=coverage_, smoothness=1.0, spread=0.3, random_state=0)
    split = task.sample(20000, random_state=1)
    assert split.L.shape == (20000, 3) and split.E.shape == (20000, 4) and split.E.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(split.E, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(split.y, task.cluster_labels[split.clusters])  # smoothness 1
    for c in range(2):
        L_c, y_c = split.L[split.clusters == c], split.y[split.clusters == c]
        voted = L_c != ABSTAIN
        np.testing.assert_allclose(voted.mean(axis=0), coverage_[:, c], atol=0.02)
        np.testing.assert_allclose([np.mean(L_c[voted[:, i], i] == y_c[voted[:, i]]) for i in range(3)], accuracy[:, c], atol=0.03)
    # A seed fixes the task and the split.
    again = make_task(n_clusters=2, dim=4, n_lfs=3, accuracy=accuracy, coverage=coverage_, smoothness=1.0, spread=0.3, random_state=0)
    np.testing.assert_array_equal(again.centres, task.centres)
    for name in ("L", "E", "y", "clusters"):
        np.testing.assert_array_equal(getattr(again.sample(50, random_state=1), name), getattr(task.sample(50, random_state=1), name))
    # Smoothness 0: labels ignore the cluster.
    rough_task = make_task(n_clusters=2, dim=4, n_lfs=3, smoothness=0.0, random_state=0)
    rough = rough_task.sample(4000, random_state=2)
    assert abs(np.mean(rough.y == rough_task.cluster_labels[rough.clusters]) - 0.5) < 0.05


# -- (a) extension helps exactly when labels are smooth in the embedding --------------------------
@pytest.mark.parametrize("seed", [0, 1])
def test_extension_helps_when_labels_are_smooth(seed):
    train, dev, test = splits(four_cluster_task(smoothness=1.0, seed=seed), seed=seed)
    plain = fit(Liger(1), train, dev)
    extended = fit(Liger(1, thresholds=0.0), train, dev)
    L_ext = extended.extended_votes(test.L, test.E)

    assert coverage(L_ext) >= coverage(test.L) + 0.15  # about 0.76 -> 1.0
    assert accuracy(extended, test) >= accuracy(plain, test) + 0.10  # about 0.68 -> 0.89

    # Borrowed votes are about as accurate as the LFs themselves (0.75) ...
    borrowed = (test.L == ABSTAIN) & (L_ext != ABSTAIN)
    assert np.mean(L_ext[borrowed] == np.broadcast_to(test.y[:, None], L_ext.shape)[borrowed]) > 0.68
    # ... and points that had no vote at all are now labelled well above chance.
    newly_covered = (test.L == ABSTAIN).all(axis=1) & (L_ext != ABSTAIN).any(axis=1)
    assert newly_covered.sum() > 100
    assert np.mean(extended.predict(test.L, test.E)[newly_covered] == test.y[newly_covered]) > 0.75


@pytest.mark.parametrize("seed", [0, 1])
def test_extension_does_not_help_when_labels_ignore_the_embedding(seed):
    train, dev, test = splits(four_cluster_task(smoothness=0.0, seed=seed), seed=seed)
    plain = fit(Liger(1), train, dev)
    extended = fit(Liger(1, thresholds=-1.0), train, dev)  # as permissive as it gets
    L_ext = extended.extended_votes(test.L, test.E)

    borrowed = (test.L == ABSTAIN) & (L_ext != ABSTAIN)
    assert borrowed.sum() > 1500
    # A neighbour's vote says nothing about an independent label: chance (0.50-0.53 seen).
    vote_accuracy = np.mean(L_ext[borrowed] == np.broadcast_to(test.y[:, None], L_ext.shape)[borrowed])
    assert abs(vote_accuracy - 0.5) < 0.06
    newly_covered = (test.L == ABSTAIN).all(axis=1) & (L_ext != ABSTAIN).any(axis=1)
    assert abs(np.mean(extended.predict(test.L, test.E)[newly_covered] == test.y[newly_covered]) - 0.5) < 0.12
    assert accuracy(extended, test) < accuracy(plain, test) + 0.02  # it hurts here (0.58-0.62 vs 0.67-0.70)


# -- (b) partitioning helps when LF quality varies over the space ----------------------------------
# LFs 0-2 are 90% accurate in cluster 0 and coin flips in cluster 1; LFs 3-5 the other way round.
# Labels ignore the clusters (smoothness 0) so a part's class balance cannot stand in for the LFs.
VARYING_ACCURACY = np.array([[0.9, 0.5]] * 3 + [[0.5, 0.9]] * 3)


@pytest.mark.parametrize("seed", [0, 1])
def test_partition_helps_when_lf_accuracy_varies(seed):
    task = make_task(n_clusters=2, dim=8, n_lfs=6, accuracy=VARYING_ACCURACY, coverage=0.6, smoothness=0.0, spread=0.5, random_state=seed)
    train, dev, test = splits(task, sizes=(1000, 200, 1000), seed=seed)
    whole = fit(Liger(1), train, dev)
    parted = fit(Liger(2), train, dev)
    # The two parts are the two clusters (up to naming).
    parts = parted.partition_.train_parts_
    assert np.array_equal(parts, train.clusters) or np.array_equal(parts, 1 - train.clusters)
    # Per part, the model tells the good LFs (true E[s Y] = 0.6 * 0.8 = 0.48) from the coin flips
    # (0); triplet estimates are noisy, so compare means (gaps of 0.22-0.38 seen).
    for part in range(2):
        estimates = parted.part_models_[part].accuracies_
        good = np.arange(3) if train.clusters[parts == part][0] == 0 else np.arange(3, 6)
        assert estimates[good].mean() > np.delete(estimates, good).mean() + 0.1
    assert accuracy(parted, test) >= accuracy(whole, test) + 0.05  # about 0.77-0.80 -> 0.87-0.88


# -- (c) fallbacks -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lopsided():
    """Cluster 0 (200 train points) is mostly class 0, cluster 1 (10 train points) mostly class 1.

    Dev and test have 40 points from each cluster. Returns (train, dev, test, task).
    """
    task = make_task(
        n_clusters=2, dim=8, n_lfs=4, accuracy=0.75, coverage=0.6, smoothness=0.8,
        spread=0.3, cluster_labels=[0, 1], random_state=3,
    )

    def take(split, n0, n1, seed):
        rows = np.r_[np.flatnonzero(split.clusters == 0)[:n0], np.flatnonzero(split.clusters == 1)[:n1]]
        rows = np.random.RandomState(seed).permutation(rows)
        return SyntheticSplit(split.L[rows], split.E[rows], split.y[rows], split.clusters[rows])

    pool = [task.sample(600, random_state=s) for s in (10, 11, 12)]
    return take(pool[0], 200, 10, 0), take(pool[1], 40, 40, 1), take(pool[2], 40, 40, 2), task


def part_of_cluster(model: Liger, split: SyntheticSplit, cluster: int) -> int:
    parts = np.unique(model.partition_.assign(split.E[split.clusters == cluster]))
    assert len(parts) == 1
    return int(parts[0])


def best_balance(fit_with_balance, L_dev, y_dev, estimate, metric="accuracy"):
    """Brute force over the grid: the best dev metric, ties to the grid value nearest ``estimate``."""
    score = (lambda y, p: float(np.mean(y == p))) if metric == "accuracy" else (lambda y, p: f1_score(y, p, zero_division=0.0))
    values = np.array([score(y_dev, fit_with_balance([neg, 1 - neg]).predict(L_dev)) for neg in BALANCE_GRID])
    winners = [neg for neg, value in zip(BALANCE_GRID, values) if value == values.max()]
    negative = min(winners, key=lambda neg: abs(neg - estimate))
    return np.array([negative, 1 - negative]), values


def test_small_part_uses_the_global_model(lopsided):
    train, dev, test, _ = lopsided
    model = fit(Liger(2, min_part_size=20), train)
    small = part_of_cluster(model, train, 1)
    assert model.fallbacks_ == [f"part {small}: 10 train points < 20; global label model"]
    assert model.part_models_[small] is model.global_model_
    assert model.part_models_[1 - small] is not model.global_model_
    np.testing.assert_array_equal(model.global_model_.accuracies_, TripletLabelModel().fit(train.L).accuracies_)


def test_small_part_takes_the_global_class_balance(lopsided):
    train, dev, test, _ = lopsided
    model = fit(Liger(2, min_part_size=20), train, dev)
    small = part_of_cluster(model, train, 1)
    assert model.fallbacks_ == [f"part {small}: 10 train points < 20; global label model"]

    expected, _ = best_balance(
        lambda balance: TripletLabelModel().fit(train.L, class_balance=balance),
        dev.L, dev.y, TripletLabelModel().fit(train.L).class_balance_[0],
    )
    np.testing.assert_allclose(model.global_model_.class_balance_, expected)
    # The fallback part is the global model, balance and all, not one re-tuned on its 40 dev points
    # (which would pick a different balance here: the guard below).
    np.testing.assert_allclose(model.part_models_[small].class_balance_, expected)
    own, _ = best_balance(
        lambda balance: TripletLabelModel().fit(train.L, class_balance=balance),
        dev.L[dev.clusters == 1], dev.y[dev.clusters == 1], TripletLabelModel().fit(train.L).class_balance_[0],
    )
    assert not np.allclose(own, expected)
    in_small = model.partition_.assign(test.E) == small
    np.testing.assert_array_equal(model.predict(test.L, test.E)[in_small], model.global_model_.predict(test.L[in_small]))


def test_part_without_dev_points_takes_the_global_balance(lopsided):
    train, dev, _, _ = lopsided
    dev0 = SyntheticSplit(*(array[dev.clusters == 0] for array in (dev.L, dev.E, dev.y, dev.clusters)))
    model = fit(Liger(2, min_part_size=5), train, dev0)
    lonely = part_of_cluster(model, train, 1)
    assert model.fallbacks_ == [f"part {lonely}: no dev points; class balance chosen on all of dev"]

    expected, _ = best_balance(
        lambda balance: TripletLabelModel().fit(train.L, class_balance=balance),
        dev0.L, dev0.y, TripletLabelModel().fit(train.L).class_balance_[0],
    )
    np.testing.assert_allclose(model.part_models_[lonely].class_balance_, expected)
    # It keeps its own accuracies, fit on its own train points.
    rows = model.partition_.train_parts_ == lonely
    np.testing.assert_allclose(model.part_models_[lonely].accuracies_, TripletLabelModel().fit(train.L[rows]).accuracies_)


@pytest.mark.parametrize("label_model", ["triplet", "majority_vote"])
@pytest.mark.parametrize("thresholds", [None, 0.2])
def test_degenerate_parts_never_crash(lopsided, label_model, thresholds):
    train, dev, test, _ = lopsided
    small_train = SyntheticSplit(*(array[:30] for array in (train.L, train.E, train.y, train.clusters)))
    one_point_dev = SyntheticSplit(*(array[:1] for array in (dev.L, dev.E, dev.y, dev.clusters)))
    model = fit(Liger(3, thresholds, label_model=label_model, min_part_size=20), small_train, one_point_dev)
    # Every part is below 20 train points; only one part holds the single dev point.
    train_messages = [message for message in model.fallbacks_ if "train points < 20" in message]
    dev_messages = [message for message in model.fallbacks_ if "no dev points" in message]
    assert len(train_messages) == 3 and len(dev_messages) == 2
    proba = model.predict_proba(test.L, test.E)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    # All parts fell back: the predictions are the global model's.
    L_test = test.L if thresholds is None else extend_votes(test.L, test.E, small_train.L, small_train.E, thresholds)
    np.testing.assert_array_equal(model.predict(test.L, test.E), model.global_model_.predict(L_test))


# -- (d) prediction plumbing --------------------------------------------------------------------
@pytest.fixture(scope="module")
def fitted():
    task = make_task(n_clusters=3, dim=8, n_lfs=5, accuracy=0.75, coverage=0.4, smoothness=0.9, spread=0.5, random_state=7)
    train, dev, test = splits(task, sizes=(400, 120, 200), seed=7)
    return fit(Liger(3, thresholds=0.3), train, dev), train, dev, test


def test_predict_proba_rows_are_distributions(fitted):
    model, _, _, test = fitted
    proba = model.predict_proba(test.L, test.E)
    assert proba.shape == (len(test.y), 2) and np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(test.L, test.E), proba.argmax(axis=1))


def test_predict_is_each_parts_model(fitted):
    model, train, _, test = fitted
    L_ext = extend_votes(test.L, test.E, train.L, train.E, 0.3)
    np.testing.assert_array_equal(model.extended_votes(test.L, test.E), L_ext)
    parts = model.partition_.assign(test.E)
    assert len(np.unique(parts)) == 3
    predicted = model.predict(test.L, test.E)
    proba = model.predict_proba(test.L, test.E)
    for part in range(3):
        rows = parts == part
        np.testing.assert_array_equal(predicted[rows], model.part_models_[part].predict(L_ext[rows]))
        np.testing.assert_array_equal(proba[rows], model.part_models_[part].predict_proba(L_ext[rows]))


def test_precomputed_neighbours_and_partition_change_nothing(fitted):
    model, train, dev, test = fitted
    neighbours = {
        name: nearest_voting_neighbours(split.L, split.E, train.L, train.E)
        for name, split in (("train", train), ("dev", dev), ("test", test))
    }
    partition = KMeansPartition(3, random_state=0).fit(train.E)
    reused = fit(Liger(3, thresholds=0.3), train, dev, neighbours_train=neighbours["train"], neighbours_dev=neighbours["dev"], partition=partition)
    assert reused.partition_ is partition
    for part in range(3):
        np.testing.assert_array_equal(reused.part_models_[part].class_balance_, model.part_models_[part].class_balance_)
    np.testing.assert_array_equal(reused.predict_proba(test.L, test.E, neighbours=neighbours["test"]), model.predict_proba(test.L, test.E))
    np.testing.assert_array_equal(reused.predict(test.L, test.E, neighbours=neighbours["test"]), model.predict(test.L, test.E))


def test_partition_of_the_wrong_size_is_refused(fitted):
    _, train, _, _ = fitted
    with pytest.raises(ValueError, match="the partition given has 2 parts over 400 points; expected 3 parts"):
        fit(Liger(3), train, partition=KMeansPartition(2, n_init=1).fit(train.E))
    with pytest.raises(ValueError, match="over 399 points; expected 3 parts over 400 train points"):
        fit(Liger(3), train, partition=KMeansPartition(3, n_init=1).fit(train.E[:399]))


@pytest.mark.parametrize("metric", ["accuracy", "f1"])
def test_class_balance_maximises_the_dev_metric(fitted, metric):
    _, train, dev, _ = fitted
    model = fit(Liger(3, thresholds=0.3, metric=metric), train, dev)
    L_train = extend_votes(train.L, train.E, train.L, train.E, 0.3)
    L_dev = extend_votes(dev.L, dev.E, train.L, train.E, 0.3)
    train_parts, dev_parts = model.partition_.train_parts_, model.partition_.assign(dev.E)
    some_part_varies = False
    for part in range(3):
        rows, dev_rows = train_parts == part, dev_parts == part
        expected, values = best_balance(
            lambda balance, rows=rows: TripletLabelModel().fit(L_train[rows], class_balance=balance),
            L_dev[dev_rows], dev.y[dev_rows], TripletLabelModel().fit(L_train[rows]).class_balance_[0], metric,
        )
        np.testing.assert_allclose(model.part_models_[part].class_balance_, expected, err_msg=f"part {part}")
        some_part_varies |= len(np.unique(values)) > 1
    assert some_part_varies  # guard: the grid choice matters somewhere, so a wrong choice would show


def test_majority_vote_balance_only_breaks_ties():
    # MajorityVote's balance only decides ties and all-abstain rows: class 0 when P(0) > 0.5.
    # Dev below: 2 tied rows of class 1 and 1 all-abstain row of class 1 vs 1 tied row of class 0,
    # so the best balances are those with P(0) < 0.5; nearest the fitted (uniform) 0.5 is 0.46.
    L_train = np.array([[0, 1, -1], [1, 1, 0], [0, 0, 1], [-1, 1, 1]] * 10)
    E_train = np.random.RandomState(0).standard_normal((40, 3))
    L_dev = np.array([[0, 1, -1], [1, 0, -1], [-1, -1, -1], [1, -1, 0], [1, 1, 1], [0, 0, -1]])
    y_dev = np.array([1, 1, 1, 0, 1, 0])
    model = Liger(1, label_model="majority_vote").fit(L_train, E_train, L_dev=L_dev, E_dev=E_train[:6], y_dev=y_dev)
    np.testing.assert_allclose(model.part_models_[0].class_balance_, [0.46, 0.54])
    assert isinstance(model.part_models_[0], MajorityVote)
    np.testing.assert_array_equal(model.predict(L_dev, E_train[:6]), [1, 1, 1, 1, 1, 0])


def test_unknown_label_model():
    L = np.zeros((30, 3), dtype=int)
    with pytest.raises(ValueError, match="label model 'flyingsquid' is unknown"):
        Liger(1, label_model="flyingsquid").fit(L, np.random.RandomState(0).standard_normal((30, 2)))


def test_dev_tuning_keeps_the_chosen_label_model():
    # The class-balance search must swap the prior, never the model (a bug once turned Dawid–Skene into MV).
    train, dev = splits(four_cluster_task(1.0, seed=3), sizes=(400, 100))
    model = fit(Liger(2, label_model="dawid_skene"), train, dev)
    from liger.label_models.dawid_skene import DawidSkene

    assert all(isinstance(part, DawidSkene) for part in model.part_models_)
    assert all(hasattr(part, "confusions_") for part in model.part_models_)


@pytest.mark.parametrize("seed", [0, 1])
def test_three_class_liger_extension_lifts_accuracy_on_a_smooth_task(seed):
    task = make_task(n_clusters=6, dim=16, n_lfs=6, n_classes=3, accuracy=0.8, coverage=0.25, smoothness=1.0, spread=0.4, random_state=seed)
    train, dev, test = splits(task, seed=seed)
    plain = fit(Liger(1, None, label_model="dawid_skene", n_classes=3), train, dev)
    extended = fit(Liger(1, 0.5, label_model="dawid_skene", n_classes=3), train, dev)
    assert any("not searched" in note for note in extended.fallbacks_)
    assert extended.predict_proba(test.L, test.E).shape == (len(test.y), 3)
    assert accuracy(extended, test) > accuracy(plain, test) + 0.15  # measured lift: 24-27 points over 5 seeds


def test_with_dev_balance_equals_fitting_with_dev_labels_and_leaves_the_original_untouched():
    train, dev, test = splits(four_cluster_task(0.9, seed=5))
    plain = fit(Liger(4, 0.3), train)
    balances = [m.class_balance_.copy() for m in plain.part_models_]
    tuned = plain.with_dev_balance(dev.L, dev.E, dev.y)
    direct = fit(Liger(4, 0.3), train, dev)
    assert np.array_equal(tuned.predict_proba(test.L, test.E), direct.predict_proba(test.L, test.E))
    assert tuned.fallbacks_ == direct.fallbacks_
    assert all(np.array_equal(m.class_balance_, b) for m, b in zip(plain.part_models_, balances))


# -- the extension level as a parameter --------------------------------------------------------
@pytest.mark.parametrize("level", [0.0, 0.3, 0.9])
def test_extension_level_equals_the_thresholds_it_stands_for(level):
    from liger.method.tuning import quantile_thresholds

    task = make_task(n_clusters=3, dim=6, n_lfs=5, accuracy=0.8, coverage=0.4, smoothness=0.9, random_state=4)
    train, dev, test = (task.sample(n, random_state=seed) for n, seed in ((150, 0), (60, 1), (80, 2)))
    thresholds = quantile_thresholds(nearest_voting_neighbours(train.L, train.E, train.L, train.E), level)
    by_level = Liger(2, extension_level=level, min_part_size=5).fit(train.L, train.E, L_dev=dev.L, E_dev=dev.E, y_dev=dev.y)
    by_thresholds = Liger(2, thresholds, min_part_size=5).fit(train.L, train.E, L_dev=dev.L, E_dev=dev.E, y_dev=dev.y)
    np.testing.assert_array_equal(by_level.thresholds_, thresholds)
    np.testing.assert_array_equal(by_level.predict_proba(test.L, test.E), by_thresholds.predict_proba(test.L, test.E))
    with pytest.raises(ValueError, match="give one of them"):
        Liger(thresholds=0.5, extension_level=level).fit(train.L, train.E)
    with pytest.raises(ValueError, match="expected a quantile in"):
        Liger(extension_level=1.5).fit(train.L, train.E)
