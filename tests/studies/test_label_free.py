"""``liger.analysis.label_free`` against brute-force loops on small hand-made data; the rules on synthetic tasks;
``experiment=label_free`` composes and its study writes its files. No gold label reaches a label-free
function: none of them has a parameter that could take one."""

from __future__ import annotations

import inspect
import math
from fractions import Fraction
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir

import liger.analysis.label_free as label_free
from liger.harness.config_check import validate_config
from liger.data.dataset import Dataset, Split
from liger.harness.methods import fit_and_score
from liger.method.extension import nearest_voting_neighbours
from liger.labels import ABSTAIN
from liger.method.partition import KMeansPartition
import liger.studies.label_free.study as study
from liger.studies.common import stratified_subsample
from liger.synthetic import make_task
from liger.method.tuning import EXTENSION_LEVELS, quantile_thresholds

CONF = Path(__file__).resolve().parents[2] / "conf"


# --------------------------------------------------------------------------------- brute force


def brute_others_majority(L, n_classes):
    n, m = L.shape
    out = np.full((n, m), ABSTAIN)
    for x in range(n):
        for i in range(m):
            counts = [sum(1 for j in range(m) if j != i and L[x, j] == c) for c in range(n_classes)]
            top = max(counts)
            if top > 0 and counts.count(top) == 1:
                out[x, i] = counts.index(top)
    return out


def brute_agreement(votes, reference, rows, n_classes):
    """(agree, compared, vote counts, reference counts) per LF, by loops."""
    n, m = votes.shape
    agree, compared = [0] * m, [0] * m
    vote_counts = [[0] * n_classes for _ in range(m)]
    reference_counts = [[0] * n_classes for _ in range(m)]
    for x in range(n):
        for i in range(m):
            if rows[x, i] and votes[x, i] != ABSTAIN and reference[x, i] != ABSTAIN:
                compared[i] += 1
                agree[i] += int(votes[x, i] == reference[x, i])
                vote_counts[i][votes[x, i]] += 1
                reference_counts[i][reference[x, i]] += 1
    return agree, compared, vote_counts, reference_counts


def brute_extend(L, neighbours, thresholds):
    out = L.copy()
    for x in range(L.shape[0]):
        for i in range(L.shape[1]):
            if L[x, i] == ABSTAIN and neighbours.label[x, i] != ABSTAIN and neighbours.similarity[x, i] > thresholds[i]:
                out[x, i] = neighbours.label[x, i]
    return out


def brute_ari(a, b) -> float:
    """Hubert–Arabie ARI from the pair confusion counts, every pair visited, in exact fractions."""
    together_both = together_a = together_b = apart_both = 0
    for p, q in combinations(range(len(a)), 2):
        same_a, same_b = a[p] == a[q], b[p] == b[q]
        together_both += same_a and same_b
        together_a += same_a and not same_b
        together_b += same_b and not same_a
        apart_both += not same_a and not same_b
    if together_a == together_b == 0:
        return 1.0
    numerator = 2 * (together_both * apart_both - together_a * together_b)
    denominator = ((together_both + together_a) * (together_a + apart_both)
                   + (together_both + together_b) * (together_b + apart_both))
    return float(Fraction(numerator, denominator))


def small_votes(seed, n=40, m=5, n_classes=2):
    rng = np.random.default_rng(seed)
    L = rng.integers(-1, n_classes, size=(n, m))
    E = rng.standard_normal((n, 4)).astype(np.float32)
    return L, E


# ----------------------------------------------------------------------------- criterion (a)


def test_others_majority_on_a_hand_case():
    L = np.array([[1, 1, 0, -1],
                  [-1, -1, -1, 0],
                  [0, 1, -1, -1],
                  [1, 0, 0, 1]])
    # Row 0: LFs 0 and 1 see one vote each way (a tie); LF 3 sees (1, 1, 0). Row 1: LF 3 sees no vote.
    expected = np.array([[-1, -1, 1, 1],
                         [0, 0, 0, -1],
                         [1, 0, -1, -1],
                         [0, 1, 1, 0]])
    assert np.array_equal(label_free.others_majority(L, n_classes=2), expected)
    assert np.array_equal(expected, brute_others_majority(L, 2))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n_classes", [2, 3])
