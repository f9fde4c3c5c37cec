"""What a user sees when a run cannot work: one line and status 2 for a config error, a checked multirun, a
list of the jobs that failed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf, open_dict

from liger.harness.callbacks import missing_inputs, swept_values
from liger.harness.config_check import CONF_DIR

ROOT = Path(__file__).resolve().parents[2]


def liger_run(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("LIGER_DATA_DIR", "HYDRA_FULL_ERROR")}
    environment.update({"HF_HUB_OFFLINE": "1", "LIGER_CACHE_DIR": str(tmp_path / "cache"), **env})
    return subprocess.run([sys.executable, "-m", "experiments.run", *args, "progress=false"], cwd=tmp_path,
                          env=environment, capture_output=True, text=True, timeout=300)


def test_a_config_error_is_one_line_and_status_2(tmp_path):
    done = liger_run("dataset=sms", "data_dir=null", f"hydra.run.dir={tmp_path / 'run'}", tmp_path=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines == ["liger-run: error: dataset 'sms' needs its data folder (dataset.path is 'None/wrench/sms'); "
                     "set data_dir=/path/to/data, the LIGER_DATA_DIR environment variable, or dataset.path=..."]
    full = liger_run("dataset=sms", "data_dir=null", f"hydra.run.dir={tmp_path / 'run2'}", tmp_path=tmp_path,
                     HYDRA_FULL_ERROR="1")
    assert full.returncode != 0 and "Traceback" in full.stderr and "ConfigError" in full.stderr


def test_a_dataset_the_package_does_not_ship_says_why_and_where_to_get_it(tmp_path):
    done = liger_run("dataset=spouse", f"hydra.run.dir={tmp_path / 'run'}", tmp_path=tmp_path)
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("liger-run: error: dataset 'spouse': spouse is not shipped with the package: ")
    assert "Signal Media" in line and "liger/data/resources/README.md" in line


def test_a_multirun_names_what_is_missing_before_its_first_job(tmp_path):
    sweep = tmp_path / "sweep"
    done = liger_run("-m", "dataset=spam,spouse,trec", "method=majority_vote", "embedding=none", f"hydra.sweep.dir={sweep}",
                     tmp_path=tmp_path)
    assert done.returncode == 2
    assert "this multirun cannot start; missing:" in done.stderr
    missing = done.stderr.split("missing:")[1]
    assert "dataset spouse: spouse is not shipped with the package" in missing
    assert "spam" not in missing.split("to run")[0] and "trec" not in missing.split("to run")[0]  # both ship
    assert "to run the other datasets only, add hydra.sweeper.params.dataset=spam,trec" in missing
    assert not list(sweep.rglob("metrics.json")) and "Traceback" not in done.stderr


def test_failed_jobs_are_counted_listed_and_make_the_status_non_zero(tmp_path):
    done = liger_run("-m", "seed=0,1", "method.n_partitions=[0]", "embedding=tfidf", f"hydra.sweep.dir={tmp_path / 'sweep'}",
                     tmp_path=tmp_path)
    assert done.returncode != 0
    listed = done.stderr[done.stderr.index("liger-run: 2 job(s) failed:"):].splitlines()
    assert [line.split(":")[0].strip() for line in listed[1:3]] == ["- seed=0 method.n_partitions=[0] embedding=tfidf progress=False",
                                                                     "- seed=1 method.n_partitions=[0] embedding=tfidf progress=False"]
    assert all("expected an integer >= 1" in line for line in listed[1:3])


def composed(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides), return_hydra_config=True)


def test_the_preflight_reads_the_sweep_and_checks_precomputed_files(tmp_path):
    (tmp_path / "train.npy").write_bytes(b"")
    cfg = composed("embedding=precomputed", f"embedding.paths.train={tmp_path / 'train.npy'}",
                   f"embedding.paths.dev={tmp_path / 'dev.npy'}", "data_dir=null")
    OmegaConf.set_readonly(cfg.hydra, False)
    with open_dict(cfg):
        cfg.hydra.sweeper.params = {"dataset": "spam,weather"}  # as an experiment's sweep lists them
    assert swept_values(cfg)["dataset"] == ["spam", "weather"]
    assert missing_inputs(cfg) == [
        "dataset weather: its data folder (set data_dir=/path/to/data, LIGER_DATA_DIR, or dataset.path=...)",
        f"embedding precomputed: the dev file {tmp_path / 'dev.npy'} (embedding.paths.dev)",
        "embedding precomputed: the test file ??? (embedding.paths.test)",
    ]
    cfg = composed(f"data_dir={tmp_path}", "dataset=sms")
    assert missing_inputs(cfg) == [f"dataset sms: {tmp_path}/wrench/sms does not exist"]
