"""``experiment=embedding_ranking``: each label-free proxy against a brute-force count, label-free-ness, the
rankings against scipy and explicit enumeration, the config, and a small real run."""

from __future__ import annotations

import copy
import inspect
import itertools
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from scipy.stats import spearmanr

import liger.analysis.embedding_proxies as proxies
from liger.data.dataset import Dataset, Split
from liger.embed.base import normalize_rows
from liger.harness.methods import fit_and_score
from liger.method.extension import nearest_voting_neighbours, nearest_voting_neighbours_reference, pair_similarity
from liger.harness.figures import save_figure
from liger.label_models.triplet import TripletLabelModel
from liger.analysis.smoothness import unit_rows
import liger.studies.embedding_ranking.study as study
from liger.synthetic import make_task

CONF = Path(__file__).resolve().parents[2] / "conf"
SPLITS = ("train", "dev", "test")
SHARES = (0.001, 0.1)
SMALL_GRID = ["method.n_partitions=[1,2]", "method.extension_levels=[null,0.5,0.0]", "method.cv_folds=3",
              "method.min_part_size=10"]


def config(tmp_path: Path, *overrides: str):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=[
            "experiment=embedding_ranking", f"cache_dir={tmp_path / 'cache'}",
            f"embedding_ranking.figure_dir={tmp_path / 'figures'}", f"embedding_ranking.table_dir={tmp_path / 'tables'}",
            *overrides,
        ])


def synthetic(smoothness: float, seed: int, *, n_lfs: int = 5) -> tuple[Dataset, dict[str, np.ndarray]]:
    """Binary data whose labels follow the embedding's clusters with probability ``smoothness``; bipolar LFs."""
    task = make_task(n_clusters=4, dim=8, n_lfs=n_lfs, accuracy=0.8, coverage=0.4, spread=0.6, smoothness=smoothness,
                     random_state=seed)
    splits, embeddings = {}, {}
    for index, (name, n) in enumerate((("train", 120), ("dev", 50), ("test", 50))):
        sample = task.sample(n, random_state=10 * seed + index)
        splits[name] = Split(name, sample.L, tuple(f"{name}{i}" for i in range(n)), None if name == "train" else sample.y)
        embeddings[name] = sample.E
    dataset = Dataset("synthetic", splits, tuple(f"lf{i}" for i in range(n_lfs)), ("neg", "pos"), "accuracy")
    return dataset, embeddings


# ---------------------------------------------------------------------------------- brute force


def brute_pseudo_smoothness(L, E, rows_kept, share_range, share):
    """Pseudo-labels by the triplet model; then every pair, its distance, M̂ at each share and the trapezoid mean."""
    covered = np.flatnonzero((L != -1).any(axis=1))
    labels = TripletLabelModel().fit(L).predict(L[covered])
    rows, y = covered[rows_kept], labels[rows_kept]
    U = unit_rows(E[rows])
    pairs = []
    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            d = U[i] - U[j]
            pairs.append((0.5 * np.sum(d * d), y[i] != y[j]))
    distance = np.array([p[0] for p in pairs])
    differ = np.array([p[1] for p in pairs])

    def m_at(fraction):
        needed = max(1, math.ceil(fraction * len(pairs)))
        radius = np.sort(distance)[needed - 1]
        return differ[distance <= radius].sum() / (distance <= radius).sum()

    shares = np.geomspace(*share_range, 41)
    m = np.array([m_at(f) for f in shares])
    x = np.log10(shares)
    n_differ = sum(differ)
    base = n_differ / len(pairs)
    return {"mean_m": float(np.sum(np.diff(x) * (m[1:] + m[:-1]) / 2.0) / (x[-1] - x[0])), "m_at_share": m_at(share),
            "base_rate": base, "n_points": len(rows)}


def brute_others_majority(L, x, i):
    votes = Counter(int(v) for j, v in enumerate(L[x]) if j != i and v != -1)
    if not votes:
        return -1
    top = max(votes.values())
    winners = [c for c, k in votes.items() if k == top]
    return winners[0] if len(winners) == 1 else -1


