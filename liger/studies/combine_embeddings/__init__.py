"""Liger over several embeddings at once (schemes: how their votes combine), against the best single one.

``study.run`` is ``liger-run experiment=combine_embeddings``."""
