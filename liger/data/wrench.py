"""WRENCH dataset folders: ``train.json``, ``valid.json``, ``test.json``, ``label.json``.

WRENCH's convention (classes 0..K-1, abstain -1) is already the internal one. Train rows carry
gold labels in WRENCH; they are dropped here so no weakly supervised method can read them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from liger.data.dataset import Dataset, Metric, Split

_SPLIT_FILES = {"train": "train.json", "dev": "valid.json", "test": "test.json"}


def read_class_names(folder: Path) -> tuple[str, ...]:
    """Class names in class-id order from a WRENCH folder's ``label.json``."""
    label_file = folder / "label.json"
    if not label_file.is_file():
        raise FileNotFoundError(f"{label_file} is missing; expected a WRENCH label.json mapping class ids to names")
    label_map = json.loads(label_file.read_text(encoding="utf-8"))
    return tuple(label_map[str(k)] for k in range(len(label_map)))


def split_records(folder: Path):
    """(split name, file path, {record id: record}) for train, dev (valid.json) and test, in that order."""
    for split_name, file_name in _SPLIT_FILES.items():
        path = folder / file_name
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing; expected a WRENCH split file")
        yield split_name, path, json.loads(path.read_text(encoding="utf-8"))


def load_wrench(folder: str | Path, *, name: str | None = None, metric: Metric = "accuracy") -> Dataset:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"WRENCH folder {folder} does not exist; expected train.json, valid.json, test.json, label.json")
    class_names = read_class_names(folder)
    splits, n_lfs = {}, None
    for split_name, path, records in split_records(folder):
        ids = tuple(records)
        # numpy rejects ragged rows with its own message; check first so the error names the file.
        ragged = len({len(records[i]["weak_labels"]) for i in ids}) > 1
        L = None if ragged else np.array([records[i]["weak_labels"] for i in ids], dtype=np.int64)
        if L is None or L.ndim != 2:
            raise ValueError(f"{path}: weak_labels have uneven lengths; expected one vote per LF in every row")
        n_lfs = L.shape[1] if n_lfs is None else n_lfs
        texts = tuple(records[i]["data"].get("text", "") for i in ids)
        y = None if split_name == "train" else np.array([records[i]["label"] for i in ids], dtype=np.int64)
        splits[split_name] = Split(split_name, L, ids=tuple(f"{split_name}:{i}" for i in ids), y=y, texts=texts)
    return Dataset(
        name=name or folder.name,
        splits=splits,
        lf_names=tuple(f"lf_{j}" for j in range(n_lfs)),
        class_names=class_names,
        metric=metric,
        description=f"WRENCH folder {folder} (train gold labels dropped)",
    )