def brute_borrowed(L, E):
    """(x, i) -> the class of x's nearest voter of LF i (strictly most similar class), by a loop over the support."""
    U = normalize_rows(E)
    borrowed = {}
    for i in range(L.shape[1]):
        for x in np.flatnonzero(L[:, i] == -1):
            best = {}
            for z in np.flatnonzero(L[:, i] != -1):
                assert z != x  # a point abstaining on LF i is never in its support
                s = float(pair_similarity(U[x], U[z]))
                best[int(L[z, i])] = max(best.get(int(L[z, i]), -np.inf), s)
            if best:
                ranked = sorted(best.items(), key=lambda kv: -kv[1])
                if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
                    borrowed[x, i] = (ranked[0][0], ranked[0][1])
                else:
                    borrowed[x, i] = (-1, ranked[0][1])
    return borrowed


def brute_agreement(pairs_of_votes):
    """a, p_e, N from [(vote, majority)] with both classes."""
    n = len(pairs_of_votes)
    agree = sum(v == r for v, r in pairs_of_votes)
    votes, majority = Counter(v for v, _ in pairs_of_votes), Counter(r for _, r in pairs_of_votes)
    chance = sum(votes[c] * majority[c] for c in (0, 1)) / n**2
    return agree / n, chance, n


# ----------------------------------------------------------------------------------------- proxies


def test_pseudo_labels_are_the_train_label_models_hard_labels_on_covered_rows():
    dataset, _ = synthetic(0.9, seed=0)
    L = dataset["train"].L
    pseudo = proxies.pseudo_labels(L, n_classes=2, label_model="triplet",
                                   label_model_params={"aggregate": "median", "posterior": "naive_bayes"})
    model = TripletLabelModel().fit(L)
    covered = np.flatnonzero((L != -1).any(axis=1))
    assert covered.size < len(L)  # some rows have no vote and are left out
    np.testing.assert_array_equal(pseudo.rows, covered)
    np.testing.assert_array_equal(pseudo.labels, model.predict(L[covered]))
    np.testing.assert_array_equal(pseudo.class_balance, model.class_balance_)


@pytest.mark.parametrize("max_points", [10_000, 40])
def test_pseudo_label_smoothness_equals_a_brute_force_count(max_points):
    dataset, embeddings = synthetic(0.9, seed=1)
    L, E = dataset["train"].L, embeddings["train"]
    mine = study.pseudo_label_smoothness(L, E, n_classes=2, label_model="triplet", label_model_params={},
                                         share_range=SHARES, share=0.01, max_points=max_points, max_radius=0.3,
                                         n_bootstrap=0, confidence=0.95, seed=5)
    covered = int((L != -1).any(axis=1).sum())
    kept = (np.arange(covered) if max_points >= covered
            else np.sort(np.random.default_rng(5).choice(covered, size=max_points, replace=False)))
    expected = brute_pseudo_smoothness(L, E, kept, SHARES, 0.01)
    assert mine["covered"] == covered and mine["subsampled"] == (max_points < covered)
    assert mine["n_points"] == expected["n_points"]
    # Ratios of integer pair counts, and the same trapezoid arithmetic: equal bit for bit.
    assert mine["m_at_share"] == expected["m_at_share"]
    assert mine["base_rate"] == expected["base_rate"]
    assert mine["mean_m"] == expected["mean_m"]
    assert mine["mean_m_relative"] == expected["mean_m"] / expected["base_rate"]


def test_pseudo_label_smoothness_of_a_single_class_is_nan_not_zero():
    L = np.array([[1, -1, 1], [1, 1, -1], [-1, 1, 1], [1, 1, 1]] * 5)
    E = np.random.default_rng(0).standard_normal((len(L), 4))
    out = study.pseudo_label_smoothness(L, E, n_classes=2, label_model="majority_vote", label_model_params={},
                                        share_range=SHARES, share=0.01, max_points=100, max_radius=1.0, n_bootstrap=0,
                                        confidence=0.95, seed=0)
    assert out["base_rate"] == 0.0 and math.isnan(out["mean_m"]) and math.isnan(out["mean_m_relative"])


