"""Partitioning the embedding space: k-means on train embeddings, nearest centre for everything else."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans


class KMeansPartition:
    """``n_parts`` parts; ``n_init`` is pinned because scikit-learn changed its default (10 -> 1 in 1.4)."""

    def __init__(self, n_parts: int = 1, *, n_init: int = 10, random_state: int = 0):
        self.n_parts = n_parts
        self.n_init = n_init
        self.random_state = random_state

    def fit(self, E_train: np.ndarray) -> "KMeansPartition":
        if not isinstance(self.n_parts, (int, np.integer)) or self.n_parts < 1:
            raise ValueError(f"n_parts is {self.n_parts!r}; expected a positive integer")
        if self.n_parts > E_train.shape[0]:
            raise ValueError(f"n_parts is {self.n_parts} but there are only {E_train.shape[0]} train points")
        if self.n_parts == 1:
            self.centres_ = E_train.mean(axis=0, keepdims=True)
        else:
            kmeans = KMeans(self.n_parts, n_init=self.n_init, random_state=self.random_state).fit(E_train)
            self.centres_ = kmeans.cluster_centers_
        self.train_parts_ = self.assign(E_train)
        return self

    def assign(self, E: np.ndarray) -> np.ndarray:
        """(n,) index of the nearest centre (Euclidean, as k-means assigns)."""
        if self.n_parts == 1:
            return np.zeros(E.shape[0], dtype=np.int64)
        distances = (
            (E.astype(np.float64) ** 2).sum(axis=1)[:, None]
            - 2.0 * E.astype(np.float64) @ self.centres_.T.astype(np.float64)
            + (self.centres_.astype(np.float64) ** 2).sum(axis=1)[None, :]
        )
        return np.argmin(distances, axis=1)
