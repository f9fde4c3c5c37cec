"""The label-budget study: which pipeline to run with N hand labels (``experiment=label_budget``)."""
