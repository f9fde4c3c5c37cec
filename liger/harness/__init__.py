"""The Hydra harness: one run from a config (runner), the method registry (methods), tables and figures, callbacks, tracking.

Importing it registers ``${liger.packaged_data:}``, ``data_dir``'s default in ``conf/config.yaml`` (the data
folder shipped in the package), so every entry point that composes the configs (liger-run, liger-audit,
the studies, the tests) resolves it.
"""

from omegaconf import OmegaConf

from liger.data.files import packaged_data_root

OmegaConf.register_new_resolver("liger.packaged_data", lambda: str(packaged_data_root()), replace=True)
