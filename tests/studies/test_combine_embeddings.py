"""Combining embeddings (liger/studies/combine_embeddings/schemes.py, experiment=combine_embeddings): each combining function against a
brute-force computation, the dev-side choice against ``method=liger``'s, and the study on synthetic data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from experiments.run import TASKS, resolve_task
from liger.metrics import metric_value
import liger.studies.combine_embeddings.schemes as combine
from liger.harness.config_check import validate_config
from liger.data.dataset import Dataset, Split
from liger.harness.methods import fit_and_score
from liger.method.extension import nearest_voting_neighbours_reference
from liger.labels import ABSTAIN
import liger.studies.combine_embeddings.study as study
from liger.synthetic import make_task
from liger.method.tuning import quantile_thresholds

CONF = Path(__file__).resolve().parents[2] / "conf"
SPLITS = ("train", "dev", "test")


# ------------------------------------------------------------------------------- concatenation


def direct_concatenation(blocks, weights) -> np.ndarray:
    """Row by row: each block's row over its norm, times sqrt(w_j / Σw), concatenated, over the joint norm."""
    w = np.asarray(weights, dtype=np.float64) / np.sum(weights)
    rows = []
    for i in range(len(blocks[0])):
        parts = [np.sqrt(w[j]) * (np.float32(b[i] / np.linalg.norm(b[i]))).astype(np.float64)
                 for j, b in enumerate(np.asarray(b, dtype=np.float64) for b in blocks)]
        z = np.concatenate(parts)
        rows.append(z / np.linalg.norm(z))
    return np.array(rows).astype(np.float32)


def test_concatenation_equals_a_direct_computation_on_hand_made_rows():
    E1 = np.array([[3.0, 4.0], [0.0, 2.0], [-1.0, 0.0]], dtype=np.float32)
    E2 = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 5.0], [0.0, -2.0, 0.0]], dtype=np.float32)
    E3 = np.array([[0.0, 8.0], [6.0, 8.0], [1.0, 0.0]], dtype=np.float32)
    for blocks, weights in (([E1, E2], None), ([E1, E2, E3], None), ([E1, E2, E3], [2.0, 1.0, 1.0])):
        joint = combine.concatenate_embeddings(blocks, weights=weights)
        expected = direct_concatenation(blocks, [1.0] * len(blocks) if weights is None else weights)
        assert joint.dtype == np.float32 and joint.shape == (3, sum(b.shape[1] for b in blocks))
        assert np.array_equal(joint, expected)
        np.testing.assert_allclose(np.linalg.norm(joint.astype(np.float64), axis=1), 1.0, atol=1e-6)
    # Equal weights, two unit blocks: each half of a joint row is the block's unit row over sqrt(2).
    joint = combine.concatenate_embeddings([E1, E2])
    assert np.allclose(joint[0], np.array([0.6, 0.8, 1.0, 0.0, 0.0]) / np.sqrt(2.0), atol=1e-7)


def test_joint_cosine_is_the_weighted_mean_of_the_cosines():
    rng = np.random.RandomState(0)
    blocks = [rng.standard_normal((20, d)).astype(np.float32) for d in (5, 7, 3)]
    weights = np.array([0.5, 0.3, 0.2])
    joint = combine.concatenate_embeddings(blocks, weights=weights).astype(np.float64)
    units = [b / np.linalg.norm(b.astype(np.float64), axis=1, keepdims=True) for b in blocks]
    expected = sum(w * (u @ u.T) for w, u in zip(weights, units))
    np.testing.assert_allclose(joint @ joint.T, expected, atol=1e-6)
    # A zero weight drops that embedding.
    assert combine.concatenate_embeddings(blocks, weights=[1, 0, 1]).shape == (20, 8)


