"""Hydra callbacks: gather a finished multirun's ``metrics.json`` files into tables under ``results/``."""

from __future__ import annotations

import logging
from pathlib import Path

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from liger.aggregate import write_tables

log = logging.getLogger(__name__)


class AggregateRuns(Callback):
    """After a multirun, write ``<out>.csv`` (source of truth) and its renderings from the sweep folder.

    ``table`` picks the layout (see ``liger.aggregate.TABLES``); ``note`` is Markdown put above it.
    ``roots`` aggregates these folders (those that exist) instead of the sweep folder alone, so
    sweeps that share one table (e.g. an honest one and a leaky one) each refresh it.
    """

    def __init__(self, out: str, table: str = "runs", note: str = "", roots: list[str] | None = None):
        self.out, self.table, self.note, self.roots = out, table, note, roots

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        roots = [Path(config.hydra.sweep.dir)] if not self.roots else [Path(r) for r in self.roots if Path(r).is_dir()]
        written = write_tables(roots, self.out, table=self.table, note=self.note)
        log.info("aggregated %s into %s", ", ".join(map(str, roots)), ", ".join(str(p) for p in written))
