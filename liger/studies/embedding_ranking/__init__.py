"""Choosing an embedding without labels, and how well that choice does.

``study.run`` is ``liger-run experiment=embedding_ranking``."""
