"""WRENCH folders: the shared benchmark copies, and small synthetic folders for the error paths."""

import json

import numpy as np
import pytest

from liger.data.wrench import load_wrench
from liger.data.files import read_text

FILES = {"train": "train.json", "dev": "valid.json", "test": "test.json"}


def _records(path):
    """The split file's rows in file order, read without the loader."""
    return list(json.loads(read_text(path)).values())


# --- shared data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spam_wrench(data_dir):
    return load_wrench(data_dir / "spam" / "wrench")


def test_spam_shapes_and_classes(spam_wrench):
    assert {s: len(spam_wrench[s]) for s in FILES} == {"train": 1586, "dev": 120, "test": 250}
    assert spam_wrench.n_lfs == 10 and all(spam_wrench[s].L.shape[1] == 10 for s in FILES)
    assert spam_wrench.class_names == ("HAM", "SPAM")
    assert spam_wrench.name == "wrench"


def test_spam_train_gold_labels_dropped(data_dir, spam_wrench):
    # The file does carry train labels; the loader must not pass them on.
    assert all(r["label"] in (0, 1) for r in _records(data_dir / "spam/wrench/train.json"))
    assert spam_wrench["train"].y is None


@pytest.mark.parametrize("split", ["train", "dev", "test"])
def test_spam_matches_json(data_dir, spam_wrench, split):
    records = _records(data_dir / "spam" / "wrench" / FILES[split])
    data = spam_wrench[split]
    np.testing.assert_array_equal(data.L, np.array([r["weak_labels"] for r in records]))
    assert data.texts == tuple(r["data"]["text"] for r in records)
    if split != "train":
        np.testing.assert_array_equal(data.y, [r["label"] for r in records])
        assert set(np.unique(data.y)) == {0, 1}
    assert len(set(data.ids)) == len(records)


def test_sms_has_73_lfs(data_dir):
    sms = load_wrench(data_dir / "wrench" / "sms", metric="f1")
    assert sms.n_lfs == 73 and sms.n_classes == 2 and sms.metric == "f1"
    assert {s: len(sms[s]) for s in FILES} == {"train": 4571, "dev": 500, "test": 500}
    records = _records(data_dir / "wrench" / "sms" / "test.json")
    np.testing.assert_array_equal(sms["test"].L, [r["weak_labels"] for r in records])


def test_trec_has_6_classes(data_dir):
    trec = load_wrench(data_dir / "wrench" / "trec", name="trec6")
    label_map = json.loads(read_text(data_dir / "wrench" / "trec" / "label.json"))
    assert trec.n_classes == 6 and trec.class_names == tuple(label_map[str(k)] for k in range(6))
    assert trec.name == "trec6" and trec.n_lfs == 68
    assert {s: len(trec[s]) for s in FILES} == {"train": 5033, "dev": 500, "test": 500}
    records = _records(data_dir / "wrench" / "trec" / "valid.json")
    np.testing.assert_array_equal(trec["dev"].y, [r["label"] for r in records])
    assert set(np.unique(trec["dev"].y)) <= set(range(6))


# --- synthetic folders --------------------------------------------------------------------------


def _split_records(L, y, prefix):
    return {str(i): {"data": {"text": f"{prefix} text {i}"}, "label": label, "weak_labels": row}
            for i, (row, label) in enumerate(zip(L, y))}


def _write_folder(folder, *, labels=None, splits=None):
    folder.mkdir(parents=True, exist_ok=True)
    labels = {"0": "NEG", "1": "NEU", "2": "POS"} if labels is None else labels
    splits = splits or {
        "train": _split_records([[0, -1], [2, 2], [-1, -1], [1, 0]], [0, 2, 1, 1], "train"),
        "valid": _split_records([[1, 1], [-1, 2]], [1, 2], "valid"),
        "test": _split_records([[0, 0], [-1, -1], [2, -1]], [0, 1, 2], "test"),
    }
    (folder / "label.json").write_text(json.dumps(labels), encoding="utf-8")
    for name, records in splits.items():
        (folder / f"{name}.json").write_text(json.dumps(records), encoding="utf-8")
    return folder


