"""dataset=sms: WRENCH sms texts with the 73 rules applied as code; dataset=sms_wrench keeps the shipped votes."""

import json
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from liger.data.registry import load_dataset
from liger.data.sms import load_sms
from liger.labels import ABSTAIN
from liger.lfs.sms import SMS_LFS, SMS_RULES, SPAM
from liger.data.files import packaged_data_root, read_text

CONF = Path(__file__).resolve().parents[2] / "conf"
FILES = {"train": "train.json", "dev": "valid.json", "test": "test.json"}
SIZES = {"train": 4571, "dev": 500, "test": 500}


def _records(folder, split):
    """(record id, record) pairs of a split file in file order, read without the loader."""
    return list(json.loads(read_text(folder / FILES[split])).items())


def _dataset_config(name, *overrides):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"dataset={name}", *overrides])
    return OmegaConf.to_container(cfg.dataset, resolve=True)


def _spam_precision(L, y):
    """Share of spam votes cast on spam messages, pooled over all LFs."""
    spam_votes = L == SPAM
    return float((spam_votes & (y[:, None] == SPAM)).sum() / spam_votes.sum())


# --- shared data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(data_dir):
    return data_dir / "wrench" / "sms"


@pytest.fixture(scope="module")
def sms(data_dir):
    return load_dataset(_dataset_config("sms", f"data_dir={data_dir}"), progress=False)


def test_shapes_names_and_metric(sms):
    assert sms.name == "sms" and sms.metric == "f1" and sms.class_names == ("ham", "spam")
    assert sms.lf_names == tuple(name for name, _, _ in SMS_RULES) and sms.n_lfs == 73
    assert {s: len(sms[s]) for s in FILES} == SIZES
    assert all(sms[s].L.shape == (SIZES[s], 73) and sms[s].L.dtype == np.int64 for s in FILES)
    assert "rules applied as code" in sms.description


