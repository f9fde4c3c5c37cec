"""Is Liger's lift over the label model larger in a smoother embedding? And the spouse prompt variants.

``study.run`` is ``liger-run experiment=smoothness_lift``."""
