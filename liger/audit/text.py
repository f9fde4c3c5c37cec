"""What the text checks share: one tokenizer, what kind of rows a dataset has, and each row's identity."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

import numpy as np
from scipy.sparse import csr_matrix

from liger.data.dataset import SPLIT_NAMES, Dataset

RowKind = Literal["text", "media", "none"]

# Words and runs of punctuation are both tokens: "?" or a trailing U+FEFF can carry a label too.
TOKEN_PATTERN = re.compile(r"\w+|[^\w\s]+")
# Rows stored as data URIs are frames (rendered_video), not language.
_MEDIA_PREFIX = "data:"


def tokenize(text: str) -> list[str]:
    """Casefolded word and punctuation tokens: casing is audited on its own, so tokens ignore it."""
    return TOKEN_PATTERN.findall(text.casefold())


def row_kind(dataset: Dataset) -> RowKind:
    """``text`` when every split has natural-language texts, ``media`` for frames stored as data URIs, else ``none``."""
    texts = [dataset[name].texts for name in SPLIT_NAMES]
    if any(split_texts is None for split_texts in texts):
        return "none"
    if all(text.startswith(_MEDIA_PREFIX) for split_texts in texts for text in split_texts):
        return "media"
    return "text"


def row_keys(dataset: Dataset, split: str) -> list[tuple[str, ...]]:
    """What a row's input is: its text plus any per-row text fields (spouse: the two person names)."""
    texts = dataset[split].texts
    if texts is None:
        raise ValueError(f"dataset {dataset.name!r} split {split!r} has no texts; expected texts to key rows by")
    fields = dataset.extra.get("text_fields", {}).get(split, {})
    names = sorted(fields)
    return [(text, *(str(fields[name][i]) for name in names)) for i, text in enumerate(texts)]


def normalized(text: str) -> str:
    """Casefolded, format characters (U+FEFF, zero-width) dropped, whitespace collapsed: near-duplicates meet."""
    kept = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(kept.casefold().split())


def char_class(ch: str) -> str:
    """upper, lower, digit, space, punct (punctuation and symbols), format (U+FEFF and kin) or other."""
    if ch.isspace():
        return "space"
    if ch.isupper():
        return "upper"
    if ch.islower():
        return "lower"
    if ch.isdigit():
        return "digit"
    category = unicodedata.category(ch)
    if category[0] in "PS":
        return "punct"
    if category == "Cf":
        return "format"
    return "other"


#: Which tokens of a text a feature matrix records: all of them, or only the one at a fixed position.
Position = Literal["any", "first", "last"]


def _features(tokens: list[str], position: Position) -> list[str]:
    if position == "any":
        return sorted(set(tokens))
    if position not in ("first", "last"):
        raise ValueError(f"position is {position!r}; expected 'any', 'first' or 'last'")
    return tokens[:1] if position == "first" else tokens[-1:]


def doc_terms(texts_by_split: dict[str, list[str] | tuple[str, ...]], position: Position = "any",
              ) -> tuple[list[str], dict[str, csr_matrix]]:
    """One vocabulary over all splits (sorted) and, per split, a binary (n_rows, n_tokens) CSR matrix:
    which tokens each text has (``any``), or which token it starts (``first``) or ends (``last``) with."""
    features = {name: [_features(tokenize(t), position) for t in texts] for name, texts in texts_by_split.items()}
    vocabulary = sorted({t for rows in features.values() for row in rows for t in row})
    index = {t: k for k, t in enumerate(vocabulary)}
    matrices = {}
    for name, rows in features.items():
        indptr = np.cumsum([0, *(len(row) for row in rows)])
        indices = np.fromiter((index[t] for row in rows for t in row), dtype=np.int64, count=int(indptr[-1]))
        matrices[name] = csr_matrix((np.ones(len(indices), dtype=np.int32), indices, indptr),
                                    shape=(len(rows), len(vocabulary)))
    return vocabulary, matrices
