"""The triplet label model over windows of T consecutive frames, with a chain between neighbouring labels.

FlyingSquid's video tutorial models v frames at once: one hidden label per frame, a chain of edges
Y_1 - Y_2 - ... - Y_v, and each frame's LFs attached to that frame's label; frame posteriors are
the marginals of that small chain. This is the same graphical model, re-derived for our interface:

- **Windows.** Each sequence is cut into consecutive windows of ``window`` (T) frames from its first
  frame; the last window of a run may be shorter (FlyingSquid drops those frames; here every frame
  gets a label). Two rows are neighbours only when they share a sequence id and their frame numbers
  differ by one, so a window never crosses a sequence boundary or a gap.
- **LF parameters** are shared by all positions in the window (stationarity): the frame-level
  ``TripletLabelModel`` fit on every train frame. FlyingSquid instead gives LF i at position t its
  own parameters (m·T of them) and estimates them from triplets that may mix positions.
- **The chain** is a stationary two-state Markov chain with the model's class balance pi as its
  marginal: P(y' | y) = r·[y' = y] + (1 - r)·pi(y'), where r in [0, 1) is the *persistence* (r = 0:
  independent frames; r -> 1: one label per window, which is what the reference Liger code's class
  balance over windows, mass only on "all negative" and "all positive", amounts to). With
  ``persistence="moments"`` r comes from unlabeled data, in the triplet method's own terms: under
  conditional independence, E[s_i(t) s_j(t+1)] = a_i a_j E[Y_t Y_{t+1}], so E[Y_t Y_{t+1}] is the
  median over LF pairs i != j of M1_ij / (a_i a_j) (same-LF pairs are left out: a detector's errors
  persist from one frame to the next and would inflate it), and r = (E[Y_t Y_{t+1}] - mu^2) / (1 - mu^2)
  with mu = 2 pi - 1, clipped to [0, ``max_persistence``]. FlyingSquid takes the chain's joint
  distribution from a given class balance over the 2^T window labels (uniform by default, which
  makes the frames independent at prediction time).
- **Posterior** of each frame: its marginal in its window's chain (forward-backward), with per-frame
  likelihoods P(s | y) = prod_i P(s_i | y) from the frame model. With T = 1 (or r = 0) this is the
  frame model's posterior exactly (tested).
"""

from __future__ import annotations

import numpy as np

from liger.data.video import FrameIndex, sequence_codes
from liger.label_models.base import LabelModel, check_class_balance
from liger.label_models.triplet import Aggregate, Posterior, TripletLabelModel, signed_votes

TABLE_FLOOR = 1e-12  # the triplet model's floor on table cells, so T = 1 reproduces it exactly
_MIN_ACCURACY = 1e-3  # LFs with less signal than this say nothing about the chain