def test_others_majority_and_agreement_match_loops(seed, n_classes):
    L, _ = small_votes(seed, n_classes=n_classes)
    reference = label_free.others_majority(L, n_classes=n_classes)
    assert np.array_equal(reference, brute_others_majority(L, n_classes))
    rows = np.random.default_rng(100 + seed).random(L.shape) < 0.7
    agreement = label_free.vote_agreement(L, reference, rows, n_classes=n_classes)
    agree, compared, vote_counts, reference_counts = brute_agreement(L, reference, rows, n_classes)
    assert agreement.agree.tolist() == agree and agreement.compared.tolist() == compared
    assert agreement.vote_counts.tolist() == vote_counts and agreement.reference_counts.tolist() == reference_counts
    n = sum(compared)
    assert agreement.rate == sum(agree) / n
    totals_v = [sum(col) for col in zip(*vote_counts)]
    totals_r = [sum(col) for col in zip(*reference_counts)]
    chance = sum(v * r for v, r in zip(totals_v, totals_r)) / n**2
    assert agreement.chance == chance
    assert agreement.z == (sum(agree) / n - chance) / math.sqrt(chance * (1 - chance) / n)


def test_agreement_with_nothing_compared_is_nan_and_never_passes():
    L = np.full((3, 3), ABSTAIN)
    agreement = label_free.vote_agreement(L, L, np.ones_like(L, dtype=bool), n_classes=2)
    assert agreement.n_compared == 0 and math.isnan(agreement.rate) and math.isnan(agreement.chance)
    assert agreement.z == -math.inf


@pytest.mark.parametrize("seed", range(3))
def test_extension_agreement_matches_loops(seed):
    L, E = small_votes(seed, n=50, m=4)
    neighbours = nearest_voting_neighbours(L, E, L, E, n_classes=2)
    levels = [None, 0.9, 0.6, 0.3, 0.0]
    original, rows = label_free.extension_agreement(L, neighbours, levels, n_classes=2)
    reference = brute_others_majority(L, 2)
    agree, compared, *_ = brute_agreement(L, reference, L != ABSTAIN, 2)
    assert original.agree.tolist() == agree and original.compared.tolist() == compared
    previous = L
    assert [row.level for row in rows] == levels[1:]
    for row in rows:
        thresholds = quantile_thresholds(neighbours, row.level)
        assert np.array_equal(row.thresholds, thresholds)
        votes = brute_extend(L, neighbours, thresholds)
        new = (L == ABSTAIN) & (votes != ABSTAIN)
        added = (previous == ABSTAIN) & (votes != ABSTAIN)
        assert row.n_new == int(new.sum())
        for name, mask in (("new", new), ("increment", added)):
            agree, compared, vote_counts, reference_counts = brute_agreement(votes, reference, mask, 2)
            got = getattr(row, name)
            assert got.agree.tolist() == agree and got.compared.tolist() == compared, name
            assert got.vote_counts.tolist() == vote_counts and got.reference_counts.tolist() == reference_counts, name
        previous = votes


