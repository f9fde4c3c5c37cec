"""Dawid–Skene: a K-class label model fit by EM, with abstains; by default WRENCH's model.

Model (Dawid and Skene, 1979): Y ~ Categorical(pi); given Y the LFs act independently, and LF i
outputs o with probability C_i[Y, o]. Two treatments of abstaining (``abstain``):

- "outcome" (default; WRENCH's ``labelmodel/dawid_skene.py``): abstaining is each LF's (K+1)-th
  outcome, so C_i[y, :] sums to 1 over the K votes and abstain. When an LF abstains says something
  about Y: a one-class LF that fires mostly on its class abstains less often on that class.
- "ignore": abstaining is independent of Y and drops out; C_i[y, :K] sums to 1 over the votes and
  C_i[y, abstain] is 1. Degenerate when every LF votes one class (trec): each LF then votes "my
  class" with probability 1 whatever Y, so the votes carry nothing and EM returns its prior.

Either way, for a row with outputs L (abstain -1, stored in the last column of C_i),

    P(Y = y | L) ∝ pi_y * Π_i C_i[y, L_i].

Fit, as WRENCH fits it: posteriors start at the majority-vote shares (rows without a vote: uniform, or
the given class balance); each iteration is an M-step (C_i from posterior-weighted outcome counts plus
``smoothing``; pi = mean posterior, plus ``smoothing``) then an E-step (the posterior above); EM stops
once an M-step moves pi and C each by less than ``tol`` in L1 norm, or after ``max_iter`` M-steps.
WRENCH's settings: abstain="outcome", smoothing=0, tol=1e-5, max_iter=10000, no class balance.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Literal

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning

from liger.labels import ABSTAIN
from liger.label_models.base import LabelModel, check_class_balance
from liger.label_models.majority import vote_counts

Init = Literal["majority_vote"]
Abstain = Literal["outcome", "ignore"]
ABSTAIN_TREATMENTS = ("outcome", "ignore")
_FLOOR = 1e-300  # keeps log-probabilities finite when a cell is exactly zero (smoothing=0)


class DawidSkene(LabelModel):
    """Dawid–Skene EM label model for ``n_classes`` >= 2 classes, abstain -1.

    Parameters
    ----------
    n_classes : K, the number of classes (votes are 0..K-1, abstain -1).
    abstain : "outcome" (abstaining is each LF's (K+1)-th outcome, WRENCH) or "ignore" (it drops out).
    max_iter : most EM iterations (M-steps).
    tol : EM stops once an M-step changes the class prior and the confusions each by less than
        ``tol`` (sum of absolute changes); tol=0 runs exactly ``max_iter`` iterations.
    smoothing : Dirichlet pseudo-count added to each confusion-matrix count and each class count.
    init : "majority_vote": the first posteriors are the majority-vote shares; rows where every
        LF abstains start at the given class balance, or uniform without one.

    Attributes
    ----------
    confusions_ : (m, K, K + 1), ``confusions_[i, y, v]`` = P(LF i outputs v | Y = y) for votes
        v = 0..K-1 and abstain in the last column (so ``confusions_[i, y, L[r, i]]`` indexes it with
        the vote itself). With abstain="ignore" the vote cells are P(v | Y = y, LF i votes) and the
        abstain column is 1.
    class_balance_ : (K,), the class prior; the one given to ``fit``, else estimated by EM (over every
        row with abstain="outcome"; over rows with a vote with abstain="ignore").
    n_iter_ : EM iterations run (M-steps).
    converged_ : whether EM met ``tol`` within ``max_iter`` iterations.
    n_lfs_ : m, the number of LF columns seen by ``fit``.

    ``predict_proba(L)`` is the posterior above, (n, K). A row where every LF abstains gets
    P(Y | every LF abstains): the prior weighted by the abstain rates ("outcome"), or the prior itself
    ("ignore").
    """

    def __init__(
        self,
        n_classes: int = 2,
        abstain: Abstain = "outcome",
        max_iter: int = 10000,
        tol: float = 1e-5,
        smoothing: float = 0.0,
        init: Init = "majority_vote",
    ):
        self.n_classes = n_classes
        self.abstain = abstain
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
        self.n_lfs_ = L.shape[1]
        data = VotePatterns.of(L, self.n_classes)
        posteriors = self._initial_posteriors(data.patterns, balance)
        self.converged_, previous, changes = False, None, (np.inf, np.inf)
        for self.n_iter_ in range(1, self.max_iter + 1):  # noqa: B020 (the attribute is the iteration count)
            confusions, prior = self._m_step(data, posteriors, balance)
            if previous is not None:
                changes = (np.abs(prior - previous[1]).sum(), np.abs(confusions - previous[0]).sum())
                if max(changes) < self.tol:
                    self.converged_ = True
                    break
            previous = confusions, prior
            posteriors = _normalised_exp(_log_joint(data.outcomes, confusions, prior))
        if not self.converged_:
            warnings.warn(
                f"DawidSkene: EM did not converge in max_iter={self.max_iter} iterations (the last M-step moved "
                f"the prior by {changes[0]:.3g} and the confusions by {changes[1]:.3g} in L1; tol={self.tol})",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.confusions_, self.class_balance_ = confusions, prior
        return self

    def predict_proba(self, L: np.ndarray) -> np.ndarray:
        """(n, K) posteriors P(Y = y | L), all-abstain rows included."""
        L = self._check_L(L, n_lfs=self.n_lfs_)
        return _normalised_exp(_log_joint(outcome_matrix(L, self.n_classes), self.confusions_, self.class_balance_))

    def _check_params(self) -> None:
        if not isinstance(self.n_classes, Integral) or self.n_classes < 2:
            raise ValueError(f"n_classes is {self.n_classes!r}; expected an integer >= 2")
        if self.abstain not in ABSTAIN_TREATMENTS:
            raise ValueError(f"abstain is {self.abstain!r}; expected one of {list(ABSTAIN_TREATMENTS)}")
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

    def _m_step(
        self, data: "VotePatterns", posteriors: np.ndarray, balance: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """MAP confusions (m, K, K + 1) and prior (K,) from the posteriors (p, K) of the distinct patterns."""
        K = self.n_classes
        weighted = posteriors * data.counts[:, None]
        # Row i * (K + 1) + o of the product sums the weights of the patterns where LF i outputs o, in pattern order.
        outcome_counts = (data.outcomes_by_lf @ weighted).reshape(-1, K + 1, K).transpose(0, 2, 1)
        if self.abstain == "outcome":
            confusions = _normalised_rows(outcome_counts + self.smoothing)
            class_weight = weighted
        else:
            # Abstaining drops out: normalise over the votes; the abstain cell is a factor 1 for every class.
            confusions = _normalised_rows(outcome_counts[:, :, :K] + self.smoothing)
            confusions = np.concatenate([confusions, np.ones(confusions.shape[:2] + (1,))], axis=2)
            # All-abstain rows carry no information about the prior (their posterior is the prior itself).
            class_weight = weighted[data.informative]
        if balance is not None:
            return confusions, balance.copy()
        class_counts = class_weight.sum(axis=0) + self.smoothing
        total = class_counts.sum()
        prior = class_counts / total if total > 0 else np.full(K, 1.0 / K)
        return confusions, prior


@dataclass(frozen=True)
class VotePatterns:
    """The distinct rows of a label matrix and what every EM iteration reads from them, built once per fit.

    Rows are exchangeable, so EM runs on the distinct vote patterns weighted by their counts.
    """

    patterns: np.ndarray  # (p, m) distinct rows, in lexicographic order
    counts: np.ndarray  # (p,) how often each occurs
    informative: np.ndarray  # (p,) bool: the pattern has a vote
    outcomes: sparse.csr_matrix  # outcome_matrix(patterns)
    outcomes_by_lf: sparse.csr_matrix  # (m (K + 1), p): its LF-outcome columns, transposed

    @classmethod
    def of(cls, L: np.ndarray, n_classes: int) -> "VotePatterns":
        patterns, counts = distinct_rows(L, n_classes)
        outcomes = outcome_matrix(patterns, n_classes)
        by_lf = outcomes[:, 1:].T.tocsr()
        by_lf.sort_indices()
        return cls(patterns, counts, np.any(patterns != ABSTAIN, axis=1), outcomes, by_lf)


def distinct_rows(L: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(L, axis=0, return_counts=True)``, 3x faster: rows compared as byte strings when votes fit a byte."""
    if n_classes + 1 > np.iinfo(np.uint8).max:
        return np.unique(L, axis=0, return_counts=True)
    # L + 1 maps -1..K-1 onto 0..K monotonically, so byte order is np.unique's lexicographic row order.
    rows = np.ascontiguousarray(L + 1, dtype=np.uint8).view(np.dtype((np.void, L.shape[1]))).ravel()
    _, first, counts = np.unique(rows, return_index=True, return_counts=True)
    return L[first], counts


def outcome_matrix(L: np.ndarray, n_classes: int) -> sparse.csr_matrix:
    """(n, 1 + m (K + 1)) 0/1 CSR: column 0 is 1 (the prior), column 1 + i (K + 1) + o is 1 where LF i outputs o.

    Output o is the vote, or K for abstain. Each row holds 1 + m ones in increasing column order, so
    ``outcome_matrix(L) @ table`` adds the prior row, then one table row per LF, in LF order.
    """
    n, m = L.shape
    K = n_classes
    columns = np.empty((n, m + 1), dtype=np.int64)
    columns[:, 0] = 0
    columns[:, 1:] = 1 + np.arange(m) * (K + 1) + np.where(L == ABSTAIN, K, L)
    return sparse.csr_matrix((np.ones(columns.size), columns.ravel(), np.arange(0, columns.size + 1, m + 1)),
                             shape=(n, 1 + m * (K + 1)))


def _normalised_rows(cells: np.ndarray) -> np.ndarray:
    """Each row of the last axis divided by its sum; a zero row (smoothing=0, a class with no weight) is uniform."""
    totals = cells.sum(axis=-1, keepdims=True)
    return np.where(totals > 0, cells / np.where(totals > 0, totals, 1.0), 1.0 / cells.shape[-1])


def _normalised_exp(scores: np.ndarray) -> np.ndarray:
    """Rows of exp(scores), each divided by its sum (the posterior from log joint probabilities)."""
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    return weights / weights.sum(axis=1, keepdims=True)


def _log_joint(outcomes: sparse.csr_matrix, confusions: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """(n, K) log P(Y = y, outputs) = log prior + Σ_i log C_i[y, L_i], for ``confusions`` (m, K, K + 1).

    ``outcomes`` is ``outcome_matrix(L)``: row 1 + i (K + 1) + o of the stacked table holds log C_i[:, o], so the
    sparse product gathers and sums each row's terms. SciPy's CSR product adds them one by one in column order,
    i.e. the prior and then LF by LF, as the per-LF loop in the tests does, so the two agree bit for bit.
    """
    K = confusions.shape[1]
    log_confusions = np.log(np.maximum(confusions, _FLOOR)).transpose(0, 2, 1).reshape(-1, K)
    table = np.concatenate([np.log(np.maximum(prior, _FLOOR))[None, :], log_confusions])
    return np.asarray(outcomes @ table)
