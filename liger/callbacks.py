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
    """

    def __init__(self, out: str, table: str = "runs", note: str = ""):
        self.out, self.table, self.note = out, table, note

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        written = write_tables([sweep_dir], self.out, table=self.table, note=self.note)
        log.info("aggregated %s into %s", sweep_dir, ", ".join(str(p) for p in written))
