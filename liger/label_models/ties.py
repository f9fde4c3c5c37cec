"""Turning class probabilities into classes the way WRENCH scores its label models.

WRENCH (``basemodel.py``, ``evaluation.py``) predicts with Snorkel's ``probs_to_preds`` and its default
policy, tie_break_policy="random": the classes within ``tol`` of a row's best are tied, and row i takes
the tied class at position sha1(str(i)) mod (number tied). Deterministic, but it depends on the row's
position in the matrix, so the same votes can get different classes in different rows.
"""

from __future__ import annotations

import hashlib

import numpy as np

#: Snorkel's tie tolerance: classes whose probabilities differ from the best by less than this are tied.
SNORKEL_TIE_TOL = 1e-5


def hashed_tie_break(proba: np.ndarray, *, tol: float = SNORKEL_TIE_TOL) -> np.ndarray:
    """(n,) classes from (n, K) probabilities by Snorkel 0.10's ``probs_to_preds(proba)`` rule (see module doc)."""
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or proba.shape[1] < 2:
        raise ValueError(f"proba has shape {proba.shape}; expected (n, K) with K >= 2 classes")
    tied = np.abs(proba - proba.max(axis=1, keepdims=True)) < tol
    classes = np.argmax(tied, axis=1)  # the only tied class where there is one
    for row in np.flatnonzero(tied.sum(axis=1) > 1):
        candidates = np.flatnonzero(tied[row])
        classes[row] = candidates[_row_hash(int(row)) % len(candidates)]
    return classes


def _row_hash(row: int) -> int:
    return int(hashlib.sha1(str(row).encode("utf-8")).hexdigest(), 16)
