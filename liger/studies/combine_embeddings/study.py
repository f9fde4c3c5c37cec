"""``experiment=combine_embeddings``: Liger over several embeddings at once, against the best single embedding.

    liger-run experiment=combine_embeddings [combine_embeddings.n_jobs=2]

For each dataset in ``combine_embeddings.datasets`` the rows are:

* WS-LM: ``conf/method/<baseline>.yaml`` (the label model alone), class balance chosen on dev;
* Liger on each embedding of ``combine_embeddings.embeddings`` alone (scheme ``single``);
* for each combination in ``combine_embeddings.combinations`` and each scheme in ``combine_embeddings.schemes``
  (``concatenation``, ``extra_sources``, ``agreement``; definitions in ``liger/studies/combine_embeddings/schemes.py`` and
  docs/combine_embeddings.md), Liger on that combination.

Every Liger row runs the run's ``method`` grid (``method.n_partitions`` × ``method.extension_levels``) with
``liger.studies.combine_embeddings.schemes.choose_and_score``: per-part class balances chosen on dev, the configuration chosen by the
``method.cv_folds``-fold cross-validated dev metric (``method.selection``), as ``method=liger`` does; test
labels are only scored. The combined schemes take their k-means parts from the joint embedding
(``liger.studies.combine_embeddings.schemes.concatenate_embeddings`` with ``combine_embeddings.weights``), so within a combination
the schemes differ only in how they extend votes, and share one partition per (parts, seed).

Each embedding is composed once per dataset with the run's ``seed`` (it matters for ``tfidf``); seeds in
``combine_embeddings.seeds`` move the k-means parts and the CV folds. Nearest voting neighbours are
computed once per (dataset, embedding or joint embedding) and shared by all seeds and rows.

"Best single embedding": the single-embedding row with the highest mean test metric (the strongest
single row, so a combination that beats it beats every single one); the table also names the single
embedding with the best cross-validated dev metric, the one a user would have picked. Each row's test
difference to the best single is given paired by seed (mean ± sample std over seeds; the seed moves only
k-means and folds) and as a percentile interval over ``combine_embeddings.n_bootstrap`` resamples of the
test points (the same resamples for every row, drawn with the run's ``seed``; every seed's pair of
predictions scored on each resample, pooled), which is the test-set sampling error the seed std misses.

Writes into the run folder ``combine_embeddings.json`` (every seed's scores and choices, the settings),
``combine_embeddings.{csv,md}`` and ``combine_embeddings.{png,pdf}``; copies the tables to
``combine_embeddings.table_dir`` and the figure to ``combine_embeddings.figure_dir``. Work runs in
``n_jobs`` worker processes (one BLAS/OpenMP thread each); the files do not depend on ``n_jobs``.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from omegaconf import DictConfig, OmegaConf
from threadpoolctl import threadpool_limits

from liger.analysis.lf_summary import format_table
from liger.studies.combine_embeddings.schemes import SCHEMES, SPLITS, choose_and_score, concatenate_embeddings, scheme_votes, voting_neighbours
from liger.harness.config_check import validate_config
from liger.data.dataset import Dataset
from liger.harness.methods import label_model_params
from liger.harness.figures import new_figure
from liger.io import finite_or_none, write_json_atomic, write_text_atomic
from liger.harness.runner import load_dataset, load_embeddings
from liger.studies import common
from liger.studies.common import is_missing, level_label, publish, to_csv, worker_pool

log = logging.getLogger(__name__)
BASELINE = "label_model"
SCHEME_NAMES = {BASELINE: "WS-LM", "single": "single", "concatenation": "concatenation",
                "extra_sources": "extra sources", "agreement": "agreement"}
COMBINED = tuple(s for s in SCHEMES if s != "single")


@dataclass(frozen=True)
class Row:
    """One line of the table: a scheme and the embeddings it uses (none for WS-LM)."""

    scheme: str
    embeddings: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        if self.scheme == BASELINE:
            return "WS-LM"
        return f"{SCHEME_NAMES[self.scheme]}: {'+'.join(self.embeddings)}"


@dataclass(frozen=True)
class Group:
    """Rows that share one partition embedding (so one k-means per (parts, seed)): a single embedding, or a combination."""

    embeddings: tuple[str, ...]
    rows: tuple[Row, ...]


def study_groups(embeddings: list[str], combinations: list[tuple[str, ...]], schemes: list[str]) -> list[Group]:
    """WS-LM, each embedding alone, and each combination under each scheme, in table order."""
    groups = [Group((embeddings[0],), (Row(BASELINE),))]
    groups += [Group((e,), (Row("single", (e,)),)) for e in embeddings]
    groups += [Group(c, tuple(Row(s, c) for s in schemes)) for c in combinations]
    return groups


# --------------------------------------------------------------------------------------- settings


def check_settings(settings: DictConfig) -> tuple[list[str], list[str], list[tuple[str, ...]], list[str], list[int]]:
    """Datasets, embeddings, combinations, schemes and seeds as plain lists; a ValueError names a bad value."""
    datasets = [str(d) for d in settings.datasets]
    embeddings = [str(e) for e in settings.embeddings]
    combinations = [tuple(str(e) for e in c) for c in settings.combinations]
    schemes = [str(s) for s in settings.schemes]
    seeds = list(settings.seeds)
    for name, values in (("datasets", datasets), ("embeddings", embeddings), ("schemes", schemes), ("seeds", seeds)):
        if not values or len(set(values)) != len(values):
            raise ValueError(f"combine_embeddings.{name} is {values}; expected a non-empty list without repeats")
    for scheme in schemes:
        if scheme not in COMBINED:
            raise ValueError(f"combine_embeddings.schemes has {scheme!r}; expected some of {list(COMBINED)}")
    if len(set(combinations)) != len(combinations):
        raise ValueError(f"combine_embeddings.combinations is {combinations}; expected no repeats")
    for combination in combinations:
        if len(combination) < 2 or len(set(combination)) != len(combination) or not set(combination) <= set(embeddings):
            raise ValueError(f"combine_embeddings.combinations has {list(combination)}; expected two or more distinct "
                             f"names from combine_embeddings.embeddings {embeddings}")
    for seed in seeds:
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"combine_embeddings.seeds has {seed!r}; expected integers >= 0")
    return datasets, embeddings, combinations, schemes, [int(s) for s in seeds]


def check_weights(weights, embeddings: list[str]) -> dict[str, float] | None:
    """None (equal weights) or one non-negative weight per embedding name."""
    if weights is None:
        return None
    weights = dict(weights)
    if set(weights) != set(embeddings) or any(isinstance(w, bool) or not isinstance(w, (int, float)) or not w >= 0
                                              for w in weights.values()):
        raise ValueError(f"combine_embeddings.weights is {weights}; expected null (equal) or a non-negative weight "
                         f"for each of {embeddings}")
    return {str(k): float(v) for k, v in weights.items()}


def with_group(root: DictConfig, group: str, name: str) -> DictConfig:
    """A copy of the run config with ``conf/<group>/<name>.yaml`` as ``<group>`` (``common.with_group``)."""
    return common.with_group(root, group, name, named_by=f"combine_embeddings names {group}")


def plan_dataset(cfg: DictConfig, name: str, *, baseline: str, embeddings: list[str], groups: list[Group],
                 schemes: list[str], weights: dict | None, selection: str, cv_folds: int, progress: bool):
    """Dataset ``name`` loaded, Liger's fit settings on it, and its jobs: (cost, group, rows, partition embedding,
    fit settings) per group, each row with the neighbours of the embeddings it extends with."""
    root = with_group(cfg, "dataset", name)
    validate_config(root)
    dataset = load_dataset(root.dataset, progress=progress)
    if dataset.n_classes != 2:
        raise ValueError(f"combine_embeddings.datasets has {name!r} with {dataset.n_classes} classes; expected binary")
    liger = fit_settings(root.method, selection=selection, cv_folds=cv_folds)
    baseline_fit = fit_settings(with_group(root, "method", baseline).method, selection=selection, cv_folds=cv_folds)
    E = {e: load_embeddings(with_group(root, "embedding", e).embedding, dataset, cache_dir=cfg.get("cache_dir"),
                            progress=progress) for e in embeddings}
    neighbours = {(e,): voting_neighbours(dataset, E[e]) for e in embeddings}
    jobs = []
    for group in groups:
        if len(group.embeddings) == 1:
            E_partition = E[group.embeddings[0]]
        else:
            w = None if weights is None else [weights[e] for e in group.embeddings]
            E_partition = {s: concatenate_embeddings([E[e][s] for e in group.embeddings], weights=w) for s in SPLITS}
            if "concatenation" in schemes:
                neighbours[group.embeddings] = voting_neighbours(dataset, E_partition)
        rows = []
        for row in group.rows:
            if row.scheme == BASELINE:
                rows.append((row, []))
            elif row.scheme in ("single", "concatenation"):
                rows.append((row, [neighbours[row.embeddings]]))
            else:
                rows.append((row, [neighbours[(e,)] for e in row.embeddings]))
        fit = baseline_fit if group.rows[0].scheme == BASELINE else liger
        # Cost grows with train size, grid size and the label matrix's width.
        cost = len(dataset["train"]) * len(fit["levels"]) * sum(len(r[1]) if r[0].scheme == "extra_sources" else 1
                                                              for r in rows)
        jobs.append((cost, group, rows, E_partition, fit))
    return dataset, liger, jobs


def fit_settings(method: DictConfig, *, selection: str, cv_folds: int) -> dict:
    """``choose_and_score``'s keyword arguments from a method config (its grid, label model and part size)."""
    if method.get("kind") != "liger":
        raise ValueError(f"method {method.get('name')!r} has kind {method.get('kind')!r}; "
                         "experiment=combine_embeddings fits Liger (kind: liger)")
    return {
        "parts": [int(s) for s in method.get("n_partitions", [1])],
        "levels": [None if q is None else float(q) for q in method.get("extension_levels", [None])],
        "label_model": str(method.get("label_model", "triplet")),
        "label_model_params": label_model_params(method),
        "min_part_size": int(method.get("min_part_size", 20)),
        "selection": selection,
        "cv_folds": cv_folds,
    }


