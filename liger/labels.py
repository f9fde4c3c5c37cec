"""Label conventions: the one place that maps between them.

Internal convention (Snorkel's): classes are 0..K-1 and an abstain is -1.
Paper convention (the reference code's, binary only): +1 / -1 and abstain 0, where +1 is
class 1 (the positive class, e.g. spam) and -1 is class 0.
"""

from __future__ import annotations

import numpy as np

ABSTAIN = -1


def from_paper(votes: np.ndarray) -> np.ndarray:
    """Map paper-convention votes (+1 / -1 / 0 abstain) to internal ones (1 / 0 / -1)."""
    votes = np.asarray(votes)
    _require_integer(votes, "votes")
    bad = ~np.isin(votes, (-1, 0, 1))
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"paper-convention votes have value {votes[where]} at {where}; expected -1, 0 or +1"
        )
    internal = np.full(votes.shape, ABSTAIN, dtype=np.int64)
    internal[votes == 1] = 1
    internal[votes == -1] = 0
    return internal


def to_paper(labels: np.ndarray) -> np.ndarray:
    """Map internal binary labels (1 / 0 / -1 abstain) to the paper's (+1 / -1 / 0)."""
    labels = np.asarray(labels)
    _require_integer(labels, "labels")
    bad = ~np.isin(labels, (ABSTAIN, 0, 1))
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"internal labels have value {labels[where]} at {where}; expected -1 (abstain), 0 or 1"
        )
    paper = np.zeros(labels.shape, dtype=np.int64)
    paper[labels == 1] = 1
    paper[labels == 0] = -1
    return paper


def check_label_matrix(L: np.ndarray, n_classes: int, *, name: str = "L") -> np.ndarray:
    """Validate an (n, m) internal-convention label matrix; return it as int64."""
    _require_classes(n_classes)
    L = np.asarray(L)
    _require_integer(L, name)
    if L.ndim != 2:
        raise ValueError(f"{name} has shape {L.shape}; expected a 2-D (n_points, n_lfs) matrix")
    bad = (L < ABSTAIN) | (L >= n_classes)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} has value {L[row, col]} at row {row}, column {col}; "
            f"expected -1 (abstain) or a class in 0..{n_classes - 1}"
        )
    return L.astype(np.int64, copy=False)


def check_gold_labels(y: np.ndarray, n_classes: int, n_rows: int, *, name: str = "y") -> np.ndarray:
    """Validate gold labels: shape (n_rows,), integers in 0..n_classes-1."""
    _require_classes(n_classes)
    y = np.asarray(y)
    _require_integer(y, name)
    if y.shape != (n_rows,):
        raise ValueError(f"{name} has shape {y.shape}; expected ({n_rows},) to match the label matrix")
    bad = (y < 0) | (y >= n_classes)
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(f"{name} has value {y[row]} at row {row}; expected a class in 0..{n_classes - 1}")
    return y.astype(np.int64, copy=False)


def _require_classes(n_classes: int) -> None:
    # One class leaves nothing to predict; it is a config or loader mistake, not a task.
    if not isinstance(n_classes, (int, np.integer)) or isinstance(n_classes, bool) or n_classes < 2:
        raise ValueError(f"n_classes is {n_classes!r}; expected an integer >= 2 (a task needs at least two classes)")


def _require_integer(values: np.ndarray, name: str) -> None:
    if values.dtype.kind not in "iu":
        raise TypeError(f"{name} has dtype {values.dtype}; expected an integer dtype")