def test_rules_walk_until_the_first_failure():
    def level_row(level, rate_new, agree, compared, votes_pos, ref_pos):
        inc = label_free.Agreement(np.array([agree]), np.array([compared]),
                                   np.array([[compared - votes_pos, votes_pos]]), np.array([[compared - ref_pos, ref_pos]]))
        new = label_free.Agreement(np.array([int(round(rate_new * 100))]), np.array([100]),
                                   np.array([[50, 50]]), np.array([[50, 50]]))
        return label_free.LevelAgreement(level, np.zeros(1), compared, new, inc)

    # Chance 0.5 (balanced votes and majorities): 70/100 passes (z = 4), 50/100 fails, 90/100 later is ignored.
    rows = [level_row(0.9, 0.70, 70, 100, 50, 50), level_row(0.5, 0.62, 50, 100, 50, 50),
            level_row(0.1, 0.60, 90, 100, 50, 50)]
    assert label_free.break_even_level(rows) == 0.9
    assert label_free.break_even_level(rows[1:]) is None
    assert label_free.break_even_level([]) is None
    # A skewed mix: 80/100 agreement is exactly what 90% / 90% votes and majorities give by chance (0.82 > 0.80).
    assert label_free.break_even_level([level_row(0.9, 0.7, 80, 100, 90, 90)]) is None
    original = label_free.Agreement(np.array([70]), np.array([100]), np.array([[50, 50]]), np.array([[50, 50]]))
    # New votes agree 0.70, 0.62, 0.60 against the original 0.70.
    assert label_free.tolerance_level(original, rows, tolerance=-0.01) is None
    assert label_free.tolerance_level(original, rows, tolerance=0.05) == 0.9
    assert label_free.tolerance_level(original, rows, tolerance=0.09) == 0.5
    assert label_free.tolerance_level(original, rows, tolerance=0.2) == 0.1


def test_extension_agreement_rejects_a_walk_out_of_order():
    L, E = small_votes(0)
    neighbours = nearest_voting_neighbours(L, E, L, E, n_classes=2)
    with pytest.raises(ValueError, match="strictly decreasing"):
        label_free.extension_agreement(L, neighbours, [None, 0.5, 0.9], n_classes=2)
    with pytest.raises(ValueError, match="None first"):
        label_free.extension_agreement(L, neighbours, [0.9, None], n_classes=2)


# ----------------------------------------------------------------------------- criterion (b)


@pytest.mark.parametrize("seed", range(6))
def test_adjusted_rand_index_matches_pair_counting(seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 1 + seed % 4, size=30)
    b = rng.integers(0, 3, size=30) if seed % 2 else a.copy()
    if seed == 4:
        b = 10 - a  # the same partition with other names
    assert label_free.adjusted_rand_index(a, b) == brute_ari(a.tolist(), b.tolist())


def test_adjusted_rand_index_edge_cases():
    assert label_free.adjusted_rand_index(np.zeros(5), np.zeros(5)) == 1.0
    assert label_free.adjusted_rand_index(np.arange(5), np.arange(5)) == 1.0
    a, b = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    assert label_free.adjusted_rand_index(a, b) == brute_ari(a, b) < 0


def test_half_split_stability_matches_direct_fits():
    rng = np.random.default_rng(0)
    E = rng.standard_normal((60, 3))
    values = label_free.half_split_stability(E, 3, n_splits=2, random_state=5, n_init=2)
    for r, value in enumerate(values):
        order = np.random.RandomState(5 + r).permutation(60)
        first = KMeansPartition(3, n_init=2, random_state=5 + r).fit(E[order[:30]])
        second = KMeansPartition(3, n_init=2, random_state=5 + r).fit(E[order[30:]])
        assert value == brute_ari(first.assign(E).tolist(), second.assign(E).tolist())
    assert label_free.half_split_stability(E, 1, n_splits=3, random_state=0).tolist() == [1.0, 1.0, 1.0]


def test_stable_parts_takes_the_largest_stable_s():
    assert label_free.stable_parts({1: 1.0, 2: 0.3, 4: 0.85, 8: 0.6}, min_stability=0.8) == 4
    assert label_free.stable_parts({1: 1.0, 2: 0.3}, min_stability=0.8) == 1
    assert label_free.stable_parts({2: 0.1}, min_stability=0.8) == 1


# ------------------------------------------------------------------------ the rules on tasks


def synthetic_train(*, smoothness: float, random_embedding: bool, seed: int, weights=None):
    task = make_task(n_clusters=6, dim=12, n_lfs=6, accuracy=0.8, coverage=0.25, smoothness=smoothness, spread=0.4,
                     cluster_weights=weights, random_state=seed)
    # 1500 points: the first, smallest increments (5% of abstains) hold enough comparisons to judge.
    sample = task.sample(1500, random_state=seed + 1)
    E = np.random.default_rng(seed).standard_normal(sample.E.shape).astype(np.float32) if random_embedding else sample.E
    return sample.L, E


