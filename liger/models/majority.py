"""Majority vote."""

from __future__ import annotations

import numpy as np

from liger.models.base import LabelModel, check_class_balance


class MajorityVote(LabelModel):
    """Each class's share of the non-abstaining votes.

    Ties keep equal probability; ``predict`` breaks them toward the class with the larger
    ``class_balance`` (the prior), then the lowest class index. Rows where every LF abstains get
    ``class_balance`` when one is given to ``fit``, else the uniform distribution.
    """

    def __init__(self, n_classes: int = 2):
        self.n_classes = n_classes

    def fit(self, L: np.ndarray, class_balance: np.ndarray | None = None) -> "MajorityVote":
        L = self._check_L(L)
        self.n_lfs_ = L.shape[1]
        balance = check_class_balance(class_balance, self.n_classes)
        self.class_balance_ = np.full(self.n_classes, 1.0 / self.n_classes) if balance is None else balance
        return self

    def predict_proba(self, L: np.ndarray) -> np.ndarray:
        L = self._check_L(L, n_lfs=self.n_lfs_)
        counts = vote_counts(L, self.n_classes).astype(np.float64)
        totals = counts.sum(axis=1, keepdims=True)
        proba = np.where(totals > 0, counts / np.maximum(totals, 1), self.class_balance_)
        return proba

    def predict(self, L: np.ndarray) -> np.ndarray:
        proba = self.predict_proba(L)
        tied_best = proba == proba.max(axis=1, keepdims=True)
        return np.argmax(np.where(tied_best, self.class_balance_, -1.0), axis=1)


def vote_counts(L: np.ndarray, n_classes: int) -> np.ndarray:
    """(n, K) number of LFs voting each class on each row."""
    return np.stack([(L == k).sum(axis=1) for k in range(n_classes)], axis=1)