# -- windows and the chain ---------------------------------------------------------------------
def chain_order(sequence: np.ndarray, frame: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(order, linked): rows sorted by (sequence, frame), and whether each sorted row follows the previous one.

    ``linked[k]`` is True when sorted rows k-1 and k share a sequence and their frame numbers differ
    by exactly one. ``frame=None`` numbers each sequence's rows in row order.
    """
    codes = sequence_codes(sequence)
    frame = _frames_or_row_order(codes, frame)
    order = np.lexsort((frame, codes))
    linked = np.zeros(len(order), dtype=bool)
    linked[1:] = (np.diff(codes[order]) == 0) & (np.diff(frame[order]) == 1)
    return order, linked


def window_ids(sequence: np.ndarray, frame: np.ndarray | None, window: int) -> np.ndarray:
    """(n,) window id of each row (row order): runs of linked frames cut every ``window`` frames."""
    _check_window(window)
    order, linked = chain_order(sequence, frame)
    run = np.cumsum(~linked) - 1
    run_start = np.flatnonzero(~linked)
    position = np.arange(len(order)) - run_start[run]
    new_window = ~linked | (position % window == 0)
    ids = np.empty(len(order), dtype=np.int64)
    ids[order] = np.cumsum(new_window) - 1
    return ids


def chain_log_transitions(prior_positive: float, persistence: float) -> np.ndarray:
    """(2, 2) log P(y' | y) for P(y' | y) = r [y' = y] + (1 - r) pi(y'), y index 0/1."""
    pi = np.array([1.0 - prior_positive, prior_positive])
    transition = persistence * np.eye(2) + (1.0 - persistence) * pi[None, :]
    return np.log(np.maximum(transition, TABLE_FLOOR))


def chain_posteriors(
    log_likelihood: np.ndarray,
    *,
    prior_positive: float,
    persistence: float,
    sequence: np.ndarray,
    frame: np.ndarray | None = None,
    window: int,
) -> np.ndarray:
    """(n, 2) marginal P(y_t | all frames' evidence in t's window) for a stationary chain per window.

    ``log_likelihood`` (n, 2) holds each frame's log P(evidence_t | y_t) up to a per-row constant.
    """
    log_likelihood = np.asarray(log_likelihood, dtype=np.float64)
    if log_likelihood.ndim != 2 or log_likelihood.shape[1] != 2:
        raise ValueError(f"log_likelihood has shape {log_likelihood.shape}; expected (n, 2)")
    if not 0.0 <= persistence < 1.0:
        raise ValueError(f"persistence is {persistence}; expected a number in [0, 1)")
    ids = window_ids(sequence, frame, window)
    if len(ids) != len(log_likelihood):
        raise ValueError(f"{len(ids)} frame-index rows for {len(log_likelihood)} rows of evidence")
    order, _ = chain_order(sequence, frame)
    log_prior = np.log(np.array([1.0 - prior_positive, prior_positive]))
    log_A = chain_log_transitions(prior_positive, persistence)
    sorted_ids = ids[order]
    starts = np.flatnonzero(np.r_[True, np.diff(sorted_ids) != 0])
    lengths = np.diff(np.r_[starts, len(order)])
    posterior = np.empty_like(log_likelihood)
    # Windows of one length run together: (n_windows, length, 2) arrays, forward-backward in log space.
    for length in np.unique(lengths):
        rows = order[starts[lengths == length][:, None] + np.arange(length)[None, :]]
        posterior[rows] = _forward_backward(log_likelihood[rows], log_prior, log_A)
    return posterior


def _forward_backward(log_e: np.ndarray, log_prior: np.ndarray, log_A: np.ndarray) -> np.ndarray:
    n_windows, length, _ = log_e.shape
    alpha = np.empty_like(log_e)
    beta = np.zeros_like(log_e)
    alpha[:, 0] = log_prior + log_e[:, 0]
    for t in range(1, length):
        alpha[:, t] = log_e[:, t] + _logsumexp(alpha[:, t - 1, :, None] + log_A[None], axis=1)
    for t in range(length - 2, -1, -1):
        beta[:, t] = _logsumexp(log_A[None] + (log_e[:, t + 1] + beta[:, t + 1])[:, None, :], axis=2)
    scores = alpha + beta
    scores -= scores.max(axis=2, keepdims=True)
    proba = np.exp(scores)
    return proba / proba.sum(axis=2, keepdims=True)


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    peak = x.max(axis=axis, keepdims=True)
    return np.squeeze(peak, axis=axis) + np.log(np.exp(x - peak).sum(axis=axis))


# -- the chain's persistence from unlabeled frames ---------------------------------------------
def lag_one_moments(L: np.ndarray, sequence: np.ndarray, frame: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """((m, m) symmetrised mean of s(t) s(t+1)^T over linked neighbour pairs, number of pairs)."""
    signs = signed_votes(np.asarray(L))
    order, linked = chain_order(sequence, frame)
    later = order[np.flatnonzero(linked)]
    earlier = order[np.flatnonzero(linked) - 1]
    if len(later) == 0:
        return np.zeros((signs.shape[1], signs.shape[1])), 0
    M1 = signs[earlier].T @ signs[later] / len(later)
    return (M1 + M1.T) / 2.0, int(len(later))


def estimate_persistence(lag_one: np.ndarray, accuracies: np.ndarray, prior_positive: float,
                         *, max_persistence: float = 0.99) -> float:
    """r from E[Y_t Y_{t+1}] = median_{i != j} M1_ij / (a_i a_j); 0 when no pair of LFs carries signal."""
    a = np.asarray(accuracies, dtype=np.float64)
    i, j = np.nonzero(~np.eye(len(a), dtype=bool))
    usable = (a[i] > _MIN_ACCURACY) & (a[j] > _MIN_ACCURACY)
    if not usable.any():
        return 0.0
    rho = float(np.median(lag_one[i[usable], j[usable]] / (a[i[usable]] * a[j[usable]])))
    mu2 = (2.0 * prior_positive - 1.0) ** 2
    return float(np.clip((rho - mu2) / (1.0 - mu2), 0.0, max_persistence))


# -- the label model ---------------------------------------------------------------------------
class TemporalTripletLabelModel(LabelModel):
    """Binary triplet label model with a chain over windows of ``window`` consecutive frames.

    ``fit`` and ``predict_proba`` take each row's ``sequence`` id and (optionally) ``frame`` number
    (``frame=None``: rows are in time order within each sequence). ``persistence`` is "moments"
    (estimated from train, see the module docstring) or a number in [0, 1).
    """

    def __init__(self, n_classes: int = 2, window: int = 5, persistence: float | str = "moments",
                 aggregate: Aggregate = "median", posterior: Posterior = "naive_bayes", max_persistence: float = 0.99):
        self.n_classes = n_classes
        self.window = window
        self.persistence = persistence
        self.aggregate = aggregate
        self.posterior = posterior
        self.max_persistence = max_persistence

    def fit(self, L: np.ndarray, class_balance: np.ndarray | None = None, *,
            sequence: np.ndarray, frame: np.ndarray | None = None) -> "TemporalTripletLabelModel":
        _check_window(self.window)
        L = self._check_L(L)
        _check_rows(sequence, frame, L.shape[0])
        self.frame_model_ = TripletLabelModel(self.n_classes, self.aggregate, self.posterior).fit(L, class_balance)
        self.lag_one_, self.n_pairs_ = lag_one_moments(L, sequence, frame)
        if self.persistence == "moments":
            self.persistence_ = estimate_persistence(self.lag_one_, self.frame_model_.accuracies_,
                                                     self.frame_model_.class_balance_[1], max_persistence=self.max_persistence)
        elif isinstance(self.persistence, (int, float)) and not isinstance(self.persistence, bool) and 0 <= self.persistence < 1:
            self.persistence_ = float(self.persistence)
        else:
            raise ValueError(f"persistence is {self.persistence!r}; expected 'moments' or a number in [0, 1)")
        self.n_lfs_ = L.shape[1]
        self.class_balance_ = self.frame_model_.class_balance_
        return self

    def with_class_balance(self, class_balance: np.ndarray) -> "TemporalTripletLabelModel":
        """A fitted copy with another prior (also the chain's marginal); persistence and LF parameters kept."""
        balance = check_class_balance(class_balance, 2)
        twin = TemporalTripletLabelModel(self.n_classes, self.window, self.persistence, self.aggregate,
                                         self.posterior, self.max_persistence)
        twin.__dict__.update({k: v for k, v in self.__dict__.items() if k.endswith("_")})
        twin.frame_model_ = self.frame_model_.with_class_balance(balance)
        twin.class_balance_ = twin.frame_model_.class_balance_
        return twin

    def with_window(self, window: int) -> "TemporalTripletLabelModel":
        """A fitted copy that predicts with windows of another length (nothing fitted depends on it)."""
        _check_window(window)
        twin = self.with_class_balance(self.class_balance_)
        twin.window = window
        return twin

    def predict_proba(self, L: np.ndarray, *, sequence: np.ndarray, frame: np.ndarray | None = None) -> np.ndarray:
        L = self._check_L(L, n_lfs=self.n_lfs_)
        _check_rows(sequence, frame, L.shape[0])
        return chain_posteriors(self.frame_model_.log_likelihoods(L), prior_positive=self.class_balance_[1],
                                persistence=self.persistence_, sequence=sequence, frame=frame, window=self.window)

    def predict(self, L: np.ndarray, *, sequence: np.ndarray, frame: np.ndarray | None = None) -> np.ndarray:
        return np.argmax(self.predict_proba(L, sequence=sequence, frame=frame), axis=1)


def _frames_or_row_order(codes: np.ndarray, frame: np.ndarray | None) -> np.ndarray:
    if frame is not None:
        return np.asarray(frame, dtype=np.int64)
    frame = np.empty(len(codes), dtype=np.int64)
    for code in np.unique(codes):
        rows = np.flatnonzero(codes == code)
        frame[rows] = np.arange(len(rows))
    return frame


def _check_window(window) -> None:
    if not isinstance(window, (int, np.integer)) or isinstance(window, bool) or window < 1:
        raise ValueError(f"window is {window!r}; expected an integer >= 1 (frames per window)")


def _check_rows(sequence, frame, n_rows: int) -> None:
    if sequence is None:
        raise ValueError("sequence ids are required: the temporal model must know where each video starts and ends")
    index = FrameIndex(np.asarray(sequence), np.arange(n_rows) if frame is None else np.asarray(frame))
    if len(index) != n_rows:
        raise ValueError(f"{len(index)} sequence ids for {n_rows} rows of L")
