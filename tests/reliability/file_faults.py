"""Hostile and damaged files: pickles that would run code on load, and damaged embedding-cache entries."""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from liger.embed.base import Embedder
from liger.embed.cache import cached_embed
from liger.embed.providers import RandomEmbedder
from reliability.faults import Fault, expect_error, require

# -- planted pickles ---------------------------------------------------------------------------------


class Payload:
    """Unpickling this runs ``exec``, which creates the file ``marker``: what a hostile file would do."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').close()",)


def _plant_npy(path: Path, marker: Path) -> None:
    hostile = np.empty(1, dtype=object)
    hostile[0] = Payload(marker)
    np.save(path, hostile, allow_pickle=True)


def _plant_pt(path: Path, marker: Path) -> None:
    import torch

    torch.save(Payload(marker), path)


def _plant_pt_beside_tensor(path: Path, marker: Path) -> None:
    import torch

    torch.save([torch.ones(2, 2), Payload(marker)], path)


def _plant_raw(path: Path, marker: Path) -> None:
    path.write_bytes(pickle.dumps(Payload(marker), protocol=2))


#: What the refusal says, by file suffix.
REFUSAL = {".npy": "pickled objects are refused", ".pt": "refused by torch.load(weights_only=True)"}
PLANTS: dict[str, tuple[str, Callable[[Path, Path], None]]] = {
    "object array with a payload": (".npy", _plant_npy),
    "torch.save of a payload": (".pt", _plant_pt),
    "payload beside a tensor": (".pt", _plant_pt_beside_tensor),
    "raw pickle named .npy": (".npy", _plant_raw),
    "raw pickle named .pt": (".pt", _plant_raw),
}


def _refused_without_running(plant: Callable[[Path, Path], None], suffix: str,
                             load: Callable[[Path], object]) -> Callable[[Path], str]:
    def inject(scratch: Path) -> str:
        marker, path = scratch / "pwned", scratch / f"hostile{suffix}"
        plant(path, marker)
        require(not marker.exists(), "planting the file already ran the payload")
        observed = expect_error(lambda: load(path), ValueError, value=path.name, expected=REFUSAL[suffix])
        require(not marker.exists(), f"the payload ran ({marker.name} was created) although loading failed: {observed}")
        return f"refused, payload not run: {observed}".replace(str(scratch), "<scratch>")

    return inject


def _load_array(path: Path):
    from liger.data.arrays import load_array

    return load_array(path)


def _load_precomputed(path: Path):
    """``embedding=precomputed`` pointing its train split at ``path``."""
    from liger.embed import load_precomputed
    from reliability.input_faults import toy_dataset

    dataset = toy_dataset()
    good = {}
    for name in ("dev", "test"):
        good[name] = path.with_name(f"{name}.npy")
        np.save(good[name], np.ones((len(dataset[name]), 3), dtype=np.float32))
    return load_precomputed({"train": path, **good}, dataset)


def _control(scratch: Path) -> str:
    """Without the guard the payload is live: ``np.load(allow_pickle=True)`` runs it."""
    marker, path = scratch / "pwned", scratch / "hostile.npy"
    _plant_npy(path, marker)
    np.load(path, allow_pickle=True)
    require(marker.exists(), "np.load(allow_pickle=True) did not run the payload: the planted file is inert")
    return "payload ran (marker file created): the planted files are live"


def pickle_faults() -> list[Fault]:
    item = "a planted pickle that runs code on load"
    expected = "refused with an error naming the file; the payload never runs"
    faults = [
        Fault("pickle", item, name, "liger.data.arrays.load_array", expected,
              _refused_without_running(plant, suffix, _load_array))
        for name, (suffix, plant) in PLANTS.items()
    ]
    faults.append(Fault("pickle", item, "object array as precomputed embeddings",
                        "liger.embed.load_precomputed (embedding=precomputed)", expected,
                        _refused_without_running(_plant_npy, ".npy", _load_precomputed)))
    faults.append(Fault("pickle", item, "payload planted in the embedding cache", "liger.embed.cache.cached_embed",
                        "entry refused and recomputed; the payload never runs", _cache_damage_fault(_pickled_entry)))
    faults.append(Fault("pickle", "control: the planted payload is live", "np.load(allow_pickle=True)", "numpy, unguarded",
                        "the payload runs (so the refusals above are what stop it)", _control))
    return faults


# -- damaged cache entries ---------------------------------------------------------------------------
TEXTS = ("free money, click here", "nice song", "subscribe to my channel", "check out my video", "love this")


class Counting(Embedder):
    """A real provider behind the cache, counting how often it really encodes."""

    cacheable = True

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.calls = 0

    def identity(self) -> dict:
        return self.inner.identity()

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        self.calls += 1
        return self.inner.encode(texts, progress=progress)


def cache_entry(cache_dir: Path) -> tuple[Path, Path]:
    """(array file, sidecar) of the only entry under ``cache_dir``."""
    arrays = sorted(Path(cache_dir).rglob("*.npy"))
    if len(arrays) != 1:
        raise RuntimeError(f"expected one cache entry under {cache_dir}; found {len(arrays)}")
    return arrays[0], arrays[0].with_suffix(".json")


def entry_is_valid(array_path: Path, expected: np.ndarray) -> bool:
    """The stored array has ``expected``'s bytes and the sidecar's digest and shape match it."""
    stored = np.load(array_path, allow_pickle=False)
    meta = json.loads(array_path.with_suffix(".json").read_text(encoding="utf-8"))
    return (stored.dtype == expected.dtype and stored.tobytes() == expected.tobytes()
            and meta["sha256"] == hashlib.sha256(stored.tobytes()).hexdigest() and meta["shape"] == list(expected.shape))


def truncate(path: Path, keep: int) -> None:
    """Cut ``path`` to its first ``keep`` bytes (negative: drop the last ``-keep``)."""
    data = path.read_bytes()
    path.write_bytes(data[: keep if keep >= 0 else len(data) + keep])


def _flip_last_byte(array_path: Path, sidecar: Path) -> None:
    data = bytearray(array_path.read_bytes())
    data[-1] ^= 0x40  # inside the last float of the array
    array_path.write_bytes(bytes(data))


def _pickled_entry(array_path: Path, sidecar: Path) -> None:
    _plant_npy(array_path, array_path.parent / "pwned")


def _wrong_digest(array_path: Path, sidecar: Path) -> None:
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    sidecar.write_text(json.dumps({**meta, "sha256": "0" * 64}), encoding="utf-8")


DAMAGE: dict[str, Callable[[Path, Path], None]] = {
    "array truncated to 0 bytes": lambda a, s: truncate(a, 0),
    "array truncated inside its header": lambda a, s: truncate(a, 30),
    "array missing its last 4 bytes": lambda a, s: truncate(a, -4),
    "array cut in half": lambda a, s: truncate(a, a.stat().st_size // 2),
    "one flipped bit in the data": _flip_last_byte,
    "array rewritten as float64": lambda a, s: np.save(a, np.load(a).astype(np.float64)),
    "sidecar not JSON": lambda a, s: s.write_text("{not json", encoding="utf-8"),
    "sidecar with a wrong digest": _wrong_digest,
    "sidecar deleted": lambda a, s: s.unlink(),
    "array deleted": lambda a, s: a.unlink(),
}


def _cache_damage_fault(damage: Callable[[Path, Path], None]) -> Callable[[Path], str]:
    def inject(scratch: Path) -> str:
        embedder = Counting(RandomEmbedder(dim=16, seed=0))
        embed = lambda: cached_embed(embedder, TEXTS, dataset="toy", split="train", cache_dir=scratch)  # noqa: E731
        original = embed()
        array_path, sidecar = cache_entry(scratch)
        damage(array_path, sidecar)
        warnings = _CapturedWarnings()
        with warnings:
            again = embed()
        require(embedder.calls == 2, "the damaged entry was trusted instead of recomputed")
        require(again.tobytes() == original.tobytes(), "the recomputed embeddings differ from the original ones")
        require(entry_is_valid(array_path, original), "the entry on disk is still damaged after the rebuild")
        embed()
        require(embedder.calls == 2, "the rebuilt entry was not used by the next call")
        require(not (array_path.parent / "pwned").exists(), "a payload planted in the cache ran")
        said = f"; logged: {warnings.messages[0]}" if warnings.messages else "; no entry to read (a plain miss)"
        return ("rebuilt: recomputed once, same bytes, entry valid again and reused" + said).replace(str(scratch), "<scratch>")

    return inject


class _CapturedWarnings(logging.Handler):
    """Collects the cache's warnings while in a ``with`` block."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self) -> "_CapturedWarnings":
        logging.getLogger("liger.embed.cache").addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        logging.getLogger("liger.embed.cache").removeHandler(self)


def cache_faults() -> list[Fault]:
    return [
        Fault("cache", "a damaged embedding-cache file", name, "liger.embed.cache.cached_embed (provider random, cached)",
              "detected and rebuilt; the next call reads the rebuilt entry", _cache_damage_fault(damage))
        for name, damage in DAMAGE.items()
    ]