# ------------------------------------------------------------------------------------------- fitting


def score_group(
    dataset: Dataset,
    rows: list[tuple[Row, list[dict]]],
    E_partition: dict[str, np.ndarray],
    *,
    seeds: list[int],
    settings: dict,
) -> dict[str, list[dict]]:
    """Each row's ``choose_and_score`` result per seed; rows are (row, neighbours of each embedding it extends with).

    One BLAS/OpenMP thread: the study runs one such call per core, and k-means' threads otherwise fight.
    """
    settings = dict(settings)
    levels = settings.pop("levels")
    L = {split: dataset[split].L for split in SPLITS}
    out = {}
    with threadpool_limits(limits=1):
        for row, neighbours in rows:
            scheme = "single" if row.scheme == BASELINE else row.scheme
            # Votes do not depend on the seed: extended once per level, shared by every seed.
            votes = {level: scheme_votes(scheme, L, neighbours, level) if neighbours else L for level in levels}
            out[row.name] = []
            for seed in seeds:
                result = choose_and_score(dataset, votes, E_partition, seed=seed, **settings)
                out[row.name].append({"seed": seed, **result})
    return out


# ------------------------------------------------------------------------------------------ summary


def summarise(dataset_name: str, metric: str, groups: list[Group], scores: dict[str, list[dict]], *,
              y_test: np.ndarray, bootstrap: np.ndarray) -> dict:
    """Per row: mean and sample std over seeds; the best single embedding and every row's difference to it.

    The difference is paired by seed (mean ± std over seeds) and, for test-set sampling, bootstrapped over
    test points: the same resamples ``bootstrap`` (B, n_test) for every row, each seed's pair of
    predictions scored on each, pooled over seeds; its 2.5 and 97.5 percentiles and the share <= 0.
    """
    rows = []
    for group in groups:
        for row in group.rows:
            per_seed = scores[row.name]
            entry = {"dataset": dataset_name, "metric": metric, "row": row.name, "scheme": row.scheme,
                     "embeddings": "+".join(row.embeddings), "n_sources": per_seed[0]["n_sources"],
                     "n_seeds": len(per_seed)}
            for key in ("test", "dev", "dev_cv", "test_coverage"):
                values = [r[key] for r in per_seed]
                entry[f"{key}_mean"], entry[f"{key}_std"] = _mean_std(values)
            entry["choices"] = "; ".join(f"s{r['n_partitions']} {level_label(r['extension_level'])}" for r in per_seed)
            rows.append(entry)
    singles = [r for r in rows if r["scheme"] == "single"]
    best = max(singles, key=lambda r: r["test_mean"])  # ties keep the first listed
    picked = max(singles, key=lambda r: r["dev_cv_mean"] if r["dev_cv_mean"] is not None else r["dev_mean"])
    reference = scores[best["row"]]
    for entry in rows:
        # Paired by seed: both rows' k-means parts and CV folds use that seed.
        differences = [a["test"] - b["test"] for a, b in zip(scores[entry["row"]], reference)]
        entry["delta_test_mean"], entry["delta_test_std"] = _mean_std(differences)
        if entry["row"] == best["row"]:
            entry["delta_boot_low"] = entry["delta_boot_high"] = entry["delta_boot_not_above"] = None
            continue
        pooled = np.concatenate([paired_bootstrap(y_test, a["test_predictions"], b["test_predictions"], metric, bootstrap)
                                 for a, b in zip(scores[entry["row"]], reference)])
        entry["delta_boot_low"], entry["delta_boot_high"] = (float(v) for v in np.percentile(pooled, [2.5, 97.5]))
        entry["delta_boot_not_above"] = float(np.mean(pooled <= 0))
    combined = [r for r in rows if r["scheme"] in COMBINED]
    return {
        "dataset": dataset_name,
        "metric": metric,
        "rows": rows,
        "best_single": best["row"],
        "dev_picked_single": picked["row"],
        "best_combination": max(combined, key=lambda r: r["test_mean"])["row"] if combined else None,
        "combinations_beating_best_single": [r["row"] for r in combined if r["test_mean"] > best["test_mean"]],
    }


