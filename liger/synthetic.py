"""Seeded synthetic tasks with known structure: label matrices and embeddings for tests and benchmarks.

A task is a fixed structure (cluster centres, each cluster's label, each LF's accuracy and coverage
in each cluster, a smoothness level); ``SyntheticTask.sample`` draws as many independent splits
from it as needed, so train, dev and test share one structure.

Generative story, for each point:

1. cluster c ~ ``cluster_weights``; embedding = unit(centre_c + spread * g / sqrt(dim)), g ~ N(0, I).
   Centres are orthonormal (a QR of a Gaussian matrix), so clusters are separated by angle and
   ``spread`` sets how much they overlap.
2. Label: with probability ``smoothness`` the cluster's label, otherwise a uniform random class.
   Smoothness 1 makes the label a function of the cluster (labels smooth in the embedding);
   smoothness 0 makes it independent of the embedding.
3. LF i votes with probability ``coverage[i, c]``; a vote is the true label with probability
   ``accuracy[i, c]``, otherwise a uniformly chosen wrong class. Votes are independent given
   (label, cluster), so within one cluster the LFs satisfy a label model's assumptions.

Labels use the internal convention (classes 0..K-1, abstain -1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from liger.labels import ABSTAIN


@dataclass(frozen=True)
class SyntheticSplit:
    """One sample: ``L`` (n, m) int64, ``E`` (n, dim) float32 unit rows, ``y`` (n,) int64, ``clusters`` (n,) int64."""

    L: np.ndarray
    E: np.ndarray
    y: np.ndarray
    clusters: np.ndarray


@dataclass(frozen=True)
class SyntheticTask:
    """The fixed structure; see the module docstring for how points are drawn.

    ``centres`` (C, dim), ``cluster_labels`` (C,), ``accuracy`` and ``coverage`` (m, C),
    ``cluster_weights`` (C,).
    """

    centres: np.ndarray
    cluster_labels: np.ndarray
    accuracy: np.ndarray
    coverage: np.ndarray
    cluster_weights: np.ndarray
    smoothness: float
    spread: float
    n_classes: int

    @property
    def n_lfs(self) -> int:
        return self.accuracy.shape[0]

    def sample(self, n_points: int, *, random_state: int | np.random.RandomState | None = None) -> SyntheticSplit:
        """Draw ``n_points`` independent points."""
        rng = _rng(random_state)
        n_clusters, dim = self.centres.shape
        clusters = rng.choice(n_clusters, size=n_points, p=self.cluster_weights)
        E = self.centres[clusters] + self.spread * rng.standard_normal((n_points, dim)) / np.sqrt(dim)
        E = (E / np.linalg.norm(E, axis=1, keepdims=True)).astype(np.float32)
        smooth = rng.random_sample(n_points) < self.smoothness
        y = np.where(smooth, self.cluster_labels[clusters], rng.randint(self.n_classes, size=n_points))
        votes = rng.random_sample((n_points, self.n_lfs)) < self.coverage[:, clusters].T
        correct = rng.random_sample((n_points, self.n_lfs)) < self.accuracy[:, clusters].T
        # A wrong vote is y + a uniform shift in 1..K-1 (mod K): every wrong class equally likely.
        wrong = (y[:, None] + rng.randint(1, self.n_classes, size=(n_points, self.n_lfs))) % self.n_classes
        L = np.where(votes, np.where(correct, y[:, None], wrong), ABSTAIN)
        return SyntheticSplit(L.astype(np.int64), E, y.astype(np.int64), clusters.astype(np.int64))


def make_task(
    *,
    n_clusters: int = 4,
    dim: int = 16,
    n_lfs: int = 5,
    n_classes: int = 2,
    accuracy: float | np.ndarray = 0.8,
    coverage: float | np.ndarray = 0.3,
    smoothness: float = 1.0,
    spread: float = 0.5,
    cluster_labels: np.ndarray | None = None,
    cluster_weights: np.ndarray | None = None,
    random_state: int | np.random.RandomState | None = None,
) -> SyntheticTask:
    """A task with ``n_clusters`` orthonormal centres in ``dim`` dimensions (needs n_clusters <= dim).

    ``accuracy`` and ``coverage``: a scalar, one value per LF (m,), or one per LF and cluster (m, C).
    ``cluster_labels`` (C,): default class c % K for cluster c, shuffled.
    ``cluster_weights`` (C,): default uniform.
    """
    rng = _rng(random_state)
    if n_clusters > dim:
        raise ValueError(f"n_clusters is {n_clusters} but dim is {dim}; orthonormal centres need n_clusters <= dim")
    if n_classes < 2:
        raise ValueError(f"n_classes is {n_classes}; expected at least 2")
    if not 0.0 <= smoothness <= 1.0:
        raise ValueError(f"smoothness is {smoothness}; expected a probability in [0, 1]")
    q, _ = np.linalg.qr(rng.standard_normal((dim, n_clusters)))
    centres = q.T
    if cluster_labels is None:
        cluster_labels = rng.permutation(np.arange(n_clusters) % n_classes)
    cluster_labels = np.asarray(cluster_labels, dtype=np.int64)
    if cluster_labels.shape != (n_clusters,) or cluster_labels.min() < 0 or cluster_labels.max() >= n_classes:
        raise ValueError(f"cluster_labels is {cluster_labels.tolist()}; expected {n_clusters} classes in 0..{n_classes - 1}")
    weights = np.full(n_clusters, 1.0 / n_clusters) if cluster_weights is None else np.asarray(cluster_weights, float)
    if weights.shape != (n_clusters,) or np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError(f"cluster_weights is {weights.tolist()}; expected {n_clusters} non-negative values summing to 1")
    return SyntheticTask(
        centres=centres,
        cluster_labels=cluster_labels,
        accuracy=_per_lf_cluster(accuracy, n_lfs, n_clusters, "accuracy"),
        coverage=_per_lf_cluster(coverage, n_lfs, n_clusters, "coverage"),
        cluster_weights=weights,
        smoothness=float(smoothness),
        spread=float(spread),
        n_classes=n_classes,
    )


def _per_lf_cluster(value, n_lfs: int, n_clusters: int, name: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        array = np.full((n_lfs, n_clusters), float(array))
    elif array.shape == (n_lfs,):
        array = np.repeat(array[:, None], n_clusters, axis=1)
    if array.shape != (n_lfs, n_clusters):
        raise ValueError(f"{name} has shape {array.shape}; expected a scalar, ({n_lfs},) or ({n_lfs}, {n_clusters})")
    if np.any((array < 0) | (array > 1)):
        raise ValueError(f"{name} has a value outside [0, 1]: {array.tolist()}")
    return array


def _rng(random_state) -> np.random.RandomState:
    if isinstance(random_state, np.random.RandomState):
        return random_state
    return np.random.RandomState(random_state)
