"""Scores: accuracy, positive-class precision / recall / F1, and LF coverage."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

from liger.labels import ABSTAIN


def score(y_true: np.ndarray, y_pred: np.ndarray, L: np.ndarray | None = None, *, n_classes: int = 2) -> dict:
    """acc, f1, precision, recall (positive class 1 when binary, macro otherwise) and coverage."""
    average = "binary" if n_classes == 2 else "macro"
    labels = None if n_classes == 2 else list(range(n_classes))
    kwargs = {"average": average, "zero_division": 0.0, "labels": labels}
    scores = {
        "acc": float(accuracy_score(y_true, y_pred)),
        "f1": float(f1_score(y_true, y_pred, **kwargs)),
        "precision": float(precision_score(y_true, y_pred, **kwargs)),
        "recall": float(recall_score(y_true, y_pred, **kwargs)),
    }
    if L is not None:
        scores["coverage"] = coverage(L)
    return scores


def coverage(L: np.ndarray) -> float:
    """Fraction of rows with at least one vote."""
    return float((np.asarray(L) != ABSTAIN).any(axis=1).mean())


def metric_value(metric: str, y_true: np.ndarray, y_pred: np.ndarray, *, n_classes: int = 2) -> float:
    """The dataset's selection metric: 'accuracy' or 'f1' (positive class, or macro for K > 2)."""
    if metric == "accuracy":
        return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
    if metric == "f1":
        fast = _binary_f1(y_true, y_pred) if n_classes == 2 else None
        if fast is not None:
            return fast
        return float(f1_score(y_true, y_pred, average="binary" if n_classes == 2 else "macro", zero_division=0.0))
    raise ValueError(f"metric is {metric!r}; expected 'accuracy' or 'f1'")


def _binary_f1(y_true, y_pred) -> float | None:
    """Positive-class F1 of 0/1 labels, bit-identical to scikit-learn's 2 tp / (true + predicted positives).

    Class-balance searches call the metric thousands of times, where ``f1_score``'s input validation costs
    ~1 ms a call. None (scikit-learn decides, or raises) unless both are non-empty 0/1 arrays of one shape.
    """
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.shape != p.shape or t.ndim != 1 or t.size == 0 or not (((t == 0) | (t == 1)).all() and ((p == 0) | (p == 1)).all()):
        return None
    positive_true, positive_pred = t == 1, p == 1
    denominator = float(positive_true.sum()) + float(positive_pred.sum())
    return 0.0 if denominator == 0 else 2.0 * float((positive_true & positive_pred).sum()) / denominator
