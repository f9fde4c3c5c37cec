"""Liger over a grid of parts and extension levels, with the bounds' ingredients (irreducible: the extension's unavoidable error).

``study.run`` is ``liger-run experiment=bias_variance``."""
