"""Each run records what it was made from: the code version and the SHA-256 of every data file its dataset reads."""

from __future__ import annotations

import gzip
import hashlib
import json
import re

from hydra import compose, initialize_config_dir

from liger.data.spam import packaged_csv_dir
from liger.harness import provenance as module
from liger.harness.config_check import CONF_DIR
from liger.harness.runner import run


def test_a_run_writes_its_provenance_beside_its_metrics(tmp_path):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["method=majority_vote", "embedding=none", "progress=false",
                                                       f"cache_dir={tmp_path / 'cache'}"])
    run(cfg, tmp_path / "run")
    record = json.loads((tmp_path / "run" / "provenance.json").read_text())
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert "code_version" not in metrics  # metrics.json stays byte-identical across commits
    assert record["data_fingerprint"] == metrics["data_fingerprint"]
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?|liger-harness \S+", record["code_version"])
    folder = packaged_csv_dir()
    # The packaged files are gzip copies; they are recorded by content under the original names.
    expected = {p.name.removesuffix(".gz"): hashlib.sha256(gzip.decompress(p.read_bytes())).hexdigest()
                for p in sorted(folder.iterdir()) if p.is_file()}
    assert record["data_folder"] == str(folder) and record["data_files"] == expected
    assert len(expected) == 5 and "Youtube01-Psy.csv" in record["data_files"]


def test_without_git_the_code_version_is_the_package_version(tmp_path, monkeypatch):
    monkeypatch.setattr(module, "CHECKOUT", tmp_path)
    module.code_version.cache_clear()
    try:
        assert module.code_version() == "liger-harness 0.1.0"
    finally:
        module.code_version.cache_clear()


def test_a_dataset_without_files_records_none():
    assert module.provenance({"loader": "rendered_video", "name": "rendered_video"})["data_files"] == {}
