"""``experiment=smoothness_lift``: lift and smoothness against direct computations, Spearman against scipy,
prompt templating with the spouse person names, the config, and byte-identical outputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from scipy.stats import spearmanr

from liger.data.dataset import Dataset, Split
from liger.embed import embed_dataset, prompted_texts
from liger.embed.cache import cache_key
from liger.embed.providers import RandomEmbedder
from liger.harness.methods import fit_and_score
from liger.harness.figures import save_figure
from liger.analysis.smoothness import label_pairs, radii_at_pair_fractions
import liger.studies.smoothness.study as smoothness_study
import liger.studies.smoothness_lift.study as study
from liger.synthetic import make_task

CONF = Path(__file__).resolve().parents[2] / "conf"
SPLITS = ("train", "dev", "test")
BEFORE = "Are {person1} and {person2} spouses? {text}"
AFTER = "{text} Are {person1} and {person2} spouses?"
# A small Liger grid, so a fit takes well under a second on the synthetic data.
SMALL_GRID = ["method.n_partitions=[1,2]", "method.extension_levels=[null,0.5]", "method.cv_folds=3", "method.min_part_size=10"]


def config(tmp_path: Path, *overrides: str):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=[
            "experiment=smoothness_lift", f"cache_dir={tmp_path / 'cache'}",
            f"smoothness_lift.figure_dir={tmp_path / 'figures'}", f"smoothness_lift.table_dir={tmp_path / 'tables'}",
            *overrides,
        ])


def synthetic(smoothness: float, seed: int) -> tuple[Dataset, dict[str, np.ndarray]]:
    """Binary data whose labels follow the embedding's clusters with probability ``smoothness``.

    Rows have texts ("text <i>", one sentence per three rows) and two person fields, as spouse does.
    """
    task = make_task(n_clusters=4, dim=8, n_lfs=4, accuracy=0.8, coverage=0.4, spread=0.6, smoothness=smoothness,
                     random_state=seed)
    splits, embeddings, fields = {}, {}, {}
    for index, (name, n) in enumerate((("train", 160), ("dev", 60), ("test", 60))):
        sample = task.sample(n, random_state=10 * seed + index)
        splits[name] = Split(name, sample.L, tuple(f"{name}{i}" for i in range(n)), None if name == "train" else sample.y,
                             texts=tuple(f"{name} text {i // 3}" for i in range(n)))
        fields[name] = {"person1": tuple(f"P{i}" for i in range(n)), "person2": tuple(f"Q{i}" for i in range(n))}
        embeddings[name] = sample.E
    dataset = Dataset("synthetic", splits, tuple(f"lf{i}" for i in range(4)), ("neg", "pos"), "accuracy",
                      extra={"text_fields": fields})
    return dataset, embeddings


def tiny_spouse() -> Dataset:
    """Three sentences, two candidates each, with the loader's ``text_fields``."""
    def split(name, sentences, labeled):
        n = len(sentences)
        return Split(name, np.full((n, 1), -1, dtype=np.int64), tuple(f"{name}:{i}" for i in range(n)),
                     np.arange(n) % 2 if labeled else None, tuple(sentences))

    sentences = {"train": ["Ann married Bob.", "Ann married Bob."], "dev": ["Cy met Di and Ed."] * 2,
                 "test": ["Fay and Gus wed.", "Hal saw Fay."]}
    people = {"train": [("Ann", "Bob"), ("Bob", "Ann")], "dev": [("Cy", "Di"), ("Di", "Ed")],
              "test": [("Fay", "Gus"), ("Hal", "Fay")]}
    return Dataset(
        "spouse", {name: split(name, sentences[name], name != "train") for name in SPLITS},
        ("lf",), ("not_spouse", "spouse"), "f1",
        extra={"text_fields": {name: {"person1": tuple(a for a, _ in p), "person2": tuple(b for _, b in p)}
                               for name, p in people.items()}},
    )


# ------------------------------------------------------------------------------------- pieces


