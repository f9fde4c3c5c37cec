"""The Hydra harness: one run from a config (runner), the method registry (methods), tables and figures, callbacks, tracking.

Importing it registers the resolvers of ``conf/config.yaml``: ``${liger.packaged_data:}``, ``data_dir``'s default
(the data folder shipped in the package), and ``${liger.output_root:}``, ``output_root``'s (where ``logs/`` and
``results/`` go), so every entry point that composes the configs (liger-run, liger-audit, the studies, the
tests) resolves them.
"""

import os
from pathlib import Path

from omegaconf import OmegaConf

from liger.data.files import packaged_data_root
from liger.harness.provenance import CHECKOUT

OmegaConf.register_new_resolver("liger.packaged_data", lambda: str(packaged_data_root()), replace=True)


def output_root() -> str:
    """``$LIGER_OUTPUT_ROOT`` (``~`` expanded, made absolute) when set and not empty, else the checkout holding ``conf/``."""
    chosen = os.environ.get("LIGER_OUTPUT_ROOT", "").strip()
    return str(Path(chosen).expanduser().resolve()) if chosen else str(CHECKOUT)


def results_dir() -> Path:
    """``results/`` under ``output_root``: where the scripts in ``scripts/`` write by default, as liger-run's studies do."""
    return Path(output_root()) / "results"


OmegaConf.register_new_resolver("liger.output_root", output_root, replace=True)
