from dataclasses import replace

import numpy as np
import pytest

from liger.data.dataset import Dataset, Split


def _split(name, n=3, *, labeled=True):
    L = np.array([[0, 1], [-1, 1], [1, -1], [0, 0]][:n], dtype=np.int64)
    return Split(
        name=name,
        L=L,
        ids=tuple(f"{name}:{i}" for i in range(n)),
        y=np.array([0, 1, 1, 0][:n]) if labeled else None,
        texts=tuple(f"text {i}" for i in range(n)),
    )


def _splits():
    return {"train": _split("train", 4, labeled=False), "dev": _split("dev"), "test": _split("test")}


def _dataset(splits=None, **overrides):
    fields = dict(name="toy", splits=splits or _splits(), lf_names=("lf_a", "lf_b"), class_names=("neg", "pos"), metric="accuracy")
    fields.update(overrides)
    return Dataset(**fields)


def _with(split_name, **changes):
    splits = _splits()
    splits[split_name] = replace(splits[split_name], **changes)
    return splits


def test_valid_dataset():
    # Positive control: the fixture itself passes, so each failure below is due to its one change.
    data = _dataset()
    assert (data.n_classes, data.n_lfs, len(data["train"])) == (2, 2, 4)
    assert not data["train"].is_labeled and data["dev"].is_labeled


@pytest.mark.parametrize(
    "splits, match",
    [
        (_with("train", L=np.zeros((4, 3), dtype=np.int64)), r"'train'.*3 columns; expected 2"),
        (_with("dev", ids=("a", "b", "a")), r"'dev'.*not unique"),
        ({k: v for k, v in _splits().items() if k != "test"}, r"lacks split\(s\) \['test'\]"),
        (_with("dev", y=None), r"'dev' has no gold labels"),
        (_with("test", L=np.array([[0, 2], [0, 0], [1, 1]])), r"value 2 at row 0, column 1"),
        (_with("test", y=np.array([0, 1, 2])), r"value 2 at row 2"),
        (_with("train", L=np.empty((0, 2), dtype=np.int64), ids=(), texts=()), r"'train' is empty"),
        (_with("dev", texts=("only", "two")), r"2 texts for 3 rows"),
        (_with("dev", ids=("a", "b")), r"2 row ids for 3 rows"),
        (_with("dev", y=np.array([0, 1])), r"shape \(2,\)"),
        (_with("dev", features=np.zeros((2, 5))), r"2 feature rows for 3 rows"),
    ],
    ids=[
        "lf_column_count", "duplicate_ids", "missing_split", "unlabeled_dev", "label_out_of_range",
        "gold_out_of_range", "empty_split", "texts_length", "ids_length", "gold_length", "features_length",
    ],
)
def test_split_validation(splits, match):
    with pytest.raises(ValueError, match=match):
        _dataset(splits)


@pytest.mark.parametrize(
    "overrides, match",
    [({"metric": "auc"}, "metric 'auc'"), ({"class_names": ("only",)}, "1 classes")],
)
def test_dataset_validation(overrides, match):
    with pytest.raises(ValueError, match=match):
        _dataset(**overrides)
