"""A finished run is skipped when its folder already holds metrics for the same config."""

from __future__ import annotations

import json

import pytest
from omegaconf import open_dict

import liger.harness.runner as runner
from test_config import composed


@pytest.fixture
def cfg(tmp_path):
    # TF-IDF on the bundled spam data: real, and fast enough for a unit test.
    return composed("embedding=tfidf", "method=majority_vote", "progress=false", f"cache_dir={tmp_path / 'cache'}")


def test_second_run_of_same_config_is_skipped(cfg, tmp_path, monkeypatch):
    first = runner.run(cfg, tmp_path / "run")
    before = (tmp_path / "run" / "metrics.json").read_bytes()

    def must_not_fit(*args, **kwargs):
        raise AssertionError("a finished run was fitted again")

    monkeypatch.setattr(runner, "fit_and_score", must_not_fit)
    assert runner.run(cfg, tmp_path / "run") == first
    with open_dict(cfg):
        cfg.progress = True  # display settings do not make it a different run
    assert runner.run(cfg, tmp_path / "run") == first
    assert (tmp_path / "run" / "metrics.json").read_bytes() == before


def test_changed_config_or_missing_metrics_runs_again(cfg, tmp_path, monkeypatch):
    runner.run(cfg, tmp_path / "run")
    calls = []
    real = runner.fit_and_score
    monkeypatch.setattr(runner, "fit_and_score", lambda *a, **k: calls.append(1) or real(*a, **k))
    with open_dict(cfg):
        cfg.seed = 1
    assert runner.run(cfg, tmp_path / "run")["seed"] == 1
    (tmp_path / "run" / "metrics.json").unlink()  # a run killed before its last write
    runner.run(cfg, tmp_path / "run")
    with open_dict(cfg):
        cfg.resume = False
    runner.run(cfg, tmp_path / "run")
    assert len(calls) == 3
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["seed"] == 1


def test_unreadable_metrics_file_runs_again(cfg, tmp_path):
    runner.run(cfg, tmp_path / "run")
    (tmp_path / "run" / "metrics.json").write_text("{truncated")
    assert runner.run(cfg, tmp_path / "run")["method"] == "majority_vote"
    json.loads((tmp_path / "run" / "metrics.json").read_text())
