"""Labeling functions as plain callables, and applying them to rows with a progress bar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
from tqdm.auto import tqdm

from liger.labels import ABSTAIN


@dataclass(frozen=True)
class LabelingFunction:
    """A named function from one data point to a class index or ``ABSTAIN`` (-1)."""

    name: str
    vote: Callable[[Any], int]

    def __call__(self, x: Any) -> int:
        return self.vote(x)


def labeling_function(name: str | None = None) -> Callable[[Callable[[Any], int]], LabelingFunction]:
    def wrap(vote: Callable[[Any], int]) -> LabelingFunction:
        return LabelingFunction(name or vote.__name__, vote)

    return wrap


def apply_lfs(
    lfs: Sequence[LabelingFunction], rows: Sequence[Any], *, progress: bool = True, desc: str = "LFs"
) -> np.ndarray:
    """The (n_rows, n_lfs) label matrix, int64, abstain -1."""
    L = np.full((len(rows), len(lfs)), ABSTAIN, dtype=np.int64)
    for i, row in enumerate(tqdm(rows, desc=desc, disable=not progress, leave=False)):
        for j, lf in enumerate(lfs):
            vote = lf(row)
            if not isinstance(vote, (int, np.integer)) or vote < ABSTAIN:
                raise ValueError(f"LF {lf.name!r} returned {vote!r} on row {i}; expected -1 (abstain) or a class index")
            L[i, j] = vote
    return L
