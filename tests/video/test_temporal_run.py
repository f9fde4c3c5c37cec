"""The temporal method as the harness runs it (``method.kind: temporal``), on a tiny rendered task."""

from __future__ import annotations

import numpy as np
import pytest

from liger.method.liger import BALANCE_GRID
from liger.metrics import metric_value
from liger.harness.methods import fit_and_score_temporal
from liger.label_models.triplet import TripletLabelModel
from liger.data.rendered_video import load_rendered_video
from liger.video.render import RenderConfig


@pytest.fixture(scope="module")
def tiny():
    return load_rendered_video(RenderConfig(n_sequences=8, n_frames=60, size=24, seed=1, n_dev=2, n_test=2))


def test_window_one_reproduces_the_frame_model_chosen_on_dev(tiny):
    result = fit_and_score_temporal({"name": "t", "windows": [1]}, tiny, None, seed=0)
    # Reference: the frame triplet model, class balance searched on dev the same way (ties: nearest the estimate).
    model = TripletLabelModel().fit(tiny["train"].L)
    estimate = model.class_balance_[1]

    def dev_f1(negative):
        return metric_value("f1", tiny["dev"].y, model.with_class_balance(np.array([negative, 1 - negative])).predict(tiny["dev"].L))

    best = max(BALANCE_GRID, key=lambda negative: (dev_f1(negative), -abs((1 - negative) - estimate)))
    chosen = model.with_class_balance(np.array([best, 1 - best]))
    assert result["hparams"]["window"] == 1 and result["hparams"]["class_balance"][0] == pytest.approx(best)
    for split in ("dev", "test"):
        assert result[split]["f1"] == pytest.approx(metric_value("f1", tiny[split].y, chosen.predict(tiny[split].L)))


def test_window_grid_is_chosen_on_dev_and_never_looks_at_test(tiny):
    method = {"name": "t", "windows": [1, 3, 9], "persistence": ["moments", 0.5]}
    result = fit_and_score_temporal(method, tiny, None, seed=0)
    assert result["hparams"]["window"] in (1, 3, 9)
    best_dev = max(entry["dev_f1"] for entry in result["tried"])
    assert result["dev"]["f1"] == pytest.approx(best_dev)
    assert len(result["tried"]) == 3 * 2 * len(BALANCE_GRID)
    # Changing test labels changes no choice.
    import dataclasses

    flipped = dataclasses.replace(tiny, splits={**tiny.splits, "test": dataclasses.replace(tiny["test"], y=1 - tiny["test"].y)})
    assert fit_and_score_temporal(method, flipped, None, seed=0)["hparams"] == result["hparams"]


def test_liger_base_needs_embeddings_and_non_video_data_is_refused(tiny, spam):
    with pytest.raises(ValueError, match="needs frame embeddings"):
        fit_and_score_temporal({"name": "t", "base": "liger"}, tiny, None, seed=0)
    with pytest.raises(ValueError, match="has no frame index"):
        fit_and_score_temporal({"name": "t"}, spam, None, seed=0)
    with pytest.raises(ValueError, match="method.base is 'knn'"):
        fit_and_score_temporal({"name": "t", "base": "knn"}, tiny, None, seed=0)


def test_liger_base_runs_on_raw_pixels(tiny):
    from liger.embed import embed_dataset, make_embedder

    E = embed_dataset(make_embedder("image", model="raw_pixels", raw_size=8), tiny, cache_dir=None)
    method = {"name": "t", "base": "liger", "windows": [1, 5], "n_partitions": [1, 2], "extension_levels": [None, 0.5],
              "selection": "dev", "min_part_size": 5}
    result = fit_and_score_temporal(method, tiny, E, seed=0, progress=False)
    assert result["hparams"]["base"] == "liger" and result["hparams"]["liger_n_partitions"] in (1, 2)
    assert 0.0 <= result["test"]["f1"] <= 1.0 and 0.0 < result["train_coverage"] <= 1.0
