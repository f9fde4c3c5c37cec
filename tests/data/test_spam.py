import csv
import hashlib
import json

import numpy as np
import pytest

from liger.data.spam import CSV_NAMES, packaged_csv_dir, read_video, spam_split
from liger.labels import to_paper
from liger.data.files import load_npy, open_text, read_bytes

# Published checksums of the UCI CSVs (../shared/data/SHA256SUMS, spam/uci_csv).
UCI_SHA256 = {
    "Youtube01-Psy.csv": "19797e6c77690e3c8809cfd2853ae7341390636367ba66cf5d4f4083f0b88535",
    "Youtube02-KatyPerry.csv": "902c614f8ef24f987d6f614d7e6111aa5160b89a0646b68e007bd6044a3d123b",
    "Youtube03-LMFAO.csv": "702ef589860a1831956f527760a3d9737ef8a07ab36c7de35b92b8898b8c3928",
    "Youtube04-Eminem.csv": "92f54eb6b22fdf3b7ae85e1f500e5aa7442edd025e504b988a97078756187e76",
    "Youtube05-Shakira.csv": "1d8ab47b71e8037c51183b2fc62f0591a48a4b54f3a4f5d9d3043113b274e98e",
}
SPLITS = ("train", "dev", "test")


@pytest.fixture(scope="module")
def comments():
    return spam_split()


@pytest.mark.parametrize("name", CSV_NAMES)
def test_packaged_csv_checksum(name):
    digest = hashlib.sha256(read_bytes(packaged_csv_dir() / name)).hexdigest()
    assert digest == UCI_SHA256[name], f"{name} differs from the published UCI file"


def test_split_sizes(spam):
    assert {s: len(spam[s]) for s in SPLITS} == {"train": 1586, "dev": 100, "test": 250}
    assert all(spam[s].L.shape[1] == len(spam.lf_names) == 10 for s in SPLITS)


def test_train_unlabeled_dev_test_labeled(spam):
    # Weak supervision must not see train gold labels.
    assert spam["train"].y is None
    assert spam["dev"].y is not None and spam["test"].y is not None


def test_dev_is_subset_of_train(spam):
    assert set(spam["dev"].ids) <= set(spam["train"].ids)


def test_test_is_video_5_only(spam):
    assert all(i.startswith("5:") for i in spam["test"].ids)
    assert not any(i.startswith("5:") for i in spam["train"].ids)


def test_dataset_matches_comments(spam, comments):
    # load_spam must keep spam_split's rows and order, labels included.
    for s in SPLITS:
        assert spam[s].ids == tuple(c.row_id for c in comments[s])
        assert spam[s].texts == tuple(c.text for c in comments[s])
    for s in ("dev", "test"):
        np.testing.assert_array_equal(spam[s].y, [c.label for c in comments[s]])


@pytest.mark.parametrize("split", SPLITS)
def test_rows_match_reference_split(data_dir, comments, split):
    with open_text(data_dir / "spam" / "liger_split" / f"{split}.jsonl") as handle:
        reference = [json.loads(line) for line in handle]
    assert len(reference) == len(comments[split])
    for row, (comment, ref) in enumerate(zip(comments[split], reference)):
        got = (comment.text, comment.author, comment.date, comment.video)
        assert got == (ref["text"], ref["author"], ref["date"], ref["video"]), f"{split} row {row}"
        if ref["label"] is not None:
            assert comment.label == ref["label"], f"{split} row {row}"


@pytest.mark.parametrize("split", ["dev", "test"])
def test_gold_labels_match_official(data_dir, spam, split):
    official = load_npy(data_dir / "spam" / "liger_split" / f"{split}_Y_official.npy")
    np.testing.assert_array_equal(to_paper(spam[split].y), official)


def _write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.mark.parametrize(
    "header, row, match",
    [
        (["COMMENT_ID", "AUTHOR", "DATE", "CONTENT", "CLASS"], ["id", "me", "", "hi", "2"], r"line 2: CLASS is '2'"),
        (["COMMENT_ID", "AUTHOR", "DATE", "TEXT", "CLASS"], ["id", "me", "", "hi", "1"], r"columns .*'TEXT'"),
    ],
    ids=["bad_class", "bad_columns"],
)
def test_read_video_rejects_malformed_csv(tmp_path, header, row, match):
    _write_csv(tmp_path / "v.csv", header, [row])
    with pytest.raises(ValueError, match=match):
        read_video(tmp_path / "v.csv", 1)


def test_read_video_keeps_text_and_maps_empty_date(tmp_path):
    # The trailing U+FEFF must survive: the split and LFs were computed on it.
    _write_csv(tmp_path / "v.csv", ["COMMENT_ID", "AUTHOR", "DATE", "CONTENT", "CLASS"], [["c1", "me", "", "a, \"b\"\ufeff", "1"]])
    (comment,) = read_video(tmp_path / "v.csv", 7)
    assert (comment.row_id, comment.date, comment.text, comment.label) == ("7:0", None, 'a, "b"\ufeff', 1)
