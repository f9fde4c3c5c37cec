"""The audit on the real data, through the entry point: repaired trec passes, a leaky copy and sms_wrench do not."""

from __future__ import annotations

import json


from liger.audit import cli
from liger.data.files import read_bytes, read_text



def run_audit(tmp_path, dataset, data_dir):
    out = tmp_path / "data_audit"
    assert cli.main([f"dataset={dataset}", f"data_dir={data_dir}", f"audit.out_dir={out}", "progress=false"]) == 0
    return json.loads(read_text(out / f"{dataset}.json"))


def leaky_trec_copy(data_dir, root):
    """A copy of wrench/trec whose test texts start with a token that is a function of the label, uppercased."""
    folder = root / "wrench" / "trec"
    folder.mkdir(parents=True)
    for name in ("train.json", "valid.json", "label.json"):
        (folder / name).write_bytes(read_bytes(data_dir / "wrench" / "trec" / name))
    records = json.loads(read_text(data_dir / "wrench" / "trec" / "test.json"))
    for record in records.values():
        record["data"]["text"] = f"lbl{record['label']} {record['data']['text']}".upper()
    (folder / "test.json").write_text(json.dumps(records), encoding="utf-8")
    return root


def test_repaired_trec_has_no_leak_or_casing_flag(tmp_path, data_dir):
    record = run_audit(tmp_path, "trec", data_dir)
    assert [f for f in record["flags"] if f["check"] in ("label_tokens", "text_casing", "files", "lf_consistency")] == []
    assert {f["status"] for f in record["checks"]["files"]["numbers"]["files"]} == {"ok"}


def test_trec_with_label_tokens_on_test_is_flagged(tmp_path, data_dir):
    record = run_audit(tmp_path, "trec", leaky_trec_copy(data_dir, tmp_path / "data"))
    leaks = [f for f in record["flags"] if f["check"] == "label_tokens" and f["numbers"]["position"] == "first"]
    assert [f["split"] for f in leaks] == ["test"] and leaks[0]["numbers"]["coverage"] == 1.0
    assert {t["token"] for t in leaks[0]["numbers"]["tokens"]} == {f"lbl{k}" for k in range(6)}
    casing = [tuple(f["numbers"]["splits"]) for f in record["flags"] if f["check"] == "text_casing"]
    assert sorted(casing) == [("dev", "test"), ("train", "test")]
    # The votes were left as they were: they still match the texts.
    assert [f for f in record["flags"] if f["check"] == "lf_consistency"] == []


def test_sms_wrench_votes_are_flagged_on_dev_and_test(tmp_path, data_dir):
    record = run_audit(tmp_path, "sms_wrench", data_dir)
    flags = [f for f in record["flags"] if f["check"] == "lf_consistency"]
    assert [f["split"] for f in flags] == ["dev", "test"]
    for flag in flags:
        pooled = flag["numbers"]["pooled"]
        assert pooled["share"] < 0.4 and pooled["expected_share"] > 0.95, pooled
