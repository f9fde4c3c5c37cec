"""Snorkel's LabelModel (snorkel 0.10, Ratner et al., AAAI 2019) behind this package's interface.

Snorkel fits ``mu[i*K + v, y] = P(LF i votes v | Y = y)`` by matrix completion: SGD on
``||O - mu P mu^T||`` over the LF-pair blocks of the vote-overlap matrix O, with P = diag(prior).
Its posterior ignores abstains (they are taken as independent of Y):

    P(Y = y | L) ∝ p_y * Π_{i : L_i != -1} mu[i*K + L_i, y].

Snorkel is optional (``pip install snorkel==0.10.0``) and imported only inside ``fit``. ``fit``
copies the learned table out of the torch model; ``predict_proba`` evaluates the posterior above in
float64 log space (Snorkel multiplies raw probabilities, which underflow with many LFs), so a
swapped class balance really enters the posterior and prediction needs neither Snorkel nor torch.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp

from liger.labels import ABSTAIN
from liger.label_models.base import LabelModel, check_class_balance

_OPTIMIZERS = ("sgd", "adam", "adamax")
_SNORKEL_MISSING = "SnorkelLabelModel needs Snorkel, an optional dependency: pip install snorkel==0.10.0"


class SnorkelLabelModel(LabelModel):
    """Snorkel 0.10's ``LabelModel`` (conditionally independent LFs), K >= 2 classes, abstain -1.

    Defaults follow Snorkel's tutorials (``fit(L, n_epochs=500, log_freq=100, seed=...)``) and its
    ``TrainConfig`` for the rest; Snorkel's progress bar and logging are off.

    Parameters
    ----------
    n_classes : K, Snorkel's ``cardinality`` (votes are 0..K-1, abstain -1).
    n_epochs : SGD steps (each one step on the full overlap matrix).
    lr : learning rate.
    l2 : Snorkel's L2 penalty pulling ``mu`` toward its initial value (also used as weight decay).
    optimizer : "sgd", "adam" or "adamax".
    prec_init : initial LF precision P(Y = v | LF votes v), a number or one per LF, in (0, 1].
    mu_eps : the learned probabilities are clipped to [mu_eps, 1 - mu_eps]; None is Snorkel's
        default, min(0.01, 10 ** -ceil(log10 n)).
    random_state : Snorkel's ``seed``; a fixed value gives identical fits. Snorkel reseeds the
        global ``random``, NumPy and torch generators; ``fit`` restores them afterwards. ``fit``
        also runs torch on one thread (restored afterwards): the matrices are only mK x mK.

    Attributes
    ----------
    conditional_probs_ : (m, K + 1, K), Snorkel's ``get_conditional_probs()``:
        ``conditional_probs_[i, v + 1, y]`` = P(LF i votes v | Y = y), v = -1 (abstain) .. K-1.
    class_balance_ : (K,), the prior; the one given to ``fit``, else uniform (Snorkel does not
        estimate it from L).
    n_lfs_ : m, the number of LF columns seen by ``fit``.

    ``predict_proba(L)`` is the posterior in the module docstring, (n, K); a row where every LF
    abstains gets ``class_balance_``. ``with_class_balance`` (inherited) keeps the fitted
    conditional probabilities and swaps only the prior; it does not refit.
    """

    def __init__(
        self,
        n_classes: int = 2,
        n_epochs: int = 500,
        lr: float = 0.01,
        l2: float = 0.0,
        optimizer: str = "sgd",
        prec_init: float | Sequence[float] = 0.7,
        mu_eps: float | None = None,
        random_state: int = 0,
    ):
        self.n_classes = n_classes
        self.n_epochs = n_epochs
        self.lr = lr
        self.l2 = l2
        self.optimizer = optimizer
        self.prec_init = prec_init
        self.mu_eps = mu_eps
        self.random_state = random_state

    def fit(self, L: np.ndarray, class_balance: np.ndarray | None = None) -> "SnorkelLabelModel":
        """Fit on an (n, m) label matrix, m >= 3; a given ``class_balance`` (K,) is Snorkel's fixed prior."""
        self._check_params()
        L = self._check_L(L)
        if L.shape[0] == 0:
            raise ValueError(f"L has shape {L.shape}; Snorkel's LabelModel needs at least one row to fit")
        if L.shape[1] < 3:
            raise ValueError(f"Snorkel's LabelModel needs at least 3 LFs; L has {L.shape[1]}")
        balance = check_class_balance(class_balance, self.n_classes)
        prec_init = self._prec_init(L.shape[1])
        try:
            import torch
            from snorkel.labeling.model import LabelModel as SnorkelModel
        except ImportError as error:
            raise ImportError(_SNORKEL_MISSING) from error
        with _global_rngs_restored(torch), _one_torch_thread(torch):
            model = SnorkelModel(cardinality=self.n_classes, verbose=False)
            model.fit(
                L,
                class_balance=None if balance is None else balance.tolist(),
                progress_bar=False,
                n_epochs=int(self.n_epochs),
                lr=float(self.lr),
                l2=float(self.l2),
                optimizer=self.optimizer,
                prec_init=prec_init,
                mu_eps=None if self.mu_eps is None else float(self.mu_eps),
                seed=int(self.random_state),
                log_freq=int(self.n_epochs),
            )
        self.n_lfs_ = L.shape[1]
        self.conditional_probs_ = model.get_conditional_probs().astype(np.float64)
        self.class_balance_ = np.asarray(model.p, dtype=np.float64).copy()
        return self

    def predict_proba(self, L: np.ndarray) -> np.ndarray:
        """(n, K) posteriors P(Y = y | L); all-abstain rows get ``class_balance_``."""
        return self._posterior(self._log_likelihoods(L), self.class_balance_)

    def predict_with_balances(self, L: np.ndarray, balances: np.ndarray) -> np.ndarray:
        """(B, n): ``with_class_balance(b).predict(L)`` for each of the B balances; the likelihoods do not depend on b."""
        log_likelihoods = self._log_likelihoods(L)
        return np.stack([np.argmax(self._posterior(log_likelihoods, check_class_balance(balance, self.n_classes)), axis=1)
                         for balance in balances])

    def _log_likelihoods(self, L: np.ndarray) -> np.ndarray:
        """(n, K) sum over voting LFs of log P(LF i votes L_i | Y = y)."""
        L = self._check_L(L, n_lfs=self.n_lfs_)
        log_votes = np.log(self.conditional_probs_[:, 1:, :])  # (m, K, K): [i, v, y], clipped > 0 by Snorkel
        scores = np.zeros((L.shape[0], self.n_classes))
        for i, votes in enumerate(L.T):
            voted = votes != ABSTAIN
            scores[voted] += log_votes[i, votes[voted]]
        return scores

    @staticmethod
    def _posterior(log_likelihoods: np.ndarray, class_balance: np.ndarray) -> np.ndarray:
        scores = log_likelihoods + np.log(class_balance)
        return np.exp(scores - logsumexp(scores, axis=1, keepdims=True))

    def _check_params(self) -> None:
        if not isinstance(self.n_classes, Integral) or self.n_classes < 2:
            raise ValueError(f"n_classes is {self.n_classes!r}; expected an integer >= 2")
        if not isinstance(self.n_epochs, Integral) or self.n_epochs < 1:
            raise ValueError(f"n_epochs is {self.n_epochs!r}; expected an integer >= 1")
        if not isinstance(self.lr, Real) or not self.lr > 0:
            raise ValueError(f"lr is {self.lr!r}; expected a number > 0")
        if not isinstance(self.l2, Real) or not self.l2 >= 0:
            raise ValueError(f"l2 is {self.l2!r}; expected a number >= 0")
        if self.optimizer not in _OPTIMIZERS:
            raise ValueError(f"optimizer is {self.optimizer!r}; expected one of {list(_OPTIMIZERS)}")
        if self.mu_eps is not None and (not isinstance(self.mu_eps, Real) or not 0 < self.mu_eps < 0.5):
            raise ValueError(f"mu_eps is {self.mu_eps!r}; expected None or a number in (0, 0.5)")
        if not isinstance(self.random_state, Integral) or not 0 <= self.random_state < 2**32:
            raise ValueError(f"random_state is {self.random_state!r}; expected an integer in [0, 2**32) (Snorkel's seed)")

    def _prec_init(self, n_lfs: int) -> float | np.ndarray:
        """``prec_init`` as Snorkel takes it: a float, or a float array of one value per LF."""
        values = np.asarray(self.prec_init, dtype=np.float64)
        if values.shape not in ((), (n_lfs,)) or np.any(values <= 0) or np.any(values > 1):
            raise ValueError(f"prec_init is {self.prec_init!r}; expected a number or {n_lfs} numbers in (0, 1]")
        return float(values) if values.ndim == 0 else values


@contextmanager
def _global_rngs_restored(torch) -> Iterator[None]:
    """Snorkel's fit reseeds the global generators; put back the caller's states afterwards."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        with torch.random.fork_rng(devices=[]):
            yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


@contextmanager
def _one_torch_thread(torch) -> Iterator[None]:
    """(mK, mK) matrices are too small for threads: on two busy cores one thread fits 4x faster."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
