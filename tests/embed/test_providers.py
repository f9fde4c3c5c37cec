"""Embedding providers, the provider registry, embedding a dataset, and precomputed embeddings."""

import socket

import numpy as np
import pytest

from liger.data.dataset import Dataset, Split
from liger.embed import PROVIDERS, embed_dataset, load_precomputed, make_embedder
from liger.embed.base import Embedder
from liger.embed.providers import (
    MiniLMEmbedder,
    RandomEmbedder,
    TfidfEmbedder,
    WordLlamaEmbedder,
    text_hash,
)

SPLITS = ("train", "dev", "test")

# Two paraphrase pairs and sentences unrelated to them; cosine(paraphrases) must beat cosine(unrelated).
SENTENCES = [
    "The cat is sleeping on the sofa.",
    "A cat naps on the couch.",
    "Stock markets fell sharply after the interest rate announcement.",
    "Share prices dropped steeply when the central bank raised rates.",
]


@pytest.fixture
def offline(monkeypatch):
    """HF offline mode, and any attempt to open a network connection fails the test."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _assert_unit_float32(E, shape):
    assert E.shape == shape and E.dtype == np.float32
    assert np.isfinite(E).all()
    np.testing.assert_allclose(np.linalg.norm(E.astype(np.float64), axis=1), 1.0, atol=1e-5)


def _assert_paraphrases_closer(E):
    S = E @ E.T
    paraphrase = min(S[0, 1], S[2, 3])
    unrelated = max(S[0, 2], S[0, 3], S[1, 2], S[1, 3])
    assert paraphrase > unrelated + 0.1, S


# --- RandomEmbedder -------------------------------------------------------------------------------


def test_random_deterministic_per_text_and_seed():
    texts = ["alpha", "beta", "alpha", ""]
    E = RandomEmbedder(dim=32, seed=3).embed(texts)
    _assert_unit_float32(E, (4, 32))
    np.testing.assert_array_equal(E[0], E[2])  # same text, same vector
    assert not np.allclose(E[0], E[1])
    # Same text and seed in another instance and another batch: the same vector.
    again = RandomEmbedder(dim=32, seed=3).embed(["gamma", "alpha"])
    np.testing.assert_array_equal(again[1], E[0])
    other_seed = RandomEmbedder(dim=32, seed=4).embed(texts)
    assert not np.allclose(other_seed[0], E[0])
    assert abs(float(other_seed[0] @ E[0])) < 0.6  # unrelated Gaussian directions, not a rescaling


def test_random_not_cached():
    assert RandomEmbedder.cacheable is False
    assert RandomEmbedder(dim=8, seed=1).identity() == {"provider": "random", "dim": 8, "seed": 1}


# --- TfidfEmbedder --------------------------------------------------------------------------------

TRAIN = [
    "check out my channel for free music videos",
    "subscribe to my channel please",
    "this song is amazing i love it",
    "great song great video",
    "click the link for free gift cards",
    "love this song so much",
    "free gift cards at my link",
]


def test_tfidf_encode_before_fit_raises():
    with pytest.raises(RuntimeError, match=r"before fit"):
        TfidfEmbedder().encode(["some text"])


def test_tfidf_fit_returns_self_and_identity_has_fit_hash():
    embedder = TfidfEmbedder(dim=4)
    assert embedder.identity()["fit_texts"] is None
    assert embedder.fit(TRAIN) is embedder
    assert embedder.identity()["fit_texts"] == text_hash(TRAIN)
    before = embedder.identity()
    embedder.fit(TRAIN[:-1] + ["a different last comment"])
    assert embedder.identity() != before
    assert embedder.identity()["fit_texts"] == text_hash(TRAIN[:-1] + ["a different last comment"])


def test_tfidf_dim_capped_by_train_size():
    # Truncated SVD keeps at most n_train - 1 components here (7 texts, many more terms).
    E = TfidfEmbedder(dim=256).fit(TRAIN).embed(TRAIN)
    _assert_unit_float32(E, (len(TRAIN), len(TRAIN) - 1))


def test_tfidf_vocabulary_from_train_only():
    embedder = TfidfEmbedder(dim=5).fit(TRAIN)
    # Words never seen in train are ignored: they add nothing to a text's vector.
    with_unknown, without = embedder.embed(["free song zyxwv quux", "free song"])
    np.testing.assert_allclose(with_unknown, without, atol=1e-6)
    # Deterministic: another fit on the same texts gives the same vectors.
    np.testing.assert_array_equal(TfidfEmbedder(dim=5).fit(TRAIN).embed(["free song"]), embedder.embed(["free song"]))


def test_tfidf_text_without_known_terms_is_not_zero():
    embedder = TfidfEmbedder(dim=5).fit(TRAIN)
    raw = embedder.encode(["zyxwv quux", "free song"])
    assert raw[0].any()
    E = embedder.embed(["zyxwv quux", "", "free song"])  # would raise "all zeros" if the row stayed zero
    _assert_unit_float32(E, (3, 5))


def test_tfidf_similar_texts_closer():
    E = TfidfEmbedder(dim=6).fit(TRAIN).embed(["free gift cards link", "free gift cards", "love this song"])
    assert E[0] @ E[1] > E[0] @ E[2]


# --- WordLlama and MiniLM (real models, loaded offline) ----------------------------------------


def test_wordllama_offline_unit_rows_and_similarity(offline):
    embedder = WordLlamaEmbedder()
    E = embedder.embed(SENTENCES)
    _assert_unit_float32(E, (len(SENTENCES), 256))
    _assert_paraphrases_closer(E)
    assert embedder.identity() == {"provider": "wordllama", "model": "l2_supercat", "dim": 256}


@pytest.mark.slow
def test_minilm_offline_unit_rows_and_similarity(offline):
    embedder = MiniLMEmbedder()
    E = embedder.embed(SENTENCES)
    _assert_unit_float32(E, (len(SENTENCES), 384))
    _assert_paraphrases_closer(E)
    # Deterministic on CPU: the same sentence alone gives the same vector.
    np.testing.assert_allclose(embedder.embed(SENTENCES[:1])[0], E[0], atol=1e-5)


def test_minilm_missing_model_path_names_it(offline):
    with pytest.raises(FileNotFoundError, match=r"/nonexistent"):
        MiniLMEmbedder(model_path="/nonexistent").embed(["text"])


# --- Registry ----------------------------------------------------------------------------------


def test_make_embedder_unknown_provider_names_it():
    with pytest.raises(ValueError, match=r"'bogus' is unknown"):
        make_embedder("bogus")


def test_make_embedder_passes_params():
    embedder = make_embedder("random", dim=12, seed=7)
    assert isinstance(embedder, RandomEmbedder)
    assert embedder.identity() == {"provider": "random", "dim": 12, "seed": 7}
    assert set(PROVIDERS) == {"minilm", "wordllama", "tfidf", "random", "image"}
    # Each registered class reports its own registry name as provider (used as the cache folder).
    assert make_embedder("tfidf").identity()["provider"] == "tfidf"
    assert make_embedder("minilm").identity()["provider"] == "minilm"


# --- embed_dataset -----------------------------------------------------------------------------


def test_embed_dataset_rows_aligned_with_splits(spam):
    embedder = RandomEmbedder(dim=16, seed=0)
    E = embed_dataset(embedder, spam, cache_dir=None)
    assert sorted(E) == sorted(SPLITS)
    for name in SPLITS:
        texts = spam[name].texts
        _assert_unit_float32(E[name], (len(spam[name]), 16))
        # Row i is the embedding of text i, computed independently one text at a time.
        for i in (0, len(texts) // 2, len(texts) - 1):
            np.testing.assert_array_equal(E[name][i], RandomEmbedder(dim=16, seed=0).embed([texts[i]])[0])


def test_embed_dataset_prompt_changes_embeddings(spam):
    plain = embed_dataset(RandomEmbedder(dim=16), spam, cache_dir=None)
    prompted = embed_dataset(RandomEmbedder(dim=16), spam, cache_dir=None, prompt="YouTube comment: {text}")
    for name in SPLITS:
        assert not np.isclose(plain[name], prompted[name]).all(axis=1).any()
    text = spam["dev"].texts[0]
    np.testing.assert_array_equal(prompted["dev"][0], RandomEmbedder(dim=16).embed([f"YouTube comment: {text}"])[0])


class _CacheableRandom(RandomEmbedder):
    cacheable = True

    def __init__(self, **params):
        super().__init__(**params)
        self.calls = 0

    def encode(self, texts, *, progress=False):
        self.calls += 1
        return super().encode(texts, progress=progress)


def _toy_dataset(*, dev_texts=("dev a", "dev b")):
    def split(name, n, labeled, texts):
        return Split(name, np.zeros((n, 2), dtype=np.int64), ids=tuple(f"{name}:{i}" for i in range(n)),
                     y=np.arange(n) % 2 if labeled else None, texts=texts)

    return Dataset(
        name="toy",
        splits={
            "train": split("train", 3, False, ("first train comment", "second train song", "third train video")),
            "dev": split("dev", 2, True, dev_texts),
            "test": split("test", 4, True, ("test a", "test b", "test c", "test d")),
        },
        lf_names=("lf_0", "lf_1"),
        class_names=("neg", "pos"),
        metric="accuracy",
    )


def test_embed_dataset_uses_cache_and_prompt_in_key(tmp_path):
    data = _toy_dataset()
    embedder = _CacheableRandom(dim=8)
    first = embed_dataset(embedder, data, cache_dir=tmp_path)
    assert embedder.calls == 3
    second = embed_dataset(embedder, data, cache_dir=tmp_path)
    assert embedder.calls == 3
    assert all(first[s].tobytes() == second[s].tobytes() for s in SPLITS)
    prompted = embed_dataset(embedder, data, cache_dir=tmp_path, prompt="q: {text}")
    assert embedder.calls == 6
    assert all(not np.allclose(first[s], prompted[s]) for s in SPLITS)


def test_embed_dataset_fits_on_train_texts():
    data = _toy_dataset()
    embedder = TfidfEmbedder(dim=2)
    embed_dataset(embedder, data, cache_dir=None)
    assert embedder.identity()["fit_texts"] == text_hash(data["train"].texts)


def test_embed_dataset_without_texts_raises():
    with pytest.raises(ValueError, match=r"split 'dev' has no texts"):
        embed_dataset(RandomEmbedder(dim=4), _toy_dataset(dev_texts=None), cache_dir=None)


# --- load_precomputed ---------------------------------------------------------------------------


def _write_splits(tmp_path, rows, dim=5, rng=None):
    rng = rng or np.random.default_rng(0)
    arrays, paths = {}, {}
    for name, n in rows.items():
        arrays[name] = rng.normal(size=(n, dim)) * 7.0  # float64, far from unit norm
        paths[name] = tmp_path / f"{name}.npy"
        np.save(paths[name], arrays[name])
    return arrays, paths


def test_load_precomputed_normalizes(tmp_path):
    data = _toy_dataset()
    arrays, paths = _write_splits(tmp_path, {s: len(data[s]) for s in SPLITS})
    E = load_precomputed({k: str(v) for k, v in paths.items()}, data)
    for name in SPLITS:
        _assert_unit_float32(E[name], arrays[name].shape)
        expected = arrays[name] / np.linalg.norm(arrays[name], axis=1, keepdims=True)
        np.testing.assert_allclose(E[name], expected, atol=1e-6)


def test_load_precomputed_row_mismatch_names_file_and_counts(tmp_path):
    data = _toy_dataset()
    _, paths = _write_splits(tmp_path, {"train": 3, "dev": 2, "test": 5})
    with pytest.raises(ValueError, match=rf"{paths['test']} has 5 rows; expected 4"):
        load_precomputed(paths, data)


def test_load_precomputed_missing_split_path_raises(tmp_path):
    data = _toy_dataset()
    _, paths = _write_splits(tmp_path, {"train": 3, "dev": 2})
    with pytest.raises(ValueError, match=r"lack a path for split\(s\) \['test'\]"):
        load_precomputed(paths, data)
    with pytest.raises(ValueError, match=r"\['test'\]"):
        load_precomputed({**paths, "test": ""}, data)


def test_load_precomputed_missing_file_raises(tmp_path):
    data = _toy_dataset()
    _, paths = _write_splits(tmp_path, {s: len(data[s]) for s in SPLITS})
    paths["dev"].unlink()
    with pytest.raises(FileNotFoundError, match=str(paths["dev"])):
        load_precomputed(paths, data)


def test_embedder_interface_requires_identity_and_encode():
    with pytest.raises(TypeError):
        Embedder()  # abstract
