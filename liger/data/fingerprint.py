"""A content hash of a loaded dataset: what a finished run was made from, so a run made from other
data (a repaired file, a changed LF) is never mistaken for a current one."""

from __future__ import annotations

import hashlib
import json

import numpy as np

from liger.data.dataset import SPLIT_NAMES, Dataset


def dataset_fingerprint(dataset: Dataset) -> str:
    """SHA-256 over every split's row ids, votes, gold labels, texts, CV groups and features, and the LF and class names."""
    digest = hashlib.sha256()
    digest.update(json.dumps([dataset.name, list(dataset.lf_names), list(dataset.class_names), dataset.metric]).encode())
    for name in SPLIT_NAMES:
        split = dataset[name]
        texts, groups = (None if v is None else list(v) for v in (split.texts, split.groups))
        digest.update(json.dumps([name, list(split.ids), texts, groups]).encode())
        # Fixed dtypes: the same values hash the same whatever integer width a loader chose.
        for array, dtype in ((split.L, np.int64), (split.y, np.int64), (split.features, np.float64)):
            digest.update(b"none" if array is None else _array_bytes(np.asarray(array, dtype=dtype)))
    return digest.hexdigest()


def _array_bytes(array: np.ndarray) -> bytes:
    return json.dumps(list(array.shape)).encode() + np.ascontiguousarray(array).tobytes()
