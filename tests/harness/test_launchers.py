"""Sweeps through Hydra launchers: same runs and same tables whichever launcher ran them; reruns resume.

Each sweep is a real ``python -m experiments.run -m`` over cheap configs (spam, a random embedding,
three methods x two seeds), run with the basic launcher, joblib (2 workers) and submitit's local mode.
The SLURM config is checked by the batch script it hands to ``sbatch`` (a stub here).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from liger.harness.aggregate import collect, summary, to_csv

PROJECT_ROOT = Path(__file__).resolve().parents[2]
METHODS, SEEDS = ("majority_vote", "label_model", "ws_knn"), (0, 1)
SWEEP = ["dataset=spam", "embedding=random", "embedding.dim=8", f"method={','.join(METHODS)}",
         f"seed={','.join(map(str, SEEDS))}", "progress=false"]
RUN_DIRS = sorted(f"spam/random/{method}/seed{seed}" for method in METHODS for seed in SEEDS)
LAUNCHERS = {
    "basic": ["hydra/launcher=basic"],
    "joblib": ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
    "submitit_local": ["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10"],
}
# Files the runner writes; a skipped run must leave every one of them untouched.
RUN_FILES = ("metrics.json", "timings.json", "lf_summary.json", "lf_summary.md", "config_resolved.yaml")


def multirun(sweep_dir: Path, *overrides: str, env: dict[str, str]) -> tuple[float, str]:
    """Run the sweep into ``sweep_dir``; returns the wall time in seconds and the console output."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "experiments.run", "-m", *SWEEP, *overrides, f"hydra.sweep.dir={sweep_dir}"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, f"multirun {overrides} failed:\n{done.stderr[-4000:]}"
    return time.perf_counter() - start, done.stdout + done.stderr


def aggregate_callback(out: Path) -> list[str]:
    """The paper table's callbacks: the progress bar (which joblib must pickle into its workers) and the tables."""
    return ["+hydra.callbacks.progress._target_=liger.harness.callbacks.SweepProgress",
            "+hydra.callbacks.aggregate._target_=liger.harness.callbacks.AggregateRuns", f"+hydra.callbacks.aggregate.out={out}"]


@pytest.fixture(scope="module")
def sweep_env(tmp_path_factory) -> dict[str, str]:
    env = dict(os.environ, LIGER_CACHE_DIR=str(tmp_path_factory.mktemp("embedding_cache")), HYDRA_FULL_ERROR="1")
    env.pop("WANDB_MODE", None)
    return env


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory, sweep_env) -> dict[str, Path]:
    """launcher name -> its sweep folder, each made by one multirun (with the AggregateRuns callback)."""
    root = tmp_path_factory.mktemp("sweeps")
    for name, overrides in LAUNCHERS.items():
        seconds, output = multirun(root / name, *overrides, *aggregate_callback(root / f"{name}_table"), env=sweep_env)
        (root / f"{name}.log").write_text(output)
        print(f"{name} multirun of {len(RUN_DIRS)} runs: {seconds:.1f} s")
    return {name: root / name for name in LAUNCHERS}


def finished_runs(sweep_dir: Path) -> list[str]:
    return sorted(str(p.parent.relative_to(sweep_dir)) for p in sweep_dir.rglob("metrics.json"))


@pytest.mark.slow
def test_every_launcher_finishes_every_run(sweeps):
    for name, sweep_dir in sweeps.items():
        assert finished_runs(sweep_dir) == RUN_DIRS, name
    # Each sweep really went through the launcher it names.
    assert "Joblib.Parallel(n_jobs=2" in (sweeps["joblib"].parent / "joblib.log").read_text()
    assert list((sweeps["submitit_local"] / ".submitit").rglob("*_result.pkl"))
    assert not (sweeps["basic"] / ".submitit").exists()
    assert "Joblib" not in (sweeps["basic"].parent / "basic.log").read_text()


@pytest.mark.slow
def test_runs_and_tables_do_not_depend_on_the_launcher(sweeps):
    reference = sweeps["basic"]
    rows, _ = summary(collect(reference))
    assert len(rows) == len(METHODS) and all(row["n_seeds"] == len(SEEDS) for row in rows)
    for name, sweep_dir in sweeps.items():
        for run in RUN_DIRS:
            for file_name in ("metrics.json", "predictions.json"):
                same = (sweep_dir / run / file_name).read_bytes() == (reference / run / file_name).read_bytes()
                assert same, f"{name}: {run}/{file_name} differs from the basic launcher's"
        assert summary(collect(sweep_dir))[0] == rows, name
        # The on_multirun_end callback ran in the launching process and saw every run.
        assert (sweep_dir.parent / f"{name}_table.csv").read_text() == to_csv(rows), name


@pytest.mark.slow
def test_rerun_skips_finished_runs_and_redoes_only_the_lost_one(sweeps, sweep_env):
    sweep_dir, reference = sweeps["joblib"], sweeps["basic"]
    lost = "spam/random/label_model/seed1"
    # A sweep killed mid-run leaves that run without metrics.json (written last, atomically).
    (sweep_dir / lost / "metrics.json").unlink()
    before = {(run, f): (sweep_dir / run / f).stat().st_mtime_ns for run in RUN_DIRS for f in RUN_FILES if run != lost}

    seconds, _ = multirun(sweep_dir, *LAUNCHERS["joblib"], env=sweep_env)
    print(f"joblib rerun (5 skipped, 1 run): {seconds:.1f} s")

    after = {key: (sweep_dir / key[0] / key[1]).stat().st_mtime_ns for key in before}
    assert after == before
    assert finished_runs(sweep_dir) == RUN_DIRS
    assert (sweep_dir / lost / "metrics.json").read_bytes() == (reference / lost / "metrics.json").read_bytes()


def test_slurm_config_becomes_one_job_array_with_its_resources(tmp_path):
    # Stand-ins for the SLURM commands: `srun` only has to exist; `sbatch` keeps the script and refuses it.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "srun").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "sbatch").write_text('#!/bin/sh\ncp "$1" "$SBATCH_COPY"\necho "sbatch: stub" >&2\nexit 1\n')
    for stub in bin_dir.iterdir():
        stub.chmod(0o755)
    script = tmp_path / "job.sbatch"
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", SBATCH_COPY=str(script))
    done = subprocess.run(
        [sys.executable, "-m", "experiments.run", "-m", *SWEEP, "hydra/launcher=slurm", "hydra.launcher.partition=debug",
         "hydra.launcher.timeout_min=30", f"hydra.sweep.dir={tmp_path / 'sweep'}"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode != 0 and "sbatch: stub" in done.stderr
    lines = script.read_text().splitlines()
    for expected in ("#SBATCH --partition=debug", "#SBATCH --time=30", "#SBATCH --cpus-per-task=2", "#SBATCH --mem=8GB",
                     f"#SBATCH --array=0-{len(RUN_DIRS) - 1}%{len(RUN_DIRS)}",
                     "export OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK"):
        assert expected in lines, f"{expected!r} not in the batch script:\n{script.read_text()}"
    srun = next(line for line in lines if line.startswith("srun "))
    assert f"{sys.executable} -u -m submitit.core._submit {tmp_path / 'sweep'}/.submitit/" in srun
    # Nothing ran: no run folder was made.
    assert not list((tmp_path / "sweep").rglob("metrics.json"))
