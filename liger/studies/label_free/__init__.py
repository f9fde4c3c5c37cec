"""Choosing Liger's parts and extension level with 0, 20, 50 or 100 dev labels.

``study.run`` is ``liger-run experiment=label_free``."""
