"""The label-budget study: its labelled-points source against a brute-force reference, its budgets and
draws, its pipelines on a synthetic task (the rest of dev is never read), and its verdicts."""

from __future__ import annotations

import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from liger.data.dataset import Dataset, Split
from liger.embed.base import normalize_rows
from liger.harness.config_check import CONF_DIR
from liger.labels import ABSTAIN
from liger.metrics import metric_value
from liger.studies.common import voting_neighbours
from liger.studies.label_budget import pipelines, study
from liger.studies.label_budget.labelled_source import labelled_neighbours, source_threshold, source_votes
from liger.synthetic import make_task


# ------------------------------------------------------------------------------ labelled source


def reference_votes(E_query, ids_query, E_lab, y_lab, ids_lab, level):
    """One query row at a time: the most similar labelled point other than itself; its class where that
    similarity is above the level's quantile (lower) of all rows' such similarities."""
    Q, S = (normalize_rows(A).astype(np.float64) for A in (E_query, E_lab))
    nearest, similarities = [], []
    for i in range(len(Q)):
        best, best_j = -np.inf, None
        for j in range(len(S)):
            value = float(np.sum(Q[i] * S[j]))
            if ids_query[i] != ids_lab[j] and value > best:
                best, best_j = value, j
        nearest.append(best_j)
        similarities.append(best)
    similarities = np.array(similarities)
    threshold = np.quantile(similarities[np.isfinite(similarities)], level, method="lower")
    votes = [int(y_lab[j]) if j is not None and sim > threshold else ABSTAIN for j, sim in zip(nearest, similarities)]
    return np.array(votes), similarities


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_labelled_source_equals_a_brute_force_reference(seed):
    rng = np.random.default_rng(seed)
    E_query, E_lab = rng.standard_normal((40, 6)), rng.standard_normal((9, 6))
    y_lab = rng.integers(0, 3, size=9)
    ids_query = [f"q{i}" for i in range(40)]
    ids_lab = [f"q{i}" for i in (3, 7, 11)] + [f"d{i}" for i in range(6)]  # three labelled points are query rows too
    E_lab[:3] = E_query[[3, 7, 11]]
    near = labelled_neighbours(E_query, ids_query, E_lab, y_lab, ids_lab)
    for level in (0.0, 0.3, 0.9):
        votes, similarities = reference_votes(E_query, ids_query, E_lab, y_lab, ids_lab, level)
        np.testing.assert_array_equal(source_votes(near, source_threshold(near, level))[:, 0], votes)
        np.testing.assert_allclose(near.similarity[:, 0], similarities, rtol=0, atol=1e-12)
    # A labelled point never takes its own vote: its own similarity (1) is never the one used.
    assert (near.similarity[[3, 7, 11], 0] < 1 - 1e-6).all()


def test_a_higher_level_gives_fewer_votes():
    rng = np.random.default_rng(0)
    E = rng.standard_normal((200, 5))
    near = labelled_neighbours(E, [f"t{i}" for i in range(200)], E[:10], np.arange(10) % 2, [f"x{i}" for i in range(10)])
    counts = [(source_votes(near, source_threshold(near, q)) != ABSTAIN).sum() for q in (0.2, 0.5, 0.9)]
    assert counts[0] > counts[1] > counts[2] > 0


# ------------------------------------------------------------------------------ budgets and draws


def test_budgets_that_cannot_be_held_are_skipped_with_a_reason():
    y = np.array([0] * 40 + [1] * 8 + [2] * 2)
    kept, skipped = study.plan_budgets(y, [4, 10, 20, 50, 100, "all"], n_classes=3, min_per_class=2)
    assert kept == {"10": 10, "20": 20, "all": 50}
    assert skipped == {"4": "cannot hold 2 labels of each of the 3 classes",
                       "50": "dev has 50 labelled points (budget 'all')", "100": "dev has 50 labelled points (budget 'all')"}


def test_draws_are_nested_stratified_and_differ_between_draws():
    y = np.array([0] * 90 + [1] * 10)
    draws, unfilled = study.draw_rows(y, {"10": 10, "50": 50, "all": 100}, n_draws=3, min_per_class=2)
    assert unfilled == {}
    for rows in draws.values():
        assert set(rows["10"]) <= set(rows["50"]) and list(rows["all"]) == list(range(100))
        assert (y[rows["10"]] == 1).sum() >= 2
    assert list(draws[0]["10"]) != list(draws[1]["10"])


# ------------------------------------------------------------------------------ pipelines


def synthetic(n_classes=2) -> tuple[Dataset, dict]:
    task = make_task(n_clusters=4, dim=8, n_lfs=4, n_classes=n_classes, accuracy=0.8, coverage=0.4, spread=0.6,
                     random_state=0)
    splits, embeddings = {}, {}
    for index, (name, n) in enumerate((("train", 200), ("dev", 60), ("test", 60))):
        sample = task.sample(n, random_state=10 + index)
        splits[name] = Split(name, sample.L, tuple(f"{name}{i}" for i in range(n)), None if name == "train" else sample.y)
        embeddings[name] = sample.E
    classes = tuple(f"c{k}" for k in range(n_classes))
    return Dataset("synthetic", splits, tuple(f"lf{i}" for i in range(4)), classes, "accuracy"), embeddings


