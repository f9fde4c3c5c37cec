"""WRENCH's published label-model numbers, recomputed from the shipped votes under WRENCH's protocol."""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

from liger.data.registry import load_dataset
from liger.harness.config_check import CONF_DIR
from liger.harness.wrench_anchors import (CONFIGS, PUBLISHED, RECOMPUTED, TOLERANCE, Recomputed, check_anchors,
                                  recompute, vanishing_rows)
from liger.label_models.dawid_skene import DawidSkene


def load_config(config: str, data_dir) -> object:
    """The dataset as `dataset=<config>` loads it, with the data folder given."""
    root = OmegaConf.merge({"data_dir": str(data_dir)}, {"dataset": OmegaConf.load(CONF_DIR / "dataset" / f"{config}.yaml")})
    return load_dataset(OmegaConf.to_container(root, resolve=True)["dataset"], progress=False)


@pytest.fixture(scope="module")
def recomputed(data_dir):
    return {name: recompute(load_config(config, data_dir)) for name, config in CONFIGS.items()}


@pytest.mark.parametrize("published", [p for p in PUBLISHED if p.not_recomputed is None],
                         ids=lambda p: f"{p.dataset}-{p.model}")
def test_recomputed_within_half_a_point_of_published(recomputed, published):
    got = recomputed[published.dataset][published.model]
    assert abs(got.wrench_rule - published.value) <= TOLERANCE, (published, got)


def test_every_recomputable_anchor_is_checked(recomputed):
    checked = {(p.dataset, p.model) for p in PUBLISHED if p.not_recomputed is None}
    assert checked == {(name, model) for name in CONFIGS for model in RECOMPUTED}
    assert check_anchors(recomputed) == []


def test_check_anchors_reports_a_miss():
    fine = {"MV": Recomputed("MV", 60.80, 0.0, ""), "DS": Recomputed("DS", 50.40, 0.0, "")}
    off = {"MV": Recomputed("MV", 23.97, 0.0, ""), "DS": Recomputed("DS", 5.50, 0.0, "")}
    assert check_anchors({"TREC": fine, "SMS": off}) == ["SMS DS: published 4.94, recomputed 5.50"]
    assert check_anchors({"TREC": fine}) == ["SMS MV: published 23.97, recomputed nothing",
                                             "SMS DS: published 4.94, recomputed nothing"]


def test_vanishing_rows_are_those_below_the_floor_under_every_class():
    model = DawidSkene(n_classes=2)
    model.class_balance_ = np.array([0.5, 0.5])
    # LF 0 votes 0 only under class 0 (and 1 only under class 1) with probability 1e-200; abstains otherwise.
    model.confusions_ = np.array([[[1e-200, 0.0, 1.0 - 1e-200], [0.0, 1e-200, 1.0 - 1e-200]]] * 2)
    L = np.array([[0, 0], [0, -1], [0, 1], [-1, -1]])
    # Row 0: 0.5e-400 under class 0, 0 under class 1; row 2: 0 under both; rows 1 and 3 are above 1e-300.
    np.testing.assert_array_equal(vanishing_rows(model, L), [True, False, True, False])


def test_command_writes_the_file(data_dir, tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("wrench_anchors_script", CONF_DIR.parent / "scripts" / "wrench_anchors.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = tmp_path / "anchors.md"
    assert script.main(["--data-dir", str(data_dir), "--skip-snorkel", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "| TREC (`trec`) | accuracy | MV | 60.80 |" in text and "| SMS (`sms_wrench`) | F1 (positive class) | DS | 4.94 |" in text
    assert "Weaker Than You Think" in text and "not recomputed" in text
