"""On-disk embedding cache keyed by provider identity, dataset, split, texts and prompt.

Each entry is an ``.npy`` file plus a JSON sidecar holding the array's SHA-256: a truncated or
altered file fails the check and is recomputed instead of being trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Sequence

import numpy as np

from liger.embed.base import Embedder
from liger.embed.providers import text_hash
from liger.io import save_npy_atomic, write_json_atomic

log = logging.getLogger(__name__)
#: Bump when what is stored changes (e.g. normalisation), so old entries are never mistaken for new ones.
CACHE_FORMAT = 2


def cache_key(identity: dict, dataset: str, split: str, texts: Sequence[str], prompt: str | None) -> str:
    spec = {"format": CACHE_FORMAT, "identity": identity, "dataset": dataset, "split": split, "prompt": prompt, "texts": text_hash(texts)}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def cached_embed(
    embedder: Embedder,
    texts: Sequence[str],
    *,
    dataset: str,
    split: str,
    cache_dir: str | Path | None,
    prompt: str | None = None,
    progress: bool = False,
) -> np.ndarray:
    """``embedder.embed(texts)``, read from ``cache_dir`` when a valid entry exists, else computed and stored."""
    if cache_dir is None or not embedder.cacheable:
        return embedder.embed(texts, progress=progress)
    identity = embedder.identity()
    key = cache_key(identity, dataset, split, texts, prompt)
    array_path = entry_path(cache_dir, identity, dataset, split, key)
    cached = _read_entry(array_path, n_rows=len(texts))
    if cached is not None:
        return cached
    E = embedder.embed(texts, progress=progress)
    save_npy_atomic(array_path, E)
    write_json_atomic(
        array_path.with_suffix(".json"),
        {"sha256": _digest(E), "shape": list(E.shape), "identity": identity, "dataset": dataset,
         "split": split, "prompt": prompt, "key": key},
    )
    return E


def entry_path(cache_dir: str | Path, identity: dict, dataset: str, split: str, key: str) -> Path:
    """Where the entry with ``key`` (from ``cache_key``) lives: ``<cache_dir>/<provider>/<dataset>/<split>-<key prefix>.npy``."""
    return Path(cache_dir) / identity["provider"] / dataset / f"{split}-{key[:24]}.npy"


def read_cached(
    identity: dict,
    texts: Sequence[str],
    *,
    dataset: str,
    split: str,
    cache_dir: str | Path,
    prompt: str | None = None,
) -> np.ndarray | None:
    """The cached embeddings of ``texts`` if a valid entry exists, else None; never computes (for audits)."""
    key = cache_key(identity, dataset, split, texts, prompt)
    return _read_entry(entry_path(cache_dir, identity, dataset, split, key), n_rows=len(texts))


def _read_entry(array_path: Path, *, n_rows: int) -> np.ndarray | None:
    sidecar = array_path.with_suffix(".json")
    if not array_path.exists() or not sidecar.exists():
        return None
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        E = np.load(array_path, allow_pickle=False)
        valid = E.dtype == np.float32 and E.shape == (n_rows, meta["shape"][1]) and _digest(E) == meta["sha256"]
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError, json.JSONDecodeError) as error:
        log.warning("embedding cache entry %s is unreadable (%s); recomputing", array_path, error)
        return None
    if not valid:
        log.warning("embedding cache entry %s fails its checksum or shape check; recomputing", array_path)
        return None
    return E


def _digest(E: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(E).tobytes()).hexdigest()