@pytest.mark.parametrize("seed", range(3))
def test_break_even_extends_when_labels_are_smooth_and_not_on_random_embeddings(seed):
    results = {}
    for name, kwargs in (("smooth", dict(smoothness=1.0, random_embedding=False)),
                         ("random", dict(smoothness=1.0, random_embedding=True))):
        L, E = synthetic_train(seed=seed, **kwargs)
        neighbours = nearest_voting_neighbours(L, E, L, E, n_classes=2)
        _, rows = label_free.extension_agreement(L, neighbours, EXTENSION_LEVELS, n_classes=2)
        results[name] = label_free.break_even_level(rows)
    assert results["smooth"] is not None, "labels constant within clusters: borrowed votes are informative"
    assert results["random"] is None, "embedding unrelated to the label: borrowed votes are noise"


def test_chance_correction_stops_extension_that_only_follows_the_class_mix():
    # Imbalanced classes (cluster labels alternate 0/1; the 0-clusters carry 85% of the points), random embedding:
    # a borrowed vote agrees with the others' majority above 1/2, but not above chance.
    weights = np.array([0.85 / 3, 0.15 / 3] * 3)
    L, E = synthetic_train(smoothness=1.0, random_embedding=True, seed=0, weights=weights)
    neighbours = nearest_voting_neighbours(L, E, L, E, n_classes=2)
    _, rows = label_free.extension_agreement(L, neighbours, EXTENSION_LEVELS, n_classes=2)
    first = rows[0].increment
    assert first.rate > 0.5 and (first.rate - 0.5) / math.sqrt(0.25 / first.n_compared) > label_free.Z_CRITICAL
    assert first.chance > 0.5
    assert label_free.break_even_level(rows) is None


def test_stability_finds_well_separated_clusters():
    task = make_task(n_clusters=4, dim=8, spread=0.3, random_state=0)
    E = task.sample(400, random_state=1).E
    stability = {s: float(label_free.half_split_stability(E, s, n_splits=2, random_state=0, n_init=3).mean())
                 for s in (1, 2, 4, 8)}
    assert stability[4] > 0.95 > stability[8]
    assert label_free.stable_parts(stability, min_stability=0.8) == 4


def test_label_free_functions_take_no_gold_labels():
    banned = {"y", "y_train", "y_dev", "labels", "gold", "targets"}
    functions = [label_free.others_majority, label_free.vote_agreement, label_free.extension_agreement,
                 label_free.break_even_level, label_free.tolerance_level, label_free.half_split_stability,
                 label_free.stable_parts, study.label_free_criteria]
    for function in functions:
        assert not banned & set(inspect.signature(function).parameters), function.__name__


# ------------------------------------------------------------------------------------ the study


def synthetic_dataset() -> tuple[Dataset, dict[str, np.ndarray]]:
    task = make_task(n_clusters=4, dim=8, n_lfs=4, accuracy=0.8, coverage=0.4, spread=0.6, random_state=0)
    splits, embeddings = {}, {}
    for index, (name, n) in enumerate((("train", 240), ("dev", 80), ("test", 80))):
        sample = task.sample(n, random_state=10 + index)
        # The train split carries no gold labels, as in the real datasets.
        splits[name] = Split(name, sample.L, tuple(f"{name}{i}" for i in range(n)), None if name == "train" else sample.y)
        embeddings[name] = sample.E
    return Dataset("synthetic", splits, tuple(f"lf{i}" for i in range(4)), ("neg", "pos"), "accuracy"), embeddings


