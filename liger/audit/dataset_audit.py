"""Every check on one dataset, in report order, with what identifies the data it ran on."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from liger.audit import duplicates, embeddings, integrity, lf_consistency, splits, text_format, tokens
from liger.audit.embeddings import FoundEmbeddings, check_equal_embeddings
from liger.audit.result import DatasetAudit
from liger.data.dataset import SPLIT_NAMES, Dataset
from liger.embed.providers import text_hash

#: Modules whose UPPER_CASE numbers are the audit's thresholds (recorded with every result).
CHECK_MODULES = (integrity, splits, lf_consistency, tokens, text_format, duplicates, embeddings)


def audit_dataset(
    dataset: Dataset,
    *,
    config: dict[str, Any] | None = None,
    data_path: str | Path | None = None,
    data_dir: str | Path | None = None,
    found_embeddings: FoundEmbeddings | None = None,
) -> DatasetAudit:
    """Run every check on ``dataset``. ``data_path``/``data_dir``: its folder and the data folder (for
    checksums); ``found_embeddings``: embeddings to inspect, or None when not requested."""
    checks = [
        integrity.check_files(data_path, data_dir),
        splits.check_splits(dataset),
        lf_consistency.check_lf_consistency(dataset),
        tokens.check_label_tokens(dataset),
        text_format.check_text_format(dataset),
        duplicates.check_duplicates(dataset),
        check_equal_embeddings(dataset, found_embeddings),
    ]
    return DatasetAudit(dataset=dataset.name, description=dataset.description, config=config or {},
                        fingerprints=fingerprints(dataset), checks=checks)


def fingerprints(dataset: Dataset) -> dict[str, dict]:
    """Per split: rows, and sha256 of its texts, votes and gold labels, so a report names the data it describes."""
    out = {}
    for name in SPLIT_NAMES:
        split = dataset[name]
        out[name] = {
            "rows": len(split),
            "texts_sha256": None if split.texts is None else text_hash(split.texts),
            "L_sha256": _array_hash(split.L),
            "y_sha256": None if split.y is None else _array_hash(split.y),
        }
    return out


def _array_hash(array: np.ndarray) -> str:
    array = np.ascontiguousarray(array, dtype=np.int64)
    return hashlib.sha256(str(array.shape).encode() + array.tobytes()).hexdigest()


def thresholds() -> dict[str, dict[str, float]]:
    """``{check module: {CONSTANT: value}}`` for every numeric UPPER_CASE constant of the check modules."""
    return {module.__name__.rsplit(".", 1)[-1]: {k: v for k, v in sorted(vars(module).items())
                                                  if k.isupper() and isinstance(v, (int, float)) and not isinstance(v, bool)}
            for module in CHECK_MODULES}