def test_subsample_is_seeded_and_only_beyond_max_points():
    np.testing.assert_array_equal(proxies.subsample_rows(5, 5, seed=0), np.arange(5))
    first, again = proxies.subsample_rows(100, 10, seed=3), proxies.subsample_rows(100, 10, seed=3)
    np.testing.assert_array_equal(first, again)
    assert first.size == 10 and np.all(np.diff(first) > 0)
    with pytest.raises(ValueError, match="max_points is 1"):
        proxies.subsample_rows(5, 1, seed=0)


def test_extension_agreement_equals_a_brute_force_count():
    dataset, embeddings = synthetic(0.8, seed=2)
    L, E = dataset["train"].L, embeddings["train"]
    neighbours = nearest_voting_neighbours(L, E, L, E, n_classes=2)
    out = proxies.extension_agreement_proxy(L, neighbours, n_classes=2)
    borrowed = brute_borrowed(L, E)
    compared = [(v, brute_others_majority(L, x, i)) for (x, i), (v, _) in sorted(borrowed.items())]
    compared = [(v, r) for v, r in compared if v != -1 and r != -1]
    a, chance, n = brute_agreement(compared)
    assert (out["agreement"], out["chance"], out["n_compared"]) == (a, chance, n)
    assert out["value"] == a - chance
    assert n > 50


def test_extension_agreement_over_levels_equals_a_brute_force_count():
    dataset, embeddings = synthetic(0.8, seed=3)
    L, E = dataset["train"].L, embeddings["train"]
    neighbours = nearest_voting_neighbours_reference(L, E, L, E, n_classes=2)
    levels = [None, 0.9, 0.5, 0.0]
    out = proxies.level_agreement_proxy(L, neighbours, levels, n_classes=2)
    borrowed = brute_borrowed(L, E)
    values = []
    for level in (0.9, 0.5, 0.0):
        chosen = []
        for i in range(L.shape[1]):
            similarities = sorted(s for (x, j), (_, s) in borrowed.items() if j == i and np.isfinite(s))
            # np.quantile(..., method="lower"): the observed value at floor((n - 1) q).
            threshold = similarities[math.floor((len(similarities) - 1) * level)] if similarities else 1.0
            chosen += [(v, brute_others_majority(L, x, i)) for (x, j), (v, s) in sorted(borrowed.items())
                       if j == i and v != -1 and s > threshold]
        a, chance, _ = brute_agreement([(v, r) for v, r in chosen if r != -1])
        values.append(a - chance)
    assert [entry["value"] for entry in out["per_level"]] == values
    assert out["value"] == float(np.mean(values))


def test_extension_agreement_cannot_see_the_embedding_when_every_lf_votes_one_class():
    """Unipolar LFs (every spam, spouse and sms LF): the borrowed vote is the LF's class, wherever the neighbour is."""
    dataset, embeddings = synthetic(0.8, seed=4)
    L = dataset["train"].L.copy()
    L[:, 0][L[:, 0] == 0] = -1  # LF 0 votes class 1 only, the others class 0 only
    L[:, 1:][L[:, 1:] == 1] = -1
    E_random = np.random.default_rng(0).standard_normal(embeddings["train"].shape).astype(np.float32)
    values = [proxies.extension_agreement_proxy(L, nearest_voting_neighbours(L, E, L, E, n_classes=2), n_classes=2)
              for E in (embeddings["train"], E_random)]
    assert values[0] == values[1]
    levels = [proxies.level_agreement_proxy(L, nearest_voting_neighbours(L, E, L, E, n_classes=2), [0.9, 0.5],
                                            n_classes=2)["value"] for E in (embeddings["train"], E_random)]
    assert levels[0] != levels[1]


