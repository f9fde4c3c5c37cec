"""Embedding heads for the baselines (kNN, adapter MLP, logistic regression) and their decision rule."""
