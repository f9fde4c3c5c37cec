"""The Hydra harness: one run from a config (runner), the method registry (methods), tables and figures, callbacks, tracking.

Importing it registers the resolvers of ``conf/config.yaml``: ``${liger.packaged_data:}``, ``data_dir``'s default
(the data folder shipped in the package), and ``${liger.checkout:}``, ``output_root``'s (the checkout holding
``conf/``, where ``logs/`` and ``results/`` go), so every entry point that composes the configs (liger-run,
liger-audit, the studies, the tests) resolves them.
"""

from omegaconf import OmegaConf

from liger.data.files import packaged_data_root
from liger.harness.provenance import CHECKOUT

OmegaConf.register_new_resolver("liger.packaged_data", lambda: str(packaged_data_root()), replace=True)
OmegaConf.register_new_resolver("liger.checkout", lambda: str(CHECKOUT), replace=True)
