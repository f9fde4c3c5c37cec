"""The Hydra harness: one run from a config (runner), the method registry (methods), tables and figures, callbacks, tracking."""
