"""The quick result files under results/ are what their commands make now, byte for byte.

The studies and the paper table take minutes to hours and are checked by rerunning them (README, "Every
result, regenerated"); these two take seconds, so a change that moves them without regenerating them fails
here. (results/reliability.md is checked by tests/reliability/test_reliability_report.py.)
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_wrench_anchors_md_is_what_its_command_makes(tmp_path, monkeypatch):
    monkeypatch.delenv("LIGER_DATA_DIR", raising=False)  # the committed file reads the packaged copy
    out = tmp_path / "wrench_anchors.md"
    assert script("wrench_anchors").main(["--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == (ROOT / "results" / "wrench_anchors.md").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_threshold_selection_md_is_what_its_command_makes(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    script("compare_threshold_selection").main(["dataset=spam", "embedding=minilm", "--repeats", "20", "--tune-size", "100",
                                                "--seed", "0", "--out-dir", str(tmp_path)])
    name = "threshold_selection_spam_minilm.md"
    assert (tmp_path / name).read_text(encoding="utf-8") == (ROOT / "results" / name).read_text(encoding="utf-8")
