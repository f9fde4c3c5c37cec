"""Aggregation: mean ± std over seeds, one row per group, leaky runs marked, repeated seeds refused."""

from __future__ import annotations

import json

import numpy as np
import pytest

from liger.harness.aggregate import collect, summarise, to_markdown
from liger.harness.tables import main


def fake_metrics(method: str, seed: int, test_acc: float, *, tune_on: str = "dev") -> dict:
    scores = {"acc": test_acc, "f1": test_acc / 2, "precision": 0.5, "recall": 0.5, "coverage": 0.9}
    return {"dataset": "spam", "embedding": "minilm", "method": method, "seed": seed, "metric": "accuracy",
            "protocol": {"tune_on": tune_on, "leaky": tune_on == "test"}, "dev": dict(scores), "test": dict(scores)}


def write_runs(root, runs):
    for i, run in enumerate(runs):
        folder = root / f"run{i}"
        folder.mkdir(parents=True)
        (folder / "metrics.json").write_text(json.dumps(run))


def test_mean_and_std_over_seeds(tmp_path):
    accs = [0.8, 0.9, 0.85]
    write_runs(tmp_path, [fake_metrics("liger", s, a) for s, a in enumerate(accs)] + [fake_metrics("mv", 0, 0.7)])
    rows = summarise(collect(tmp_path))
    by_method = {row["method"]: row for row in rows}
    assert by_method["liger"]["n_seeds"] == 3
    assert by_method["liger"]["test_acc_mean"] == round(float(np.mean(accs)), 4)
    assert by_method["liger"]["test_acc_std"] == round(float(np.std(accs)), 4)
    assert by_method["mv"]["test_acc_std"] == 0.0


def test_repeated_seed_is_an_error(tmp_path):
    write_runs(tmp_path, [fake_metrics("liger", 0, 0.8), fake_metrics("liger", 0, 0.9)])
    with pytest.raises(ValueError, match=r"repeat seeds \[0, 0\]"):
        summarise(collect(tmp_path))


def test_leaky_runs_are_a_separate_marked_row(tmp_path):
    write_runs(tmp_path, [fake_metrics("liger", 0, 0.8), fake_metrics("liger", 0, 0.95, tune_on="test")])
    markdown = to_markdown(summarise(collect(tmp_path)))
    assert markdown.count("| liger") == 2
    assert "LEAKY" in markdown.splitlines()[-1] or "LEAKY" in markdown


def test_main_writes_csv_and_markdown_with_note(tmp_path):
    write_runs(tmp_path / "runs", [fake_metrics("liger", s, 0.8) for s in range(2)])
    main([str(tmp_path / "runs"), "--out", str(tmp_path / "out" / "table"), "--note", "Made by: `liger-run -m ...`"])
    csv_text = (tmp_path / "out" / "table.csv").read_text()
    assert csv_text.splitlines()[0].startswith("dataset,embedding,method,tune_on")
    assert (tmp_path / "out" / "table.md").read_text().startswith("Made by: `liger-run -m ...`")
