"""``metric_value``'s numpy path for binary F1 gives scikit-learn's value bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from liger.metrics import metric_value


@pytest.mark.parametrize("seed", range(20))
def test_binary_f1_is_sklearns_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 200))
    y = (rng.random(n) < rng.random()).astype(np.int64)
    predicted = (rng.random(n) < rng.random()).astype(np.int64)
    assert metric_value("f1", y, predicted) == float(f1_score(y, predicted, average="binary", zero_division=0.0))


def test_binary_f1_edge_cases_match_sklearn():
    cases = [([0, 0, 0], [0, 0, 0]), ([1, 1], [1, 1]), ([0, 1], [1, 0]), ([1], [0]), ([0], [1])]
    for y, predicted in cases:
        y, predicted = np.array(y), np.array(predicted)
        assert metric_value("f1", y, predicted) == float(f1_score(y, predicted, average="binary", zero_division=0.0))


def test_labels_outside_zero_one_still_go_to_sklearn():
    with pytest.raises(ValueError):
        metric_value("f1", np.array([0, 2, 1]), np.array([0, 1, 2]))
