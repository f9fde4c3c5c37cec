"""Heads on embeddings: kNN, a small MLP adapter and logistic regression, trained on weak or hand labels.

WS-kNN / WS-Adapter / WS-LogReg learn from the label model's output on train (hard labels for kNN,
soft labels for the adapter and logistic regression), restricted to train points with at least one
LF vote. FS-kNN / FS-Adapter / FS-LogReg learn from the dev hand labels only. Each head is listed in
``HEADS`` with the hyperparameter its grid varies and which end of that grid is the simpler model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier


def fit_knn(E: np.ndarray, y: np.ndarray, *, k: int) -> KNeighborsClassifier:
    """k nearest neighbours by cosine similarity (Euclidean on unit rows ranks the same)."""
    return KNeighborsClassifier(n_neighbors=min(k, len(y))).fit(E, y)


def soft_label_rows(E: np.ndarray, targets: np.ndarray, *, n_classes: int):
    """(X, y, sample_weight) that fit (n, K) soft labels exactly as cross-entropy against the distribution.

    Each row appears once per class, weighted by that class's probability; (n,) hard labels pass
    through unweighted (weights None).
    """
    targets = np.asarray(targets)
    if targets.ndim == 1:
        return E, targets, None
    if targets.shape != (E.shape[0], n_classes):
        raise ValueError(f"soft labels have shape {targets.shape}; expected ({E.shape[0]}, {n_classes})")
    X = np.concatenate([E] * n_classes)
    y = np.repeat(np.arange(n_classes), E.shape[0])
    return X, y, targets.T.reshape(-1)


def fit_adapter(E: np.ndarray, targets: np.ndarray, *, hidden: int, n_classes: int, random_state: int,
                max_iter: int = 200) -> MLPClassifier:
    """One-hidden-layer MLP. ``targets`` is (n,) hard labels or (n, K) soft labels (see ``soft_label_rows``)."""
    X, y, weights = soft_label_rows(E, targets, n_classes=n_classes)
    model = MLPClassifier(hidden_layer_sizes=(hidden,), max_iter=max_iter, random_state=random_state)
    return model.fit(X, y, sample_weight=weights)


def fit_logreg(E: np.ndarray, targets: np.ndarray, *, C: float, n_classes: int, random_state: int,
               max_iter: int = 1000) -> LogisticRegression:
    """L2 logistic regression (multinomial for K > 2). ``targets`` as for ``fit_adapter``.

    Unweighted classes: the decision threshold, tuned on dev, does the rebalancing for every head alike.
    """
    X, y, weights = soft_label_rows(E, targets, n_classes=n_classes)
    model = LogisticRegression(C=C, max_iter=max_iter, random_state=random_state)
    return model.fit(X, y, sample_weight=weights)


def class_probabilities(model, E: np.ndarray, *, n_classes: int) -> np.ndarray:
    """(n, K) probabilities; a class the model never saw in training gets probability 0."""
    seen = model.predict_proba(E)
    probabilities = np.zeros((E.shape[0], n_classes), dtype=np.float64)
    probabilities[:, np.asarray(model.classes_, dtype=np.int64)] = seen
    return probabilities


@dataclass(frozen=True)
class Head:
    """A head: the hyperparameter its grid varies, how to fit one, and its grid ordered simplest first."""

    param: str
    fit: Callable[..., object]
    larger_is_simpler: bool

    def simplest_first(self, grid) -> list:
        return sorted(grid, reverse=self.larger_is_simpler)


def _knn(E, targets, value, *, n_classes, random_state):
    # kNN votes with hard labels: the most probable class of soft ones.
    return fit_knn(E, targets if np.ndim(targets) == 1 else np.asarray(targets).argmax(axis=1), k=int(value))


def _adapter(E, targets, value, *, n_classes, random_state):
    return fit_adapter(E, targets, hidden=int(value), n_classes=n_classes, random_state=random_state)


def _logreg(E, targets, value, *, n_classes, random_state):
    return fit_logreg(E, targets, C=float(value), n_classes=n_classes, random_state=random_state)


#: method.kind -> head. Simpler: more neighbours (smoother vote), fewer hidden units, smaller C (more L2).
HEADS = {
    "knn": Head("k", _knn, larger_is_simpler=True),
    "adapter": Head("hidden", _adapter, larger_is_simpler=False),
    "logreg": Head("C", _logreg, larger_is_simpler=False),
}
