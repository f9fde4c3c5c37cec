"""``method.search``: exact faiss search by default, the opt-in IVF index reached through the config."""

from __future__ import annotations

import numpy as np
import pytest

from liger.embed import RandomEmbedder, embed_dataset
from liger.harness.methods import _extension_neighbours, fit_and_score


@pytest.fixture(scope="module")
def spam_random(spam):
    return spam, embed_dataset(RandomEmbedder(dim=16, seed=3), spam, cache_dir=None)


def test_ivf_probing_every_cell_finds_the_exact_neighbours(spam_random):
    spam, E = spam_random
    exact = _extension_neighbours({}, spam, E, seed=0)
    ivf = _extension_neighbours({"search": "ivf", "search_params": {"n_lists": 8, "n_probe": 8}}, spam, E, seed=0)
    for split in ("train", "dev", "test"):
        assert np.array_equal(ivf[split].label, exact[split].label), split
        finite = np.isfinite(exact[split].similarity)
        assert np.array_equal(finite, np.isfinite(ivf[split].similarity))
        np.testing.assert_allclose(ivf[split].similarity[finite], exact[split].similarity[finite], atol=1e-5)


def test_a_liger_run_with_ivf_search_and_a_bad_search_name(spam_random):
    spam, E = spam_random
    method = {"name": "liger", "kind": "liger", "n_partitions": [1], "extension_levels": [0.5], "selection": "dev",
              "search": "ivf", "search_params": {"n_lists": 8, "n_probe": 2}}
    result = fit_and_score(method, spam, E, seed=0, progress=False)
    assert result["hparams"]["extension_level"] == 0.5 and result["train_coverage"] > 0.9
    with pytest.raises(ValueError, match="method.search is 'hnsw'"):
        fit_and_score({**method, "search": "hnsw"}, spam, E, seed=0, progress=False)