def test_proxies_read_no_labels():
    """Changing everything but the train votes and embeddings (dev/test labels, votes and embeddings) changes no proxy."""
    dataset, embeddings = synthetic(0.9, seed=5)
    method = {"label_model": "triplet", "label_model_params": {"triplet": {}}, "extension_levels": [None, 0.9, 0.5, 0.0]}
    kwargs = dict(share_range=SHARES, share=0.01, max_points=60, max_radius=1.0, n_bootstrap=20, confidence=0.95, seed=0)
    before = study.train_proxies(dataset, embeddings["train"], method, **kwargs)
    rng = np.random.default_rng(1)
    changed = Dataset("synthetic", {
        "train": Split("train", dataset["train"].L, dataset["train"].ids, rng.integers(0, 2, 120)),  # even train gold
        **{name: Split(name, rng.integers(-1, 2, dataset[name].L.shape), dataset[name].ids, 1 - dataset[name].y)
           for name in ("dev", "test")}}, dataset.lf_names, dataset.class_names, "f1")
    after = study.train_proxies(changed, embeddings["train"], method, **kwargs)
    assert repr(after) == repr(before)
    for function in (proxies.pseudo_labels, proxies.subsample_rows, proxies.borrowed_vote_agreement,
                     proxies.extension_agreement_proxy, proxies.level_agreement_proxy, study.pseudo_label_smoothness):
        assert not {"y", "y_dev", "y_test", "gold", "labels"} & set(inspect.signature(function).parameters), function


# ---------------------------------------------------------------------------------------- rankings


def test_within_dataset_ranks_and_the_exact_permutation_p_value():
    groups = np.repeat(["a", "b", "c"], 3)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=9), rng.normal(size=9)
    rx, ry = study.within_group_ranks(x, groups), study.within_group_ranks(y, groups)
    for g in "abc":
        np.testing.assert_array_equal(rx[groups == g], np.argsort(np.argsort(x[groups == g])) + 1)
    rho = float(spearmanr(rx, ry).statistic)
    # With equal group sizes and no ties, the pooled ρ of within-group ranks is the mean per-group ρ.
    assert rho == pytest.approx(np.mean([spearmanr(x[groups == g], y[groups == g]).statistic for g in "abc"]), abs=1e-12)
    # Every combination of within-group permutations, one spearmanr each.
    blocks = [np.flatnonzero(groups == g) for g in "abc"]
    count = 0
    for orders in itertools.product(*(itertools.permutations(b) for b in blocks)):
        permuted = ry.copy()
        for block, order in zip(blocks, orders):
            permuted[block] = ry[list(order)]
        count += abs(spearmanr(rx, permuted).statistic) >= abs(rho) - 1e-9
    assert study.stratified_permutation_p(rx, ry, groups) == count / 6**3
    assert math.isnan(study.stratified_permutation_p(rx, ry, groups, max_permutations=100))
    ranks = study.within_group_ranks([1.0, np.nan, 3.0, 2.0], ["a", "a", "a", "b"])
    np.testing.assert_array_equal(ranks[[0, 2, 3]], [1.0, 2.0, 1.0])
    assert math.isnan(ranks[1])


def rows_for(values: dict, scores: dict) -> list[dict]:
    rows = []
    for (dataset, embedding), score in scores.items():
        value = values[dataset, embedding]
        rows.append({"dataset": dataset, "embedding": embedding, "liger_mean": score, "lift_mean": score - 0.5,
                     **{p.key: value for p in study.PROXIES}})
    return rows


def test_rankings_orient_rho_and_count_regret_with_ties_as_a_uniform_choice():
    embeddings = ["e1", "e2", "e3", "e4"]
    scores = {("d1", e): s for e, s in zip(embeddings, [0.9, 0.8, 0.7, 0.6])}
    scores |= {("d2", e): s for e, s in zip(embeddings, [0.5, 0.7, 0.6, 0.4])}
    values = {("d1", e): v for e, v in zip(embeddings, [1.0, 2.0, 3.0, 4.0])}  # lower is better: a perfect order
    values |= {("d2", e): v for e, v in zip(embeddings, [1.0, 1.0, 5.0, 5.0])}  # a tie at the best value
    result = study.rankings(rows_for(values, scores), control="e4", default_embedding="e3")
    per = {(r["proxy"], r["dataset"]): r for r in result["per_dataset"]}
    lower = next(p for p in study.PROXIES if p.better == "lower").name
    higher = next(p for p in study.PROXIES if p.better == "higher").name
    assert per[lower, "d1"]["rho_oriented"] == 1.0 and per[higher, "d1"]["rho_oriented"] == -1.0
    assert per[lower, "d1"]["rho_score"] == per[lower, "d1"]["rho_lift"] == -1.0
    assert per[lower, "d1"]["pick"] == "e1" and per[lower, "d1"]["regret"] == 0.0
    assert per[higher, "d1"]["pick"] == "e4" and per[higher, "d1"]["regret"] == pytest.approx(0.3)
    assert per[lower, "d2"]["pick"] == "e1/e2" and per[lower, "d2"]["regret"] == pytest.approx((0.2 + 0.0) / 2)
    pooled = {r["proxy"]: r for r in result["pooled"]}
    assert pooled[lower]["regret"] == pytest.approx(0.05) and pooled[lower]["n"] == 8
    references = {r["proxy"]: r for r in result["references"]}
    assert references["always e3"]["regrets"] == pytest.approx({"d1": 0.2, "d2": 0.1})
    assert references["random pick (expected)"]["regrets"]["d1"] == pytest.approx(np.mean([0.0, 0.1, 0.2, 0.3]))