def _mean_std(values) -> tuple[float | None, float | None]:
    if any(v is None for v in values):
        return None, None
    values = np.asarray(values, dtype=np.float64)
    return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else math.nan


def paired_bootstrap(y: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray, metric: str, indices: np.ndarray) -> np.ndarray:
    """(B,) metric of ``pred_a`` minus metric of ``pred_b`` on each resample ``indices[b]`` (B, n) of the rows.

    Binary labels; F1 is the positive class's, 2 tp / (true + predicted positives), 0 when both are 0.
    """
    y, a, b = (np.asarray(v)[indices] for v in (y, pred_a, pred_b))
    if metric == "accuracy":
        return (a == y).mean(axis=1) - (b == y).mean(axis=1)
    if metric != "f1":
        raise ValueError(f"metric is {metric!r}; expected 'accuracy' or 'f1'")
    positives = (y == 1).sum(axis=1)

    def f1(pred):
        true_positive = ((y == 1) & (pred == 1)).sum(axis=1)
        denominator = (positives + (pred == 1).sum(axis=1)).astype(np.float64)
        return np.where(denominator == 0, 0.0, 2.0 * true_positive / np.maximum(denominator, 1.0))

    return f1(a) - f1(b)


# ------------------------------------------------------------------------------------------ outputs

