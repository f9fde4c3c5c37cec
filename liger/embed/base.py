"""The embedding-provider interface and the checks every embedding matrix passes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Sequence

import numpy as np


class Embedder(ABC):
    """Texts to float32 unit-norm rows. ``identity`` names everything the vectors depend on."""

    #: False for providers cheaper to recompute than to read from disk.
    cacheable: bool = True

    @abstractmethod
    def identity(self) -> dict: ...

    @abstractmethod
    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...

    def fit(self, train_texts: Sequence[str]) -> "Embedder":
        """Providers that learn from text (TF-IDF) fit on the train split only."""
        return self

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        texts = list(texts)
        name = f"{self.identity()['provider']} embeddings"
        return normalize_rows(check_embeddings(self.encode(texts, progress=progress), n_rows=len(texts), name=name), name=name)


def check_embeddings(E: np.ndarray, *, n_rows: int | None = None, name: str = "E") -> np.ndarray:
    """A finite 2-D float matrix with no all-zero row (and ``n_rows`` rows when given)."""
    E = np.asarray(E)
    if E.dtype.kind != "f":
        raise TypeError(f"{name} has dtype {E.dtype}; expected a float dtype")
    if E.ndim != 2:
        raise ValueError(f"{name} has shape {E.shape}; expected 2-D (n_points, dim)")
    if n_rows is not None and E.shape[0] != n_rows:
        raise ValueError(f"{name} has {E.shape[0]} rows; expected {n_rows} (one per row of the label matrix)")
    finite = np.isfinite(E).all(axis=1)
    if not finite.all():
        row = int(np.argmin(finite))
        raise ValueError(f"{name} has a NaN or inf in row {row}; expected finite values")
    zero = ~E.any(axis=1)
    if zero.any():
        row = int(np.argmax(zero))
        raise ValueError(f"{name} row {row} is all zeros; expected a nonzero row (cosine similarity is undefined for it)")
    return E


def normalize_rows(E: np.ndarray, *, name: str = "E") -> np.ndarray:
    """Checked, float32, each row scaled to unit L2 norm."""
    E = check_embeddings(E, name=name).astype(np.float64)
    # Scale by the largest |entry| first: squaring tiny or huge rows would underflow to 0 or overflow to inf.
    E = E / np.abs(E).max(axis=1, keepdims=True)
    return (E / np.linalg.norm(E, axis=1, keepdims=True)).astype(np.float32)