# ------------------------------------------------------------------------------------- config, run


def test_config_composes_and_the_task_is_registered(tmp_path):
    from experiments.run import resolve_task
    from liger.harness.config_check import validate_config

    cfg = config(tmp_path)
    validate_config(cfg)
    assert cfg.task == "embedding_ranking" and cfg.method.name == "liger" and cfg.progress is False
    settings = cfg.embedding_ranking
    assert list(settings.datasets) == ["spam", "spouse", "sms", "weather"]
    assert list(settings.embeddings) == ["minilm", "wordllama", "tfidf", "random"]
    assert list(settings.seeds) == [0, 1, 2] and settings.n_jobs == 1 and settings.baseline == "label_model"
    assert resolve_task("embedding_ranking") is study.run


def fake_loaders(monkeypatch: pytest.MonkeyPatch) -> None:
    """Synthetic stand-ins for the loaders: 'random' adds noise to each dataset's embedding, 'tfidf' a little."""
    data = {"spam": synthetic(1.0, seed=0), "weather": synthetic(0.6, seed=2)}

    def fake_embeddings(embedding_cfg, dataset, **kwargs):
        E = next(E for d, E in data.values() if d is dataset)
        scale = {"minilm": 0.0, "tfidf": 0.3, "random": 2.0}[embedding_cfg.name]
        rng = np.random.default_rng(int(10 * scale))
        return {s: (E[s] + rng.normal(scale=scale, size=E[s].shape)).astype(np.float32) for s in SPLITS}

    monkeypatch.setattr(study, "load_dataset", lambda dataset_cfg, **kwargs: data[dataset_cfg.name][0])
    monkeypatch.setattr(study, "load_embeddings", fake_embeddings)


def small_config(tmp_path: Path):
    return config(tmp_path, "embedding_ranking.datasets=[spam,weather]", "embedding_ranking.embeddings=[minilm,tfidf,random]",
                  "embedding_ranking.seeds=[0,1]", "embedding_ranking.n_bootstrap=20", *SMALL_GRID)


OUTPUTS = [*(f"{folder}/{name}" for folder in ("run", "tables") for name in
             ("embedding_ranking.csv", "embedding_ranking_summary.csv", "embedding_ranking.md")),
           *(f"{folder}/embedding_ranking.{ext}" for folder in ("run", "figures") for ext in ("png", "pdf")),
           "run/embedding_ranking.json"]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("small")
    with pytest.MonkeyPatch.context() as monkeypatch:
        fake_loaders(monkeypatch)
        return tmp_path, study.run(small_config(tmp_path), tmp_path / "run")