CSV_COLUMNS = ("dataset", "metric", "row", "scheme", "embeddings", "n_sources", "n_seeds", "test_mean", "test_std",
               "dev_cv_mean", "dev_cv_std", "dev_mean", "dev_std", "test_coverage_mean", "delta_test_mean",
               "delta_test_std", "delta_boot_low", "delta_boot_high", "delta_boot_not_above", "choices")


def _points(mean, std=None) -> str:
    if is_missing(mean):
        return "–"
    return f"{100 * mean:.1f}" + ("" if is_missing(std) else f" ± {100 * std:.1f}")


def _signed(mean, std=None) -> str:
    if is_missing(mean):
        return "–"
    return f"{100 * mean:+.1f}" + ("" if is_missing(std) else f" ± {100 * std:.1f}")


def verdict(summary: dict) -> str:
    """One paragraph: does any combination beat the best single embedding on test, and by how much."""
    rows = {r["row"]: r for r in summary["rows"]}
    best = rows[summary["best_single"]]
    name = "F1" if summary["metric"] == "f1" else summary["metric"]
    text = (f"**{summary['dataset']}** (test {name}): the best single embedding is {best['embeddings']} "
            f"({_points(best['test_mean'], best['test_std'])}); on dev (cross-validated) one would have picked "
            f"{rows[summary['dev_picked_single']]['embeddings']}. ")
    winners = [rows[n] for n in summary["combinations_beating_best_single"]]
    if not winners:
        top = rows[summary["best_combination"]] if summary["best_combination"] else None
        text += "No combination beats it on mean test metric"
        if top is not None:
            text += (f"; the best combination, {top['row']}, is {_signed(top['delta_test_mean'])} points "
                     f"({_points(top['test_mean'], top['test_std'])}; test bootstrap 95% [{_signed(top['delta_boot_low'])}, "
                     f"{_signed(top['delta_boot_high'])}])")
        return text + "."
    parts = []
    for r in sorted(winners, key=lambda r: -r["test_mean"]):
        std = r["delta_test_std"]
        ratio = "" if is_missing(std) or std == 0 else f" = {r['delta_test_mean'] / std:.1f}× that std"
        parts.append(f"{r['row']} by {_signed(r['delta_test_mean'])} points (per-seed differences ± "
                     f"{100 * std:.1f}{ratio}; test bootstrap 95% [{_signed(r['delta_boot_low'])}, "
                     f"{_signed(r['delta_boot_high'])}], {100 * r['delta_boot_not_above']:.0f}% of resamples ≤ 0)")
    return (text + f"{len(winners)} of {sum(r['scheme'] in COMBINED for r in summary['rows'])} combinations beat it on mean test "
            f"metric (seed std of the best single: {100 * best['test_std']:.1f}):\n\n"
            + "\n".join(f"* {p}" for p in parts))


