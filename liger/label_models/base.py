"""The label-model interface: one abstract method (``predict_proba``); the rest derive from it."""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from liger.labels import check_label_matrix


class FittedEstimator(BaseEstimator):
    """scikit-learn conventions: ``__init__`` stores parameters (so ``clone`` and ``get_params`` work),
    ``fit`` returns ``self``, and a learned attribute (a public name ending in ``_``) read before ``fit``
    raises ``NotFittedError`` naming it, whichever method reads it."""

    def __getattr__(self, name: str):
        # Only reached when normal lookup fails: a learned attribute that fit has not set yet.
        if name.endswith("_") and not name.startswith("_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet ({name} is missing): call fit first")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


class LabelModel(FittedEstimator, ABC):
    """Maps an (n, m) label matrix (abstain -1) to (n, K) class probabilities."""

    n_classes: int

    @abstractmethod
    def fit(self, L: np.ndarray, class_balance: np.ndarray | None = None) -> "LabelModel": ...

    @abstractmethod
    def predict_proba(self, L: np.ndarray) -> np.ndarray: ...

    def with_class_balance(self, class_balance: np.ndarray) -> "LabelModel":
        """A fitted copy that uses another class prior; models whose prior enters elsewhere override this."""
        twin = copy.copy(self)
        twin.class_balance_ = check_class_balance(class_balance, self.n_classes)
        return twin

    def predict_with_balances(self, L: np.ndarray, balances: np.ndarray) -> np.ndarray:
        """(B, n): ``with_class_balance(b).predict(L)`` for each of the B balances; models may share work."""
        return np.stack([self.with_class_balance(balance).predict(L) for balance in balances])

    def predict(self, L: np.ndarray) -> np.ndarray:
        """Most probable class; exact ties go to the lowest class index (stated, deterministic)."""
        return np.argmax(self.predict_proba(L), axis=1)

    def _check_L(self, L: np.ndarray, *, n_lfs: int | None = None) -> np.ndarray:
        L = check_label_matrix(L, self.n_classes)
        if n_lfs is not None and L.shape[1] != n_lfs:
            raise ValueError(f"L has {L.shape[1]} LF columns; the model was fit on {n_lfs}")
        return L


def check_class_balance(class_balance: np.ndarray | None, n_classes: int) -> np.ndarray | None:
    """None, or a probability vector of length K with every entry in (0, 1)."""
    if class_balance is None:
        return None
    balance = np.asarray(class_balance, dtype=np.float64)
    if balance.shape != (n_classes,):
        raise ValueError(f"class_balance has shape {balance.shape}; expected ({n_classes},)")
    if np.any(balance <= 0) or np.any(balance >= 1) or not np.isclose(balance.sum(), 1.0):
        raise ValueError(f"class_balance is {balance.tolist()}; expected entries in (0, 1) summing to 1")
    return balance