def test_lift_equals_a_direct_computation():
    dataset, embeddings = synthetic(1.0, seed=0)
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["experiment=smoothness_lift", *SMALL_GRID])
    methods = study.method_configs(cfg, "spam", "label_model")
    assert methods["liger"]["n_partitions"] == [1, 2] and methods["baseline"]["name"] == "label_model"
    per_seed = [study.score_methods(dataset, embeddings, methods, seed=s, tune_on="dev") for s in (0, 1)]
    summary = study.lift_summary(per_seed, "accuracy")
    liger = [fit_and_score(methods["liger"], dataset, embeddings, seed=s, progress=False)["test"]["acc"] for s in (0, 1)]
    baseline = [fit_and_score(methods["baseline"], dataset, embeddings, seed=s, progress=False)["test"]["acc"] for s in (0, 1)]
    lift = np.array(liger) - np.array(baseline)
    assert summary["lift_per_seed"] == lift.tolist()
    assert summary["lift_mean"] == float(lift.mean()) and summary["lift_std"] == float(lift.std(ddof=1))
    assert summary["liger_mean"] == float(np.mean(liger)) and summary["baseline_std"] == float(np.std(baseline, ddof=1))
    assert math.isnan(study.lift_summary(per_seed[:1], "accuracy")["lift_std"])


def test_smoothness_summary_is_the_smoothness_studys_scale_free_area():
    dataset, embeddings = synthetic(0.8, seed=1)
    E = np.concatenate([embeddings["dev"], embeddings["test"]])
    y = np.concatenate([dataset["dev"].y, dataset["test"].y])
    pairs = label_pairs(E, y, 1.0)
    fractions = np.geomspace(0.001, 0.1, smoothness_study.AREA_POINTS)
    area = smoothness_study._area(pairs, radii_at_pair_fractions(pairs, fractions), np.log10(fractions), 50, 0.95, 3)
    mine = study.smoothness_summary(study.collect_pairs(E, y, max_radius=0.2, share=0.1), y, share_range=(0.001, 0.1),
                                    share=0.01, n_bootstrap=50, confidence=0.95, seed=3)
    assert (mine["mean_m"], mine["mean_m_low"], mine["mean_m_high"]) == (area["value"], area["low"], area["high"])
    # M at one share, and the base rate, counted directly.
    d = np.array([[0.5 * np.sum((a / np.linalg.norm(a) - b / np.linalg.norm(b)) ** 2) for b in E.astype(float)]
                  for a in E.astype(float)])
    upper = np.triu_indices(len(y), k=1)
    order = np.sort(d[upper])
    radius = order[math.ceil(0.01 * order.size) - 1]
    within = d[upper] <= radius
    differ = (y[:, None] != y[None, :])[upper]
    assert mine["m_at_share"] == pytest.approx(differ[within].mean(), abs=1e-12)
    assert mine["base_rate"] == differ.mean()
    assert mine["mean_m_relative"] == mine["mean_m"] / mine["base_rate"]


def test_rank_correlation_is_scipys_over_finite_pairs():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=12), rng.normal(size=12)
    x[3] = x[5]  # a tie
    rho, p = study.rank_correlation(x, y)
    expected = spearmanr(x, y)
    assert (rho, p) == (float(expected.statistic), float(expected.pvalue))
    x_nan = np.append(x, np.nan)
    assert study.rank_correlation(x_nan, np.append(y, 1.0)) == (rho, p)
    assert all(math.isnan(v) for v in study.rank_correlation([1, 2, 3], [4, 4, 4]))
    assert all(math.isnan(v) for v in study.rank_correlation([1, 2], [3, 4]))
    rows = [{"dataset": d, "mean_m_relative": a, "m_at_share_relative": a, "lift_mean": b}
            for d, a, b in zip("aaabbb", x[:6], y[:6])]
    table = {c["dataset"]: c for c in study.correlations(rows)}
    assert table["a"]["rho_mean_m"] == float(spearmanr(x[:3], y[:3]).statistic)
    assert table["pooled"]["rho_mean_m"] == float(spearmanr(x[:6], y[:6]).statistic) and table["pooled"]["n"] == 6