def test_run_writes_every_file_and_the_cells_are_fit_and_scores(small):
    tmp_path, result = small
    for path in OUTPUTS:
        assert (tmp_path / path).is_file(), path
    for ext in ("png", "pdf"):
        assert (tmp_path / "figures" / f"embedding_ranking.{ext}").read_bytes() == \
            (tmp_path / "run" / f"embedding_ranking.{ext}").read_bytes()
    md = (tmp_path / "tables" / "embedding_ranking.md").read_text()
    assert "`liger-run experiment=embedding_ranking`" in md.splitlines()[2]
    assert len((tmp_path / "tables" / "embedding_ranking.csv").read_text().splitlines()) == 1 + 6
    row = next(r for r in result["cells"] if (r["dataset"], r["embedding"]) == ("spam", "tfidf"))
    assert all(math.isfinite(row[p.key]) for p in study.PROXIES)
    assert row["lift_per_seed"] == [p["liger"]["test"]["acc"] - p["baseline"]["test"]["acc"] for p in row["per_seed"].values()]
    assert row["liger_dev_cv_mean"] == np.mean([p["liger"]["selection_accuracy"] for p in row["per_seed"].values()])
    pooled = {r["proxy"]: r for r in result["rankings"]["pooled"]}
    assert all(r["n"] == 6 for r in pooled.values())


def test_table_shows_every_pooled_rho_when_a_proxy_pools_fewer_cells(small):
    # A proxy undefined on some cells (one-class pseudo-labels) pools fewer of them and has no mean regret;
    # the other proxies' pooled values must still show, and nothing may print as "nan".
    _, result = small
    result = copy.deepcopy(result)
    first = result["rankings"]["pooled"][0]
    first["n"], first["regret"] = 3, math.nan
    md = study.markdown(result)
    assert "nan" not in md
    header = next(line for line in md.splitlines() if line.startswith("| proxy | better"))
    column = header.split(" | ").index("pooled ρ⁺, within-dataset ranks (cells)")
    for pooled in result["rankings"]["pooled"]:
        row = next(line for line in md.splitlines() if line.startswith(f"| {pooled['proxy']} | "))
        expected = f"{pooled['rho_oriented']:+.2f} ({pooled['n']})" if math.isfinite(pooled["rho_oriented"]) else "–"
        assert row.split(" | ")[column] == expected
    assert "– (undefined on a dataset)" in md


def test_figure_is_byte_identical_when_redrawn(small, tmp_path):
    _, result = small
    paths = [save_figure(study.draw(result), tmp_path / f"figure_{k}") for k in (1, 2)]
    for first, second in zip(*paths):
        assert first.read_bytes() == second.read_bytes(), first.name


@pytest.mark.slow
def test_rerun_writes_the_same_bytes(small, monkeypatch):
    tmp_path, _ = small
    before = {path: (tmp_path / path).read_bytes() for path in OUTPUTS}
    fake_loaders(monkeypatch)
    study.run(small_config(tmp_path), tmp_path / "run")
    for path, data in before.items():
        assert (tmp_path / path).read_bytes() == data, path


@pytest.mark.slow
def test_real_spam_end_to_end(tmp_path, spam):
    """Spam with TF-IDF and the random control, one seed, a small grid: Liger's cells are fit_and_score's."""
    cfg = config(tmp_path, "embedding_ranking.datasets=[spam]", "embedding_ranking.embeddings=[tfidf,random]",
                 "embedding_ranking.seeds=[0]", "embedding_ranking.n_bootstrap=0", *SMALL_GRID)
    result = study.run(cfg, tmp_path / "run")
    rows = {r["embedding"]: r for r in result["cells"]}
    methods = result["methods"]["spam"]
    from liger.harness.runner import load_embeddings
    from liger.studies.smoothness_lift.study import Cell, embedding_config

    for name, row in rows.items():
        embeddings = load_embeddings(embedding_config(cfg, Cell("spam", name)), spam, cache_dir=cfg.cache_dir, progress=False)
        direct = fit_and_score(methods["liger"], spam, embeddings, seed=0, progress=False)
        assert row["liger_mean"] == direct["test"]["acc"]
        assert row["liger_dev_cv_mean"] == direct["hparams"]["selection_accuracy"]
        assert row["pseudo_covered"] == 1375 and not row["pseudo_subsampled"]
        assert math.isfinite(row["pseudo_mean_m_relative"]) and math.isfinite(row["ext_agreement_levels"])
    # Every spam LF votes one class: the all-abstains extension agreement cannot tell the embeddings apart.
    assert rows["tfidf"]["ext_agreement"] == rows["random"]["ext_agreement"]
    assert rows["tfidf"]["pseudo_mean_m_relative"] < rows["random"]["pseudo_mean_m_relative"]
