"""The scale benchmark: its generator, its dense reference, its verdicts, and one tiny end-to-end run."""

from __future__ import annotations

import numpy as np
import pytest

from scripts.bench_scale import TARGETS, _judge, dense_reference_neighbours, main, make_scale_task
from liger.method.extension import nearest_voting_neighbours, nearest_voting_neighbours_reference
from liger.labels import ABSTAIN


def test_end_to_end_at_2000_points(tmp_path):
    out = tmp_path / "bench.md"
    status = main(["--sizes", "2000", "--reference-sizes", "2000", "--approximate-min", "2000", "--sample", "300",
                   "--dim", "64", "--output", str(out)])
    assert status == 0
    report = out.read_text(encoding="utf-8")
    row = next(line for line in report.splitlines() if line.startswith("| 2,000 | exact |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[8].startswith("yes")  # the dense reference gave the same neighbours and extended votes
    assert "r=0.8:" in cells[13] and "r=-1.0:" in cells[13]  # agreement measured at both thresholds
    stage_rows = [line for line in report.splitlines() if line.startswith("| 2,000 | ") and line.count("|") == 8]
    stages = [line.split("|")[2].strip() for line in stage_rows]
    for stage in ("data", "extension (exact)", "partition", "label-model fit", "predict", "floor (float32 product)",
                  "extension (approximate)", "dense reference"):
        assert stage in stages
    assert report.startswith("# Scale benchmark") and "--sizes 2000" in report


@pytest.mark.parametrize("seed", range(2))
def test_dense_reference_agrees_with_the_exact_path(seed):
    task = make_scale_task(dim=32, n_lfs=5, coverage=0.2, latent_dim=4, n_clusters=6, random_state=seed)
    train, test = task.sample(400), task.sample(150, split=1)
    dense = dense_reference_neighbours(test.L, test.E, train.L, train.E)
    fast = nearest_voting_neighbours(test.L, test.E, train.L, train.E)
    oracle = nearest_voting_neighbours_reference(test.L, test.E, train.L, train.E)
    np.testing.assert_array_equal(dense.label, fast.label)
    np.testing.assert_array_equal(dense.label, oracle.label)
    # A BLAS float64 product sums in another order than the oracle: equal to rounding, not bit for bit.
    np.testing.assert_array_equal(np.isfinite(dense.similarity), np.isfinite(oracle.similarity))
    finite = np.isfinite(oracle.similarity)
    np.testing.assert_allclose(dense.similarity[finite], oracle.similarity[finite], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(dense.extend(test.L, 0.8), fast.extend(test.L, 0.8))


def test_dense_reference_with_support_as_queries():
    task = make_scale_task(dim=16, n_lfs=4, latent_dim=4, n_clusters=5, random_state=3)
    train = task.sample(300)
    dense = dense_reference_neighbours(train.L, train.E, train.L, train.E)
    np.testing.assert_array_equal(dense.label, nearest_voting_neighbours_reference(train.L, train.E, train.L, train.E).label)


# -- the generator ----------------------------------------------------------------------------------
def test_generator_is_seeded():
    first, second = make_scale_task(random_state=5).sample(3000), make_scale_task(random_state=5).sample(3000)
    for a, b in zip((first.L, first.E, first.y, first.clusters), (second.L, second.E, second.y, second.clusters)):
        np.testing.assert_array_equal(a, b)
    other = make_scale_task(random_state=5).sample(3000, split=1)
    assert not np.array_equal(first.E, other.E)


def test_generator_shapes_and_units():
    split = make_scale_task(dim=48, n_lfs=7, n_classes=3, latent_dim=6, random_state=1).sample(1000)
    assert split.L.shape == (1000, 7) and split.E.shape == (1000, 48) and split.E.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(split.E, axis=1), 1.0, atol=1e-6)
    assert split.L.min() >= ABSTAIN and split.L.max() <= 2 and set(np.unique(split.y)) == {0, 1, 2}


@pytest.mark.parametrize("coverage", [0.05, 0.3])
def test_generator_coverage(coverage):
    split = make_scale_task(coverage=coverage, dim=32, latent_dim=4, random_state=2).sample(40_000)
    assert abs((split.L != ABSTAIN).mean() - coverage) < 0.15 * coverage


def test_generator_smoothness():
    task = make_scale_task(smoothness=1.0, dim=32, latent_dim=4, random_state=3)
    split = task.sample(2000)
    np.testing.assert_array_equal(split.y, task.cluster_labels[split.clusters])
    rough = make_scale_task(smoothness=0.0, dim=32, latent_dim=4, random_state=3).sample(20_000)
    # Labels independent of clusters: about half of them differ from the cluster's label.
    assert 0.45 < (rough.y != task.cluster_labels[rough.clusters]).mean() < 0.55


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(coverage=0.0), r"coverage is 0.0; expected a probability in \(0, 1\]"),
        (dict(smoothness=1.5), r"smoothness is 1.5; expected a probability in \[0, 1\]"),
        (dict(latent_dim=40, dim=32), r"latent_dim is 40 but dim is 32; expected latent_dim <= dim"),
    ],
)
def test_generator_validation(params, match):
    with pytest.raises(ValueError, match=match):
        make_scale_task(**params)


# -- verdicts ---------------------------------------------------------------------------------------
def result(n, *, mode="exact", exact=1.0, floor=1.0, pipeline=1.5, peak_mb=1000.0, **extra):
    return {"n": n, "mode": mode, "exact_seconds": exact, "floor_seconds": floor, "pipeline_seconds": pipeline,
            "pipeline_peak_mb": peak_mb, "stages": [], **extra}


def test_verdicts():
    results = [
        result(20_000, exact=1.2, dense_seconds=3.0, dense_identical={"extended_votes": True, "neighbour_labels": True}),
        result(100_000, exact=1.4, pipeline=2.5, peak_mb=5000.0),
        result(1_000_000, mode="approximate", exact=1.6, pipeline=500.0, peak_mb=7000.0,
               agreement={"0.8": {"abstain_entries": 0.999, "extended_votes": 0.9995},
                          "-1.0": {"abstain_entries": 0.985, "extended_votes": 0.99}},
               stages=[{"name": "triplet fit (n x m)", "seconds": 0.2}]),
    ]
    verdicts = dict((target, verdict) for target, _, verdict in _judge(results))
    assert list(verdicts) == list(TARGETS)
    assert verdicts[TARGETS[0]] == "NOT met"  # 1.6x at 10^6
    assert verdicts[TARGETS[1]] == "met"  # 2.5x faster, identical
    assert verdicts[TARGETS[2]] == "NOT met"  # 2.5x the floor
    assert verdicts[TARGETS[3]] == "NOT met"  # 4.9 GB
    assert verdicts[TARGETS[4]] == "met" and verdicts[TARGETS[5]] == "met"
    assert verdicts[TARGETS[6]] == "NOT met"  # the lower of the two agreements is 98.5%
    assert verdicts[TARGETS[7]] == "met"


def test_verdicts_not_measured():
    verdicts = [verdict for _, _, verdict in _judge([result(10_000)])]
    assert verdicts[0] == "met" and set(verdicts[1:]) == {"not measured"}
    dense_differs = result(20_000, exact=1.0, dense_seconds=3.0,
                           dense_identical={"extended_votes": False, "neighbour_labels": True})
    assert _judge([dense_differs])[1][2] == "NOT met"