def test_prompt_names_each_candidates_people_and_keys_the_cache(tmp_path):
    data = tiny_spouse()
    fields = data.extra["text_fields"]["dev"]
    assert prompted_texts(BEFORE, data["dev"].texts, fields) == [
        "Are Cy and Di spouses? Cy met Di and Ed.", "Are Di and Ed spouses? Cy met Di and Ed."]
    assert prompted_texts(AFTER, data["dev"].texts, fields)[1] == "Cy met Di and Ed. Are Di and Ed spouses?"
    assert prompted_texts(None, data["dev"].texts, fields) == list(data["dev"].texts)
    with pytest.raises(ValueError, match=r"names \['person3'\]; dataset 'spouse' split 'train' provides \['person1', 'person2', 'text'\]"):
        embed_dataset(RandomEmbedder(dim=8), data, cache_dir=None, prompt="{person3}: {text}")

    class Cached(RandomEmbedder):
        cacheable = True

    embedded = {p: embed_dataset(Cached(dim=8), data, cache_dir=tmp_path, prompt=p) for p in (None, BEFORE, AFTER)}
    # Two candidates of one sentence share an embedding only without a prompt.
    assert np.array_equal(embedded[None]["dev"][0], embedded[None]["dev"][1])
    assert not np.array_equal(embedded[BEFORE]["dev"][0], embedded[BEFORE]["dev"][1])
    np.testing.assert_array_equal(embedded[AFTER]["test"][1], Cached(dim=8).embed(["Hal saw Fay. Are Hal and Fay spouses?"])[0])
    entries = sorted((tmp_path / "random" / "spouse").glob("*.json"))
    assert len(entries) == 3 * len(SPLITS)
    assert {json.loads(e.read_text())["prompt"] for e in entries} == {None, BEFORE, AFTER}
    identity = Cached(dim=8).identity()
    keys = {p: cache_key(identity, "spouse", "dev", ["same text"], p) for p in (None, BEFORE, AFTER)}
    assert len(set(keys.values())) == 3


@pytest.mark.shared_data
def test_spouse_loader_keeps_text_fields(shared_data):
    from liger.data.spouse import load_spouse

    data = load_spouse(shared_data / "spouse", progress=False)
    for split in SPLITS:
        names = data.extra["person_names"][split]
        fields = data.extra["text_fields"][split]
        assert fields["person1"] == tuple(a for a, _ in names) and fields["person2"] == tuple(b for _, b in names)
        assert len(fields["person1"]) == len(data[split])


def test_config_composes_and_cells_take_the_runs_seed(tmp_path):
    cfg = config(tmp_path, "seed=4")
    assert cfg.task == "smoothness_lift" and cfg.method.name == "liger" and cfg.progress is False
    assert list(cfg.smoothness_lift.datasets) == ["spam", "spouse", "sms", "weather"]
    assert list(cfg.smoothness_lift.spouse_prompts.prompts.values()) == [None, BEFORE, AFTER]
    embedding = study.embedding_config(cfg, study.Cell("sms", "random", BEFORE))
    assert embedding.seed == 4 and embedding.prompt == BEFORE
    methods = study.method_configs(cfg, "sms", "label_model")
    assert methods["liger"]["label_model"] == "triplet" and methods["baseline"]["n_partitions"] == [1]
    with pytest.raises(ValueError, match=r"names dataset 'imdb'; expected one of"):
        study.compose_group(cfg, "dataset", "imdb")
    from experiments.run import resolve_task

    assert resolve_task("smoothness_lift") is study.run


# ---------------------------------------------------------------------------------------- run


def fake_loaders(monkeypatch: pytest.MonkeyPatch) -> None:
    """Synthetic stand-ins for the loaders: 'spam' is smooth, 'weather' rough; 'random' and prompts add noise."""
    data = {"spam": synthetic(1.0, seed=0), "weather": synthetic(0.3, seed=2), "spouse_sentence": synthetic(0.9, seed=3)}

    def fake_embeddings(embedding_cfg, dataset, **kwargs):
        E = next(E for d, E in data.values() if d is dataset)
        if embedding_cfg.name == "random" or embedding_cfg.get("prompt"):
            rng = np.random.default_rng(len(embedding_cfg.get("prompt") or ""))
            return {s: (E[s] + rng.normal(scale=0.5, size=E[s].shape)).astype(np.float32) for s in SPLITS}
        return E

    monkeypatch.setattr(study, "load_dataset", lambda dataset_cfg, **kwargs: data[dataset_cfg.name][0])
    monkeypatch.setattr(study, "load_embeddings", fake_embeddings)


def small_run(tmp_path: Path, *overrides: str):
    return config(tmp_path, "smoothness_lift.datasets=[spam,weather]", "smoothness_lift.embeddings=[minilm,random]",
                  "smoothness_lift.seeds=[0,1]", "smoothness_lift.n_bootstrap=20", "smoothness_lift.n_jobs=1",
                  "smoothness_lift.spouse_prompts.pair_fractions={start: 0.01, stop: 0.5, num: 6}",
                  "smoothness_lift.spouse_prompts.radii={start: 0.0, stop: 1.0, num: 6}", *SMALL_GRID, *overrides)


