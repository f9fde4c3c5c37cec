"""The on-disk embedding cache: hits, misses, and entries that fail their checks."""

import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from liger.embed.base import Embedder
from liger.embed.cache import cache_key, cached_embed
from liger.embed.providers import text_hash

TEXTS = ["free money, click here", "nice song", "subscribe to my channel", "nice song"]


class CountingEmbedder(Embedder):
    """A deterministic fake provider that counts how often it really encodes."""

    def __init__(self, tag="v1", dim=6, cacheable=True):
        self.tag = tag
        self.dim = dim
        self.cacheable = cacheable
        self.calls = 0

    def identity(self):
        return {"provider": "counting", "tag": self.tag, "dim": self.dim}

    def encode(self, texts, *, progress=False):
        self.calls += 1
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(f"{self.tag}|{text}".encode()).digest()[:8], "little")
            rows.append(np.random.default_rng(seed).normal(size=self.dim))
        return np.asarray(rows)


def _embed(embedder, cache_dir, *, texts=TEXTS, dataset="toy", split="dev", prompt=None):
    return cached_embed(embedder, texts, dataset=dataset, split=split, cache_dir=cache_dir, prompt=prompt)


def _entries(cache_dir):
    """(array file, sidecar) of the only cache entry under ``cache_dir``."""
    arrays = sorted(cache_dir.rglob("*.npy"))
    assert len(arrays) == 1, arrays
    sidecar = arrays[0].with_suffix(".json")
    assert sidecar.is_file()
    return arrays[0], sidecar


def _assert_entry_valid(cache_dir, expected):
    array_path, sidecar = _entries(cache_dir)
    stored = np.load(array_path, allow_pickle=False)
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    assert stored.tobytes() == expected.tobytes()
    assert meta["sha256"] == hashlib.sha256(stored.tobytes()).hexdigest()
    assert meta["shape"] == list(expected.shape)


def test_second_call_hits_cache_with_identical_bytes(tmp_path):
    embedder = CountingEmbedder()
    first = _embed(embedder, tmp_path)
    assert embedder.calls == 1
    assert first.dtype == np.float32 and first.shape == (len(TEXTS), 6)
    second = _embed(embedder, tmp_path)
    assert embedder.calls == 1
    assert second.tobytes() == first.tobytes()
    _assert_entry_valid(tmp_path, first)
    # A fresh process (a new embedder object, same identity) reads the same entry.
    fresh = CountingEmbedder()
    assert _embed(fresh, tmp_path).tobytes() == first.tobytes() and fresh.calls == 0


def test_entry_lives_under_provider_and_dataset(tmp_path):
    _embed(CountingEmbedder(), tmp_path, dataset="spam", split="test")
    array_path, _ = _entries(tmp_path)
    assert array_path.parent == tmp_path / "counting" / "spam"
    assert array_path.name.startswith("test-")


@pytest.mark.parametrize(
    "change",
    [
        {"texts": TEXTS[:-1] + ["another text"]},
        {"texts": list(reversed(TEXTS))},
        {"prompt": "query: {text}"},
        {"split": "test"},
        {"dataset": "other"},
        {"tag": "v2"},
    ],
    ids=["texts", "text_order", "prompt", "split", "dataset", "identity"],
)
def test_any_change_misses_cache(tmp_path, change):
    embedder = CountingEmbedder()
    _embed(embedder, tmp_path)
    kwargs = dict(change)
    if "tag" in kwargs:
        embedder.tag = kwargs.pop("tag")
    _embed(embedder, tmp_path, **kwargs)
    assert embedder.calls == 2
    assert len(list(tmp_path.rglob("*.npy"))) == 2
    _embed(embedder, tmp_path, **kwargs)  # and the new entry is then a hit
    assert embedder.calls == 2


def _truncate_to(n_bytes):
    def damage(array_path, sidecar):
        data = array_path.read_bytes()
        array_path.write_bytes(data[: n_bytes if n_bytes >= 0 else len(data) + n_bytes])

    return damage


def _flip_last_byte(array_path, sidecar):
    data = bytearray(array_path.read_bytes())
    data[-1] ^= 0x40  # inside the last float of the array
    array_path.write_bytes(bytes(data))


def _as_float64(array_path, sidecar):
    np.save(array_path, np.load(array_path).astype(np.float64))


def _pickled_object(array_path, sidecar):
    np.save(array_path, np.array([{"a": 1}], dtype=object), allow_pickle=True)


def _sidecar_text(text):
    def damage(array_path, sidecar):
        sidecar.write_text(text, encoding="utf-8")

    return damage


def _sidecar_binary(array_path, sidecar):
    sidecar.write_bytes(b"\xff\xfe\x00garbage")


def _sidecar_wrong_digest(array_path, sidecar):
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    meta["sha256"] = "0" * 64
    sidecar.write_text(json.dumps(meta), encoding="utf-8")


def _delete_sidecar(array_path, sidecar):
    sidecar.unlink()


def _delete_array(array_path, sidecar):
    array_path.unlink()


