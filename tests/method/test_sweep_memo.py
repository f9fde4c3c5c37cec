"""The sweep memos: keys follow content, values are reused, and a memoised run equals an unmemoised one."""

from __future__ import annotations

import json

import numpy as np
import pytest

import liger.method.sweep_memo as sweep_memo
from liger.method.sweep_memo import ContentMemo, content_key


def test_keys_follow_bytes_shape_dtype_and_values():
    a = np.arange(6, dtype=np.int64)
    assert content_key(a, 1) == content_key(a.copy(), 1)
    assert content_key(a) != content_key(a.reshape(2, 3))
    assert content_key(a) != content_key(a.astype(np.int32))
    assert content_key(a) != content_key(np.where(a == 5, 9, a))
    assert content_key(a, 1) != content_key(a, 2)
    assert content_key(a[::2]) == content_key(np.ascontiguousarray(a[::2]))


def test_memo_reuses_values_and_evicts_the_least_recent():
    memo, calls = ContentMemo(maxsize=2), []

    def compute(value):
        return lambda: calls.append(value) or value

    assert memo((np.ones(3),), compute("a")) == "a"
    assert memo((np.ones(3),), compute("again")) == "a"  # same content: no recomputation
    memo((np.zeros(3),), compute("b"))
    memo((np.ones(3),), compute("a2"))  # touches "a"
    memo((np.full(3, 2.0),), compute("c"))  # evicts "b", the least recently used
    memo((np.zeros(3),), compute("b2"))
    assert calls == ["a", "b", "c", "b2"] and (memo.hits, memo.misses) == (2, 4)
    with pytest.raises(ValueError, match="maxsize is 0"):
        ContentMemo(0)


def test_a_run_with_warm_memos_equals_a_run_with_cold_ones(spam):
    from liger.embed import embed_dataset, make_embedder
    from liger.harness.methods import fit_and_score

    embeddings = embed_dataset(make_embedder("tfidf", dim=32), spam, cache_dir=None)
    method = {"name": "liger", "kind": "liger", "label_model": "triplet", "n_partitions": [1, 2],
              "extension_levels": [None, 0.5], "selection": "cv", "cv_folds": 3}

    def run():
        result = fit_and_score(method, spam, embeddings, seed=0, progress=False)
        return json.dumps({k: result[k] for k in ("dev", "test", "hparams", "tried")}, sort_keys=True, default=str), \
            [result["predictions"][s].tolist() for s in ("dev", "test")]

    for memo in (sweep_memo.NEIGHBOURS, sweep_memo.PARTITIONS, sweep_memo.GLOBAL_LABEL_MODELS):
        memo.clear()
    cold = run()
    warm = run()
    assert warm == cold
    assert sweep_memo.NEIGHBOURS.hits == 1 and sweep_memo.PARTITIONS.hits == 2
    # Two levels: each whole-train model fit once, then shared by the other part count and the second run.
    assert sweep_memo.GLOBAL_LABEL_MODELS.misses == 2 and sweep_memo.GLOBAL_LABEL_MODELS.hits == 6
