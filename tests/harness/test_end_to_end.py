"""The README's main run, for real: spam, MiniLM, Liger, through the console script and ``-m``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
METRIC_KEYS = {"acc", "f1", "precision", "recall", "coverage"}


def run_cli(command: list[str], run_dir: Path, cache_dir: Path, *overrides: str) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    completed = subprocess.run(
        [*command, f"hydra.run.dir={run_dir}", f"cache_dir={cache_dir}", "progress=false", *overrides],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "| test |" in completed.stdout, completed.stdout  # the printed metrics table
    return json.loads((run_dir / "metrics.json").read_text())


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    # CI points LIGER_CACHE_DIR at a workspace folder so MiniLM encodes spam once per job.
    shared = os.environ.get("LIGER_CACHE_DIR")
    return Path(shared) if shared else tmp_path_factory.mktemp("embedding-cache")


@pytest.mark.slow
def test_default_run_writes_metrics_and_reuses_cache(tmp_path, cache_dir):
    console_script = shutil.which("liger-run")
    assert console_script, "liger-run is not on PATH; install the package as README.md says"
    first = run_cli([console_script], tmp_path / "first", cache_dir)
    cached_files = sorted((cache_dir / "minilm" / "spam").glob("*.npy"))
    assert len(cached_files) == 3, cached_files  # train, dev, test
    stamps = [f.stat().st_mtime_ns for f in cached_files]

    run_cli([sys.executable, "-m", "experiments.run"], tmp_path / "second", cache_dir)
    assert [f.stat().st_mtime_ns for f in cached_files] == stamps, "cached embeddings were rewritten"
    # Same config and seed in two processes: byte-identical metrics.
    assert (tmp_path / "first" / "metrics.json").read_bytes() == (tmp_path / "second" / "metrics.json").read_bytes()

    assert (first["dataset"], first["embedding"], first["method"], first["seed"]) == ("spam", "minilm", "liger", 0)
    assert first["protocol"] == {"tune_on": "dev", "leaky": False}
    for split in ("dev", "test"):
        assert set(first[split]) >= METRIC_KEYS
        assert all(0.0 <= first[split][k] <= 1.0 for k in METRIC_KEYS)
    assert first["hparams"]["n_partitions"] in (1, 2, 4, 8)
    # Extension can only add votes: coverage never falls below the raw LFs' (0.936 on test).
    assert first["test"]["coverage"] >= 0.936
    for name in ("config_resolved.yaml", "lf_summary.md", "lf_summary.json", "timings.json"):
        assert (tmp_path / "first" / name).is_file(), name


@pytest.mark.slow
@pytest.mark.parametrize("method", ["majority_vote", "label_model", "liger_partition_only", "liger_extension_only"])
def test_every_method_runs(tmp_path, cache_dir, method):
    metrics = run_cli([sys.executable, "-m", "experiments.run"], tmp_path, cache_dir, f"method={method}",
                      "embedding=tfidf")
    assert metrics["method"] == method
    assert 0.5 <= metrics["test"]["acc"] <= 1.0  # every method beats a coin on spam


def test_leaky_protocol_is_marked_everywhere(tmp_path):
    metrics = run_cli([sys.executable, "-m", "experiments.run"], tmp_path, tmp_path / "cache", "method=label_model",
                      "embedding=random", "protocol.tune_on=test")
    assert metrics["protocol"] == {"tune_on": "test", "leaky": True}
