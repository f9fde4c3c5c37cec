"""``experiment=bias_variance``: the entropy estimator, the part geometry and the ingredients against direct
computations, and the grid and the study's files on a small synthetic task."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from liger.data.dataset import Dataset, Split
from liger.labels import ABSTAIN
from liger.method.partition import KMeansPartition
import liger.studies.bias_variance.study as study
from liger.studies.bias_variance.irreducible import conditional_entropy, lf_accuracy
from liger.synthetic import make_task
from liger.method.tuning import quantile_thresholds

CONF = Path(__file__).resolve().parents[2] / "conf"


# -------------------------------------------------------------------------- conditional entropy


def brute_force_entropy(votes, y, *, miller_madow=False) -> float:
    """Σ_v (n_v / n) H(Y | V = v) with one dict per pattern, and the Miller–Madow term counted cell by cell."""
    groups = defaultdict(list)
    for row, label in zip(map(tuple, np.asarray(votes).tolist()), np.asarray(y).tolist()):
        groups[row].append(label)
    n = len(y)
    total = 0.0
    for labels in groups.values():
        for count in Counter(labels).values():
            total -= (count / n) * math.log2(count / len(labels))
    if miller_madow:
        cells = sum(len(set(labels)) for labels in groups.values())
        total += (cells - len(groups)) / (2 * n * math.log(2))
    return total


def test_conditional_entropy_on_hand_cases():
    # One pattern, labels half and half: one bit.
    assert conditional_entropy(np.array([[0], [0]]), np.array([0, 1])) == 1.0
    # Two patterns, one pure and one split evenly: half a bit.
    assert conditional_entropy(np.array([[0, -1], [0, -1], [1, 1], [1, 1]]), np.array([0, 1, 1, 1])) == 0.5
    # Votes that determine the label: zero; Miller-Madow adds nothing (one label per pattern).
    votes = np.array([[1], [0], [-1], [1]])
    assert conditional_entropy(votes, np.array([1, 0, 0, 1])) == 0.0
    assert conditional_entropy(votes, np.array([1, 0, 0, 1]), correction="miller_madow") == 0.0
    # One pattern split 1:3: H = 2 - (3/4) log2 3; Miller-Madow adds (2 - 1) / (2 * 4 * ln 2).
    y = np.array([0, 1, 1, 1])
    expected = 2.0 - 0.75 * math.log2(3.0)
    assert conditional_entropy(np.full((4, 2), -1), y) == pytest.approx(expected, abs=1e-15)
    assert conditional_entropy(np.full((4, 2), -1), y, correction="miller_madow") == pytest.approx(
        expected + 1.0 / (8.0 * math.log(2.0)), abs=1e-15)


@pytest.mark.parametrize("seed", range(5))
def test_conditional_entropy_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, m, k = 60, 3, 3
    votes = rng.integers(-1, k, size=(n, m))
    y = rng.integers(0, k, size=n)
    for miller_madow in (False, True):
        fast = conditional_entropy(votes, y, correction="miller_madow" if miller_madow else "none")
        assert fast == pytest.approx(brute_force_entropy(votes, y, miller_madow=miller_madow), abs=1e-12)


def test_conditional_entropy_rejects_bad_input():
    with pytest.raises(ValueError, match="correction is 'jackknife'"):
        conditional_entropy(np.zeros((2, 1)), np.zeros(2, dtype=int), correction="jackknife")
    with pytest.raises(ValueError, match=r"votes have shape \(3, 1\) and y \(2,\)"):
        conditional_entropy(np.zeros((3, 1)), np.zeros(2, dtype=int))


# ------------------------------------------------------------------------------ part geometry


def test_part_geometry_matches_a_point_by_point_loop():
    rng = np.random.default_rng(0)
    E = rng.standard_normal((120, 6)) + 2.0 * rng.standard_normal(6)
    partition = KMeansPartition(4, random_state=0).fit(E)
    geometry = study.part_geometry(E, partition)
    per_part = defaultdict(list)
    for e, part in zip(E, partition.train_parts_):
        c = partition.centres_[part]
        per_part[int(part)].append(1.0 - float(e @ c) / (np.linalg.norm(e) * np.linalg.norm(c)))
    assert geometry["part_sizes"] == [len(per_part[p]) for p in range(4)]
    np.testing.assert_allclose(geometry["part_radius_max_per_part"], [max(per_part[p]) for p in range(4)],
                               rtol=0, atol=1e-12)
    assert geometry["part_radius_max"] == pytest.approx(np.mean([max(per_part[p]) for p in range(4)]), abs=1e-12)
    # The 95th percentile by sorting: linear interpolation between the order statistics around rank 0.95 (n - 1).
    p95 = []
    for p in range(4):
        d = sorted(per_part[p])
        rank = 0.95 * (len(d) - 1)
        low = int(math.floor(rank))
        p95.append(d[low] + (rank - low) * (d[min(low + 1, len(d) - 1)] - d[low]))
    assert geometry["part_radius_p95"] == pytest.approx(np.mean(p95), abs=1e-12)
    assert geometry["part_size_min"] == min(len(v) for v in per_part.values())


# ---------------------------------------------------------------------------- synthetic grid


def synthetic_dataset() -> tuple[Dataset, dict[str, np.ndarray]]:
    task = make_task(n_clusters=4, dim=8, n_lfs=4, accuracy=0.8, coverage=0.4, spread=0.6, random_state=0)
    splits, embeddings = {}, {}
    for index, (name, n) in enumerate((("train", 240), ("dev", 80), ("test", 80))):
        sample = task.sample(n, random_state=10 + index)
        splits[name] = Split(name, sample.L, tuple(f"{name}{i}" for i in range(n)), sample.y)
        embeddings[name] = sample.E
    dataset = Dataset("synthetic", splits, tuple(f"lf{i}" for i in range(4)), ("neg", "pos"), "accuracy")
    return dataset, embeddings


@pytest.fixture(scope="module")
def synthetic():
    return synthetic_dataset()


def test_grid_has_every_cell_and_is_deterministic(synthetic):
    dataset, embeddings = synthetic
    kwargs = dict(parts=[1, 2, 4], levels=[None, 0.5, 0.0], seeds=[0, 1], min_part_size=10, cv_folds=3)
    grid = study.sweep(dataset, embeddings, **kwargs)
    keys = [(c["n_parts"], c["level"], c["seed"]) for c in grid["cells"]]
    assert sorted(keys, key=str) == sorted(
        [(s, q, seed) for s in (1, 2, 4) for q in (None, 0.5, 0.0) for seed in (0, 1)], key=str)
    for cell in grid["cells"]:
        for key in ("dev", "dev_cv", "test", "train_coverage"):
            assert 0.0 <= cell[key] <= 1.0
    assert [(p["n_parts"], p["seed"]) for p in grid["partitions"]] == [(s, seed) for s in (1, 2, 4) for seed in (0, 1)]
    # One partition, no extension and one seed: the seed cannot change the test metric of s = 1.
    s1 = {c["seed"]: c["test"] for c in grid["cells"] if c["n_parts"] == 1 and c["level"] is None}
    assert s1[0] == s1[1]
    summary = study.summarise(grid)
    assert len(summary) == 9 and all(row["n_seeds"] == 2 for row in summary)
    # NaN (no threshold without extension) is not equal to itself; compare with NaN as None.
    assert study.finite_or_none(study.sweep(dataset, embeddings, **kwargs)) == study.finite_or_none(grid)


def test_level_ingredients_match_direct_counts(synthetic):
    dataset, embeddings = synthetic
    neighbours = study.voting_neighbours(dataset, embeddings)
    E_lab = np.concatenate([embeddings["dev"], embeddings["test"]])
    L_lab = np.concatenate([dataset["dev"].L, dataset["test"].L])
    y_lab = np.concatenate([dataset["dev"].y, dataset["test"].y])
    row = study.level_ingredients(0.5, neighbours, dataset, E_lab)
    thresholds = quantile_thresholds(neighbours["train"], 0.5)
    assert row["thresholds"] == thresholds.tolist()
    L_train, nv = dataset["train"].L, neighbours["train"]
    lab_nv = {s: neighbours[s] for s in ("dev", "test")}
    ext_lab = np.concatenate([lab_nv[s].extend(dataset[s].L, thresholds) for s in ("dev", "test")])
    for lf in range(dataset.n_lfs):
        gained = sum(1 for i in range(len(L_train)) if L_train[i, lf] == ABSTAIN and nv.label[i, lf] != ABSTAIN
                     and nv.similarity[i, lf] > thresholds[lf])
        assert row["p_train"][lf] == gained / len(L_train)
        voted = [i for i in range(len(y_lab)) if ext_lab[i, lf] != ABSTAIN]
        assert row["theta_after"][lf] == sum(ext_lab[i, lf] == y_lab[i] for i in voted) / len(voted)
        new = [i for i in voted if L_lab[i, lf] == ABSTAIN]
        if new:
            assert row["theta_new"][lf] == sum(ext_lab[i, lf] == y_lab[i] for i in new) / len(new)
        # M at radius 1 - r_i by brute force over all pairs (cosine distance as ||u - v||^2 / 2).
        U = E_lab / np.linalg.norm(E_lab.astype(np.float64), axis=1, keepdims=True)
        close = differ = 0
        for i in range(len(y_lab)):
            for j in range(i + 1, len(y_lab)):
                if 0.5 * np.sum((U[i] - U[j]) ** 2) <= 1.0 - thresholds[lf]:
                    close += 1
                    differ += int(y_lab[i] != y_lab[j])
        assert row["n_pairs_within_radius"][lf] == close
        assert row["m_at_radius"][lf] == pytest.approx(differ / close, abs=1e-12)
    assert np.array_equal(lf_accuracy(L_lab, y_lab), np.array(row["theta_before"]), equal_nan=True)
    assert study.level_ingredients(None, neighbours, dataset, E_lab)["p_train"] == [0.0] * dataset.n_lfs


def test_grid_values_are_checked():
    with pytest.raises(ValueError, match=r"bias_variance.parts has 500; expected integers in 1..240"):
        study.check_grid([1, 500], None, [0], n_train=240)
    with pytest.raises(ValueError, match=r"bias_variance.levels has 1.5"):
        study.check_grid([1], [None, 1.5], [0], n_train=240)
    with pytest.raises(ValueError, match=r"bias_variance.seeds is \[0, 0\]"):
        study.check_grid([1], None, [0, 0], n_train=240)


def test_run_writes_every_file(tmp_path, synthetic, monkeypatch):
    dataset, embeddings = synthetic
    monkeypatch.setattr(study, "load_dataset", lambda *args, **kwargs: dataset)
    monkeypatch.setattr(study, "load_embeddings", lambda *args, **kwargs: embeddings)
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[
            "experiment=bias_variance", "progress=false", "bias_variance.parts=[1,2]", "bias_variance.seeds=[0,1]",
            "bias_variance.levels=[null,0.5,0.0]", "bias_variance.cv_folds=3", "method.min_part_size=10",
            f"bias_variance.figure_dir={tmp_path / 'figures'}", f"bias_variance.results_dir={tmp_path / 'results'}",
        ])
    assert cfg.task == "bias_variance"
    result = study.run(cfg, tmp_path / "run")
    stem = "synthetic_minilm"
    files = ["run/bias_variance.json", "run/cells.csv", f"results/bias_variance_{stem}.csv",
             f"results/bias_variance_lfs_{stem}.csv", f"results/irreducible_{stem}.csv"]
    figures = [f"bias_variance_{stem}_{kind}" for kind in ("parts", "levels", "heatmap", "ingredients")]
    figures.append(f"irreducible_{stem}")
    files += [f"{folder}/{name}.{fmt}" for folder in ("run", "figures") for name in figures for fmt in ("png", "pdf")]
    for path in files:
        assert (tmp_path / path).is_file(), path
    written = json.loads((tmp_path / "run" / "bias_variance.json").read_text())
    assert len(written["grid"]["cells"]) == 2 * 3 * 2 and len(written["summary"]) == 2 * 3
    irreducible = result["irreducible"]
    assert len(irreducible["per_lf"]) == 2 * dataset.n_lfs and len(irreducible["all_lfs"]) == 2
    # H(Y | votes) without extension, recomputed directly.
    L_lab = np.concatenate([dataset["dev"].L, dataset["test"].L])
    y_lab = np.concatenate([dataset["dev"].y, dataset["test"].y])
    assert irreducible["h_votes"]["none"] == pytest.approx(brute_force_entropy(L_lab, y_lab), abs=1e-12)
    assert len((tmp_path / "results" / f"bias_variance_{stem}.csv").read_text().splitlines()) == 1 + 6
    # The figure_dir copies are the run folder's bytes. (A rerun reproduces every byte: checked by hand on
    # spam; here the sweep's determinism is tested above and save_figure's in test_figures.py.)
    for name in figures:
        for fmt in ("png", "pdf"):
            assert (tmp_path / "figures" / f"{name}.{fmt}").read_bytes() == (tmp_path / "run" / f"{name}.{fmt}").read_bytes()