def small_settings(label_model: str = "triplet") -> pipelines.Settings:
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["experiment=label_budget", "label_budget.cv_repeats=2",
                                                       "label_budget.end_model_hidden=[8]",
                                                       "label_budget.fine_tune_epochs=[2]",
                                                       "label_budget.source_levels=[0.9,0.5]", "method.n_partitions=[1,2]",
                                                       "method.extension_levels=[null,0.5]"])
    settings = study.settings_for(cfg, cfg)
    liger = {**settings.liger, "n_partitions": [1, 2], "extension_levels": [None, 0.5], "label_model": label_model}
    heads = {name: {**head, **({"hidden": [8]} if head["kind"] == "adapter" else {})} for name, head in settings.heads.items()}
    return pipelines.Settings(**{**settings.__dict__, "liger": liger, "heads": heads,
                                 "label_model": {**settings.label_model, "label_model": label_model}})


def outcomes(dataset, embeddings, rows, seed=0):
    label_model = "triplet" if dataset.n_classes == 2 else "dawid_skene"
    shared = pipelines.Shared(dataset, embeddings, voting_neighbours(dataset, embeddings), seed, small_settings(label_model))
    return pipelines.run_pipelines(shared, pipelines.Budget.of(shared, rows, seed))


def test_every_pipeline_predicts_the_test_split_and_a_rerun_is_identical():
    dataset, embeddings = synthetic()
    rows = np.arange(0, 60, 3)
    first, second = outcomes(dataset, embeddings, rows), outcomes(dataset, embeddings, rows)
    assert list(first) == list(pipelines.PIPELINES)
    for name in first:
        assert first[name].predictions.shape == (60,) and set(first[name].predictions) <= {0, 1}
        np.testing.assert_array_equal(first[name].predictions, second[name].predictions)
        assert first[name].chosen == second[name].chosen
    # Sanity: on this easy task every pipeline is far above chance.
    assert all(metric_value("accuracy", dataset["test"].y, o.predictions) > 0.6 for o in first.values())


def test_the_rest_of_dev_is_never_read():
    dataset, embeddings = synthetic()
    rows = np.arange(0, 60, 3)
    scrambled_y = dataset["dev"].y.copy()
    others = np.setdiff1d(np.arange(60), rows)
    scrambled_y[others] = 1 - scrambled_y[others]  # every label outside the draw flipped
    dev = dataset["dev"]
    scrambled = Dataset(dataset.name, {**dataset.splits, "dev": Split("dev", dev.L, dev.ids, scrambled_y)},
                        dataset.lf_names, dataset.class_names, dataset.metric)
    a, b = outcomes(dataset, embeddings, rows), outcomes(scrambled, embeddings, rows)
    for name in a:
        np.testing.assert_array_equal(a[name].predictions, b[name].predictions)


def test_multi_class_pipelines_run():
    dataset, embeddings = synthetic(n_classes=3)
    result = outcomes(dataset, embeddings, np.arange(0, 60, 2))
    assert all(set(o.predictions) <= {0, 1, 2} for o in result.values())


def test_fine_tuning_leaves_the_end_model_as_it_was():
    dataset, embeddings = synthetic()
    from liger.baselines.heads import fit_adapter

    model = fit_adapter(embeddings["train"], np.eye(2)[(embeddings["train"][:, 0] > 0).astype(int)], hidden=8,
                        n_classes=2, random_state=0)
    before = [w.copy() for w in model.coefs_]
    tuned = pipelines.fine_tune(model, embeddings["dev"], dataset["dev"].y, epochs=3)
    assert all(np.array_equal(w, v) for w, v in zip(before, model.coefs_))
    assert not all(np.array_equal(w, v) for w, v in zip(before, tuned.coefs_))


# ------------------------------------------------------------------------------ verdicts


def test_comparisons_and_verdicts():
    dataset, _ = synthetic()
    y = dataset["test"].y
    right, wrong = y.copy(), 1 - y
    half = np.where(np.arange(60) % 2 == 0, y, 1 - y)
    # Every both-pipeline right, every single-side one half right, except that WS-LM equals one both-pipeline.
    predictions = {p: (right if pipelines.PIPELINES[p] == pipelines.BOTH else half) for p in pipelines.PIPELINES}
    results = {d: {"all": {p: (predictions[p], {}) for p in pipelines.PIPELINES}} for d in range(3)}
    summary = study.summarise(dataset, {"all": 60}, {0: {}, 1: {}, 2: {}}, results, n_bootstrap=200)
    verdict = study.bar_verdict(summary)
    assert verdict["winners"] == [p for p in pipelines.PIPELINES if pipelines.PIPELINES[p] == pipelines.BOTH]
    assert study.overtakes(summary) == {"FS-kNN": "60 (all of dev)", "FS-LogReg": "60 (all of dev)",
                                        "FS-Adapter": "60 (all of dev)"}
    results[0]["all"]["WS-LM"] = (wrong, {})
    summary = study.summarise(dataset, {"all": 60}, {0: {}, 1: {}, 2: {}}, results, n_bootstrap=200)
    comparison = summary["all"]["comparisons"]["Liger → adapter", "FS-kNN"]
    assert comparison["beats"] and comparison["difference"] == pytest.approx(0.5)
