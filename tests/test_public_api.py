"""The public API named in the methods issue is importable from ``liger`` and follows sklearn conventions."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

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


def _estimators():
    from liger.method.liger import LABEL_MODELS
    from liger.label_models.temporal import TemporalTripletLabelModel

    thresholds = np.array([0.5, 0.6, 0.7, 0.8])
    return [liger.Liger(n_partitions=3, thresholds=thresholds, label_model="dawid_skene", label_model_params={"tol": 1e-3}),
            TemporalTripletLabelModel(window=3), *(model() for model in LABEL_MODELS.values())]


@pytest.mark.parametrize("estimator", _estimators(), ids=lambda e: type(e).__name__)
def test_clone_gives_an_unfitted_copy_with_the_same_parameters(estimator):
    twin = clone(estimator)
    assert type(twin) is type(estimator) and twin is not estimator
    for name, value in estimator.get_params().items():
        np.testing.assert_equal(twin.get_params()[name], value)
    assert set(estimator.get_params()) == set(inspect.signature(type(estimator).__init__).parameters) - {"self"}


def test_predict_before_fit_raises_not_fitted_error_naming_the_missing_attribute():
    L = np.array([[1, 0, -1], [0, 0, 1]])
    E = np.ones((2, 4), dtype=np.float32)
    with pytest.raises(NotFittedError, match="Liger is not fitted yet"):
        liger.Liger().predict(L, E)
    for estimator in _estimators()[2:]:
        with pytest.raises(NotFittedError, match=f"{type(estimator).__name__} is not fitted yet"):
            estimator.predict(L)
    assert not hasattr(liger.TripletLabelModel(), "accuracies_")  # hasattr still answers False
