"""Heads on embeddings (kNN, adapter, logistic regression): they learn what they are given, soft labels included."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.utils.class_weight import compute_class_weight

from liger.baselines.heads import HEADS, balanced_class_weights, class_probabilities, fit_adapter, fit_knn, fit_logreg
from liger.baselines.decision_rule import decide


def blobs(n: int = 200, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    E = rng.standard_normal((n, 8)) * 0.3
    E[:, 0] += np.where(y == 1, 2.0, -2.0)
    return E.astype(np.float32), y


def test_knn_recovers_separable_labels_and_caps_k():
    E, y = blobs()
    assert (fit_knn(E, y, k=5).predict(E) == y).mean() > 0.97
    assert fit_knn(E[:3], y[:3], k=50).n_neighbors == 3  # k larger than the training set is capped


def test_adapter_learns_from_soft_labels():
    E, y = blobs()
    soft = np.where(y[:, None] == np.arange(2)[None, :], 0.8, 0.2)  # 80% on the true class
    model = fit_adapter(E, soft, hidden=16, n_classes=2, random_state=0)
    assert (model.predict(E) == y).mean() > 0.97


def test_adapter_soft_labels_carry_their_weights():
    # Labels 90/10 toward class 1 everywhere. Each row appears once per class, so ignored weights give 0.5.
    E, _ = blobs(seed=1)
    soft = np.tile([0.1, 0.9], (len(E), 1))
    model = fit_adapter(E, soft, hidden=8, n_classes=2, random_state=0)
    assert model.predict_proba(E)[:, 1].mean() > 0.65


def test_adapter_is_seeded():
    E, y = blobs()
    first = fit_adapter(E, y, hidden=8, n_classes=2, random_state=3).predict_proba(E)
    second = fit_adapter(E, y, hidden=8, n_classes=2, random_state=3).predict_proba(E)
    assert np.array_equal(first, second)


# -- logistic regression ----------------------------------------------------------------------------

def duplicated_rows_by_hand(E, soft):
    """Row i once per class c, weight soft[i, c]: the soft-label cross-entropy as a weighted hard-label fit."""
    X, y, w = [], [], []
    for c in range(soft.shape[1]):
        for i in range(len(E)):
            X.append(E[i])
            y.append(c)
            w.append(soft[i, c])
    return np.array(X), np.array(y), np.array(w)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_logreg_on_soft_labels_equals_the_duplicated_weighted_rows(n_classes):
    E, _ = blobs(n=120, seed=2)
    soft = np.random.RandomState(0).dirichlet(np.ones(n_classes), size=len(E))
    ours = fit_logreg(E, soft, C=3.0, n_classes=n_classes, random_state=0)
    X, y, w = duplicated_rows_by_hand(E, soft)
    reference = LogisticRegression(C=3.0, max_iter=1000, random_state=0).fit(X, y, sample_weight=w)
    assert np.array_equal(ours.coef_, reference.coef_) and np.array_equal(ours.intercept_, reference.intercept_)


def test_zero_weight_copies_are_left_out_and_the_rest_keep_their_order():
    from liger.baselines.heads import soft_label_rows

    E, _ = blobs(n=40, seed=4)
    soft = np.random.RandomState(2).dirichlet(np.ones(3), size=len(E))
    soft[::3] = np.eye(3)[np.arange(len(E))[::3] % 3]  # peaked rows: two of their three copies weigh exactly 0
    X, y, w = soft_label_rows(E, soft, n_classes=3)
    X_all, y_all, w_all = duplicated_rows_by_hand(E, soft)
    kept = w_all != 0
    assert kept.sum() < len(w_all)
    np.testing.assert_array_equal(X, X_all[kept])
    np.testing.assert_array_equal(y, y_all[kept])
    np.testing.assert_array_equal(w, w_all[kept])


def test_logreg_on_soft_labels_minimises_the_soft_cross_entropy():
    # Stationary point of C * sum_i CE(soft_i, sigmoid(w.x_i + b)) + |w|^2 / 2: C X^T (p - q) + w = 0, sum(p - q) = 0.
    E, _ = blobs(n=150, seed=3)
    q = np.random.RandomState(1).beta(2, 2, size=len(E))
    C = 2.0
    model = fit_logreg(E.astype(np.float64), np.column_stack([1 - q, q]), C=C, n_classes=2, random_state=0)
    p = model.predict_proba(E.astype(np.float64))[:, 1]
    gradient = np.append(C * E.T.astype(np.float64) @ (p - q) + model.coef_[0], C * np.sum(p - q))
    scale = C * np.abs(E).sum()  # the size of one data term; lbfgs stops at a relative tolerance
    assert np.abs(gradient).max() < 1e-4 * scale
    # The same check fails for the model fit to the rounded (hard) labels: the test can tell them apart.
    hard = fit_logreg(E.astype(np.float64), (q > 0.5).astype(np.int64), C=C, n_classes=2, random_state=0)
    p_hard = hard.predict_proba(E.astype(np.float64))[:, 1]
    assert np.abs(C * E.T.astype(np.float64) @ (p_hard - q) + hard.coef_[0]).max() > 1e-3 * scale


def test_logreg_rejects_soft_labels_of_the_wrong_shape():
    E, _ = blobs(n=10)
    with pytest.raises(ValueError, match=r"soft labels have shape \(10, 3\); expected \(10, 2\)"):
        fit_logreg(E, np.full((10, 3), 1 / 3), C=1.0, n_classes=2, random_state=0)


def test_class_probabilities_keep_every_class_column():
    E, y = blobs(n=60)
    model = fit_knn(E, np.zeros_like(y), k=3)  # trained on class 0 only
    probabilities = class_probabilities(model, E, n_classes=3)
    assert probabilities.shape == (60, 3) and np.array_equal(probabilities[:, 0], np.ones(60))


@pytest.mark.parametrize("kind", sorted(HEADS))
def test_threshold_one_half_is_each_heads_own_predict(kind):
    # decision_thresholds=[0.5] reproduces the argmax baselines exactly.
    E, y = blobs(n=120, seed=4)
    value = {"knn": 4, "adapter": 8, "logreg": 1.0}[kind]  # k = 4: ties between the classes happen
    model = HEADS[kind].fit(E, y, value, n_classes=2, random_state=0)
    assert np.array_equal(decide(class_probabilities(model, E, n_classes=2), 0.5), model.predict(E))


def test_heads_list_their_grid_simplest_first():
    assert HEADS["knn"].simplest_first([1, 50, 5]) == [50, 5, 1]
    assert HEADS["adapter"].simplest_first([256, 64]) == [64, 256]
    assert HEADS["logreg"].simplest_first([10.0, 0.1, 1.0]) == [0.1, 1.0, 10.0]


def test_balanced_class_weights_are_scikit_learns_for_hard_labels_and_count_mass_for_soft_ones():
    y = np.array([0, 0, 0, 1, 2, 2])
    expected = compute_class_weight("balanced", classes=np.arange(3), y=y)
    assert balanced_class_weights(y, n_classes=3) == {c: float(w) for c, w in enumerate(expected)}
    soft = np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])  # mass 1.5, 0.5, 0: class 2 has none
    assert balanced_class_weights(soft, n_classes=3) == {0: 2 / (2 * 1.5), 1: 2 / (2 * 0.5)}


def test_balanced_logreg_on_one_hot_soft_labels_is_balanced_logreg_on_hard_labels():
    E, y = blobs(n=200, seed=5)
    y = np.where(np.arange(200) < 170, y, 1) * (np.arange(200) % 3 != 0)  # imbalanced
    soft = np.eye(2)[y]
    ours = fit_logreg(E, soft, C=1.0, n_classes=2, random_state=0, class_weight="balanced")
    reference = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit(E, y)
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-3, atol=1e-4)
    unweighted = fit_logreg(E, soft, C=1.0, n_classes=2, random_state=0)
    assert np.abs(unweighted.intercept_ - reference.intercept_).max() > 0.1  # the weights matter here