def test_concatenation_rejects_bad_input():
    E = np.ones((3, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="expected at least one"):
        combine.concatenate_embeddings([])
    with pytest.raises(ValueError, match=r"embedding 1 has shape \(2, 2\); expected \(3, d\)"):
        combine.concatenate_embeddings([E, E[:2]])
    with pytest.raises(ValueError, match="weights are"):
        combine.concatenate_embeddings([E, E], weights=[1.0, -1.0])
    with pytest.raises(ValueError, match="weights are"):
        combine.concatenate_embeddings([E, E], weights=[1.0])


# ------------------------------------------------------------------------- extra sources, agreement

L_HAND = np.array([[1, -1], [-1, -1], [0, -1], [-1, 1]])
EXT_A = np.array([[1, 0], [1, -1], [0, 1], [0, 1]])
EXT_B = np.array([[1, 0], [0, 1], [0, -1], [0, 1]])


def test_extra_sources_on_hand_made_votes():
    votes = combine.extra_source_votes(L_HAND, [EXT_A, EXT_B])
    n, m = L_HAND.shape
    expected = np.full((n, 3 * m), ABSTAIN)
    for i in range(n):
        for lf in range(m):
            expected[i, lf] = L_HAND[i, lf]
            for j, X in enumerate((EXT_A, EXT_B)):
                if L_HAND[i, lf] == ABSTAIN:
                    expected[i, (j + 1) * m + lf] = X[i, lf]
    assert np.array_equal(votes, expected)
    assert np.array_equal(combine.extension_only_votes(L_HAND, EXT_A), expected[:, m : 2 * m])


def test_agreement_on_hand_made_votes():
    votes = combine.agreed_votes(L_HAND, [EXT_A, EXT_B])
    expected = L_HAND.copy()
    for i in range(L_HAND.shape[0]):
        for lf in range(L_HAND.shape[1]):
            if L_HAND[i, lf] == ABSTAIN and EXT_A[i, lf] != ABSTAIN and EXT_A[i, lf] == EXT_B[i, lf]:
                expected[i, lf] = EXT_A[i, lf]
    assert np.array_equal(votes, expected)
    # By hand: (0, 1) both vote 0; (1, 0) and (1, 1) disagree or one abstains; (3, 0) both vote 0.
    assert votes.tolist() == [[1, 0], [-1, -1], [0, -1], [0, 1]]
    # One embedding: agreement is that embedding's extension.
    assert np.array_equal(combine.agreed_votes(L_HAND, [EXT_A]), EXT_A)


def test_extended_votes_must_only_fill_abstains():
    changed = EXT_A.copy()
    changed[0, 0] = 0
    with pytest.raises(ValueError, match=r"has 0 at \(0, 0\) where L votes 1"):
        combine.extra_source_votes(L_HAND, [changed])
    with pytest.raises(ValueError, match=r"shape \(3, 2\); expected L's shape \(4, 2\)"):
        combine.agreed_votes(L_HAND, [EXT_A[:3]])


def small_dataset(metric="accuracy", *, seed=0, n=(300, 80, 120)) -> tuple[Dataset, dict[str, np.ndarray]]:
    task = make_task(n_clusters=4, dim=8, n_lfs=4, accuracy=0.8, coverage=0.3, spread=0.6, random_state=seed)
    splits, embeddings = {}, {}
    for index, (name, size) in enumerate(zip(SPLITS, n)):
        sample = task.sample(size, random_state=100 * seed + index)
        splits[name] = Split(name, sample.L, tuple(f"{name}{i}" for i in range(size)), sample.y)
        embeddings[name] = sample.E
    return Dataset("synthetic", splits, tuple(f"lf{i}" for i in range(4)), ("neg", "pos"), metric), embeddings


def random_embedding(dataset: Dataset, dim: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.RandomState(seed)
    return {s: rng.standard_normal((len(dataset[s]), dim)).astype(np.float32) for s in SPLITS}


def test_scheme_votes_equal_brute_force_extension_masks():
    dataset, good = small_dataset()
    noise = random_embedding(dataset, 6, seed=1)
    L = {s: dataset[s].L for s in SPLITS}
    train = dataset["train"]
    brute = [{s: nearest_voting_neighbours_reference(dataset[s].L, E[s], train.L, E["train"], n_classes=2) for s in SPLITS}
             for E in (good, noise)]
    fast = [combine.voting_neighbours(dataset, E) for E in (good, noise)]
    m = dataset.n_lfs
    for level in (None, 0.8, 0.3, 0.0):
        extra = combine.scheme_votes("extra_sources", L, fast, level)
        agreed = combine.scheme_votes("agreement", L, fast, level)
        for split in SPLITS:
            Lq = dataset[split].L
            masks, labels = [], []
            for nv in brute:
                r = np.ones(m) if level is None else quantile_thresholds(nv["train"], level)
                mask = np.zeros(Lq.shape, dtype=bool)
                for i in range(Lq.shape[0]):
                    for lf in range(m):
                        mask[i, lf] = (level is not None and Lq[i, lf] == ABSTAIN and nv[split].label[i, lf] != ABSTAIN
                                       and nv[split].similarity[i, lf] > r[lf])
                masks.append(mask)
                labels.append(nv[split].label)
            assert extra[split].shape == (Lq.shape[0], 3 * m)
            assert np.array_equal(extra[split][:, :m], Lq)
            for j, (mask, label) in enumerate(zip(masks, labels)):
                columns = extra[split][:, (j + 1) * m : (j + 2) * m]
                assert np.array_equal(columns != ABSTAIN, mask)
                assert np.array_equal(columns[mask], label[mask])
            both = masks[0] & masks[1] & (labels[0] == labels[1])
            assert np.array_equal(agreed[split] != Lq, both)
            assert np.array_equal(agreed[split][both], labels[0][both])


def test_concatenation_scheme_is_liger_extension_on_the_joint_embedding():
    dataset, good = small_dataset()
    noise = random_embedding(dataset, 6, seed=1)
    joint = {s: combine.concatenate_embeddings([good[s], noise[s]]) for s in SPLITS}
    L = {s: dataset[s].L for s in SPLITS}
    votes = combine.scheme_votes("concatenation", L, [combine.voting_neighbours(dataset, joint)], 0.5)
    brute = {s: nearest_voting_neighbours_reference(dataset[s].L, joint[s], dataset["train"].L, joint["train"], n_classes=2)
             for s in SPLITS}
    thresholds = quantile_thresholds(brute["train"], 0.5)
    for split in SPLITS:
        assert np.array_equal(votes[split], brute[split].extend(dataset[split].L, thresholds))
    with pytest.raises(ValueError, match="takes the neighbours of one embedding"):
        combine.scheme_votes("concatenation", L, [brute, brute], 0.5)
    with pytest.raises(ValueError, match="scheme is 'union'"):
        combine.scheme_votes("union", L, [brute], 0.5)


# ---------------------------------------------------------------------------------- choosing on dev


@pytest.mark.parametrize("metric", ["accuracy", "f1"])
def test_single_scheme_matches_method_liger(metric):
    dataset, E = small_dataset(metric, seed=1, n=(240, 60, 100))
    method = {"name": "liger", "kind": "liger", "n_partitions": [1, 3], "extension_levels": [None, 0.6, 0.0],
              "min_part_size": 10, "selection": "cv", "cv_folds": 4,
              "label_model_params": {"triplet": {"aggregate": "median", "posterior": "naive_bayes"}}}
    L = {s: dataset[s].L for s in SPLITS}
    neighbours = [combine.voting_neighbours(dataset, E)]
    votes = {q: combine.scheme_votes("single", L, neighbours, q) for q in method["extension_levels"]}
    ours = combine.choose_and_score(dataset, votes, E, parts=method["n_partitions"], seed=1, min_part_size=10,
                                    cv_folds=4, label_model_params=method["label_model_params"]["triplet"])
    reference = fit_and_score(method, dataset, E, seed=1, progress=False)
    key = "acc" if metric == "accuracy" else "f1"
    # Every configuration scores the same floats on dev, in sample and cross-validated.
    assert [(t["n_partitions"], t["extension_level"], t["dev"], t["dev_cv"]) for t in ours["tried"]] == [
        (t["n_partitions"], t["extension_level"], t[f"dev_{metric}"], t[f"dev_cv_{metric}"]) for t in reference["tried"]]
    assert (ours["n_partitions"], ours["extension_level"]) == (reference["hparams"]["n_partitions"],
                                                               reference["hparams"]["extension_level"])
    assert ours["test"] == reference["test"][key] and ours["dev"] == reference["dev"][key]
    assert ours["test_coverage"] == reference["test"]["coverage"]


def test_combining_a_good_embedding_with_a_random_one_keeps_most_of_the_good_one():
    # Smooth labels in the good embedding, LFs covering 15% each: extension is what lifts Liger here.
    task = make_task(n_clusters=6, dim=12, n_lfs=5, accuracy=0.8, coverage=0.15, spread=0.5, random_state=7)
    splits, good = {}, {}
    for index, (name, size) in enumerate(zip(SPLITS, (400, 100, 300))):
        sample = task.sample(size, random_state=70 + index)
        splits[name] = Split(name, sample.L, tuple(f"{name}{i}" for i in range(size)), sample.y)
        good[name] = sample.E
    dataset = Dataset("synthetic", splits, tuple(f"lf{i}" for i in range(5)), ("neg", "pos"), "accuracy")
    noise = random_embedding(dataset, 12, seed=8)
    joint = {s: combine.concatenate_embeddings([good[s], noise[s]]) for s in SPLITS}
    L = {s: dataset[s].L for s in SPLITS}
    levels = [None, 0.5, 0.0]
    nv_good, nv_noise, nv_joint = (combine.voting_neighbours(dataset, E) for E in (good, noise, joint))

    def test_metric(scheme, neighbours, E_partition):
        votes = {q: combine.scheme_votes(scheme, L, neighbours, q) for q in levels}
        return combine.choose_and_score(dataset, votes, E_partition, parts=[1], seed=0, min_part_size=10)["test"]

    good_alone = test_metric("single", [nv_good], good)
    noise_alone = test_metric("single", [nv_noise], noise)
    assert good_alone - noise_alone > 0.1, (good_alone, noise_alone)
    halfway = noise_alone + 0.5 * (good_alone - noise_alone)
    for scheme, neighbours in (("concatenation", [nv_joint]), ("extra_sources", [nv_good, nv_noise]),
                               ("agreement", [nv_good, nv_noise])):
        combined = test_metric(scheme, neighbours, joint)
        assert combined > halfway, (scheme, combined, good_alone, noise_alone)


# ------------------------------------------------------------------------------------------- study


def composed(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=["experiment=combine_embeddings", *overrides])


def test_experiment_config_composes_and_is_dispatched():
    cfg = composed()
    validate_config(cfg)
    assert cfg.task == "combine_embeddings" and TASKS["combine_embeddings"] == "liger.studies.combine_embeddings.study:run"
    assert resolve_task("combine_embeddings") is study.run
    assert cfg.method.kind == "liger" and cfg.method.selection == "cv" and cfg.protocol.tune_on == "dev"
    datasets, embeddings, combinations, schemes, seeds = study.check_settings(cfg.combine_embeddings)
    assert datasets == ["spam", "sms"] and embeddings == ["minilm", "wordllama", "tfidf"]
    assert ("minilm", "wordllama", "tfidf") in combinations and {"concatenation", "extra_sources"} <= set(schemes)
    assert seeds == [0, 1, 2, 3, 4]
    for name in datasets:
        validate_config(study.with_group(cfg, "dataset", name))
    for name in embeddings:
        assert study.with_group(cfg, "embedding", name).embedding.name == name


def test_a_baseline_that_extends_another_method_config_composes_as_liger_run_composes_it():
    # conf/method/liger_extension_only.yaml is a defaults list over liger.yaml: read as raw YAML it had no kind.
    cfg = composed()
    method = study.with_group(cfg, "method", "liger_extension_only").method
    assert (method.kind, list(method.n_partitions), method.name) == ("liger", [1], "liger_extension_only")
    settings = study.fit_settings(method, selection="cv", cv_folds=5)
    assert settings["parts"] == [1] and None in settings["levels"] and len(settings["levels"]) > 1


def test_settings_are_checked():
    cfg = composed()
    with pytest.raises(ValueError, match=r"combinations has \['minilm'\]"):
        study.check_settings(composed("combine_embeddings.combinations=[[minilm]]").combine_embeddings)
    with pytest.raises(ValueError, match=r"schemes has 'single'"):
        study.check_settings(composed("combine_embeddings.schemes=[single]").combine_embeddings)
    with pytest.raises(ValueError, match="weights is"):
        study.check_weights({"minilm": 1.0}, ["minilm", "tfidf"])
    assert study.check_weights(None, ["minilm"]) is None
    assert cfg.combine_embeddings.weights is None


def test_run_writes_tables_and_figure(tmp_path, monkeypatch):
    dataset, good = small_dataset(n=(120, 40, 40))
    embeddings = {"minilm": good, "wordllama": random_embedding(dataset, 5, seed=2), "tfidf": random_embedding(dataset, 4, seed=3)}
    monkeypatch.setattr(study, "load_dataset", lambda *args, **kwargs: dataset)
    monkeypatch.setattr(study, "load_embeddings", lambda cfg, *args, **kwargs: embeddings[cfg.name])
    cfg = composed("combine_embeddings.datasets=[spam]", "combine_embeddings.seeds=[0,1]", "combine_embeddings.n_jobs=1",
                   "combine_embeddings.combinations=[[minilm,wordllama,tfidf]]",
                   "method.n_partitions=[1,2]", "method.extension_levels=[null,0.0]", "method.min_part_size=10",
                   "method.cv_folds=3", f"combine_embeddings.table_dir={tmp_path / 'results'}",
                   f"combine_embeddings.figure_dir={tmp_path / 'figures'}")
    result = study.run(cfg, tmp_path / "run")
    rows = result["datasets"][0]["rows"]
    assert [r["row"] for r in rows][:4] == ["WS-LM", "single: minilm", "single: wordllama", "single: tfidf"]
    assert [r["row"] for r in rows][4:] == [f"{s}: minilm+wordllama+tfidf" for s in ("concatenation", "extra sources", "agreement")]
    assert [r["n_sources"] for r in rows] == [4] * 5 + [4 * 4, 4]
    for name in ("combine_embeddings.csv", "combine_embeddings.md"):
        assert (tmp_path / "results" / name).read_text() == (tmp_path / "run" / name).read_text()
    for suffix in ("png", "pdf"):
        assert (tmp_path / "figures" / f"combine_embeddings.{suffix}").stat().st_size > 0
    markdown = (tmp_path / "results" / "combine_embeddings.md").read_text()
    assert "liger-run experiment=combine_embeddings" in markdown and "## Verdict" in markdown
    stored = json.loads((tmp_path / "run" / "combine_embeddings.json").read_text())
    assert set(stored["per_seed"]["spam"]) == {r["row"] for r in rows}
    # The best single row is the one with the highest mean test metric, and its own difference is 0.
    best = max((r for r in rows if r["scheme"] == "single"), key=lambda r: r["test_mean"])
    assert result["datasets"][0]["best_single"] == best["row"] and best["delta_test_mean"] == 0.0


@pytest.mark.parametrize("metric", ["accuracy", "f1"])
def test_paired_bootstrap_equals_scoring_each_resample(metric):
    rng = np.random.RandomState(4)
    y, a, b = (rng.randint(2, size=30) for _ in range(3))
    indices = rng.randint(30, size=(50, 30))
    indices[0] = 0  # a resample of one row repeated: F1 may divide 0 by 0
    differences = study.paired_bootstrap(y, a, b, metric, indices)
    score = lambda t, p: metric_value(metric, t, p)  # noqa: E731
    for row, d in zip(indices, differences):
        assert d == score(y[row], a[row]) - score(y[row], b[row])
