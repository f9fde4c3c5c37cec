"""The data shipped in the package: every file is what its checksum says, the build reproduces it from the
reference folder, and what is not shipped is named with its reason."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import sys

import numpy as np
import pytest

from liger.data.files import (NOT_SHIPPED, data_file_exists, folder_content_sha256, load_npy, locate,
                              not_shipped_reason, packaged_data_root, read_bytes, read_text)
from scripts import build_packaged_data as build

ROOT = packaged_data_root()


def packaged_sums() -> dict[str, str]:
    return build.read_sums(ROOT / "SHA256SUMS")


def test_every_packaged_file_decompresses_to_its_listed_checksum():
    sums = packaged_sums()
    found = folder_content_sha256(ROOT)
    assert found == sums  # same files, same content hashes
    assert {"spam/uci_csv/Youtube01-Psy.csv", "weather/weather-non-agg-DFE.csv", "wrench/sms/train.json",
            "wrench/trec/test.json", "tennis/train_L.npy"} <= set(sums)


def test_what_is_not_shipped_is_absent_and_says_why():
    for name in NOT_SHIPPED:
        assert not any(listed == name or listed.startswith(name + "/") for listed in packaged_sums())
        reason = not_shipped_reason(ROOT / name)
        assert reason is not None and reason.startswith(f"{name} is not shipped with the package: ")
    assert "Signal Media" in not_shipped_reason(ROOT / "spouse" / "dev.jsonl")
    assert not_shipped_reason(ROOT / "wrench" / "trec") is None


def test_a_users_own_folder_is_never_called_not_shipped(tmp_path):
    assert not_shipped_reason(tmp_path / "spouse") is None


@pytest.mark.shared_data
def test_the_packaged_copy_is_what_a_build_from_the_reference_folder_writes(shared_data):
    # The build checks every source file against ../shared/data/SHA256SUMS before it compresses it.
    assert build.differences(build.build(shared_data), build.packaged_now()) == []
    reference = build.read_sums(shared_data / "SHA256SUMS")
    assert all(reference[name] == digest for name, digest in packaged_sums().items())


@pytest.mark.shared_data
def test_the_build_refuses_a_source_file_that_fails_its_checksum(shared_data, tmp_path):
    source = tmp_path / "data"
    shutil.copytree(shared_data, source, ignore=shutil.ignore_patterns("spouse"))
    (source / "tennis" / "dev_Y.npy").write_bytes(b"changed")
    with pytest.raises(ValueError, match=r"tennis/dev_Y.npy: sha256 [0-9a-f]{64}, SHA256SUMS lists 9c71e19e"):
        build.build(source)
    assert build.main(["--source", str(source), "--check"]) == 2


def test_compression_is_deterministic():
    assert build.compress(b"same input") == build.compress(b"same input")
    assert gzip.decompress(build.compress(b"same input")) == b"same input"


def test_plain_and_compressed_copies_read_alike(tmp_path):
    np.save(tmp_path / "a.npy", np.arange(6, dtype=np.int8).reshape(2, 3))
    (tmp_path / "b.json.gz").write_bytes(gzip.compress('{"x": "é"}'.encode()))
    assert locate(tmp_path / "a.npy") == tmp_path / "a.npy" and locate(tmp_path / "b.json") == tmp_path / "b.json.gz"
    assert read_text(tmp_path / "b.json") == '{"x": "é"}' and data_file_exists(tmp_path / "b.json")
    np.testing.assert_array_equal(load_npy(tmp_path / "a.npy"), [[0, 1, 2], [3, 4, 5]])
    assert folder_content_sha256(tmp_path)["b.json"] == hashlib.sha256(read_bytes(tmp_path / "b.json")).hexdigest()
    with pytest.raises(FileNotFoundError, match=r"c.json is missing \(nor is there a compressed copy c.json.gz\)"):
        locate(tmp_path / "c.json")


def test_a_pickled_array_is_refused_in_a_compressed_copy(tmp_path):
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (tmp_path / "evil.npy.gz").write_bytes(gzip.compress(buffer.getvalue()))
    with pytest.raises(ValueError, match="allow_pickle"):
        load_npy(tmp_path / "evil.npy")


def test_the_build_script_runs_as_a_command():
    assert build.PACKAGED == ROOT or build.PACKAGED.resolve() == ROOT.resolve()
    assert "scripts" in sys.modules or build.main  # importable from the checkout (tests/conftest.py)
