"""WRENCH dataset folders: ``train.json``, ``valid.json``, ``test.json``, ``label.json``.

WRENCH's convention (classes 0..K-1, abstain -1) is already the internal one. Train rows carry
gold labels in WRENCH; they are dropped here so no weakly supervised method can read them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from liger.data.dataset import Dataset, Metric, Split
from liger.data.files import data_file_exists, read_text

_SPLIT_FILES = {"train": "train.json", "dev": "valid.json", "test": "test.json"}


def read_class_names(folder: Path) -> tuple[str, ...]:
    """Class names in class-id order from a WRENCH folder's ``label.json``."""
    label_file = folder / "label.json"
    if not data_file_exists(label_file):
        raise FileNotFoundError(f"{label_file} is missing; expected a WRENCH label.json mapping class ids to names")
    label_map = json.loads(read_text(label_file))
    return tuple(label_map[str(k)] for k in range(len(label_map)))


def split_records(folder: Path):
    """(split name, file path, {record id: record}) for train, dev (valid.json) and test, in that order."""
    for split_name, file_name in _SPLIT_FILES.items():
        path = folder / file_name
        if not data_file_exists(path):
            raise FileNotFoundError(f"{path} is missing; expected a WRENCH split file")
        yield split_name, path, json.loads(read_text(path))


def read_weak_labels(path: Path, records: dict) -> np.ndarray:
    """The (n, m) matrix of the records' ``weak_labels`` in file order, int64; ragged rows name the file."""
    # numpy rejects ragged rows with its own message; check first so the error names the file.
    if len({len(record["weak_labels"]) for record in records.values()}) > 1:
        raise ValueError(f"{path}: weak_labels have uneven lengths; expected one vote per LF in every row")
    L = np.array([record["weak_labels"] for record in records.values()], dtype=np.int64)
    if L.ndim != 2:
        raise ValueError(f"{path}: weak_labels form an array of shape {L.shape}; expected one list of votes per row")
    return L


def split_rows(split_name: str, records: dict) -> tuple[tuple[str, ...], tuple[str, ...], np.ndarray | None]:
    """Row ids (``<split>:<record id>``), texts and gold labels in file order; train labels are dropped (None)."""
    ids = tuple(f"{split_name}:{record_id}" for record_id in records)
    texts = tuple(record["data"].get("text", "") for record in records.values())
    y = None if split_name == "train" else np.array([record["label"] for record in records.values()], dtype=np.int64)
    return ids, texts, y


def load_wrench(folder: str | Path, *, name: str | None = None, metric: Metric = "accuracy") -> Dataset:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"WRENCH folder {folder} does not exist; expected train.json, valid.json, test.json, label.json")
    class_names = read_class_names(folder)
    splits, n_lfs = {}, None
    for split_name, path, records in split_records(folder):
        L = read_weak_labels(path, records)
        n_lfs = L.shape[1] if n_lfs is None else n_lfs
        ids, texts, y = split_rows(split_name, records)
        splits[split_name] = Split(split_name, L, ids=ids, y=y, texts=texts)
    return Dataset(
        name=name or folder.name,
        splits=splits,
        lf_names=tuple(f"lf_{j}" for j in range(n_lfs)),
        class_names=class_names,
        metric=metric,
        description=f"WRENCH folder {folder} (train gold labels dropped)",
    )