def tables(result: dict) -> tuple[str, str]:
    """The CSV (source of truth) and the Markdown rendered from the same rows."""
    all_rows = [r for summary in result["datasets"] for r in summary["rows"]]
    settings = result["settings"]
    grid = result["grid"]
    sections = []
    for summary in result["datasets"]:
        name = "F1" if summary["metric"] == "f1" else summary["metric"]
        shown = [{
            "row": r["row"], "sources": r["n_sources"],
            f"test {name}": _points(r["test_mean"], r["test_std"]),
            "dev (CV)": _points(r["dev_cv_mean"], r["dev_cv_std"]),
            "dev (in-sample)": _points(r["dev_mean"], r["dev_std"]),
            "test coverage": _points(r["test_coverage_mean"]),
            "Δ test vs best single": "–" if r["row"] == summary["best_single"] else _signed(r["delta_test_mean"], r["delta_test_std"]),
            "Δ bootstrap 95%": "–" if r["row"] == summary["best_single"] else
            f"[{_signed(r['delta_boot_low'])}, {_signed(r['delta_boot_high'])}]",
            "choices (parts, share extended) per seed": r["choices"],
        } for r in summary["rows"]]
        sections.append(f"## {summary['dataset']} ({name})\n\n" + format_table(shown, list(shown[0])))
    markdown = (
        "# Combining embeddings: Liger over several embeddings at once\n\n"
        "Made by (embedding caches warm):\n\n"
        "```bash\nliger-run experiment=combine_embeddings\n```\n\n"
        "conf/experiment/combine_embeddings.yaml; definitions in docs/combine_embeddings.md and liger/studies/combine_embeddings/schemes.py.\n"
        "Figure: results/figures/combine_embeddings.{png,pdf}.\n\n"
        f"Points (×100), mean ± sample std over seeds {settings['seeds']} (the seed moves k-means parts and CV folds).\n"
        f"Every Liger row: parts s ∈ {grid['parts']} × share of abstains extended ∈ "
        f"[{', '.join(level_label(q) for q in grid['levels'])}] (extension level\n"
        f"q = 1 − share), per-part class balances chosen on dev, the configuration chosen by {grid['cv_folds']}-fold\n"
        "cross-validated dev metric (\"dev (CV)\"; \"dev (in-sample)\" = dev with balances fit on all of dev). Test labels\n"
        f"are only scored. Combined rows take their parts from the joint embedding (weights: "
        f"{'equal' if settings.get('weights') is None else settings['weights']}). Δ: the row's test metric minus the best\n"
        "single embedding's, paired by seed, mean ± std over seeds (the seed std covers k-means and folds only, not\n"
        f"test-set sampling); \"Δ bootstrap 95%\": percentiles of the same difference over {settings['n_bootstrap']} resamples of the\n"
        "test points (the same resamples for every row), pooled over seeds. \"sources\": label-matrix columns the label model sees.\n\n"
        "## Verdict\n\n" + "\n\n".join(verdict(s) for s in result["datasets"]) + "\n\n" + "\n".join(sections)
    )
    return to_csv(all_rows, CSV_COLUMNS), markdown


