"""Hydra callbacks: gather a finished multirun's ``metrics.json`` files into tables under ``results/``."""

from __future__ import annotations

import logging
from pathlib import Path

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from liger.harness.tables import write_tables

log = logging.getLogger(__name__)


class AggregateRuns(Callback):
    """After a multirun, write ``<out>.csv`` (source of truth) and its renderings from the sweep folder.

    ``table`` picks the layout (see ``liger.harness.tables.TABLES``); ``note`` is Markdown put above it.
    ``roots`` aggregates these folders (those that exist) instead of the sweep folder alone, so
    sweeps that share one table (e.g. an honest one and a leaky one) each refresh it.
    """

    def __init__(self, out: str, table: str = "runs", note: str = "", roots: list[str] | None = None):
        self.out, self.table, self.note, self.roots = out, table, note, roots

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        roots = [Path(config.hydra.sweep.dir)] if not self.roots else [Path(r) for r in self.roots if Path(r).is_dir()]
        written = write_tables(roots, self.out, table=self.table, note=self.note)
        log.info("aggregated %s into %s", ", ".join(map(str, roots)), ", ".join(str(p) for p in written))


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


def sweep_size(config: DictConfig) -> int:
    """How many jobs the basic sweeper makes from this multirun config."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    params = config.hydra.sweeper.get("params") or {}
    overrides = [f"{key}={value}" for key, value in params.items()] + list(config.hydra.overrides.task)
    sizes = {}
    for override in OverridesParser.create().parse_overrides(overrides):
        # A later override of the same key (the command line) replaces the config's sweep.
        sizes[override.get_key_element()] = len(list(override.sweep_string_iterator())) if override.is_sweep_override() else 1
    size = 1
    for count in sizes.values():
        size *= count
    return size
