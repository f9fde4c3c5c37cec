"""``method.label_model_grid``: label-model parameters chosen on dev as one more axis of the Liger grid."""

from __future__ import annotations

import pytest

from liger.harness.methods import fit_and_score, label_model_grid
from reliability.input_faults import toy_dataset


def test_grid_is_the_product_of_the_lists_in_order():
    method = {"label_model": "snorkel", "label_model_grid": {"snorkel": {"lr": [0.1, 0.01], "n_epochs": [5, 50, 200]},
                                                             "dawid_skene": {"smoothing": [0.0, 1.0]}}}
    assert label_model_grid(method) == [{"lr": 0.1, "n_epochs": 5}, {"lr": 0.1, "n_epochs": 50}, {"lr": 0.1, "n_epochs": 200},
                                        {"lr": 0.01, "n_epochs": 5}, {"lr": 0.01, "n_epochs": 50}, {"lr": 0.01, "n_epochs": 200}]
    assert label_model_grid({"label_model": "triplet"}) == [{}]
    assert label_model_grid({**method, "label_model": "triplet"}) == [{}]  # only the method's own model's grid


@pytest.mark.parametrize("grid, error, match", [
    ({"snorkel": {"lr": 0.1}}, ValueError, r"label_model_grid.snorkel.lr is 0.1; expected a non-empty list"),
    ({"snorkel": {"lr": []}}, ValueError, r"label_model_grid.snorkel.lr is \[\]"),
    ({"snorkel": [0.1]}, TypeError, "expected lists of values keyed by label-model name"),
])
def test_grid_rejects(grid, error, match):
    with pytest.raises(error, match=match):
        label_model_grid({"label_model": "snorkel", "label_model_grid": grid})


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_best_dev_combination_is_chosen_and_recorded():
    method = {"name": "lm", "kind": "liger", "label_model": "dawid_skene", "n_partitions": [1], "extension_levels": [None],
              "label_model_params": {"dawid_skene": {"max_iter": 3, "tol": 0.0}},
              "label_model_grid": {"dawid_skene": {"abstain": ["ignore", "outcome"], "smoothing": [0.0, 5.0]}}}
    result = fit_and_score(method, toy_dataset(), None, seed=0, progress=False)
    tried = result["tried"]
    assert [(row["abstain"], row["smoothing"]) for row in tried] == [("ignore", 0.0), ("ignore", 5.0), ("outcome", 0.0),
                                                                     ("outcome", 5.0)]
    best = max(row["dev_accuracy"] for row in tried)
    first_best = next(row for row in tried if row["dev_accuracy"] == best)
    hparams = result["hparams"]
    assert hparams["label_model_params"] == {"max_iter": 3, "tol": 0.0, "abstain": first_best["abstain"],
                                             "smoothing": first_best["smoothing"]}
    assert hparams["selection_accuracy"] == round(best, 6)
    assert len({row["dev_accuracy"] for row in tried}) > 1  # guards: the combinations differ on dev