SCHEME_STYLE = {BASELINE: ("0.4", "s"), "single": ("C0", "o"), "concatenation": ("C1", "D"),
                "extra_sources": ("C2", "^"), "agreement": ("C3", "v")}


def draw(result: dict):
    """Per dataset: test metric (filled, ± std) and cross-validated dev metric (open) of every row, mean over seeds.

    The axis spans the Liger rows; WS-LM, far below them on sms, is written at the left edge when off the axis.
    """
    summaries = result["datasets"]
    n_rows = max(len(s["rows"]) for s in summaries)
    fig = new_figure(figsize=(6.0 * len(summaries), 0.32 * n_rows + 1.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(summaries)))
    for ax, summary in zip(axes, summaries):
        rows = summary["rows"]
        y = np.arange(len(rows))[::-1]
        liger = [r for r in rows if r["scheme"] != BASELINE]
        low = min(100 * (r["test_mean"] - (0.0 if is_missing(r["test_std"]) else r["test_std"])) for r in liger)
        high = max(max(100 * (r["test_mean"] + (0.0 if is_missing(r["test_std"]) else r["test_std"])),
                       -math.inf if is_missing(r["dev_cv_mean"]) else 100 * r["dev_cv_mean"]) for r in liger)
        margin = 0.05 * (high - low) + 0.5
        low, high = low - margin, high + margin
        best = next(r for r in rows if r["row"] == summary["best_single"])
        ax.axvline(100 * best["test_mean"], color="C0", ls="--", lw=1, label="best single (test)")
        for yi, r in zip(y, rows):
            colour, marker = SCHEME_STYLE[r["scheme"]]
            if not low <= 100 * r["test_mean"] <= high:
                ax.text(low, yi, f"  test {_points(r['test_mean'], r['test_std'])}, dev CV {_points(r['dev_cv_mean'])}"
                        " (off the axis)", va="center", fontsize=7, color=colour)
                continue
            std = 0.0 if is_missing(r["test_std"]) else 100 * r["test_std"]
            ax.errorbar(100 * r["test_mean"], yi, xerr=std, fmt=marker, color=colour, ms=5, capsize=2)
            if not is_missing(r["dev_cv_mean"]):
                ax.plot(100 * r["dev_cv_mean"], yi, marker, mfc="none", color=colour, ms=5, alpha=0.7)
        ax.set_xlim(low, high)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_yticks(y, [r["row"] for r in rows], fontsize=7)
        name = "F1" if summary["metric"] == "f1" else summary["metric"]
        ax.set(xlabel=f"{name} (points)", title=f"{summary['dataset']}: test (filled, ± std), dev CV (open)")
        ax.grid(alpha=0.3, axis="x")
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(f"Liger over combined embeddings; mean over seeds {result['settings']['seeds']}")
    return fig