OUTPUTS = [f"{folder}/{stem}.{ext}" for stem in ("smoothness_lift", "spouse_prompts") for folder, ext in
           (("run", "csv"), ("run", "md"), ("run", "png"), ("run", "pdf"), ("tables", "csv"), ("tables", "md"),
            ("figures", "png"), ("figures", "pdf"))] + ["run/smoothness_lift.json"]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """One small run on synthetic data: (folder, config, result)."""
    tmp_path = tmp_path_factory.mktemp("small")
    with pytest.MonkeyPatch.context() as monkeypatch:
        fake_loaders(monkeypatch)
        cfg = small_run(tmp_path)
        return tmp_path, cfg, study.run(cfg, tmp_path / "run")


def test_run_writes_every_file(small):
    tmp_path, _, result = small
    for path in [*OUTPUTS, "run/config_resolved.yaml"]:
        assert (tmp_path / path).is_file(), path
    for stem in ("smoothness_lift", "spouse_prompts"):
        for ext in ("png", "pdf"):
            assert (tmp_path / "figures" / f"{stem}.{ext}").read_bytes() == (tmp_path / "run" / f"{stem}.{ext}").read_bytes()
    rows = {(r["dataset"], r["embedding"]): r for r in result["lift"]}
    assert sorted(rows) == [("spam", "minilm"), ("spam", "random"), ("weather", "minilm"), ("weather", "random")]
    # Each row's lift is its seeds' Liger minus WS-LM scores.
    for row in rows.values():
        per_seed = [row["per_seed"][s] for s in ("0", "1")]
        assert row["lift_per_seed"] == [p["liger"]["test"]["acc"] - p["baseline"]["test"]["acc"] for p in per_seed]
    # The reported rho is scipy's over the rows.
    pooled = result["correlations"][-1]
    assert pooled["dataset"] == "pooled" and pooled["n"] == 4
    expected = spearmanr([r["mean_m_relative"] for r in result["lift"]], [r["lift_mean"] for r in result["lift"]])
    assert pooled["rho_mean_m"] == float(expected.statistic)
    # The no-prompt variant of the prompt study is the lift study's (spouse, minilm) cell.
    variants = {r["variant"]: r for r in result["spouse_prompts"]["rows"]}
    assert sorted(variants) == ["after", "before", "none"]
    assert variants["none"]["prompt"] is None and variants["before"]["prompt"] == BEFORE
    assert len(variants["none"]["curves"]["radius"]["m"]) == 6
    assert result["spouse_prompts"]["examples"]["after"] == "dev text 0 Are P0 and Q0 spouses?"
    md = (tmp_path / "tables" / "smoothness_lift.md").read_text()
    assert "`liger-run experiment=smoothness_lift`" in md.splitlines()[2]
    csv_lines = (tmp_path / "tables" / "smoothness_lift.csv").read_text().splitlines()
    assert len(csv_lines) == 1 + 4 and csv_lines[0].startswith("dataset,metric,embedding,")


def test_figures_are_byte_identical_when_redrawn(small, tmp_path):
    _, _, result = small
    for draw, stem in ((study.draw_lift, "lift"), (study.draw_prompts, "prompts")):
        paths = [save_figure(draw(result), tmp_path / f"{stem}_{k}") for k in (1, 2)]
        for first, second in zip(*paths):
            assert first.read_bytes() == second.read_bytes(), first.name


@pytest.mark.slow
def test_rerun_writes_the_same_bytes(small, monkeypatch):
    tmp_path, cfg, _ = small
    before = {path: (tmp_path / path).read_bytes() for path in OUTPUTS}
    fake_loaders(monkeypatch)
    study.run(cfg, tmp_path / "run")
    for path, data in before.items():
        assert (tmp_path / path).read_bytes() == data, path


def test_bad_settings_are_named(tmp_path):
    with pytest.raises(ValueError, match=r"smoothness_lift.seeds is \[0, 0\]"):
        study.check_seeds([0, 0])
    with pytest.raises(ValueError, match=r"smoothness_lift.share_range is \[0.1, 0.01\]"):
        study.check_share_range([0.1, 0.01])


@pytest.mark.slow
def test_worker_processes_give_the_same_files(small, tmp_path, monkeypatch):
    """n_jobs=2 (spawned workers, which see no monkeypatch: they are handed the data) writes n_jobs=1's bytes."""
    one, _, _ = small
    fake_loaders(monkeypatch)
    study.run(small_run(tmp_path, "smoothness_lift.n_jobs=2"), tmp_path / "run")
    for path in OUTPUTS:
        if path.endswith(".json"):  # its settings hold n_jobs and the output folders
            first, second = (json.loads((root / path).read_text()) for root in (one, tmp_path))
            assert {**first, "settings": None} == {**second, "settings": None}
        else:
            assert (tmp_path / path).read_bytes() == (one / path).read_bytes(), path
