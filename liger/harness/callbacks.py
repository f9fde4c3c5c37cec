"""Hydra callbacks: check a multirun's inputs before its first job, count and list its failed jobs, show its
progress, and gather its ``metrics.json`` files into tables under ``results/``."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from liger.data.files import not_shipped_reason
from liger.data.registry import require_path
from liger.errors import ConfigError
from liger.harness.config_check import with_group
from liger.harness.tables import lost_rows, write_tables
from liger.io import write_json_atomic, write_text_atomic

log = logging.getLogger(__name__)


class AggregateRuns(Callback):
    """After a multirun, write ``<out>.csv`` (source of truth) and its renderings from the sweep folder.

    ``table`` picks the layout (see ``liger.harness.tables.TABLES``); ``note`` is Markdown put above it.
    ``roots`` aggregates these folders instead of the sweep folder alone, so sweeps that share one table
    (e.g. an honest one and a leaky one) each refresh it. The table is written into the sweep folder, and
    copied to ``out`` only when every root exists and it keeps every row and seed the table at ``out`` has
    (a sweep run without a dataset, or with failed jobs, leaves the committed table as it is).
    """

    def __init__(self, out: str, table: str = "runs", note: str = "", roots: list[str] | None = None):
        self.out, self.table, self.note, self.roots = out, table, note, roots

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        sweep = Path(config.hydra.sweep.dir)
        roots = [sweep] if not self.roots else [Path(r) for r in self.roots]
        absent = [str(r) for r in roots if not r.is_dir()]
        # Always written into the sweep folder first; copied to `out` only when it loses nothing `out` has.
        written = write_tables([r for r in roots if r.is_dir()], str(sweep / Path(self.out).name), table=self.table,
                               note=self.note)
        log.info("aggregated %s into %s", ", ".join(str(r) for r in roots if r.is_dir()), ", ".join(str(p) for p in written))
        lost = lost_rows(Path(f"{self.out}.csv"), written[0])
        if absent or lost:
            why = (f"it also reads {', '.join(absent)}, which do not exist yet" if absent else
                   f"it lacks what the committed table has: {'; '.join(lost[:5])}" + (f" (and {len(lost) - 5} more)" if len(lost) > 5 else ""))
            log.warning("%s left as it is: %s; the new table is in %s", self.out, why, sweep)
            return
        for path in written:
            write_text_atomic(Path(f"{self.out}{path.suffix}"), path.read_text(encoding="utf-8"))
        log.info("published %s", ", ".join(f"{self.out}{p.suffix}" for p in written))


class SweepProgress(Callback):
    """A progress bar over a multirun's jobs (runs skipped because they finished count too).

    The total is the size of the sweep's grid: ``hydra.sweeper.params`` with the command line's
    sweeps taking precedence. Jobs report from the process that runs them, so the bar advances with
    Hydra's basic launcher; other launchers show their own progress.
    """

    def __init__(self, desc: str = "sweep"):
        self.desc, self.bar = desc, None

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=sweep_size(config), desc=self.desc, unit="run", dynamic_ncols=True)

    def on_job_end(self, config: DictConfig, job_return, **kwargs) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def __getstate__(self) -> dict:
        # Launchers that pickle the callbacks into worker processes (joblib) send no bar: it draws here.
        return {**self.__dict__, "bar": None}

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        if self.bar is not None:
            self.bar.close()


def swept_values(config: DictConfig) -> dict[str, list[str]]:
    """Each key of this multirun's grid and its values: ``hydra.sweeper.params``, the command line's
    overrides taking precedence (a plain override is a one-value sweep)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    params = config.hydra.sweeper.get("params") or {}
    overrides = [f"{key}={value}" for key, value in params.items()] + list(config.hydra.overrides.task)
    values = {}
    for override in OverridesParser.create().parse_overrides(overrides):
        # A later override of the same key (the command line) replaces the config's sweep.
        values[override.get_key_element()] = (list(override.sweep_string_iterator()) if override.is_sweep_override()
                                              else [str(override.value())])
    return values


def sweep_size(config: DictConfig) -> int:
    """How many jobs the basic sweeper makes from this multirun config."""
    size = 1
    for values in swept_values(config).values():
        size *= len(values)
    return size


class Preflight(Callback):
    """Before a multirun's first job: every dataset and precomputed embedding it sweeps over can be found.

    A dataset read from a data folder needs its folder under ``data_dir`` (the packaged copy unless
    ``LIGER_DATA_DIR`` or ``data_dir=`` says otherwise; spouse is not shipped); a
    precomputed embedding needs its files. What is missing is printed, one line each, and the sweep stops
    with status 2 before any job runs.
    """

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        missing = missing_inputs(config)
        if missing:
            sys.stderr.write("liger-run: this multirun cannot start; missing:\n" + "".join(f"  - {m}\n" for m in missing))
            swept = [str(name) for name in swept_values(config).get("dataset", [])]
            rest = [name for name in swept if not any(m.startswith(f"dataset {name}:") for m in missing)]
            if rest and len(rest) < len(swept):
                sys.stderr.write(f"  to run the other datasets only, add hydra.sweeper.params.dataset={','.join(rest)} "
                                 "(a table missing cells is written into the sweep folder, not results/)\n")
            raise SystemExit(2)


