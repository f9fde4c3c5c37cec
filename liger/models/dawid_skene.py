"""Dawid–Skene: a K-class label model fit by EM, with abstains.

Model (Dawid and Skene, 1979): Y ~ Categorical(pi); given Y, the LFs vote independently, and LF i,
when it votes, votes v with probability C_i[Y, v] (its confusion matrix). Abstaining is assumed
independent of Y, so an abstain multiplies every class's likelihood by the same factor and drops
out: for a row with votes L,

    P(Y = y | L) ∝ pi_y * Π_{i : L_i != -1} C_i[y, L_i].

EM alternates this posterior (E-step) with posterior-weighted vote counts (M-step); a Dirichlet
pseudo-count ``smoothing`` is added to every confusion-matrix cell and every class count, so the
M-step gives the MAP estimate and keeps the cells away from zero.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import Literal

import numpy as np
from scipy.special import logsumexp
from sklearn.exceptions import ConvergenceWarning

from liger.labels import ABSTAIN
from liger.models.base import LabelModel, check_class_balance
from liger.models.majority import vote_counts

Init = Literal["majority_vote"]
_FLOOR = 1e-300  # keeps log-probabilities finite when a cell is exactly zero (smoothing=0)


class DawidSkene(LabelModel):
    """Dawid–Skene EM label model for ``n_classes`` >= 2 classes, abstain -1.

    Parameters
    ----------
    n_classes : K, the number of classes (votes are 0..K-1, abstain -1).
    max_iter : most EM iterations (an E-step, then an M-step unless the E-step met ``tol``).
    tol : EM stops once an iteration changes the objective (per-row log-likelihood plus the
        Dirichlet log-prior) by at most ``tol``.
    smoothing : Dirichlet pseudo-count added to each confusion-matrix count and each class count.
    init : "majority_vote": the first posteriors are the majority-vote shares; rows where every
        LF abstains start at the given class balance, or uniform without one.

    Attributes
    ----------
    confusions_ : (m, K, K), ``confusions_[i, y, v]`` = P(LF i votes v | Y = y, LF i votes).
    class_balance_ : (K,), the class prior; the one given to ``fit``, else estimated by EM.
    n_iter_ : EM iterations run (E-steps).
    converged_ : whether EM met ``tol`` within ``max_iter`` iterations.
    n_lfs_ : m, the number of LF columns seen by ``fit``.

    ``predict_proba(L)`` is the posterior above, (n, K); a row where every LF abstains gets
    ``class_balance_``.
    """

    def __init__(
        self,
        n_classes: int = 2,
        max_iter: int = 100,
        tol: float = 1e-6,
        smoothing: float = 0.01,
        init: Init = "majority_vote",
    ):
        self.n_classes = n_classes
        self.max_iter = max_iter
        self.tol = tol
        self.smoothing = smoothing
        self.init = init

    def fit(self, L: np.ndarray, class_balance: np.ndarray | None = None) -> "DawidSkene":
        """Fit on an (n, m) label matrix; a given ``class_balance`` (K,) is held fixed."""
        self._check_params()
        L = self._check_L(L)
        if L.shape[0] == 0:
            raise ValueError(f"L has shape {L.shape}; Dawid–Skene needs at least one row to fit")
        balance = check_class_balance(class_balance, self.n_classes)
        # Rows are exchangeable, so EM runs on the distinct vote patterns weighted by their counts.
        patterns, counts = np.unique(L, axis=0, return_counts=True)
        self.n_lfs_ = L.shape[1]
        # What every EM iteration reads from the patterns, built once per fit.
        index = _vote_index(patterns, self.n_classes)
        one_hots = (patterns.T[:, :, None] == np.arange(self.n_classes)).astype(np.float64)
        posteriors = self._initial_posteriors(patterns, balance)
        confusions, prior = self._m_step(patterns, counts, one_hots, posteriors, balance)
        self.converged_, objective, change = False, None, np.inf
        for self.n_iter_ in range(1, self.max_iter + 1):
            scores = _log_joint(index, confusions, prior)
            log_evidence = logsumexp(scores, axis=1, keepdims=True)
            previous, objective = objective, self._objective(counts, log_evidence, confusions, prior)
            if previous is not None:
                change = abs(objective - previous)
                if change <= self.tol:
                    self.converged_ = True
                    break
            confusions, prior = self._m_step(patterns, counts, one_hots, np.exp(scores - log_evidence), balance)
        if not self.converged_:
            warnings.warn(
                f"DawidSkene: EM did not converge in max_iter={self.max_iter} iterations "
                f"(last change in the per-row objective {change:.3g} > tol={self.tol})",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.confusions_, self.class_balance_ = confusions, prior
        return self

    def predict_proba(self, L: np.ndarray) -> np.ndarray:
        """(n, K) posteriors P(Y = y | L); all-abstain rows get ``class_balance_``."""
        L = self._check_L(L, n_lfs=self.n_lfs_)
        scores = _log_joint(_vote_index(L, self.n_classes), self.confusions_, self.class_balance_)
        return np.exp(scores - logsumexp(scores, axis=1, keepdims=True))

    def _check_params(self) -> None:
        if not isinstance(self.n_classes, Integral) or self.n_classes < 2:
            raise ValueError(f"n_classes is {self.n_classes!r}; expected an integer >= 2")
        if not isinstance(self.max_iter, Integral) or self.max_iter < 1:
            raise ValueError(f"max_iter is {self.max_iter!r}; expected an integer >= 1")
        if not isinstance(self.tol, Real) or not self.tol >= 0:
            raise ValueError(f"tol is {self.tol!r}; expected a number >= 0")
        if not isinstance(self.smoothing, Real) or not self.smoothing >= 0:
            raise ValueError(f"smoothing is {self.smoothing!r}; expected a number >= 0")
        if self.init != "majority_vote":
            raise ValueError(f"init is {self.init!r}; expected 'majority_vote'")

    def _initial_posteriors(self, patterns: np.ndarray, balance: np.ndarray | None) -> np.ndarray:
        votes = vote_counts(patterns, self.n_classes).astype(np.float64)
        totals = votes.sum(axis=1, keepdims=True)
        fallback = np.full(self.n_classes, 1.0 / self.n_classes) if balance is None else balance
        return np.where(totals > 0, votes / np.maximum(totals, 1.0), fallback)

    def _objective(self, counts, log_evidence, confusions, prior) -> float:
        """Per-row log-likelihood plus the Dirichlet log-prior; EM never decreases it."""
        log_prior = np.log(np.maximum(confusions, _FLOOR)).sum() + np.log(np.maximum(prior, _FLOOR)).sum()
        return float((counts @ log_evidence[:, 0] + self.smoothing * log_prior) / counts.sum())

    def _m_step(
        self, patterns: np.ndarray, counts: np.ndarray, one_hots: np.ndarray, posteriors: np.ndarray,
        balance: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """MAP confusions (m, K, K) and prior (K,) from posteriors (p, K) of patterns with counts (p,).

        ``one_hots`` is (m, p, K) float: ``one_hots[i, r, v]`` = 1 where LF i votes v on pattern r (abstains
        are all-zero rows). The stacked product is the per-LF product ``weighted.T @ one_hots[i]`` for each i.
        """
        K = self.n_classes
        weighted = posteriors * counts[:, None]
        confusions = weighted.T @ one_hots + self.smoothing
        totals = confusions.sum(axis=2, keepdims=True)
        # A class with no weight among LF i's votes (possible only with smoothing=0) gets a uniform row.
        confusions = np.where(totals > 0, confusions / np.where(totals > 0, totals, 1.0), 1.0 / K)
        if balance is not None:
            return confusions, balance.copy()
        # All-abstain rows carry no information about the prior (their posterior is the prior itself).
        informative = np.any(patterns != ABSTAIN, axis=1)
        class_counts = weighted[informative].sum(axis=0) + self.smoothing
        total = class_counts.sum()
        prior = class_counts / total if total > 0 else np.full(K, 1.0 / K)
        return confusions, prior


def _vote_index(L: np.ndarray, n_classes: int) -> np.ndarray:
    """(m, n) int: the rows of _log_joint's stacked table that the votes ``L`` (n, m) select."""
    K = n_classes
    return np.arange(L.shape[1])[:, None] * (K + 1) + np.where(L == ABSTAIN, K, L).T


def _log_joint(vote_index: np.ndarray, confusions: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """(n, K) log P(Y = y, votes) up to the abstain factors: log prior + Σ over voting LFs of log C_i[y, L_i].

    ``vote_index`` is ``_vote_index(L)``: row ``i * (K + 1) + v`` of the stacked table holds log C_i[:, v]
    and row ``i * (K + 1) + K`` zeros, so one lookup per LF gathers its terms and an abstain adds exactly 0.
    The terms are summed LF by LF, in the order the per-LF loop in the tests sums them, so the two agree
    bit for bit.
    """
    m, K = confusions.shape[0], confusions.shape[1]
    log_confusions = np.log(np.maximum(confusions, _FLOOR))
    table = np.concatenate([log_confusions.transpose(0, 2, 1), np.zeros((m, 1, K))], axis=1).reshape(m * (K + 1), K)
    scores = np.tile(np.log(np.maximum(prior, _FLOOR)), (vote_index.shape[1], 1))
    for rows in vote_index:
        scores += np.take(table, rows, axis=0)
    return scores
