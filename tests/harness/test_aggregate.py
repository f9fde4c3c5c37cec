"""Aggregation: mean ± std over seeds, one row per group, leaky runs marked, repeated seeds refused."""

from __future__ import annotations

import json
import shutil

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


def test_runs_made_from_different_data_are_not_mixed(tmp_path):
    old, new = fake_metrics("liger", 0, 0.8), fake_metrics("mv", 1, 0.9)
    old["data_fingerprint"], new["data_fingerprint"] = "a" * 64, "b" * 64
    write_runs(tmp_path, [old, new])
    with pytest.raises(ValueError, match=f"runs of dataset 'spam' were made from different data: data_fingerprint {'a' * 64} "
                                         f"\\({tmp_path / 'run0'}\\) and {'b' * 64} \\({tmp_path / 'run1'}\\)"):
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


def test_a_shared_table_is_not_replaced_while_one_of_its_sweeps_is_missing(tmp_path):
    from omegaconf import OmegaConf

    from liger.harness.callbacks import AggregateRuns

    honest, missing, sweep = tmp_path / "honest", tmp_path / "video", tmp_path / "sweep"
    write_runs(honest, [fake_metrics("liger", 0, 0.8)])
    sweep.mkdir()
    (tmp_path / "results").mkdir()
    committed = tmp_path / "results" / "table.md"
    committed.write_text("committed\n")
    config = OmegaConf.create({"hydra": {"sweep": {"dir": str(sweep)}}})
    AggregateRuns(out=str(tmp_path / "results" / "table"), roots=[str(honest), str(missing)]).on_multirun_end(config)
    assert committed.read_text() == "committed\n" and not (tmp_path / "results" / "table.csv").exists()
    assert "liger" in (sweep / "table.md").read_text()
    AggregateRuns(out=str(tmp_path / "results" / "table"), roots=[str(honest)]).on_multirun_end(config)
    assert "liger" in committed.read_text()  # every root present: the shared table is refreshed


def test_a_table_that_would_lose_rows_or_seeds_is_not_published(tmp_path):
    from omegaconf import OmegaConf

    from liger.harness.callbacks import AggregateRuns

    full, sweep, out = tmp_path / "full", tmp_path / "sweep", tmp_path / "results" / "table"
    write_runs(full, [fake_metrics(method, s, 0.8) for method in ("liger", "majority_vote") for s in range(2)])
    sweep.mkdir()
    config = OmegaConf.create({"hydra": {"sweep": {"dir": str(sweep)}}})
    AggregateRuns(out=str(out), roots=[str(full)]).on_multirun_end(config)
    committed = (tmp_path / "results" / "table.csv").read_text()
    assert "majority_vote" in committed  # nothing to lose: published
    # A rerun without one method, then one with a seed missing: the committed table stays as it is.
    for partial in ([fake_metrics("liger", s, 0.7) for s in range(2)], [fake_metrics(m, 0, 0.7) for m in ("liger", "majority_vote")]):
        shutil.rmtree(full)
        write_runs(full, partial)
        AggregateRuns(out=str(out), roots=[str(full)]).on_multirun_end(config)
        assert (tmp_path / "results" / "table.csv").read_text() == committed
        assert (sweep / "table.csv").read_text() != committed  # the new table is kept in the sweep folder
    from liger.harness.tables import lost_rows

    assert lost_rows(tmp_path / "results" / "table.csv", sweep / "table.csv") == ["spam minilm liger dev (seeds 1)",
                                                                                  "spam minilm majority_vote dev (seeds 1)"]
