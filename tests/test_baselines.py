"""kNN and adapter baselines: they learn what they are given, soft labels included."""

from __future__ import annotations

import numpy as np

from liger.baselines import fit_adapter, fit_knn


def blobs(n: int = 200, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    E = rng.standard_normal((n, 8)) * 0.3
    E[:, 0] += np.where(y == 1, 2.0, -2.0)
    return E.astype(np.float32), y


def test_knn_recovers_separable_labels_and_caps_k():
    E, y = blobs()
    assert (fit_knn(E, y, k=5).predict(E) == y).mean() > 0.97
    assert fit_knn(E[:3], y[:3], k=50).n_neighbors == 3  # k larger than the training set is capped


def test_adapter_learns_from_soft_labels():
    E, y = blobs()
    soft = np.where(y[:, None] == np.arange(2)[None, :], 0.8, 0.2)  # 80% on the true class
    model = fit_adapter(E, soft, hidden=16, n_classes=2, random_state=0)
    assert (model.predict(E) == y).mean() > 0.97


def test_adapter_soft_labels_carry_their_weights():
    # Labels 90/10 toward class 1 everywhere. Each row appears once per class, so ignored weights give 0.5.
    E, _ = blobs(seed=1)
    soft = np.tile([0.1, 0.9], (len(E), 1))
    model = fit_adapter(E, soft, hidden=8, n_classes=2, random_state=0)
    assert model.predict_proba(E)[:, 1].mean() > 0.65


def test_adapter_is_seeded():
    E, y = blobs()
    first = fit_adapter(E, y, hidden=8, n_classes=2, random_state=3).predict_proba(E)
    second = fit_adapter(E, y, hidden=8, n_classes=2, random_state=3).predict_proba(E)
    assert np.array_equal(first, second)
