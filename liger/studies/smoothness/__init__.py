"""Label smoothness M(r) of every embedding of one dataset, on one figure.

``study.run`` is ``liger-run experiment=smoothness``."""
