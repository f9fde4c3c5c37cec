"""Embeddings: providers, the on-disk cache, and embedding a whole dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

from liger.data.arrays import load_array
from liger.data.dataset import SPLIT_NAMES, Dataset
from liger.embed.base import Embedder, check_embeddings, normalize_rows
from liger.embed.cache import cached_embed
from liger.embed.image import ImageEmbedder
from liger.embed.providers import MiniLMEmbedder, RandomEmbedder, TfidfEmbedder, WordLlamaEmbedder

PROVIDERS: dict[str, type[Embedder]] = {
    "minilm": MiniLMEmbedder,
    "wordllama": WordLlamaEmbedder,
    "tfidf": TfidfEmbedder,
    "random": RandomEmbedder,
    "image": ImageEmbedder,
}


def make_embedder(provider: str, **params) -> Embedder:
    if provider not in PROVIDERS:
        raise ValueError(f"embedding provider {provider!r} is unknown; expected one of {sorted(PROVIDERS)} or 'precomputed'")
    return PROVIDERS[provider](**params)


def embed_dataset(
    embedder: Embedder,
    dataset: Dataset,
    *,
    cache_dir: str | Path | None,
    prompt: str | None = None,
    progress: bool = False,
) -> dict[str, np.ndarray]:
    """Unit-norm float32 embeddings of every split's texts; ``prompt`` is a template with ``{text}``."""
    texts = {}
    for name in SPLIT_NAMES:
        split_texts = dataset[name].texts
        if split_texts is None:
            raise ValueError(f"dataset {dataset.name!r} split {name!r} has no texts to embed; use precomputed embeddings")
        texts[name] = [prompt.format(text=t) for t in split_texts] if prompt else list(split_texts)
    embedder.fit(texts["train"])
    return {
        name: cached_embed(embedder, texts[name], dataset=dataset.name, split=name, cache_dir=cache_dir,
                           prompt=prompt, progress=progress)
        for name in SPLIT_NAMES
    }


def load_precomputed(paths: Mapping[str, str | Path], dataset: Dataset) -> dict[str, np.ndarray]:
    """One array file per split (``.npy`` or ``.pt``), row-aligned with the dataset's label matrices."""
    missing = [name for name in SPLIT_NAMES if not paths.get(name)]
    if missing:
        raise ValueError(f"precomputed embeddings lack a path for split(s) {missing}")
    return {
        name: normalize_rows(
            check_embeddings(load_array(paths[name]), n_rows=len(dataset[name]), name=f"embeddings {paths[name]}"),
            name=str(paths[name]),
        )
        for name in SPLIT_NAMES
    }


__all__ = ["Embedder", "PROVIDERS", "make_embedder", "embed_dataset", "load_precomputed", "normalize_rows",
           "check_embeddings", "cached_embed"]
