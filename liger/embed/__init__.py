"""Embeddings: providers, the on-disk cache, and embedding a whole dataset."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Mapping, Sequence

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
    """Unit-norm float32 embeddings of every split's texts.

    ``prompt`` is a template with ``{text}``; it may also name the per-row fields a dataset keeps in
    ``dataset.extra["text_fields"][split]`` (spouse: ``{person1}``, ``{person2}``). The template is
    part of the cache key (and so are the filled-in texts).
    """
    texts = {}
    for name in SPLIT_NAMES:
        split_texts = dataset[name].texts
        if split_texts is None:
            raise ValueError(f"dataset {dataset.name!r} split {name!r} has no texts to embed; use precomputed embeddings")
        fields = dataset.extra.get("text_fields", {}).get(name)
        texts[name] = prompted_texts(prompt, split_texts, fields, where=f"dataset {dataset.name!r} split {name!r}")
    embedder.fit(texts["train"])
    return {
        name: cached_embed(embedder, texts[name], dataset=dataset.name, split=name, cache_dir=cache_dir,
                           prompt=prompt, progress=progress)
        for name in SPLIT_NAMES
    }


def prompted_texts(
    prompt: str | None,
    texts: Sequence[str],
    fields: Mapping[str, Sequence[str]] | None = None,
    *,
    where: str = "texts",
) -> list[str]:
    """Each text put into ``prompt``: ``{text}`` is the text, any other ``{name}`` that row's ``fields[name]``.

    No prompt gives the texts unchanged. A name the template uses but ``fields`` lacks is an error.
    """
    if not prompt:
        return list(texts)
    fields = dict(fields or {})
    names = {name for _, name, _, _ in string.Formatter().parse(prompt) if name is not None}
    missing = sorted(names - {"text", *fields})
    if missing:
        raise ValueError(f"prompt {prompt!r} names {missing}; {where} provides {sorted({'text', *fields})}")
    for name, values in fields.items():
        if len(values) != len(texts):
            raise ValueError(f"{where}: text field {name!r} has {len(values)} values for {len(texts)} texts")
    used = sorted(names - {"text"})
    return [prompt.format(text=text, **{name: fields[name][i] for name in used}) for i, text in enumerate(texts)]


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


__all__ = ["Embedder", "PROVIDERS", "make_embedder", "embed_dataset", "prompted_texts", "load_precomputed", "normalize_rows",
           "check_embeddings", "cached_embed"]
