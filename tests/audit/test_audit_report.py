"""Writing sections and the index, the entry point's config and dataset selection, checksums, cached embeddings."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from liger.audit import audit_dataset, cli, integrity
from liger.audit.embeddings import cached_embeddings
from liger.audit.report import index_path, rebuild_index, render_section, write_section
from liger.embed import PROVIDERS
from liger.embed.base import Embedder
from liger.embed.cache import cached_embed
from liger.harness.config_check import CONF_DIR


def test_section_lists_flags_first_with_their_numbers(trec_leaky):
    text = render_section(audit_dataset(trec_leaky))
    flags_at, first_check_at = text.index("### Flags ("), text.index("### Files: checksums")
    assert flags_at < first_check_at
    assert "**label_tokens** (test)" in text[flags_at:first_check_at] and "cover 1.00 of its rows" in text


def test_writing_one_dataset_refreshes_only_its_section(tmp_path, trec_clean, trec_leaky, sms_shifted):
    out = tmp_path / "data_audit"
    write_section(audit_dataset(trec_leaky), out)
    write_section(audit_dataset(sms_shifted), out)
    sms_bytes = (out / "sms_fixture.md").read_bytes()
    first = rebuild_index(out).read_text(encoding="utf-8")
    assert "[trec_fixture](#trec_fixture) | 4 |" in first and "[sms_fixture](#sms_fixture) | 1 |" in first
    write_section(audit_dataset(trec_clean), out)  # same dataset name: its section is replaced
    second = rebuild_index(out).read_text(encoding="utf-8")
    assert (out / "sms_fixture.md").read_bytes() == sms_bytes
    assert "[trec_fixture](#trec_fixture) | 0 |" in second and second.count("## trec_fixture") == 1
    assert second.endswith((out / "trec_fixture.md").read_text(encoding="utf-8"))
    assert index_path(out) == tmp_path / "data_audit.md"


def test_the_same_data_gives_the_same_bytes(tmp_path, sms_shifted):
    for name in ("a", "b"):
        write_section(audit_dataset(sms_shifted), tmp_path / name)
    for suffix in (".md", ".json"):
        assert (tmp_path / "a" / f"sms_fixture{suffix}").read_bytes() == (tmp_path / "b" / f"sms_fixture{suffix}").read_bytes()
    record = json.loads((tmp_path / "a" / "sms_fixture.json").read_text(encoding="utf-8"))
    assert record["thresholds"]["lf_consistency"]["MAX_SHARE_DROP"] == 0.4
    assert [f["check"] for f in record["flags"]] == ["lf_consistency"]


# ------------------------------------------------------------------ entry point


def test_audit_config_composes_the_dataset_exactly_as_the_run_config_does():
    overrides = ["dataset=trec", "data_dir=/somewhere"]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        run = compose(config_name="config", overrides=overrides)
    audit = cli.compose_config(overrides)
    assert audit.dataset == run.dataset and audit.data_dir == run.data_dir and audit.embedding == run.embedding
    assert audit.audit.embeddings is False and audit.audit.out_dir == f"{audit.output_root}/results/data_audit"


def test_dataset_selection():
    names = cli.dataset_names()
    assert {"spam", "sms_wrench", "trec", "tennis", "rendered_video"} <= set(names)
    assert cli.split_dataset_override(["dataset=all", "seed=1"]) == (names, True, ["seed=1"])
    assert cli.split_dataset_override(["dataset=trec,spam"]) == (["trec", "spam"], False, [])
    assert cli.split_dataset_override(["seed=1"]) == (None, False, ["seed=1"])
    with pytest.raises(ValueError, match=r"dataset='nope' names \['nope'\]; expected 'all' or names from"):
        cli.split_dataset_override(["dataset=nope"])


def test_all_skips_datasets_whose_data_is_absent(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "dataset_names", lambda: ["spam", "trec"])
    out = tmp_path / "data_audit"
    assert cli.main(["dataset=all", f"data_dir={tmp_path / 'no_data'}", f"audit.out_dir={out}", "progress=false"]) == 0
    printed = capsys.readouterr().out
    assert "trec: skipped, data absent" in printed and "spam:" in printed
    assert sorted(p.name for p in out.iterdir()) == ["spam.json", "spam.md"]
    assert "## spam" in index_path(out).read_text(encoding="utf-8")


def test_a_named_dataset_without_data_fails_loudly(tmp_path):
    with pytest.raises(FileNotFoundError, match="wrench/trec"):
        cli.main(["dataset=trec", f"data_dir={tmp_path}", f"audit.out_dir={tmp_path / 'out'}"])


# ------------------------------------------------------------------ checksums


def test_files_are_checked_against_sha256sums_and_known_defective_versions(tmp_path, monkeypatch):
    folder = tmp_path / "wrench" / "toy"
    folder.mkdir(parents=True)
    (folder / "good.json").write_text("{}", encoding="utf-8")
    (folder / "changed.json").write_text("[1]", encoding="utf-8")
    (folder / "leaky.json").write_text('"dist How far"', encoding="utf-8")
    digest = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    (tmp_path / "SHA256SUMS").write_text(
        f"{digest['good.json']}  ./wrench/toy/good.json\n{'0' * 64}  ./wrench/toy/changed.json\n"
        f"{'1' * 64}  ./wrench/toy/gone.json\n", encoding="utf-8")
    monkeypatch.setitem(integrity.KNOWN_DEFECTIVE, digest["leaky.json"], "labels written into the texts")
    result = integrity.check_files(folder, tmp_path)
    status = {row["file"]: row["status"] for row in result.numbers["files"]}
    assert status == {"wrench/toy/changed.json": "MISMATCH", "wrench/toy/good.json": "ok", "wrench/toy/leaky.json": "KNOWN DEFECTIVE"}
    messages = " ".join(f.message for f in result.flags)
    assert "labels written into the texts" in messages and "wrench/toy/gone.json" in messages and "changed.json" in messages


def test_a_malformed_sha256sums_line_is_named(tmp_path):
    (tmp_path / "SHA256SUMS").write_text("abc  x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1 is 'abc  x'"):
        integrity.read_sums(tmp_path / "SHA256SUMS")


# ------------------------------------------------------------------ cached embeddings


class CountingEmbedder(Embedder):
    """A cacheable test embedder: one fixed vector per distinct text, and a count of texts encoded."""

    encoded = 0

    def __init__(self, dim: int = 3):
        self.dim = dim

    def identity(self) -> dict:
        return {"provider": "counting", "dim": self.dim}

    def encode(self, texts, *, progress=False):
        CountingEmbedder.encoded += len(texts)
        return np.array([[len(t) + 1.0, t.count("e") + 1.0, 1.0][: self.dim] for t in texts], dtype=np.float32)


def test_cached_embeddings_are_read_never_computed(tmp_path, monkeypatch, sms_clean):
    monkeypatch.setitem(PROVIDERS, "counting", CountingEmbedder)
    config = {"name": "counting", "provider": "counting", "dim": 3, "prompt": None}
    missing = cached_embeddings(config, sms_clean, tmp_path)
    assert missing.arrays is None and "no valid cache entry" in missing.source and CountingEmbedder.encoded == 0
    for split in ("train", "dev", "test"):
        cached_embed(CountingEmbedder(), sms_clean[split].texts, dataset=sms_clean.name, split=split, cache_dir=tmp_path)
    encoded = CountingEmbedder.encoded
    found = cached_embeddings(config, sms_clean, tmp_path)
    assert CountingEmbedder.encoded == encoded
    np.testing.assert_array_equal(found.arrays["dev"], CountingEmbedder().embed(sms_clean["dev"].texts))
    assert found.texts["test"] == list(sms_clean["test"].texts)