DAMAGE = {
    "truncated_empty": _truncate_to(0),
    "truncated_magic": _truncate_to(4),
    "truncated_header": _truncate_to(30),
    "truncated_data": _truncate_to(-4),
    "flipped_byte": _flip_last_byte,
    "float64_array": _as_float64,
    "pickled_array": _pickled_object,
    "sidecar_garbage": _sidecar_text("{not json"),
    "sidecar_binary": _sidecar_binary,
    "sidecar_list": _sidecar_text("[]"),
    "sidecar_null": _sidecar_text("null"),
    "sidecar_no_digest": _sidecar_text('{"shape": [4, 6]}'),
    "sidecar_short_shape": _sidecar_text('{"shape": [4], "sha256": "x"}'),
    "sidecar_wrong_digest": _sidecar_wrong_digest,
    "sidecar_deleted": _delete_sidecar,
    "array_deleted": _delete_array,
}


@pytest.mark.parametrize("damage", list(DAMAGE.values()), ids=list(DAMAGE))
def test_damaged_entry_is_recomputed_and_rebuilt(tmp_path, damage):
    embedder = CountingEmbedder()
    original = _embed(embedder, tmp_path)
    damage(*_entries(tmp_path))
    again = _embed(embedder, tmp_path)
    assert embedder.calls == 2, "a damaged entry was trusted instead of recomputed"
    assert again.tobytes() == original.tobytes()
    _assert_entry_valid(tmp_path, original)
    third = _embed(embedder, tmp_path)
    assert embedder.calls == 2, "the rebuilt entry was not used"
    assert third.tobytes() == original.tobytes()


def test_damaged_entry_logs_a_warning(tmp_path, caplog):
    embedder = CountingEmbedder()
    _embed(embedder, tmp_path)
    _flip_last_byte(*_entries(tmp_path))
    with caplog.at_level("WARNING", logger="liger.embed.cache"):
        _embed(embedder, tmp_path)
    assert "recomputing" in caplog.text


def test_no_cache_dir_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything written relative to the working directory would land here
    embedder = CountingEmbedder()
    first = _embed(embedder, None)
    second = _embed(embedder, None)
    assert embedder.calls == 2
    assert first.tobytes() == second.tobytes()
    assert list(tmp_path.iterdir()) == []


def test_uncacheable_provider_writes_nothing(tmp_path):
    embedder = CountingEmbedder(cacheable=False)
    _embed(embedder, tmp_path / "cache")
    _embed(embedder, tmp_path / "cache")
    assert embedder.calls == 2
    assert list(tmp_path.iterdir()) == []


def test_cache_key_stable_and_sensitive():
    args = ({"provider": "p", "dim": 3, "model": "m"}, "spam", "dev", TEXTS, None)
    key = cache_key(*args)
    assert len(key) == 64 and int(key, 16) >= 0
    assert cache_key(*args) == key
    # Identity key order does not matter; its content does.
    assert cache_key({"model": "m", "dim": 3, "provider": "p"}, *args[1:]) == key
    variants = [
        ({"provider": "p", "dim": 4, "model": "m"}, "spam", "dev", TEXTS, None),
        (args[0], "sms", "dev", TEXTS, None),
        (args[0], "spam", "test", TEXTS, None),
        (args[0], "spam", "dev", TEXTS[:-1], None),
        (args[0], "spam", "dev", TEXTS, ""),
        (args[0], "spam", "dev", TEXTS, "{text}"),
    ]
    keys = {cache_key(*v) for v in variants}
    assert key not in keys and len(keys) == len(variants)


def test_cache_key_same_in_another_process():
    # Python's str hash is salted per process; a key built from it would never hit across runs.
    code = (
        "from liger.embed.cache import cache_key;"
        "print(cache_key({'provider': 'p', 'dim': 3}, 'spam', 'dev', ['a', 'b'], 'q: {text}'))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == cache_key({"provider": "p", "dim": 3}, "spam", "dev", ["a", "b"], "q: {text}")


def test_text_hash_separates_texts():
    assert text_hash(["ab", "c"]) != text_hash(["a", "bc"])
    assert text_hash(["a"]) != text_hash(["a", ""])
    assert text_hash([]) != text_hash([""])
    assert text_hash(["a", "b"]) != text_hash(["b", "a"])
    assert text_hash(["é", "x"]) == text_hash(("é", "x"))
    assert text_hash(["ab", "c"]) == text_hash(["ab", "c"])


def test_repaired_texts_never_reuse_the_embeddings_of_the_leaky_ones():
    # trec's test texts as first shipped began with their fine label and kept their casing (data README).
    leaky = ["dist How far is it from Denver to Aspen ?", "city What county is Modesto , California in ?"]
    repaired = ["how far is it from denver to aspen ?", "what county is modesto , california in ?"]
    identity = {"provider": "minilm", "model": "m"}
    assert cache_key(identity, "trec", "test", leaky, None) != cache_key(identity, "trec", "test", repaired, None)