@pytest.mark.parametrize("split", list(FILES))
def test_rows_align_with_the_file(folder, sms, split):
    records = _records(folder, split)
    data = sms[split]
    assert data.ids == tuple(f"{split}:{record_id}" for record_id, _ in records)
    assert data.texts == tuple(r["data"]["text"] for _, r in records)
    if split == "train":
        assert data.y is None  # the file carries gold labels; the loader drops them
        assert {r["label"] for _, r in records} == {0, 1}
    else:
        np.testing.assert_array_equal(data.y, [r["label"] for _, r in records])
    # Votes are the rules applied to each row's own text, not the file's weak_labels.
    for row in (0, len(records) // 2, len(records) - 1):
        assert data.L[row].tolist() == [lf(records[row][1]["data"]["text"]) for lf in SMS_LFS]
    np.testing.assert_array_equal(sms.extra["shipped_weak_labels"][split], [r["weak_labels"] for _, r in records])


def test_train_votes_equal_the_shipped_ones_and_dev_test_do_not(sms):
    shipped = sms.extra["shipped_weak_labels"]
    agreement = {s: float(np.mean((sms[s].L == shipped[s]).all(axis=1))) for s in FILES}
    print(f"\nrows whose 73 votes equal the shipped ones: {agreement}")
    assert agreement["train"] >= 0.98
    assert agreement["dev"] < 0.6 and agreement["test"] < 0.6


@pytest.mark.parametrize("split", ["dev", "test"])
def test_spam_lfs_are_precise_on_dev_and_test(sms, split):
    shipped = sms.extra["shipped_weak_labels"][split]
    ours, y = sms[split].L, sms[split].y
    coverage = {"ours": float((ours != ABSTAIN).any(axis=1).mean()), "shipped": float((shipped != ABSTAIN).any(axis=1).mean())}
    precision = {"ours": _spam_precision(ours, y), "shipped": _spam_precision(shipped, y)}
    print(f"\nsms {split}: coverage {coverage}, spam-vote precision {precision}")
    assert precision["ours"] >= 0.9, f"spam LFs are {precision['ours']:.3f} precise on {split}; train is 0.975"
    assert precision["shipped"] < 0.5  # the defect the new votes replace; if it passes, the data changed


@pytest.mark.parametrize("split", ["dev", "test"])
def test_firings_contain_their_keywords(sms, split):
    # Every word of a rule's slots appears in the texts it fires on; the shipped votes mostly fail this.
    shipped = sms.extra["shipped_weak_labels"][split]
    lowered = [t.lower() for t in sms[split].texts]
    share = {}
    for source, L in (("ours", sms[split].L), ("shipped", shipped)):
        hits = [all(any(word in lowered[i] for word in slot.split("|")) for slot in rule.split(" ")[0::2])
                for j, (_, _, rule) in enumerate(SMS_RULES) for i in np.flatnonzero(L[:, j] != ABSTAIN)]
        share[source] = float(np.mean(hits))
    print(f"\nsms {split}: share of firings whose text holds the rule's keywords {share}")
    assert share["ours"] == 1.0 and share["shipped"] < 0.8


def test_sms_wrench_keeps_the_shipped_votes(data_dir, folder, sms):
    wrench = load_dataset(_dataset_config("sms_wrench", f"data_dir={data_dir}"), progress=False)
    assert wrench.name == "sms_wrench" and wrench.lf_names == tuple(f"lf_{j}" for j in range(73))
    for split in FILES:
        np.testing.assert_array_equal(wrench[split].L, [r["weak_labels"] for _, r in _records(folder, split)])
        assert wrench[split].texts == sms[split].texts and wrench[split].ids == sms[split].ids


def test_config_reads_the_packaged_copy_unless_told_otherwise(monkeypatch, tmp_path):
    monkeypatch.delenv("LIGER_DATA_DIR", raising=False)
    assert _dataset_config("sms")["path"] == str(packaged_data_root() / "wrench" / "sms")
    monkeypatch.setenv("LIGER_DATA_DIR", str(tmp_path))
    assert _dataset_config("sms")["path"] == f"{tmp_path}/wrench/sms"


def test_config_with_no_data_dir_says_how_to_set_it():
    with pytest.raises(ValueError, match="LIGER_DATA_DIR"):
        load_dataset(_dataset_config("sms", "data_dir=null"), progress=False)


# --- synthetic folders --------------------------------------------------------------------------


def _write_folder(folder, labels=None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "label.json").write_text(json.dumps(labels or {"0": "ham", "1": "spam"}), encoding="utf-8")
    texts = {"train.json": ["thanks a lot", "you have won a cash prize, call now"],
             "valid.json": ["where are you"], "test.json": ["hello", "free ringtone"]}
    for file_name, split_texts in texts.items():
        records = {f"r{k}": {"data": {"text": t}, "label": k % 2, "weak_labels": [ABSTAIN] * 73} for k, t in enumerate(split_texts)}
        (folder / file_name).write_text(json.dumps(records), encoding="utf-8")
    return folder


def test_synthetic_folder_gets_rule_votes(tmp_path):
    data = load_sms(_write_folder(tmp_path / "tiny"), progress=False)
    lf_index = {name: j for j, name in enumerate(data.lf_names)}
    train = data["train"]
    assert train.y is None and train.ids == ("train:r0", "train:r1")
    assert train.L[0, lf_index["ham_thanks"]] == 0
    assert {name for name, j in lf_index.items() if train.L[1, j] != ABSTAIN} == {
        "spam_won_cash_prize", "spam_won_call", "spam_cash_prize", "spam_won_cash"}
    assert (data["test"].L[0] == ABSTAIN).all() and data["test"].L[1, lf_index["spam_call_free"]] == ABSTAIN
    np.testing.assert_array_equal(data["test"].y, [0, 1])
    assert (data.extra["shipped_weak_labels"]["dev"] == ABSTAIN).all()


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "nowhere")):
        load_sms(tmp_path / "nowhere", progress=False)


def test_other_class_names_raise(tmp_path):
    folder = _write_folder(tmp_path / "flipped", labels={"0": "spam", "1": "ham"})
    with pytest.raises(ValueError, match=r"label.json names classes \['spam', 'ham'\]; expected \['ham', 'spam'\]"):
        load_sms(folder, progress=False)
