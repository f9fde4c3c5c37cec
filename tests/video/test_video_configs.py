"""The video configs compose and reach the loaders, providers and the temporal method with their own keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from liger.data.registry import load_dataset
from liger.embed import make_embedder
from liger.harness.methods import fit_and_score_temporal

CONF = Path(__file__).resolve().parents[2] / "conf"


def composed(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


def test_rendered_video_config_reaches_the_renderer():
    cfg = composed("dataset=rendered_video", "dataset.n_sequences=4", "dataset.n_frames=10", "dataset.size=16",
                   "dataset.n_dev=1", "dataset.n_test=1")
    dataset = load_dataset(OmegaConf.to_container(cfg.dataset, resolve=True), progress=False)
    assert dataset.name == "rendered_video" and len(dataset["train"]) == 20
    assert dataset.extra["render"]["size"] == 16


def test_tennis_config_reaches_the_loader(data_dir):
    cfg = composed("dataset=tennis", f"data_dir={data_dir}")
    dataset = load_dataset(OmegaConf.to_container(cfg.dataset, resolve=True), progress=False)
    assert (len(dataset["dev"]), len(dataset["test"])) == (350, 396)


def test_embedding_configs_build_image_embedders():
    for name, model in (("efficientnet_lite0", "efficientnet_lite0"), ("raw_pixels", "raw_pixels")):
        params = OmegaConf.to_container(composed(f"embedding={name}").embedding, resolve=True)
        assert params.pop("name") == name
        embedder = make_embedder(params.pop("provider"), **params)
        assert embedder.identity()["model"] == model


def test_temporal_method_config_runs():
    method = OmegaConf.to_container(composed("method=temporal_label_model", "method.windows=[1,3]").method, resolve=True)
    cfg = composed("dataset=rendered_video", "dataset.n_sequences=6", "dataset.n_frames=30", "dataset.size=16",
                   "dataset.n_dev=2", "dataset.n_test=2")
    dataset = load_dataset(OmegaConf.to_container(cfg.dataset, resolve=True), progress=False)
    result = fit_and_score_temporal(method, dataset, None, seed=0)
    assert result["hparams"]["window"] in (1, 3) and np.isfinite(result["test"]["f1"])


TINY_RENDER = ("dataset=rendered_video", "dataset.n_sequences=6", "dataset.n_frames=30", "dataset.size=16",
               "dataset.n_dev=2", "dataset.n_test=2", "progress=false")


@pytest.mark.parametrize("method", ["label_model", "temporal_label_model"])
def test_label_model_methods_run_without_embeddings(tmp_path, method):
    from liger.harness.runner import run

    metrics = run(composed(*TINY_RENDER, "embedding=none", f"method={method}"), tmp_path)
    assert metrics["embedding"] == "none" and metrics["method"] == method
    assert (tmp_path / "metrics.json").is_file() and 0.0 <= metrics["test"]["f1"] <= 1.0


@pytest.mark.parametrize("method", ["liger", "ws_knn", "liger_temporal"])
def test_methods_that_need_embeddings_say_so_with_embedding_none(tmp_path, method):
    from liger.harness.runner import run

    with pytest.raises(ValueError, match="needs (frame )?embeddings"):
        run(composed(*TINY_RENDER, "embedding=none", f"method={method}"), tmp_path)


def test_liger_temporal_is_the_temporal_model_on_liger_frames():
    temporal, chained = composed("method=temporal_label_model").method, composed("method=liger_temporal").method
    assert (chained.kind, chained.base, temporal.base) == ("temporal", "liger", "label_model")
    assert list(chained.windows) == list(temporal.windows)
