"""Work that the runs of one sweep repeat with the same inputs, kept for the process in small LRU memos.

A multirun's jobs share one process (Hydra's basic launcher). Liger and its extension-only ablation,
over every seed, search the same extension neighbours; Liger and its partition-only ablation share a
seed's k-means partitions; and a whole-train label model at one extension level does not depend on
the seed. Keys are the content of the inputs (a hash of their bytes, shapes and dtypes), so a hit
returns exactly what the computation would; the values are shared, and nothing mutates them.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Callable, TypeVar

import numpy as np

T = TypeVar("T")


def content_key(*parts) -> str:
    """SHA-256 over ``parts``: arrays by dtype, shape and bytes, anything else by its ``repr``."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            digest.update(f"array {part.dtype.str} {part.shape}".encode())
            digest.update(np.ascontiguousarray(part).tobytes())
        else:
            digest.update(f"value {part!r}".encode())
        digest.update(b"|")
    return digest.hexdigest()


class ContentMemo:
    """``memo(parts, compute)``: ``compute()``, or its earlier value for parts with the same content."""

    def __init__(self, maxsize: int):
        if maxsize < 1:
            raise ValueError(f"maxsize is {maxsize}; expected at least 1")
        self.maxsize = maxsize
        self.hits = self.misses = 0
        self._values: OrderedDict[str, object] = OrderedDict()

    def __call__(self, parts: tuple, compute: Callable[[], T]) -> T:
        key = content_key(*parts)
        if key in self._values:
            self.hits += 1
            self._values.move_to_end(key)
            return self._values[key]  # type: ignore[return-value]
        self.misses += 1
        value = compute()
        self._values[key] = value
        if len(self._values) > self.maxsize:
            self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        self._values.clear()
        self.hits = self.misses = 0


#: Each split's nearest voting train neighbours (one entry per dataset and embedding).
NEIGHBOURS = ContentMemo(maxsize=4)
#: k-means partitions of the train embeddings (parts x seed).
PARTITIONS = ContentMemo(maxsize=16)
#: Whole-train label models on extended votes (one per extension level and label-model setting).
GLOBAL_LABEL_MODELS = ContentMemo(maxsize=64)
