"""FlyingSquid's triplet method for binary label models, with abstains.

Notation (Fu et al., "Fast and Three-rious", ICML 2020): signed votes s_i in {-1, 0, +1} (+1 = class 1),
Y in {-1, +1}, prior pi = P(Y = +1). Under conditional independence with abstains independent
of Y, E[s_j s_k] = a_j a_k with a_i = E[s_i Y], so each triplet {i, j, k} gives
|a_i| = sqrt(|M_ij M_ik / M_jk|); signs are taken positive (LFs better than random).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from liger.label_models.base import LabelModel, check_class_balance

Aggregate = Literal["median", "mean"]
Posterior = Literal["naive_bayes", "flyingsquid"]
_FLOOR = 1e-12  # keeps log-probabilities finite when a table cell is exactly zero
# Log-probabilities are rounded to multiples of 2^-32 (|log _FLOOR| < 28): a sum of up to 75,000 of them is
# exact in float64, so it does not depend on the order BLAS adds them in (a change of 1e-10 at most).
_GRID = 2.0**-32


def _on_exact_grid(log_probabilities: np.ndarray) -> np.ndarray:
    return np.round(log_probabilities / _GRID) * _GRID
_BALANCE_CLIP = (0.01, 0.99)


def signed_votes(L: np.ndarray) -> np.ndarray:
    """Internal binary votes (1 / 0 / -1 abstain) as signs (+1 / -1 / 0), float64."""
    return (L == 1).astype(np.float64) - (L == 0).astype(np.float64)


def triplet_accuracies(second_moments: np.ndarray, aggregate: Aggregate = "median") -> np.ndarray:
    """a_i = E[s_i Y] from the (m, m) matrix M_jk = E[s_j s_k], one candidate per triplet.

    Pairs {j, k} with M_jk = 0 give no candidate; an LF with no candidate gets a_i = 0 (no signal).
    """
    M = np.asarray(second_moments, dtype=np.float64)
    m = M.shape[0]
    reduce = np.median if aggregate == "median" else np.mean
    accuracies = np.zeros(m)
    # Every pair j < k (itertools.combinations order), vectorised: O(m^2) numpy work per LF.
    J, K = np.triu_indices(m, 1)
    M_jk = M[J, K]
    for i in range(m):
        usable = (J != i) & (K != i) & (M_jk != 0)
        if usable.any():
            j, k = J[usable], K[usable]
            accuracies[i] = reduce(np.sqrt(np.abs(M[i, j] * M[i, k] / M_jk[usable])))
    return accuracies


def estimate_class_balance(signs: np.ndarray, accuracies: np.ndarray) -> float:
    """pi from E[s_i] = a_i (2 pi - 1): the median over LFs with signal, clipped to [0.01, 0.99]."""
    informative = accuracies > 1e-6
    if not informative.any():
        return 0.5
    ratios = signs[:, informative].mean(axis=0) / accuracies[informative]
    return float(np.clip((1.0 + np.median(ratios)) / 2.0, *_BALANCE_CLIP))


def joint_tables(p_plus: np.ndarray, p_zero: np.ndarray, accuracies: np.ndarray, prior_positive: float) -> np.ndarray:
    """(m, 3, 2) tables P(s_i = v, Y = y): v index 0/1/2 for -1/0/+1, y index 0/1 for -1/+1.

    ``p_plus`` and ``p_zero`` are each LF's rates of voting +1 and of abstaining.
    """
    pi = prior_positive
    q = (1.0 + accuracies - p_zero) / 2.0  # P(s_i Y = 1)
    plus_plus = (p_plus + q - (1.0 - pi) * (1.0 - p_zero)) / 2.0
    tables = np.empty((len(accuracies), 3, 2))
    tables[:, 2, 1] = plus_plus
    tables[:, 0, 0] = q - plus_plus
    tables[:, 2, 0] = p_plus - plus_plus
    tables[:, 0, 1] = pi * (1.0 - p_zero) - plus_plus
    tables[:, 1, 0] = p_zero * (1.0 - pi)
    tables[:, 1, 1] = p_zero * pi
    tables = np.abs(tables)  # FlyingSquid's repair of negative cells, then renormalise
    return tables / tables.sum(axis=(1, 2), keepdims=True)


class TripletLabelModel(LabelModel):
    """Binary triplet label model (FlyingSquid), abstains allowed.

    ``posterior="naive_bayes"`` (default) is P(y | s) ∝ P(y) Π_i P(s_i | y) from the fitted joint tables,
    the posterior of the model the parameters were fit for; a row where every LF abstains gets the
    class prior (with repaired tables the abstain cells alone would tilt it). ``posterior="flyingsquid"`` reproduces the reference
    implementation, Π_i P(s_i, y) / P(y)^(m-2), which applies the prior once more; it exists to
    match the reference code's numbers.
    """

    def __init__(self, n_classes: int = 2, aggregate: Aggregate = "median", posterior: Posterior = "naive_bayes"):
        self.n_classes = n_classes
        self.aggregate = aggregate
        self.posterior = posterior

    def fit(self, L: np.ndarray, class_balance: np.ndarray | None = None) -> "TripletLabelModel":
        if self.n_classes != 2:
            raise ValueError(f"TripletLabelModel is binary; got n_classes={self.n_classes} "
                             "(use 'dawid_skene' or 'majority_vote' for K > 2)")
        if self.aggregate not in ("median", "mean"):
            raise ValueError(f"aggregate is {self.aggregate!r}; expected 'median' or 'mean'")
        if self.posterior not in ("naive_bayes", "flyingsquid"):
            raise ValueError(f"posterior is {self.posterior!r}; expected 'naive_bayes' or 'flyingsquid'")
        L = self._check_L(L)
        if L.shape[0] == 0:
            raise ValueError(f"L has shape {L.shape}; the triplet method needs at least one row to fit")
        if L.shape[1] < 3:
            raise ValueError(f"the triplet method needs at least 3 LFs; L has {L.shape[1]}")
        signs = signed_votes(L)
        self.n_lfs_ = L.shape[1]
        self.accuracies_ = triplet_accuracies(signs.T @ signs / len(signs), self.aggregate)
        balance = check_class_balance(class_balance, 2)
        prior_positive = estimate_class_balance(signs, self.accuracies_) if balance is None else balance[1]
        self.vote_rates_ = ((signs == 1).mean(axis=0), (signs == 0).mean(axis=0))
        return self._set_prior(prior_positive)

    def with_class_balance(self, class_balance: np.ndarray) -> "TripletLabelModel":
        """A fitted copy with another prior; the accuracies and vote rates do not depend on it."""
        balance = check_class_balance(class_balance, 2)
        twin = TripletLabelModel(self.n_classes, self.aggregate, self.posterior)
        twin.n_lfs_, twin.accuracies_, twin.vote_rates_ = self.n_lfs_, self.accuracies_, self.vote_rates_
        return twin._set_prior(balance[1])

    def _set_prior(self, prior_positive: float) -> "TripletLabelModel":
        self.class_balance_ = np.array([1.0 - prior_positive, prior_positive])
        self.joint_ = joint_tables(*self.vote_rates_, self.accuracies_, prior_positive)
        return self

    def log_likelihoods(self, L: np.ndarray) -> np.ndarray:
        """(n, 2) per-row log-likelihoods whose sum with log P(y) is the log posterior, up to a constant.

        naive_bayes: sum_i log P_i(s_i | y), abstain cells included (FlyingSquid's repair of negative cells can
        make them differ between classes), and 0 for a row where every LF abstains, so that such a row gets
        the class prior. flyingsquid: sum_i log P(s_i, y) - (m - 1) log P(y), so that adding log P(y) gives the
        reference implementation's prod_i P(s_i, y) / P(y)^(m-2).
        """
        return self._log_likelihoods(self._design(L))

    def predict_proba(self, L: np.ndarray) -> np.ndarray:
        return self._proba(self._design(L))

    def predict_with_balances(self, L: np.ndarray, balances: np.ndarray) -> np.ndarray:
        """(B, n): ``with_class_balance(b).predict(L)`` for each of the B balances, reading L once."""
        design = self._design(L)
        return np.stack([np.argmax(self.with_class_balance(balance)._proba(design), axis=1) for balance in balances])

    def _design(self, L: np.ndarray) -> np.ndarray:
        """(n, 3m) one-hot votes: column 3 i + v is 1 where LF i's vote index is v (0/1/2 for -1/0/+1)."""
        cells = (signed_votes(self._check_L(L, n_lfs=self.n_lfs_)) + 1).astype(np.int64)
        design = np.zeros((cells.shape[0], 3 * self.n_lfs_))
        design[np.arange(cells.shape[0])[:, None], 3 * np.arange(self.n_lfs_) + cells] = 1.0
        return design

    def _log_likelihoods(self, design: np.ndarray) -> np.ndarray:
        log_joint = np.log(np.maximum(self.joint_, _FLOOR))
        if self.posterior == "naive_bayes":
            table = log_joint - np.log(np.maximum(self.joint_.sum(axis=1, keepdims=True), _FLOOR))
        else:
            table = log_joint
        # One product with the stacked per-LF tables sums each row's terms over its LFs. BLAS may add a row's
        # terms in an order that depends on where the row sits; on the grid every sum is exact, so it cannot
        # matter: a row's score never depends on the other rows.
        scores = design @ _on_exact_grid(table).reshape(3 * self.n_lfs_, 2)
        if self.posterior == "naive_bayes":
            # A row without any vote is predicted from the class balance alone (a recorded fallback).
            scores[design[:, 1::3].all(axis=1)] = 0.0
            return scores
        return scores - (self.n_lfs_ - 1) * np.log(self.class_balance_)

    def _proba(self, design: np.ndarray) -> np.ndarray:
        scores = self._log_likelihoods(design) + np.log(self.class_balance_)
        scores -= scores.max(axis=1, keepdims=True)
        proba = np.exp(scores)
        return proba / proba.sum(axis=1, keepdims=True)
