"""A head's decision rule, chosen for the dataset's metric together with the head's own hyperparameter.

Binary tasks: predict class 1 when P(class 1) > t, with t from ``THRESHOLD_GRID``. The grid is
Liger's class-balance grid (P(class 0) in 0.01, 0.06, ..., 0.96) plus 0.5: on a head whose
probabilities assume equal classes, predicting class 1 when P(1) > t is exactly re-weighting it to
the class balance P(class 0) = t, so the baselines get the same 20 choices Liger gets, plus argmax
(t = 0.5) itself, which a tuned rule can then only tie or beat on the data that chose it.
More than two classes: argmax (recorded as such); a per-class prior correction would need K - 1
free offsets, too many for 50-500 dev labels.

Ties go to the threshold nearest 0.5 (the least-tuned rule), then to the simpler model (the
candidate listed first), so a choice is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Sequence

import numpy as np

from liger.method.liger import BALANCE_GRID
from liger.metrics import metric_value

#: Thresholds on P(class 1) tried for binary tasks: Liger's class-balance grid and argmax (0.5).
THRESHOLD_GRID: tuple[float, ...] = tuple(sorted({*BALANCE_GRID, 0.5}))
METRICS = ("accuracy", "f1")


def check_thresholds(thresholds: Sequence[float]) -> tuple[float, ...]:
    """The thresholds as floats, each in (0, 1), at least one, no repeats."""
    values = tuple(float(t) for t in thresholds)
    if not values:
        raise ValueError("decision thresholds are empty; expected at least one value in (0, 1), e.g. [0.5]")
    for t in values:
        if not 0.0 < t < 1.0:
            raise ValueError(f"decision threshold is {t}; expected a value in (0, 1)")
    if len(set(values)) != len(values):
        raise ValueError(f"decision thresholds {list(values)} repeat a value; expected distinct values")
    return values


def decide(probabilities: np.ndarray, threshold: float | None) -> np.ndarray:
    """(n,) classes from (n, K) probabilities: class 1 where P(1) > threshold (binary), else argmax."""
    probabilities = np.asarray(probabilities)
    if threshold is None:
        return probabilities.argmax(axis=1).astype(np.int64)
    if probabilities.shape[1] != 2:
        raise ValueError(f"a threshold applies to 2 classes; the probabilities have {probabilities.shape[1]} columns")
    return (probabilities[:, 1] > threshold).astype(np.int64)


def threshold_scores(metric: str, y: np.ndarray, positive: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """(T,) metric of predicting class 1 where ``positive`` > t, for each t; y in {0, 1}.

    Counts over an (n, T) comparison, then the same float operations as ``liger.metrics.metric_value``
    (accuracy: correct / n; F1: 2 tp / (true + predicted positives), 0 when both are 0).
    """
    if metric not in METRICS:
        raise ValueError(f"metric is {metric!r}; expected one of {list(METRICS)}")
    y, positive = np.asarray(y), np.asarray(positive, dtype=np.float64)
    if y.shape != positive.shape or y.ndim != 1:
        raise ValueError(f"y has shape {y.shape} and the probabilities {positive.shape}; expected one (n,) shape")
    predicted = positive[:, None] > np.asarray(thresholds, dtype=np.float64)[None, :]
    truth = (y == 1)[:, None]
    if metric == "accuracy":
        return (predicted == truth).sum(axis=0).astype(np.float64) / float(len(y))
    true_positives = (predicted & truth).sum(axis=0).astype(np.float64)
    denominator = float(truth.sum()) + predicted.sum(axis=0).astype(np.float64)
    scores = np.zeros(len(thresholds))
    nonzero = denominator > 0
    scores[nonzero] = 2.0 * true_positives[nonzero] / denominator[nonzero]
    return scores


@dataclass(frozen=True)
class DecisionChoice:
    """The chosen candidate (its index), threshold (None: argmax) and score."""

    index: int
    threshold: float | None
    score: float


def choose_decision(
    metric: str, y: np.ndarray, candidates: Sequence[np.ndarray], *, thresholds: Sequence[float] = THRESHOLD_GRID,
) -> tuple[DecisionChoice, list[tuple[int, float | None, float]]]:
    """The best (candidate, threshold) for ``metric`` on labels ``y``.

    ``candidates``: (n, K) probabilities of each candidate model on the same rows, simplest first.
    K == 2: every threshold is tried on each candidate; K > 2: argmax only. Best score wins; ties go
    to the threshold nearest 0.5, then to the earlier (simpler) candidate. Returns the choice and
    (candidate index, threshold, score) for every pair, candidates in order, thresholds ascending.
    """
    if not candidates:
        raise ValueError("no candidate models to choose from; expected at least one")
    thresholds = tuple(sorted(check_thresholds(thresholds)))
    y = np.asarray(y)
    table = []
    for index, probabilities in enumerate(candidates):
        probabilities = np.asarray(probabilities)
        if probabilities.ndim != 2 or probabilities.shape[0] != len(y):
            raise ValueError(f"candidate {index} has probabilities of shape {probabilities.shape}; expected ({len(y)}, K)")
        if probabilities.shape[1] == 2:
            scores = threshold_scores(metric, y, probabilities[:, 1], thresholds)
            table += [(index, t, float(s)) for t, s in zip(thresholds, scores)]
        else:
            n_classes = probabilities.shape[1]
            table.append((index, None, metric_value(metric, y, decide(probabilities, None), n_classes=n_classes)))
    # Distances to 0.5 rounded so that grid values like 0.46 and 0.54 compare as written.
    key = lambda row: (row[2], -round(abs(row[1] - 0.5), 9) if row[1] is not None else 0.0, -row[0])  # noqa: E731
    index, threshold, score = max(table, key=key)
    return DecisionChoice(index, threshold, score), table
