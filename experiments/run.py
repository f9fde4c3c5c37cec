"""Hydra entry point: ``liger-run`` or ``python -m experiments.run`` (defaults: spam, minilm, liger)."""

from __future__ import annotations

import os
import sys
from importlib import import_module
from pathlib import Path

import hydra
from hydra.types import RunMode
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from liger.errors import ConfigError
from liger.harness.callbacks import report_failed_jobs


# An absolute path: a relative one is read as a Python module when launched via the console script.
CONFIG_DIR = str(Path(__file__).resolve().parents[1] / "conf")

#: What ``task=...`` runs: "module:function", each called as function(cfg, output_dir).
TASKS = {
    "run": "liger.harness.runner:run",
    "smoothness": "liger.studies.smoothness.study:run",
    "bias_variance": "liger.studies.bias_variance.study:run",
    "label_free": "liger.studies.label_free.study:run",
    "smoothness_lift": "liger.studies.smoothness_lift.study:run",
    "combine_embeddings": "liger.studies.combine_embeddings.study:run",
    "embedding_ranking": "liger.studies.embedding_ranking.study:run",
    "label_budget": "liger.studies.label_budget.study:run",
}


def resolve_task(name: str):
    if name not in TASKS:
        raise ValueError(f"task is {name!r}; expected one of {sorted(TASKS)}")
    module, function = TASKS[name].split(":")
    return getattr(import_module(module), function)


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def app(cfg: DictConfig) -> float | None:
    try:
        result = resolve_task(cfg.get("task", "run"))(cfg, HydraConfig.get().runtime.output_dir)
    except ConfigError as error:
        # One run: one line and status 2. In a multirun the job fails and is listed at the end.
        if HydraConfig.get().mode == RunMode.RUN and os.environ.get("HYDRA_FULL_ERROR") != "1":
            sys.stderr.write(f"liger-run: error: {error}\n")
            raise SystemExit(2) from None
        raise
    # A sweeper (e.g. Optuna) optimises the value returned: the dev score of a `run`.
    if isinstance(result, dict) and "dev" in result:
        return result["dev"]["acc" if result["metric"] == "accuracy" else "f1"]
    return None


def main() -> None:
    try:
        app()
    finally:
        report_failed_jobs()


if __name__ == "__main__":
    main()