def missing_inputs(config: DictConfig) -> list[str]:
    """What the multirun's datasets and embeddings need and cannot find, one sentence each."""
    grid = swept_values(config)
    missing = []
    for name, dataset in _options(config, grid, "dataset", missing):
        if "path" not in dataset:
            continue
        try:
            path = require_path({"name": name, "path": dataset.get("path")})  # the loaders' own rule
        except ConfigError:
            reason = not_shipped_reason(dataset.get("path") or "")
            missing.append(f"dataset {name}: {reason or 'its data folder (set data_dir=/path/to/data, LIGER_DATA_DIR, or dataset.path=...)'}")
            continue
        if not Path(path).exists():
            missing.append(f"dataset {name}: {path} does not exist")
    for name, embedding in _options(config, grid, "embedding", missing):
        if embedding.get("provider") != "precomputed":
            continue
        paths = OmegaConf.to_container(embedding.paths, resolve=True, throw_on_missing=False) if "paths" in embedding else {}
        for split, path in paths.items():
            if path is None or path == "???" or not Path(path).is_file():
                missing.append(f"embedding {name}: the {split} file {path} (embedding.paths.{split})")
    return missing


def _options(config: DictConfig, grid: dict, group: str, missing: list[str]):
    """(name, node) of each option of ``group`` the sweep visits: the run config's own node (with its
    command-line overrides) for the option it composed, the others composed; unknown ones go to ``missing``."""
    for name in grid.get(group, [config[group].name]):
        if name == config[group].name:
            yield name, config[group]
            continue
        try:
            yield name, with_group(config, group, name, named_by=group)[group]
        except ConfigError as error:
            missing.append(str(error))


#: Where a failed job leaves its record, under the sweep folder: ``on_job_end`` runs wherever the launcher ran
#: the job (this process, a joblib worker, a SLURM node), so records on disk are what the launching process can read.
FAILED_JOBS_DIR = "failed_jobs"
#: The record folder of this process's multirun, set when it starts (None: no multirun).
_failed_jobs_folder: Path | None = None


class FailedJobs(Callback):
    """Counts a multirun's failed jobs and names each as it fails, under any launcher; ``report_failed_jobs``
    lists them at the end (Hydra then exits with a non-zero status).

    Each launch records into its own folder, ``<sweep dir>/failed_jobs/<launch>/``, chosen when the multirun
    starts and carried to the workers with the callback (launchers pickle it after ``on_multirun_start``): so a
    job whose own ``hydra.sweep.dir`` differs (one that interpolates a swept key) records where the list is read,
    and a straggler of an earlier, killed launch or a concurrent sweep into the same folder is not counted.
    """

    def __init__(self):
        self.folder: Path | None = None

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        global _failed_jobs_folder
        launch = f"{time.strftime('%Y-%m-%d_%H-%M-%S')}_pid{os.getpid()}"
        self.folder = _failed_jobs_folder = Path(str(config.hydra.sweep.dir)) / FAILED_JOBS_DIR / launch

    def on_job_end(self, config: DictConfig, job_return, **kwargs) -> None:
        from hydra.core.utils import JobStatus
        from hydra.types import RunMode

        # A single run's failure is its own error message (experiments/run.py); it has no job number.
        if job_return.status != JobStatus.FAILED or config.hydra.mode != RunMode.MULTIRUN:
            return
        error = job_return._return_value
        job = " ".join(job_return.overrides or [])
        reason = f"{type(error).__name__}: {error}"
        log.error("job failed (%s): %s", job, reason)
        folder = self.folder or Path(str(config.hydra.sweep.dir)) / FAILED_JOBS_DIR / "unknown_launch"
        record = {"job": job, "reason": reason, "output_dir": str(config.hydra.runtime.output_dir)}
        write_json_atomic(folder / f"{int(config.hydra.job.num):06d}.json", record)


def failed_jobs(folder: Path | None = None) -> list[tuple[str, str]]:
    """(overrides, one-line reason) of each failed job recorded in ``folder`` (default: this process's multirun), in job order."""
    folder = folder or _failed_jobs_folder
    if folder is None or not folder.is_dir():
        return []
    records = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))]
    return [(record["job"], record["reason"]) for record in records]


def report_failed_jobs(stream=None) -> int:
    """Print how many jobs failed and which, with each reason; returns the count."""
    failed = failed_jobs()
    if failed:
        stream = stream or sys.stderr
        stream.write(f"liger-run: {len(failed)} job(s) failed (records in {_failed_jobs_folder}):\n"
                     + "".join(f"  - {job}: {reason}\n" for job, reason in failed))
    return len(failed)