def test_synthetic_folder_loads(tmp_path):
    data = load_wrench(_write_folder(tmp_path / "tiny"))
    assert data.name == "tiny" and data.class_names == ("NEG", "NEU", "POS")
    assert data.lf_names == ("lf_0", "lf_1") and data.metric == "accuracy"
    np.testing.assert_array_equal(data["train"].L, [[0, -1], [2, 2], [-1, -1], [1, 0]])
    assert data["train"].y is None
    np.testing.assert_array_equal(data["dev"].L, [[1, 1], [-1, 2]])
    np.testing.assert_array_equal(data["dev"].y, [1, 2])
    np.testing.assert_array_equal(data["test"].y, [0, 1, 2])
    assert data["test"].texts == ("test text 0", "test text 1", "test text 2")
    assert data["dev"].ids == ("dev:0", "dev:1")
    assert data["train"].L.dtype == np.int64


def test_record_order_kept_and_missing_text_is_empty(tmp_path):
    splits = {
        "train": {"9": {"data": {"text": "nine"}, "label": 0, "weak_labels": [0]},
                  "3": {"data": {}, "label": 1, "weak_labels": [1]}},
        "valid": {"b": {"data": {"text": "bee"}, "label": 1, "weak_labels": [-1]}},
        "test": {"a": {"data": {"text": "ay"}, "label": 0, "weak_labels": [0]}},
    }
    data = load_wrench(_write_folder(tmp_path / "ordered", labels={"0": "no", "1": "yes"}, splits=splits))
    assert data["train"].ids == ("train:9", "train:3")
    assert data["train"].texts == ("nine", "")
    np.testing.assert_array_equal(data["train"].L, [[0], [1]])


def test_missing_folder_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "nowhere")):
        load_wrench(tmp_path / "nowhere")


def test_missing_label_file_names_path(tmp_path):
    folder = _write_folder(tmp_path / "tiny")
    (folder / "label.json").unlink()
    with pytest.raises(FileNotFoundError, match=str(folder / "label.json")):
        load_wrench(folder)


@pytest.mark.parametrize("file_name", ["train.json", "valid.json", "test.json"])
def test_missing_split_file_names_path(tmp_path, file_name):
    folder = _write_folder(tmp_path / "tiny")
    (folder / file_name).unlink()
    with pytest.raises(FileNotFoundError, match=str(folder / file_name)):
        load_wrench(folder)


def test_uneven_weak_labels_raise(tmp_path):
    folder = _write_folder(tmp_path / "tiny")
    records = json.loads(read_text(folder / "valid.json"))
    records["1"]["weak_labels"] = [1, 1, 0]
    (folder / "valid.json").write_text(json.dumps(records))
    with pytest.raises(ValueError, match=rf"{folder / 'valid.json'}: weak_labels have uneven lengths"):
        load_wrench(folder)


def test_lf_count_differs_between_splits_raises(tmp_path):
    folder = _write_folder(tmp_path / "tiny")
    records = {k: {**r, "weak_labels": r["weak_labels"] + [0]} for k, r in json.loads(read_text(folder / "test.json")).items()}
    (folder / "test.json").write_text(json.dumps(records))
    with pytest.raises(ValueError, match=r"'test'.*3 columns; expected 2"):
        load_wrench(folder)


def test_vote_out_of_range_raises(tmp_path):
    folder = _write_folder(tmp_path / "tiny", labels={"0": "NEG", "1": "POS"})  # votes of 2 are now invalid
    with pytest.raises(ValueError, match=r"value 2"):
        load_wrench(folder)


def test_any_wrench_folder_loads_through_dataset_wrench(data_dir):
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from liger.data.registry import load_dataset
    from liger.harness.config_check import CONF_DIR

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["dataset=wrench", f"dataset.path={data_dir / 'spam' / 'wrench'}",
                                                       "dataset.name=youtube"])
    dataset = load_dataset(OmegaConf.to_container(cfg.dataset, resolve=True), progress=False)
    direct = load_wrench(data_dir / "spam" / "wrench")
    assert dataset.name == "youtube" and dataset.n_lfs == 10
    np.testing.assert_array_equal(dataset["test"].L, direct["test"].L)
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["dataset=wrench"])
    with pytest.raises(ValueError, match=r"dataset 'wrench' needs its data folder \(dataset.path is None\)"):
        load_dataset(OmegaConf.to_container(cfg.dataset, resolve=True), progress=False)
