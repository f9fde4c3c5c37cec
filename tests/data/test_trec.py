"""WRENCH trec through its dataset config and the registry: six classes, 68 LFs, the stated sizes."""

import json
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from liger.data.registry import load_dataset
from liger.data.files import read_text

CONF = Path(__file__).resolve().parents[2] / "conf"


def _dataset_config(*overrides):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["dataset=trec", *overrides])
    return OmegaConf.to_container(cfg.dataset, resolve=True)


def test_trec_loads_through_the_registry(data_dir):
    params = _dataset_config(f"data_dir={data_dir}")
    assert params["label_model"] == "dawid_skene"  # six classes: the binary triplet model does not apply
    trec = load_dataset(params, progress=False)
    label_map = json.loads(read_text(data_dir / "wrench" / "trec" / "label.json"))
    assert trec.name == "trec" and trec.metric == "accuracy"
    assert trec.n_classes == 6 and trec.class_names == tuple(label_map[str(k)] for k in range(6))
    assert trec.n_lfs == 68
    assert {s: len(trec[s]) for s in ("train", "dev", "test")} == {"train": 5033, "dev": 500, "test": 500}
    assert trec["train"].y is None
    records = list(json.loads(read_text(data_dir / "wrench" / "trec" / "test.json")).values())
    np.testing.assert_array_equal(trec["test"].y, [r["label"] for r in records])
    np.testing.assert_array_equal(trec["test"].L, [r["weak_labels"] for r in records])


def test_trec_config_with_no_data_dir_says_how_to_set_it():
    with pytest.raises(ValueError, match="LIGER_DATA_DIR"):
        load_dataset(_dataset_config("data_dir=null"), progress=False)


def test_trec_missing_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "wrench" / "trec")):
        load_dataset(_dataset_config(f"data_dir={tmp_path}"), progress=False)
