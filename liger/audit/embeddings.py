"""Rows whose embedding vectors are equal although their texts differ (``audit.embeddings=true``).

Only embeddings already in the cache (or precomputed files) are read; nothing is encoded. Equal
vectors for texts that differ only in case, whitespace or invisible format characters are what an
uncased encoder does and are counted, not flagged; equal vectors for texts that differ otherwise
mean truncation, a collapsed input (empty after the prompt) or rows out of alignment with their texts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from liger.audit.result import CheckResult, Flag, Table
from liger.audit.text import normalized, row_kind
from liger.data.dataset import SPLIT_NAMES, Dataset

CHECK = "embeddings"
TITLE = "Equal embedding vectors for different texts"
#: Example groups shown per flag.
SHOWN = 3


@dataclass(frozen=True)
class FoundEmbeddings:
    """Embeddings per split and the texts they embed (after the prompt), or None and why not."""

    arrays: dict[str, np.ndarray] | None
    texts: dict[str, list[str]] | None
    source: str


def cached_embeddings(embedding: dict[str, Any], dataset: Dataset, cache_dir: str | Path | None) -> FoundEmbeddings:
    """The embeddings ``embedding`` (a resolved embedding config) would give, read from the cache only."""
    from liger.embed import load_precomputed, make_embedder, prompted_texts
    from liger.embed.cache import read_cached

    params = dict(embedding)
    provider = params.pop("provider")
    name = params.pop("name", provider)
    prompt = params.pop("prompt", None)
    if provider == "none":
        return FoundEmbeddings(None, None, "embedding=none: no embeddings")
    if row_kind(dataset) == "none":
        return FoundEmbeddings(None, None, "the dataset has no texts or frames that embeddings could belong to")
    texts = {s: prompted_texts(prompt, dataset[s].texts, dataset.extra.get("text_fields", {}).get(s),
                               where=f"dataset {dataset.name!r} split {s!r}") for s in SPLIT_NAMES}
    if provider == "precomputed":
        return FoundEmbeddings(load_precomputed(params["paths"], dataset), texts, f"precomputed files {dict(params['paths'])}")
    embedder = make_embedder(provider, **params)
    if not embedder.cacheable or cache_dir is None:
        return FoundEmbeddings(None, None, f"embedding={name} is never cached" if cache_dir else "no cache_dir is set")
    arrays = {}
    for split in SPLIT_NAMES:
        array = read_cached(embedder.identity(), texts[split], dataset=dataset.name, split=split, cache_dir=cache_dir,
                            prompt=prompt)
        if array is None:
            return FoundEmbeddings(None, None, f"embedding={name}: no valid cache entry for split {split!r} of "
                                   f"{dataset.name!r} under {cache_dir} (nothing is encoded by the audit)")
        arrays[split] = array
    return FoundEmbeddings(arrays, texts, f"embedding={name} from the cache {cache_dir}")


def equal_vector_groups(arrays: dict[str, np.ndarray]) -> list[list[tuple[str, int]]]:
    """Groups of (split, row) whose vectors are bitwise equal, two or more rows each, in order of first row."""
    members = defaultdict(list)
    for split in SPLIT_NAMES:
        for i, row in enumerate(np.ascontiguousarray(arrays[split])):
            members[row.tobytes()].append((split, i))
    return [rows for rows in members.values() if len(rows) > 1]


def check_equal_embeddings(dataset: Dataset, found: FoundEmbeddings | None) -> CheckResult:
    if found is None:
        return CheckResult.skip(CHECK, TITLE, "not requested (audit.embeddings=false)")
    if found.arrays is None:
        return CheckResult.skip(CHECK, TITLE, found.source)
    groups = equal_vector_groups(found.arrays)
    same_text, benign, different = 0, [], []
    for rows in groups:
        texts = {found.texts[s][i] for s, i in rows}
        if len(texts) == 1:
            same_text += 1
        elif len({_without_case_space_or_format(t) for t in texts}) == 1:
            benign.append(rows)
        else:
            different.append(rows)
    numbers = {"source": found.source, "equal_vector_groups": len(groups), "identical_texts": same_text,
               "differ_in_case_or_format_only": len(benign), "different_texts": len(different),
               "rows_with_different_texts": sum(len(rows) for rows in different),
               "examples": [_example(found, rows) for rows in different[:SHOWN]]}
    flags = []
    if different:
        shown = "; ".join(" | ".join(f"{e['split']}:{e['row']} {e['text']!r}" for e in example) for example in numbers["examples"])
        flags.append(Flag(CHECK, f"{len(different)} group(s) of rows ({numbers['rows_with_different_texts']} rows) share one "
                          f"embedding vector but have different texts: {shown}", {k: numbers[k] for k in
                          ("different_texts", "rows_with_different_texts", "examples")}))
    rows = [{"what": k.replace("_", " "), "groups": numbers[k]} for k in
            ("equal_vector_groups", "identical_texts", "differ_in_case_or_format_only", "different_texts")]
    return CheckResult(CHECK, TITLE, numbers=numbers, flags=flags, notes=[f"source: {found.source}"],
                       tables=[Table("Groups of rows with bitwise-equal vectors", ("what", "groups"), rows)])


def _without_case_space_or_format(text: str) -> str:
    # "cute :" and "cute:" tokenize alike in a wordpiece encoder: whitespace is dropped altogether here.
    return "".join(normalized(text).split())


def _example(found: FoundEmbeddings, rows: list[tuple[str, int]]) -> list[dict]:
    return [{"split": s, "row": i, "text": found.texts[s][i][:80]} for s, i in rows[:3]]
