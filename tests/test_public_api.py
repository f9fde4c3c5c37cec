"""The public API named in the methods issue is importable from ``liger`` and follows sklearn conventions."""

from __future__ import annotations

import inspect

import numpy as np

import liger


def test_public_names_import():
    for name in ("MajorityVote", "TripletLabelModel", "extend_votes", "Liger"):
        assert hasattr(liger, name), name


def test_init_only_stores_parameters_and_fit_returns_self():
    L = np.array([[1, 1, 0, -1], [0, 0, 0, 1], [1, -1, 1, 1], [0, 0, -1, 0]] * 5)
    E = np.random.default_rng(0).standard_normal((len(L), 4)).astype(np.float32)
    for model, args in ((liger.MajorityVote(), (L,)), (liger.TripletLabelModel(), (L,)), (liger.Liger(min_part_size=1), (L, E))):
        params = inspect.signature(type(model).__init__).parameters
        assert all(hasattr(model, p) for p in params if p != "self"), type(model).__name__
        assert not [a for a in vars(model) if a.endswith("_") and not a.startswith("_")], "learned attributes before fit"
        assert model.fit(*args) is model
