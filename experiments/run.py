"""Hydra entry point: ``liger-run`` or ``python -m experiments.run`` (defaults: spam, minilm, liger)."""

from __future__ import annotations

from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig


# An absolute path: a relative one is read as a Python module when launched via the console script.
CONFIG_DIR = str(Path(__file__).resolve().parents[1] / "conf")


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def app(cfg: DictConfig) -> float:
    from liger.runner import run

    metrics = run(cfg, HydraConfig.get().runtime.output_dir)
    return metrics["dev"]["acc" if metrics["metric"] == "accuracy" else "f1"]


def main() -> None:
    app()


if __name__ == "__main__":
    main()
