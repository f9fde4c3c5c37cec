"""Gathering run directories' ``metrics.json`` into one table: mean ± std over seeds.

The CSV is the source of truth; the Markdown is rendered from the same rows.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from liger.harness.bootstrap import PREDICTIONS_FILE, interval, replicates_by_group

GROUP_KEYS = ("dataset", "embedding", "method", "tune_on")
SCORES = ("acc", "f1", "coverage")


def collect(run_root: str | Path) -> list[dict]:
    """Every complete ``metrics.json`` under ``run_root``, sorted by path, with its run's predictions (or None)."""
    runs = []
    for path in sorted(Path(run_root).rglob("metrics.json")):
        metrics = json.loads(path.read_text(encoding="utf-8"))
        metrics["tune_on"] = metrics["protocol"]["tune_on"]
        metrics["run_dir"] = str(path.parent)
        predictions = path.with_name(PREDICTIONS_FILE)
        metrics["predictions"] = json.loads(predictions.read_text(encoding="utf-8")) if predictions.is_file() else None
        runs.append(metrics)
    return runs


def summarise(runs: list[dict], replicates: dict[tuple, np.ndarray] | None = None) -> list[dict]:
    """One row per (dataset, embedding, method, tune_on); a repeated seed is an error, not an average.

    Scores are means and population standard deviations (ddof 0) over seeds. With ``replicates``
    (``liger.harness.bootstrap.replicates_by_group``), each row also gets the 95% paired-bootstrap interval of its
    test metric (empty where its runs recorded no predictions).
    """
    check_one_data_version(runs)
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for run in runs:
        groups[tuple(run[k] for k in GROUP_KEYS)].append(run)
    rows = []
    for key, members in sorted(groups.items()):
        seeds = [m["seed"] for m in members]
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"runs {dict(zip(GROUP_KEYS, key))} repeat seeds {sorted(seeds)}; aggregate one sweep at a time")
        row = dict(zip(GROUP_KEYS, key))
        row["metric"] = members[0]["metric"]
        row["n_seeds"] = len(members)
        row["seeds"] = " ".join(str(s) for s in sorted(seeds))
        for split in ("dev", "test"):
            for name in SCORES:
                values = np.array([m[split][name] for m in members])
                row[f"{split}_{name}_mean"] = round(float(values.mean()), 4)
                row[f"{split}_{name}_std"] = round(float(values.std(ddof=0)), 4)
        if replicates is not None:
            low, high = interval(replicates[key]) if key in replicates else (None, None)
            row["test_metric_ci_low"] = None if low is None else round(low, 4)
            row["test_metric_ci_high"] = None if high is None else round(high, 4)
        rows.append(row)
    return rows


def check_one_data_version(runs: list[dict]) -> None:
    """Every run of one dataset was made from the same data (its ``data_fingerprint``), else ValueError naming both."""
    seen: dict[str, tuple[str, str]] = {}
    for run in runs:
        fingerprint = run.get("data_fingerprint")
        first = seen.setdefault(run["dataset"], (fingerprint, run.get("run_dir", "?")))
        if fingerprint != first[0]:
            raise ValueError(f"runs of dataset {run['dataset']!r} were made from different data: data_fingerprint "
                             f"{first[0]} ({first[1]}) and {fingerprint} ({run.get('run_dir', '?')}); expected one "
                             "version of the data per table (rerun the older runs, or aggregate them apart)")


def summary(runs: list[dict]) -> tuple[list[dict], dict[tuple, np.ndarray]]:
    """(summary rows with test intervals, the bootstrap replicates behind them) of ``runs``."""
    replicates = replicates_by_group(runs, GROUP_KEYS)
    return summarise(runs, replicates), replicates


def to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def to_markdown(rows: list[dict]) -> str:
    """Test and dev scores in points (x100), mean ± std; the dataset's own metric first."""
    header = "| dataset | embedding | method | metric | test (dataset metric) | dev (dataset metric) | test acc | test F1 | test coverage | seeds |"
    lines = [header, "|" + "---|" * header.count(" | ") + "---|"]
    for row in rows:
        metric = "acc" if row["metric"] == "accuracy" else "f1"
        method = row["method"] + (" **[LEAKY: tuned on test]**" if row["tune_on"] == "test" else "")

        def cell(split: str, name: str, row=row) -> str:
            return f"{100 * row[f'{split}_{name}_mean']:.1f} ± {100 * row[f'{split}_{name}_std']:.1f}"

        lines.append(
            f"| {row['dataset']} | {row['embedding']} | {method} | {row['metric']} | {cell('test', metric)} | "
            f"{cell('dev', metric)} | {cell('test', 'acc')} | {cell('test', 'f1')} | {cell('test', 'coverage')} | {row['n_seeds']} |"
        )
    return "\n".join(lines) + "\n"