# ---------------------------------------------------------------------------------------------- run


def run(cfg: DictConfig, output_dir: str | Path) -> dict:
    """Fit every row on every dataset and seed, write the tables and the figure; see the module docstring."""
    started = time.perf_counter()
    validate_config(cfg)
    if cfg.protocol.tune_on != "dev":
        raise ValueError(f"protocol.tune_on is {cfg.protocol.tune_on!r}; experiment=combine_embeddings chooses on dev only")
    settings = cfg.combine_embeddings
    datasets, embeddings, combinations, schemes, seeds = check_settings(settings)
    n_jobs = int(settings.n_jobs)
    if n_jobs < 1:
        raise ValueError(f"combine_embeddings.n_jobs is {n_jobs}; expected an integer >= 1 (1 = no worker processes)")
    weights = check_weights(settings.get("weights"), embeddings)
    n_bootstrap = int(settings.n_bootstrap)
    if n_bootstrap < 1:
        raise ValueError(f"combine_embeddings.n_bootstrap is {n_bootstrap}; expected an integer >= 1")
    output_dir = Path(output_dir)
    progress = bool(cfg.get("progress", True))
    write_text_atomic(output_dir / "config_resolved.yaml", OmegaConf.to_yaml(cfg, resolve=True))
    selection, cv_folds = str(cfg.method.get("selection", "dev")), int(cfg.method.get("cv_folds", 5))
    groups = study_groups(embeddings, combinations, schemes)

    loaded, grids, jobs = {}, {}, []
    for name in datasets:
        loaded[name], grids[name], dataset_jobs = plan_dataset(
            cfg, name, baseline=str(settings.baseline), embeddings=embeddings, groups=groups, schemes=schemes,
            weights=weights, selection=selection, cv_folds=cv_folds, progress=progress)
        jobs += [(cost, name, *job) for cost, *job in dataset_jobs]
    scores = {name: {} for name in datasets}
    with worker_pool(n_jobs) as executor:
        # The longest first, so the workers finish together.
        futures = {(name, group): executor.submit(score_group, loaded[name], rows, E_partition, seeds=seeds, settings=fit)
                   for _, name, group, rows, E_partition, fit in sorted(jobs, key=lambda j: -j[0])}
        for (name, group), future in futures.items():
            scores[name].update(future.result())
            log.info("%s: %s done", name, ", ".join(r.name for r in group.rows))

    summaries = []
    for name in datasets:
        y_test = loaded[name]["test"].y
        # One set of resamples per dataset, shared by every row: the differences are paired.
        bootstrap = np.random.RandomState(int(cfg.seed)).randint(len(y_test), size=(n_bootstrap, len(y_test)))
        summaries.append(summarise(name, loaded[name].metric, groups, scores[name], y_test=y_test, bootstrap=bootstrap))
    first = grids[datasets[0]]
    result = {
        "settings": OmegaConf.to_container(settings, resolve=True),
        "grid": {"parts": first["parts"], "levels": first["levels"], "selection": selection, "cv_folds": cv_folds,
                 "label_model": first["label_model"], "label_model_params": first["label_model_params"]},
        "datasets": summaries,
        "per_seed": {name: {row: [{k: v for k, v in r.items() if k not in ("tried", "test_predictions")} for r in results]
                            for row, results in scores[name].items()} for name in datasets},
    }
    write_json_atomic(output_dir / "combine_embeddings.json", finite_or_none(result))
    table_csv, table_md = tables(result)
    publish(output_dir, texts={"combine_embeddings.csv": table_csv, "combine_embeddings.md": table_md},
            results_dir=settings.table_dir, figures={"combine_embeddings": draw(result)}, figure_dir=settings.figure_dir)
    print("\n" + table_md)
    # Wall time varies between runs: kept out of the result files.
    write_json_atomic(output_dir / "timings.json", {"wall_s": round(time.perf_counter() - started, 1), "n_jobs": n_jobs})
    return result
