"""Choosing Liger's hyperparameters on dev labels, with thresholds few enough not to overfit.

Ten free per-LF thresholds overfit a 100-point dev set. Instead one shared level q sets every
LF's threshold: r_i(q) = the q-quantile of LF i's nearest-voting-neighbour similarity over the
train points where it abstains, so a level extends LF i to the (1 - q) share of its abstains
that lie closest to its votes, whatever the scale of the embedding's similarities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from liger.method.extension import NeighbourVotes
from liger.metrics import metric_value

#: Shares of each LF's abstaining train points left abstained; None means no extension.
EXTENSION_LEVELS: tuple[float | None, ...] = (None, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0)


def quantile_thresholds(neighbours_train: NeighbourVotes, level: float) -> np.ndarray:
    """Per-LF thresholds r_i at quantile ``level`` of the train abstains' neighbour similarities.

    An LF with no abstaining train point that has a voting neighbour gets 1.0 (never extends).
    """
    if not 0.0 <= level <= 1.0:
        raise ValueError(f"extension level is {level}; expected a quantile in [0, 1]")
    similarity = neighbours_train.similarity
    thresholds = np.ones(similarity.shape[1])
    for lf in range(similarity.shape[1]):
        finite = similarity[np.isfinite(similarity[:, lf]), lf]
        if finite.size:
            # "lower" picks an observed similarity; the strict ">" rule then leaves the quantile point out.
            thresholds[lf] = float(np.clip(np.quantile(finite, level, method="lower"), -1.0, 1.0))
    return thresholds


@dataclass
class Selection:
    """The chosen configuration and the dev metric of every configuration tried."""

    params: dict
    dev_metric: float
    tried: list[dict] = field(default_factory=list)


def per_lf_level_search(
    score: Callable[[tuple[float | None, ...]], float],
    n_lfs: int,
    levels: tuple[float | None, ...] = EXTENSION_LEVELS,
    *,
    passes: int = 2,
) -> tuple[tuple[float | None, ...], float]:
    """The naive alternative: one level per LF, by coordinate ascent on ``score`` (higher is better).

    Starts with no extension; each pass visits the LFs in order and gives each the level that scores
    best with the others held fixed (ties keep the current level). Returns (levels per LF, score).
    """
    current: list[float | None] = [None] * n_lfs
    best = score(tuple(current))
    for _ in range(passes):
        for lf in range(n_lfs):
            for level in levels:
                trial = list(current)
                trial[lf] = level
                value = score(tuple(trial))
                if value > best:
                    best, current = value, trial
    return tuple(current), best


def thresholds_for_levels(neighbours_train: NeighbourVotes, levels: tuple[float | None, ...]) -> np.ndarray:
    """Per-LF thresholds from per-LF levels; None leaves that LF unextended (threshold 1.0)."""
    thresholds = np.ones(len(levels))
    for lf, level in enumerate(levels):
        if level is not None:
            thresholds[lf] = quantile_thresholds(neighbours_train, level)[lf]
    return thresholds


def stratified_folds(y: np.ndarray, *, n_folds: int, seed: int, groups=None) -> list[np.ndarray]:
    """Held-out row indices of each fold; fewer folds when the rarest class has fewer members.

    With ``groups`` (one key per row), rows sharing a key stay in one fold (StratifiedGroupKFold), so
    near-copies never sit on both sides of a fold.
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    n_folds = max(2, min(n_folds, int(np.bincount(y).min())))
    if groups is None:
        splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        return [held_out for _, held_out in splitter.split(np.zeros(len(y)), y)]
    if len(groups) != len(y):
        raise ValueError(f"{len(groups)} group keys for {len(y)} labels; expected one per row")
    _, codes = np.unique(np.asarray(groups, dtype=object).astype(str), return_inverse=True)
    splitter = StratifiedGroupKFold(n_splits=min(n_folds, int(codes.max()) + 1), shuffle=True, random_state=seed)
    return [held_out for _, held_out in splitter.split(np.zeros(len(y)), y, codes)]


def cross_validated_metric(
    fitted, L: np.ndarray, E: np.ndarray, y: np.ndarray, neighbours: NeighbourVotes | None,
    folds: list[np.ndarray], metric: str,
) -> float:
    """The metric of out-of-fold predictions of a fitted ``Liger``, each fold's class balances chosen on the other folds."""
    predicted = np.empty_like(y)
    rows = np.arange(len(y))
    subset = lambda index: None if neighbours is None else neighbours.take(index)  # noqa: E731
    for held_out in folds:
        keep = np.setdiff1d(rows, held_out)
        tuned = fitted.with_dev_balance(L[keep], E[keep], y[keep], subset(keep))
        predicted[held_out] = tuned.predict(L[held_out], E[held_out], neighbours=subset(held_out))
    return metric_value(metric, y, predicted, n_classes=fitted.n_classes)
