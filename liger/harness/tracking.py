"""Experiment tracking behind one small interface: off by default, Weights & Biases offline on request.

``make_tracker(cfg, output_dir)`` reads the ``logger`` config group (``conf/logger/``): ``logger=none``
(the default) gives a :class:`NullTracker` that does nothing; ``logger=wandb`` gives a
:class:`WandbTracker` writing an offline run under ``<output_dir>/wandb/`` (upload it later with
``wandb sync``). Results never depend on the tracker: ``metrics.json`` stays the source of truth.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from numbers import Real
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

#: What ``wandb`` may be told to do; only "online" talks to a server.
WANDB_MODES = ("offline", "online", "disabled")


class Tracker:
    """The interface every tracker offers; each method here does nothing.

    Use as a context manager (or call :meth:`finish`) so the run is closed even when the job fails.
    """

    def log_config(self, config: Mapping[str, Any] | DictConfig) -> None:
        """Record the resolved run config (nested mappings allowed)."""

    def log_metrics(self, metrics: Mapping[str, Any], *, step: int | None = None) -> None:
        """Record the numeric leaves of ``metrics``; nested keys are joined with "/" (``dev/acc``)."""

    def log_table(self, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Record a table given as rows of ``{column: value}`` (columns from the first row)."""

    def log_figure(self, name: str, figure: Any) -> None:
        """Record a matplotlib figure, or an image file (PNG/JPEG) given by its path."""

    def log_file(self, path: str | Path) -> None:
        """Attach a file written by the run (e.g. ``lf_summary.md``)."""

    def finish(self, *, failed: bool = False) -> None:
        """Close the run; ``failed`` marks it as crashed."""

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.finish(failed=exc_type is not None)


class NullTracker(Tracker):
    """``logger=none``: tracking off; nothing is imported, written or sent."""


def flatten_metrics(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """The finite numeric leaves of a nested mapping, keyed by their "/"-joined path; the rest is dropped.

    Booleans, strings and lists (e.g. a run's ``selection`` log) are not metrics.
    """
    flat: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_metrics(value, prefix=f"{name}/"))
        elif isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value):
            flat[name] = value
    return flat


class WandbTracker(Tracker):
    """A Weights & Biases run whose files live in ``<output_dir>/wandb/``; offline unless ``mode="online"``.

    Never calls ``wandb.login``: ``online`` needs credentials already set up (``wandb login``, ``WANDB_API_KEY``).
    In the other modes wandb's telemetry is switched off as well, so nothing leaves the machine.
    """

    def __init__(
        self,
        output_dir: str | Path,
        *,
        project: str = "liger",
        entity: str | None = None,
        group: str | None = None,
        run_name: str | None = None,
        job_type: str | None = None,
        tags: Sequence[str] = (),
        notes: str | None = None,
        mode: str = "offline",
    ):
        if mode not in WANDB_MODES:
            raise ValueError(f"logger.mode is {mode!r}; expected one of {list(WANDB_MODES)}")
        self.output_dir = Path(output_dir)
        self.mode = mode
        # Set before wandb first loads its settings: silence, and in offline/disabled mode no telemetry
        # (wandb otherwise posts usage metrics to its server at exit even for an offline run).
        os.environ["WANDB_SILENT"] = "true"
        if mode != "online":
            os.environ["WANDB_MODE"] = mode
            os.environ["WANDB_ERROR_REPORTING"] = "false"
        import wandb  # lazily: only runs that ask for wandb pay for importing it

        self._wandb = wandb
        wandb.setup(settings=wandb.Settings(mode=mode, silent=True))
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self.run = wandb.init(
            dir=str(self.output_dir),
            project=project,
            entity=entity,
            group=group,
            name=run_name,
            job_type=job_type,
            tags=list(tags),
            notes=notes,
            mode=mode,
            settings=wandb.Settings(silent=True, console="off"),
        )

    @property
    def run_dir(self) -> Path | None:
        """The run's own folder (``<output_dir>/wandb/offline-run-*`` offline), or None when disabled."""
        return None if self.mode == "disabled" else Path(self.run.dir).parent

    def log_config(self, config: Mapping[str, Any] | DictConfig) -> None:
        if isinstance(config, DictConfig):
            config = OmegaConf.to_container(config, resolve=True)
        self.run.config.update(dict(config), allow_val_change=True)

    def log_metrics(self, metrics: Mapping[str, Any], *, step: int | None = None) -> None:
        flat = flatten_metrics(metrics)
        if flat:
            self.run.log(flat, step=step)

    def log_table(self, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            raise ValueError(f"table {name!r} has no rows; expected at least one")
        columns = list(rows[0])
        self.run.log({name: self._wandb.Table(columns=columns, data=[[row.get(c) for c in columns] for row in rows])})

    def log_figure(self, name: str, figure: Any) -> None:
        image = str(figure) if isinstance(figure, (str, Path)) else figure
        self.run.log({name: self._wandb.Image(image)})

    def log_file(self, path: str | Path) -> None:
        path = Path(path).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"log_file: {path} does not exist or is not a file")
        if path.name == "metrics.json":
            # wandb links saved files into <output_dir>/wandb/: a second metrics.json under the sweep
            # folder would be collected twice by liger.harness.aggregate. Use log_metrics for metrics.
            raise ValueError(f"log_file({path}): metrics.json is logged with log_metrics, not as a file")
        self.run.save(str(path), base_path=str(path.parent), policy="now")

    def finish(self, *, failed: bool = False) -> None:
        if self.run is not None:
            self.run.finish(exit_code=1 if failed else 0)
            self.run = None


#: ``logger.name`` -> tracker class; its other keys are the class's keyword arguments.
TRACKERS: dict[str, type[Tracker]] = {"none": NullTracker, "wandb": WandbTracker}


def make_tracker(cfg: DictConfig, output_dir: str | Path) -> Tracker:
    """The tracker ``cfg.logger`` selects; a config without a ``logger`` key tracks nothing."""
    logger = cfg.get("logger")
    if logger is None:
        return NullTracker()
    params = OmegaConf.to_container(logger, resolve=True)
    name = params.pop("name", None)
    if name not in TRACKERS:
        raise ValueError(f"logger.name is {name!r}; expected one of {sorted(TRACKERS)}")
    if TRACKERS[name] is NullTracker:
        return NullTracker()
    return TRACKERS[name](output_dir, **params)
