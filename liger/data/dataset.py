"""The dataset object every loader returns and every method consumes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from liger.labels import check_gold_labels, check_label_matrix

Metric = Literal["accuracy", "f1"]
SPLIT_NAMES = ("train", "dev", "test")


@dataclass(frozen=True)
class Split:
    """One split: label matrix ``L`` (n, m), gold labels ``y`` (n,) or None, texts or features, row ids.

    ``groups`` (one key per row, or None) names rows that are near-copies of each other (spouse: candidates
    of one sentence); cross-validation within the split keeps each group in one fold.
    """

    name: str
    L: np.ndarray
    ids: tuple[str, ...]
    y: np.ndarray | None = None
    texts: tuple[str, ...] | None = None
    features: np.ndarray | None = None
    groups: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return self.L.shape[0]

    @property
    def is_labeled(self) -> bool:
        return self.y is not None


@dataclass(frozen=True)
class Dataset:
    """Splits plus what describes them: LF names, class names, the metric and where it came from.

    ``extra`` holds loader-specific metadata; ``extra["text_fields"]``, when present, is
    ``{split: {name: one string per row}}``: fields a prompt template may name besides ``{text}``.
    """

    name: str
    splits: dict[str, Split]
    lf_names: tuple[str, ...]
    class_names: tuple[str, ...]
    metric: Metric
    description: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.metric not in ("accuracy", "f1"):
            raise ValueError(f"dataset {self.name!r} has metric {self.metric!r}; expected 'accuracy' or 'f1'")
        if len(self.class_names) < 2:
            raise ValueError(f"dataset {self.name!r} has {len(self.class_names)} classes; expected at least 2")
        missing = [s for s in SPLIT_NAMES if s not in self.splits]
        if missing:
            raise ValueError(f"dataset {self.name!r} lacks split(s) {missing}; expected {list(SPLIT_NAMES)}")
        for split_name, split in self.splits.items():
            self._check_split(split_name, split)
        for split_name in ("dev", "test"):
            if not self.splits[split_name].is_labeled:
                raise ValueError(f"dataset {self.name!r}: split {split_name!r} has no gold labels; expected labels")

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def n_lfs(self) -> int:
        return len(self.lf_names)

    def __getitem__(self, split_name: str) -> Split:
        return self.splits[split_name]

    def _check_split(self, split_name: str, split: Split) -> None:
        where = f"dataset {self.name!r}, split {split_name!r}"
        L = check_label_matrix(split.L, self.n_classes, name=f"L ({where})")
        n = L.shape[0]
        if n == 0:
            raise ValueError(f"{where} is empty; expected at least one row")
        if L.shape[1] != self.n_lfs:
            raise ValueError(f"{where}: L has {L.shape[1]} columns; expected {self.n_lfs} (one per LF name)")
        if len(split.ids) != n:
            raise ValueError(f"{where}: {len(split.ids)} row ids for {n} rows of L")
        if len(set(split.ids)) != n:
            repeated = next(row_id for row_id, count in Counter(split.ids).items() if count > 1)
            raise ValueError(f"{where}: row ids are not unique ({repeated!r} repeats); expected one id per row")
        if split.y is not None:
            check_gold_labels(split.y, self.n_classes, n, name=f"y ({where})")
        if split.texts is not None and len(split.texts) != n:
            raise ValueError(f"{where}: {len(split.texts)} texts for {n} rows of L")
        if split.groups is not None and len(split.groups) != n:
            raise ValueError(f"{where}: {len(split.groups)} group keys for {n} rows of L")
        if split.features is not None and split.features.shape[0] != n:
            raise ValueError(f"{where}: {split.features.shape[0]} feature rows for {n} rows of L")
