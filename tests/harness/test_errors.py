"""What a user sees when a run cannot work: one line and status 2 for a config error, a checked multirun, a
list of the jobs that failed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
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


# on_job_end runs where the launcher ran the job: in the launching process (basic), in a worker process
# (joblib, submitit): the list at the end must be whole under each.
@pytest.mark.parametrize("launcher", [["hydra/launcher=basic"], ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
                                      ["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=5"]],
                         ids=["basic", "joblib", "submitit_local"])
def test_failed_jobs_are_counted_listed_and_make_the_status_non_zero(tmp_path, launcher):
    sweep = tmp_path / "sweep"
    earlier = sweep / "s0" / "failed_jobs" / "an_earlier_launch"
    earlier.mkdir(parents=True)
    (earlier / "000000.json").write_text('{"job": "stale", "reason": "killed"}')
    # The jobs' own sweep folders differ (s0, s1, s2): the records still go where the launching process reads them.
    done = liger_run("-m", "seed=0,1,2", "method.n_partitions=[0]", "embedding=tfidf", *launcher,
                     f"hydra.sweep.dir={sweep}/s${{seed}}", tmp_path=tmp_path)
    assert done.returncode != 0
    listed = done.stderr[done.stderr.index("liger-run: 3 job(s) failed"):].splitlines()
    [records] = [path for path in (sweep / "s0" / "failed_jobs").iterdir() if path != earlier]
    assert listed[0] == f"liger-run: 3 job(s) failed (records in {records}):"
    assert [line.split(":")[0].strip() for line in listed[1:4]] == [
        f"- seed={seed} method.n_partitions=[0] embedding=tfidf progress=False" for seed in (0, 1, 2)]
    assert all("expected an integer >= 1" in line for line in listed[1:4])
    assert "stale" not in done.stderr and sorted(p.name for p in records.iterdir()) == [
        "000000.json", "000001.json", "000002.json"]


def test_a_failed_single_run_is_not_a_failed_job(tmp_path):
    done = liger_run("task=bogus", f"hydra.run.dir={tmp_path / 'run'}", tmp_path=tmp_path)
    assert done.returncode != 0 and "task is 'bogus'" in done.stderr
    assert "Callback" not in done.stderr and "job(s) failed" not in done.stderr


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


def test_a_run_from_any_folder_writes_under_output_root(tmp_path):
    elsewhere, out = tmp_path / "some" / "folder", tmp_path / "out"
    elsewhere.mkdir(parents=True)
    done = subprocess.run([sys.executable, "-m", "experiments.run", "method=majority_vote", "embedding=none", "progress=false"],
                          cwd=elsewhere, env={**os.environ, "LIGER_OUTPUT_ROOT": str(out), "HF_HUB_OFFLINE": "1"},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    [metrics] = (out / "logs" / "runs" / "spam" / "none" / "majority_vote").glob("seed0_*/metrics.json")
    assert f"run folder: {metrics.parent}\n" in done.stdout
    assert not list(elsewhere.iterdir())  # nothing lands where the command was run
