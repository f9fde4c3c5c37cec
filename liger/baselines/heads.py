"""Heads on embeddings: kNN, a small MLP adapter and logistic regression, trained on weak or hand labels.

WS-kNN / WS-Adapter / WS-LogReg learn from the label model's output on train (hard labels for kNN,
soft labels for the adapter and logistic regression), restricted to train points with at least one
LF vote. FS-kNN / FS-Adapter / FS-LogReg learn from the dev hand labels only. Each head is listed in
``HEADS`` with the hyperparameter its grid varies and which end of that grid is the simpler model.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier

log = logging.getLogger(__name__)


def fit_knn(E: np.ndarray, y: np.ndarray, *, k: int) -> KNeighborsClassifier:
    """k nearest neighbours by cosine similarity (Euclidean on unit rows ranks the same)."""
    return KNeighborsClassifier(n_neighbors=min(k, len(y))).fit(E, y)


def soft_label_rows(E: np.ndarray, targets: np.ndarray, *, n_classes: int):
    """(X, y, sample_weight) that fit (n, K) soft labels exactly as cross-entropy against the distribution.

    Each row appears once per class it has probability for, weighted by that probability; a copy of
    weight exactly 0 adds nothing to the loss, so it is left out (most of them with peaked multi-class
    label models). (n,) hard labels pass through unweighted (weights None).
    """
    targets = np.asarray(targets)
    if targets.ndim == 1:
        return E, targets, None
    if targets.shape != (E.shape[0], n_classes):
        raise ValueError(f"soft labels have shape {targets.shape}; expected ({E.shape[0]}, {n_classes})")
    weights = targets.T.reshape(-1)
    kept = weights != 0
    X = np.concatenate([E] * n_classes)[kept]
    y = np.repeat(np.arange(n_classes), E.shape[0])[kept]
    return X, y, weights[kept]


def fit_adapter(E: np.ndarray, targets: np.ndarray, *, hidden: int, n_classes: int, random_state: int,
                max_iter: int = 200) -> MLPClassifier:
    """One-hidden-layer MLP. ``targets`` is (n,) hard labels or (n, K) soft labels (see ``soft_label_rows``)."""
    X, y, weights = soft_label_rows(E, targets, n_classes=n_classes)
    model = MLPClassifier(hidden_layer_sizes=(hidden,), max_iter=max_iter, random_state=random_state)
    return _quietly_fit(model, X, y, weights)


def fit_logreg(E: np.ndarray, targets: np.ndarray, *, C: float, n_classes: int, random_state: int,
               class_weight: str | None = None, max_iter: int = 1000) -> LogisticRegression:
    """L2 logistic regression (multinomial for K > 2). ``targets`` as for ``fit_adapter``.

    ``class_weight="balanced"``: class c weighs n / (K * its label mass), scikit-learn's "balanced" for
    hard labels and the same counted in probability for soft ones (the duplicated rows of
    ``soft_label_rows`` would otherwise look balanced to scikit-learn).
    """
    X, y, weights = soft_label_rows(E, targets, n_classes=n_classes)
    if class_weight not in (None, "balanced"):
        raise ValueError(f"class_weight is {class_weight!r}; expected None or 'balanced'")
    classes = None if class_weight is None else balanced_class_weights(targets, n_classes=n_classes)
    model = LogisticRegression(C=C, class_weight=classes, max_iter=max_iter, random_state=random_state)
    return _quietly_fit(model, X, y, weights)


def _quietly_fit(model, X: np.ndarray, y: np.ndarray, weights: np.ndarray):
    """``model.fit``; stopping at ``max_iter`` is logged once per process at debug level instead of a warning
    per fit (a grid over seeds and values would otherwise print hundreds of them)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        fitted = model.fit(X, y, sample_weight=weights)
    for warning in caught:
        if issubclass(warning.category, ConvergenceWarning):
            if type(model).__name__ not in _UNCONVERGED:
                _UNCONVERGED.add(type(model).__name__)
                log.debug("%s stopped at max_iter=%s before converging (%s)", type(model).__name__, model.max_iter,
                          warning.message)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return fitted


_UNCONVERGED: set[str] = set()


def balanced_class_weights(targets: np.ndarray, *, n_classes: int) -> dict[int, float]:
    """{class: n / (K * label mass)} over the classes with mass; K counts those classes, as scikit-learn does."""
    targets = np.asarray(targets)
    mass = np.bincount(targets, minlength=n_classes).astype(np.float64) if targets.ndim == 1 else targets.sum(axis=0)
    present = np.flatnonzero(mass > 0)
    return {int(c): float(len(targets) / (len(present) * mass[c])) for c in present}


def class_probabilities(model, E: np.ndarray, *, n_classes: int) -> np.ndarray:
    """(n, K) probabilities; a class the model never saw in training gets probability 0."""
    seen = model.predict_proba(E)
    probabilities = np.zeros((E.shape[0], n_classes), dtype=np.float64)
    probabilities[:, np.asarray(model.classes_, dtype=np.int64)] = seen
    return probabilities


@dataclass(frozen=True)
class Head:
    """A head: the hyperparameter its grid varies (of ``value_type``), how to fit one, its grid ordered
    simplest first, and the method keys it passes to ``fit`` as keyword options."""

    param: str
    fit: Callable[..., object]
    larger_is_simpler: bool
    options: tuple[str, ...] = ()
    value_type: type = int

    def simplest_first(self, grid) -> list:
        return sorted((self.value_type(v) for v in grid), reverse=self.larger_is_simpler)

    def fit_options(self, method, n_classes: int) -> dict:
        """The keyword options ``method`` sets for ``fit``; no class weight with more than 2 classes, where
        the argmax rule would keep the reweighted prior (with 2, the threshold chosen on dev re-picks it)."""
        options = {key: method[key] for key in self.options if key in method}
        if n_classes > 2 and "class_weight" in options:
            options["class_weight"] = None
        return options


def _knn(E, targets, value, *, n_classes, random_state):
    # kNN votes with hard labels: the most probable class of soft ones.
    return fit_knn(E, targets if np.ndim(targets) == 1 else np.asarray(targets).argmax(axis=1), k=int(value))


def _adapter(E, targets, value, *, n_classes, random_state):
    return fit_adapter(E, targets, hidden=int(value), n_classes=n_classes, random_state=random_state)


def _logreg(E, targets, value, *, n_classes, random_state, class_weight=None):
    return fit_logreg(E, targets, C=float(value), n_classes=n_classes, random_state=random_state, class_weight=class_weight)


#: method.kind -> head. Simpler: more neighbours (smoother vote), fewer hidden units, smaller C (more L2).
HEADS = {
    "knn": Head("k", _knn, larger_is_simpler=True),
    "adapter": Head("hidden", _adapter, larger_is_simpler=False),
    "logreg": Head("C", _logreg, larger_is_simpler=False, options=("class_weight",), value_type=float),
}
