"""Partitioning the embedding space: k-means on train embeddings, nearest centre for everything else.

Backends: "sklearn" (``KMeans``, Lloyd, k-means++ starts; the default and the reference code's),
"faiss" (``faiss.Kmeans``: k-means++ starts, a fixed 25 iterations, every point used, seeded; for
10^5 points and more) and "minibatch" (``MiniBatchKMeans``). Whatever fit the centres, a point's
part is its nearest centre by Euclidean distance computed in float64 (``assign``).
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans

BACKENDS = ("sklearn", "faiss", "minibatch")
_ASSIGN_ROWS = 8192  # rows assigned at a time: bounds the float64 temporaries (~25 MB each)


class KMeansPartition:
    """``n_parts`` parts; ``n_init`` is pinned because scikit-learn changed its default (10 -> 1 in 1.4).

    ``n_init`` is the number of restarts for every backend (faiss's ``nredo``); the best objective wins.
    """

    def __init__(self, n_parts: int = 1, *, n_init: int = 10, random_state: int = 0, backend: str = "sklearn"):
        self.n_parts = n_parts
        self.n_init = n_init
        self.random_state = random_state
        self.backend = backend

    def fit(self, E_train: np.ndarray) -> "KMeansPartition":
        if not isinstance(self.n_parts, (int, np.integer)) or self.n_parts < 1:
            raise ValueError(f"n_parts is {self.n_parts!r}; expected a positive integer")
        if self.n_parts > E_train.shape[0]:
            raise ValueError(f"n_parts is {self.n_parts} but there are only {E_train.shape[0]} train points")
        if self.backend not in BACKENDS:
            raise ValueError(f"backend is {self.backend!r}; expected one of {BACKENDS}")
        if self.n_parts == 1:
            self.centres_ = E_train.mean(axis=0, keepdims=True)
        elif self.backend == "sklearn":
            kmeans = KMeans(self.n_parts, n_init=self.n_init, random_state=self.random_state).fit(E_train)
            self.centres_ = kmeans.cluster_centers_
        elif self.backend == "minibatch":
            kmeans = MiniBatchKMeans(self.n_parts, n_init=self.n_init, random_state=self.random_state).fit(E_train)
            self.centres_ = kmeans.cluster_centers_
        else:
            self.centres_ = self._faiss_centres(E_train)
        self.train_parts_ = self.assign(E_train)
        return self

    def _faiss_centres(self, E_train: np.ndarray) -> np.ndarray:
        import faiss

        if not isinstance(self.random_state, (int, np.integer)):
            raise ValueError(f"random_state is {self.random_state!r}; the faiss backend expects an integer seed")
        E = np.ascontiguousarray(E_train, dtype=np.float32)
        kmeans = faiss.Kmeans(
            E.shape[1],
            int(self.n_parts),
            nredo=int(self.n_init),
            seed=int(self.random_state),
            max_points_per_centroid=E.shape[0],  # no subsampling: the result depends on the seed alone
            min_points_per_centroid=1,  # small inputs are legitimate here; no warning
            init_method=faiss.ClusteringInitMethod_KMEANS_PLUS_PLUS,
        )
        kmeans.train(E)
        return np.asarray(kmeans.centroids, dtype=np.float64)

    def assign(self, E: np.ndarray) -> np.ndarray:
        """(n,) index of the nearest centre (Euclidean, as k-means assigns)."""
        if self.n_parts == 1:
            return np.zeros(E.shape[0], dtype=np.int64)
        centres = self.centres_.astype(np.float64)
        centre_norms = (centres**2).sum(axis=1)[None, :]
        parts = np.empty(E.shape[0], dtype=np.int64)
        for start in range(0, E.shape[0], _ASSIGN_ROWS):
            rows = E[start : start + _ASSIGN_ROWS].astype(np.float64)
            distances = (rows**2).sum(axis=1)[:, None] - 2.0 * rows @ centres.T + centre_norms
            parts[start : start + _ASSIGN_ROWS] = np.argmin(distances, axis=1)
        return parts
