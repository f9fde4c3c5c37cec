"""Paired bootstrap over test rows and seeds: intervals for a table's cells and for differences between them.

One replicate of a dataset draws its test rows with replacement (the same draw for every method, so
differences are paired) and its seeds with replacement (the same draw positions for every method
with as many seeds); a cell's replicate value is the mean over the drawn seeds of the metric on the
drawn rows. Datasets draw independently, so a statistic over several datasets (an average lift)
is a replicate-wise function of theirs. Intervals are percentile intervals.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

#: What each run writes beside metrics.json: its predictions per scored split (liger.harness.runner.predictions_record).
PREDICTIONS_FILE = "predictions.json"
N_BOOTSTRAP = 2000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Column:
    """One dataset's test rows: gold labels (n,), the metric, and each method's predictions (seeds, n)."""

    y: np.ndarray
    metric: str
    n_classes: int
    predictions: Mapping[str, np.ndarray]


def resampled_metric(metric: str, n_classes: int, y: np.ndarray, predicted: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """(seeds, B) metric of each seed's predictions (seeds, n) on each row draw of ``rows`` (B, n)."""
    truth, guess = y[rows][None], predicted[:, rows]
    if metric == "accuracy":
        return (guess == truth).mean(axis=-1)
    if metric != "f1":
        raise ValueError(f"metric is {metric!r}; expected 'accuracy' or 'f1'")
    # Positive-class F1 when binary, else the macro mean over classes; 0 where a class is never true nor predicted.
    classes = (1,) if n_classes == 2 else range(n_classes)
    scores = []
    for k in classes:
        hits = ((guess == k) & (truth == k)).sum(axis=-1)
        total = (guess == k).sum(axis=-1) + (truth == k).sum(axis=-1)
        scores.append(np.where(total > 0, 2.0 * hits / np.maximum(total, 1), 0.0))
    return np.mean(scores, axis=0)


def column_replicates(column: Column, *, n_bootstrap: int = N_BOOTSTRAP, seed: int = 0) -> dict[str, np.ndarray]:
    """{method: (B,) replicate values} for one dataset, paired across methods."""
    rng = np.random.default_rng(seed)
    n = len(column.y)
    rows = rng.integers(0, n, size=(n_bootstrap, n))
    most_seeds = max(p.shape[0] for p in column.predictions.values())
    seed_draws = rng.random((n_bootstrap, most_seeds))
    replicates = {}
    for method, predicted in column.predictions.items():
        predicted = np.asarray(predicted)
        if predicted.ndim != 2 or predicted.shape[1] != n:
            raise ValueError(f"method {method!r} has predictions of shape {predicted.shape}; expected (seeds, {n})")
        values = resampled_metric(column.metric, column.n_classes, column.y, predicted, rows)  # (S, B)
        n_seeds = predicted.shape[0]
        picks = np.floor(seed_draws[:, :n_seeds] * n_seeds).astype(np.int64)  # (B, S) seed positions
        replicates[method] = values[picks, np.arange(n_bootstrap)[:, None]].mean(axis=1)
    return replicates


def interval(replicates: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The percentile interval of ``replicates`` at ``confidence``."""
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(replicates, [tail, 100 - tail])
    return float(low), float(high)


def stack_seed_predictions(runs: Sequence[dict], split: str = "test") -> tuple[np.ndarray, np.ndarray]:
    """(y (n,), predictions (seeds, n)) from runs' ``predictions`` records, checking that they share rows."""
    first = runs[0]["predictions"]["splits"][split]
    for run in runs[1:]:
        record = run["predictions"]["splits"][split]
        if record["ids"] != first["ids"] or record["y"] != first["y"]:
            raise ValueError(f"runs of {run['dataset']!r} disagree on the {split} rows (ids or gold labels); "
                             "expected every run of a column to score the same rows")
    predicted = [run["predictions"]["splits"][split]["predicted"] for run in runs]
    return np.asarray(first["y"], dtype=np.int64), np.asarray(predicted, dtype=np.int64)


def replicates_by_group(runs: Sequence[dict], group_keys: Sequence[str], *, split: str = "test",
                        n_bootstrap: int = N_BOOTSTRAP) -> dict[tuple, np.ndarray]:
    """{group: (B,) replicates} for runs grouped by ``group_keys``, paired within each dataset.

    Runs without predictions (made before they were recorded) are left out. Each dataset draws with
    its own fixed seed, so adding a dataset to a table leaves the others' intervals unchanged.
    """
    by_dataset: dict[str, dict[tuple, list[dict]]] = {}
    for run in runs:
        if run.get("predictions") is not None:
            group = tuple(run[k] for k in group_keys)
            by_dataset.setdefault(run["dataset"], {}).setdefault(group, []).append(run)
    replicates = {}
    for dataset, groups in sorted(by_dataset.items()):
        members = {group: sorted(runs_of, key=lambda run: run["seed"]) for group, runs_of in groups.items()}
        stacked = {group: stack_seed_predictions(runs_of, split) for group, runs_of in members.items()}
        y = next(iter(stacked.values()))[0]
        for other_y, _ in stacked.values():
            if not np.array_equal(other_y, y):
                raise ValueError(f"runs of dataset {dataset!r} disagree on the {split} rows; expected one test set")
        any_run = next(iter(members.values()))[0]
        column = Column(y, any_run["metric"], len(any_run["predictions"]["class_names"]),
                        {group: predicted for group, (_, predicted) in stacked.items()})
        replicates.update(column_replicates(column, n_bootstrap=n_bootstrap, seed=zlib.crc32(dataset.encode())))
    return replicates
