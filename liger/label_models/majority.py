"""Majority vote."""

from __future__ import annotations

from typing import Literal

import numpy as np

from liger.label_models.base import LabelModel, check_class_balance
from liger.label_models.ties import hashed_tie_break

TieBreak = Literal["prior", "wrench"]
TIE_BREAKS = ("prior", "wrench")


class MajorityVote(LabelModel):
    """Each class's share of the non-abstaining votes.

    Ties keep equal probability. Rows where every LF abstains get ``class_balance`` when one is
    given to ``fit``, else the uniform distribution (a tie across all classes).

    Parameters
    ----------
    n_classes : K.
    tie_break : how ``predict`` breaks ties. "prior": toward the class with the larger
        ``class_balance`` (the prior), then the lowest class index. "wrench": WRENCH's rule, Snorkel's
        ``probs_to_preds`` (liger/label_models/ties.py): classes within 1e-5 of the best are tied and row i
        takes one of them by a hash of i, so it depends on the row's position in ``L``.
    """

    def __init__(self, n_classes: int = 2, tie_break: TieBreak = "prior"):
        self.n_classes = n_classes
        self.tie_break = tie_break

    def fit(self, L: np.ndarray, class_balance: np.ndarray | None = None) -> "MajorityVote":
        if self.tie_break not in TIE_BREAKS:
            raise ValueError(f"tie_break is {self.tie_break!r}; expected one of {list(TIE_BREAKS)}")
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
        if self.tie_break == "wrench":
            return hashed_tie_break(proba)
        tied_best = proba == proba.max(axis=1, keepdims=True)
        return np.argmax(np.where(tied_best, self.class_balance_, -1.0), axis=1)


def vote_counts(L: np.ndarray, n_classes: int) -> np.ndarray:
    """(n, K) number of LFs voting each class on each row."""
    return np.stack([(L == k).sum(axis=1) for k in range(n_classes)], axis=1)
