"""Baselines on embeddings: kNN and a small MLP adapter, trained on weak or on hand labels.

WS-kNN / WS-Adapter learn from the label model's output on train (hard labels for kNN, soft labels
for the adapter), restricted to train points with at least one LF vote. FS-kNN / FS-Adapter learn
from the dev hand labels only.
"""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier


def fit_knn(E: np.ndarray, y: np.ndarray, *, k: int) -> KNeighborsClassifier:
    """k nearest neighbours by cosine similarity (Euclidean on unit rows ranks the same)."""
    return KNeighborsClassifier(n_neighbors=min(k, len(y))).fit(E, y)


def fit_adapter(E: np.ndarray, targets: np.ndarray, *, hidden: int, n_classes: int, random_state: int,
                max_iter: int = 200) -> MLPClassifier:
    """One-hidden-layer MLP. ``targets`` is (n,) hard labels or (n, K) soft labels.

    Soft labels are fit exactly as cross-entropy against the distribution: each row appears once
    per class, weighted by that class's probability.
    """
    if targets.ndim == 1:
        X, y, weights = E, targets, None
    else:
        X = np.concatenate([E] * n_classes)
        y = np.repeat(np.arange(n_classes), E.shape[0])
        weights = targets.T.reshape(-1)
    model = MLPClassifier(hidden_layer_sizes=(hidden,), max_iter=max_iter, random_state=random_state)
    return model.fit(X, y, sample_weight=weights)