def test_stratified_subsamples_are_nested_stratified_and_keep_rare_classes():
    y = np.array([0] * 90 + [1] * 10)
    draws = stratified_subsample(y, [50, 20, 100], random_state=3, min_per_class=2)
    assert list(draws) == [20, 50, 100]
    assert [np.bincount(y[draws[k]]).tolist() for k in (20, 50, 100)] == [[18, 2], [45, 5], [90, 10]]
    assert set(draws[20]) <= set(draws[50]) <= set(draws[100])
    assert np.array_equal(draws[20], stratified_subsample(y, [20], random_state=3)[20])
    with pytest.raises(ValueError, match="needs more members of class"):
        stratified_subsample(y, [101], random_state=0)


def test_cv_choice_is_the_harness_choice():
    dataset, embeddings = synthetic_dataset()
    parts, levels = [1, 2], [None, 0.8, 0.4]
    method = {"kind": "liger", "n_partitions": parts, "extension_levels": levels, "selection": "cv", "cv_folds": 3,
              "min_part_size": 10}
    harness = fit_and_score(method, dataset, embeddings, seed=0, progress=False)
    neighbours = study.voting_neighbours(dataset, embeddings)
    search = study.fit_grid(dataset, embeddings, neighbours, parts=parts, levels=levels, seed=0, label_model="triplet",
                            label_model_params={}, min_part_size=10, cv_folds=3)
    study.choose_on(search, dataset["dev"], embeddings["dev"], neighbours["dev"], None, seed=0)
    assert study.cell_of(search.best_params_) == (harness["hparams"]["n_partitions"], harness["hparams"]["extension_level"])
    assert round(search.best_score_, 6) == harness["hparams"]["selection_accuracy"]  # the harness stores it rounded
    predicted = search.predict(dataset["test"].L, embeddings["test"], neighbours=neighbours["test"])
    assert np.mean(predicted == dataset["test"].y) == harness["test"]["acc"]


def test_config_composes_and_the_study_writes_its_files(tmp_path, monkeypatch):
    dataset, embeddings = synthetic_dataset()
    monkeypatch.setattr(study, "load_dataset", lambda *args, **kwargs: dataset)
    monkeypatch.setattr(study, "load_embeddings", lambda *args, **kwargs: embeddings)
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        default = compose(config_name="config", overrides=["experiment=label_free"], return_hydra_config=True)
        cfg = compose(config_name="config", overrides=[
            "experiment=label_free", "method.n_partitions=[1,2]", "method.extension_levels=[null,0.8,0.4]",
            "method.min_part_size=10", "method.cv_folds=3", "label_free.budgets=[10,20]", "label_free.n_draws=2",
            "label_free.stability_splits=1", f"label_free.figure_dir={tmp_path / 'figures'}",
            f"label_free.results_dir={tmp_path / 'results'}",
        ])
    validate_config(default)
    assert default.task == "label_free" and list(default.method.n_partitions) == [1, 2, 4, 8]
    assert list(default.label_free.budgets) == [20, 50, 100]
    result = study.run(cfg, tmp_path / "run")
    stem = "synthetic_minilm"
    for path in (f"results/label_free_{stem}.csv", f"results/label_free_{stem}.md",
                 f"results/label_free_criteria_{stem}.csv", "run/label_free.json",
                 f"figures/label_free_{stem}.png", f"figures/label_free_{stem}.pdf"):
        assert (tmp_path / path).is_file(), path
    lines = (tmp_path / "results" / f"label_free_{stem}.csv").read_text().splitlines()
    assert lines[0].startswith("# liger-run experiment=label_free")
    # label-free; (dev CV, hybrid) per budget; the two references.
    assert len(lines) == 2 + 1 + 2 * 2 + 2
    schemes = {(r["scheme"], r["dev_labels"]): r for r in result["schemes"]}
    oracle = schemes[study.ORACLE, 80]["test_mean"]
    assert all(r["test_mean"] <= oracle for r in result["schemes"])
    assert len(result["draws"]) == 2 * 2 and {d["dev_labels"] for d in result["draws"]} == {10, 20}
    # The hybrid uses the label-free cell in every draw.
    free = (result["criteria"]["n_parts"], result["criteria"]["level"])
    assert all((d["hybrid"]["n_parts"], d["hybrid"]["level"]) == free for d in result["draws"])
