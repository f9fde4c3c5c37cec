"""``experiment=bias_variance``: Liger over a grid of parts s and extension levels, with the bounds' ingredients.

    liger-run experiment=bias_variance [dataset=sms] [embedding=wordllama] [bias_variance.seeds=[0,1,2,3,4]]

Grid: s in ``bias_variance.parts`` (k-means parts of the train embeddings, one ``KMeansPartition`` per
(s, seed) with ``random_state=seed``) × level q in ``bias_variance.levels`` (null there means
``liger.method.tuning.EXTENSION_LEVELS``; a level None is no extension, and level q gives LF i the threshold
r_i(q) = the q-quantile of its nearest-voting-neighbour similarity over the train points where it
abstains, ``quantile_thresholds``, the scheme ``method=liger`` searches) × ``bias_variance.seeds``.
Every cell fits ``Liger`` with the run's label model (``method.label_model``) and chooses each part's
class balance on dev (``LigerCV``, which scores every level of one (s, seed) at once); nearest voting neighbours (train as support) are computed once per split.

Per cell, in the dataset's metric:

* ``dev``: dev, with the balances chosen on dev itself (in sample: optimistic, and more so the more
  parts there are, since each part's balance is then fit to fewer dev points);
* ``dev_cv``: out-of-fold dev, each fold's balances chosen on the other folds (``cv_folds`` stratified
  folds seeded by the seed; ``liger.method.tuning.cross_validated_metric``). The figures' dev curves;
* ``test``: test, with the balances chosen on all of dev.

The seed moves only the partition and the folds: with s = 1 the test metric is the same for every seed.

Ingredients of the bounds:

* per (s, seed): ``part_radius_max`` = mean over parts of the largest cosine distance 1 - cos(e, c)
  between a part's train points e and its k-means centre c (a proxy for the part's diameter, which is
  at most about twice it); ``part_radius_p95`` = the same with each part's 95th percentile (linear
  interpolation) instead of its largest; train points per part (mean, min); parts under
  ``method.min_part_size``, which fall back to the label model fit on all of train.
* per level and LF: threshold r_i and radius ρ_i = 1 - r_i; ``p_train`` = coverage gained, the share of
  train points where LF i abstains and its extension votes; accuracy on the labeled points (dev + test
  gold) ``theta_before`` (its own votes), ``theta_after`` (every point it covers after extension) and
  ``theta_new`` (newly covered points only); ``m_at_radius`` = M̂(ρ_i) on the labeled points
  (``liger.analysis.smoothness``). A level's ``mean_threshold`` is the mean of r_i over LFs.

Irreducible error H(Y | votes) with and without extension: ``liger/studies/bias_variance/irreducible.py``.

Writes into the run folder ``bias_variance.json`` (everything, and the settings), ``cells.csv`` (one row
per cell) and the figures; into ``bias_variance.results_dir`` ``bias_variance_<dataset>_<embedding>.csv``
(mean and sample std over seeds per (s, level)), ``bias_variance_lfs_<...>.csv`` (per level and LF) and
``irreducible_<...>.csv``; into ``bias_variance.figure_dir`` ``bias_variance_<...>_{parts,levels,heatmap,
ingredients}`` and ``irreducible_<...>``, PNG and PDF. A fixed seed list reproduces every byte.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path

import numpy as np
from matplotlib.patches import Rectangle
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from liger.analysis.lf_summary import format_table
from liger.harness.config_check import validate_config
from liger.data.dataset import Dataset
from liger.harness.methods import label_model_params
from liger.method.extension import NeighbourVotes
from liger.harness.figures import new_figure
from liger.io import finite_or_none, write_json_atomic, write_text_atomic
from liger.labels import ABSTAIN
from liger.method.liger_cv import LigerCV
from liger.metrics import metric_value
from liger.method.partition import KMeansPartition
from liger.harness.runner import load_dataset, load_embeddings
from liger.analysis.smoothness import unit_rows
from liger.studies.common import level_label, publish, to_csv, voting_neighbours
from liger.studies.bias_variance.irreducible import draw_irreducible, irreducible_study, lf_accuracy, smoothness_at
from liger.method.tuning import EXTENSION_LEVELS, quantile_thresholds

log = logging.getLogger(__name__)
SPLITS = ("train", "dev", "test")
LABELED = ("dev", "test")
SCORES = ("dev", "dev_cv", "test")


# ------------------------------------------------------------------------------------------- grid


def part_geometry(E_train: np.ndarray, partition: KMeansPartition) -> dict:
    """Per part: train points, and the largest and 95th-percentile cosine distance to the part's centre.

    Means are over the non-empty parts; see the module docstring.
    """
    U = unit_rows(E_train)
    centres = unit_rows(partition.centres_)
    parts = partition.train_parts_
    distance = 1.0 - np.einsum("ij,ij->i", U, centres[parts])
    sizes = np.bincount(parts, minlength=partition.n_parts)
    radius_max, radius_p95 = [], []
    for part in np.flatnonzero(sizes):
        inside = distance[parts == part]
        radius_max.append(float(inside.max()))
        radius_p95.append(float(np.percentile(inside, 95)))
    return {
        "part_sizes": [int(n) for n in sizes],
        "part_radius_max_per_part": radius_max,
        "part_radius_max": float(np.mean(radius_max)),
        "part_radius_p95": float(np.mean(radius_p95)),
        "part_size_mean": float(sizes.mean()),
        "part_size_min": int(sizes.min()),
    }


def level_ingredients(
    level: float | None, neighbours: dict[str, NeighbourVotes], dataset: Dataset, E_labeled: np.ndarray
) -> dict:
    """Thresholds, coverage gained and accuracies of every LF at one level; see the module docstring."""
    m = dataset.n_lfs
    L_train = dataset["train"].L
    L_lab = np.concatenate([dataset[s].L for s in LABELED])
    y_lab = np.concatenate([dataset[s].y for s in LABELED])
    if level is None:
        thresholds = None
        ext_train, ext_lab = L_train, L_lab
        smoothness, n_pairs = np.full(m, np.nan), np.zeros(m, dtype=np.int64)
    else:
        thresholds = quantile_thresholds(neighbours["train"], level)
        ext_train = neighbours["train"].extend(L_train, thresholds)
        ext_lab = np.concatenate([neighbours[s].extend(dataset[s].L, thresholds) for s in LABELED])
        smoothness, n_pairs = smoothness_at(E_labeled, y_lab, 1.0 - thresholds)
    new_lab = (L_lab == ABSTAIN) & (ext_lab != ABSTAIN)
    return {
        "level": level,
        "share_extended": 0.0 if level is None else 1.0 - level,
        "thresholds": None if thresholds is None else [float(t) for t in thresholds],
        "mean_threshold": math.nan if thresholds is None else float(thresholds.mean()),
        "p_train": [float(p) for p in ((L_train == ABSTAIN) & (ext_train != ABSTAIN)).mean(axis=0)],
        "theta_before": [float(t) for t in lf_accuracy(L_lab, y_lab)],
        "theta_after": [float(t) for t in lf_accuracy(ext_lab, y_lab)],
        "theta_new": [float(t) for t in lf_accuracy(ext_lab, y_lab, rows=new_lab)],
        "m_at_radius": [float(v) for v in smoothness],
        "n_pairs_within_radius": [int(n) for n in n_pairs],
    }


def sweep(
    dataset: Dataset,
    embeddings: dict[str, np.ndarray],
    *,
    parts: list[int],
    levels: list[float | None],
    seeds: list[int],
    label_model: str = "triplet",
    label_model_params: dict | None = None,
    min_part_size: int = 20,
    cv_folds: int = 5,
    neighbours: dict[str, NeighbourVotes] | None = None,
    progress: bool = False,
) -> dict:
    """Every cell of parts × levels × seeds, the partitions' geometry and the levels' ingredients.

    ``neighbours`` reuses ``voting_neighbours(dataset, embeddings)``.
    """
    parts, levels, seeds = check_grid(parts, levels, seeds, n_train=len(dataset["train"]))
    train, dev, test = (dataset[s] for s in SPLITS)
    neighbours = voting_neighbours(dataset, embeddings) if neighbours is None else neighbours
    E_labeled = np.concatenate([embeddings[s] for s in LABELED])
    level_rows = [level_ingredients(level, neighbours, dataset, E_labeled) for level in levels]
    score = lambda y, predicted: metric_value(dataset.metric, y, predicted, n_classes=dataset.n_classes)  # noqa: E731
    cells, partitions = [], []
    bar = tqdm(total=len(parts) * len(seeds), desc=f"bias-variance grid on {dataset.name}", disable=not progress)
    for n_parts in parts:
        for seed in seeds:
            # Every level at this s and seed, each scored on dev in sample and by CV (folds seeded by the seed).
            search = LigerCV([n_parts], levels, label_model=label_model, label_model_params=label_model_params,
                             min_part_size=min_part_size, metric=dataset.metric, n_classes=dataset.n_classes,
                             cv=cv_folds, random_state=seed)
            search.fit(train.L, embeddings["train"], L_dev=dev.L, E_dev=embeddings["dev"], y_dev=dev.y,
                       groups=dev.groups, neighbours_train=neighbours["train"], neighbours_dev=neighbours["dev"])
            geometry = part_geometry(embeddings["train"], search.grid_[0][1].partition_)
            geometry.update(n_parts=n_parts, seed=seed,
                            parts_below_min_size=int(sum(n < min_part_size for n in geometry["part_sizes"])))
            partitions.append(geometry)
            results = search.cv_results_
            for (params, fitted), model, dev_score, dev_cv in zip(search.grid_, search.estimators_,
                                                                   results["in_sample_score"], results["cv_score"]):
                cells.append({
                    "n_parts": n_parts, "level": params["extension_level"], "seed": seed,
                    "dev": dev_score,
                    "dev_cv": dev_cv,
                    "test": score(test.y, model.predict(test.L, embeddings["test"], neighbours=neighbours["test"])),
                    "train_coverage": float((model.extended_votes(train.L, embeddings["train"], neighbours["train"])
                                             != ABSTAIN).any(axis=1).mean()),
                    "fallbacks": len(fitted.fallbacks_),
                })
            bar.update()
    bar.close()
    return {"metric": dataset.metric, "cells": cells, "partitions": partitions, "levels": level_rows,
            "lf_names": list(dataset.lf_names)}


def check_grid(parts, levels, seeds, *, n_train: int) -> tuple[list[int], list[float | None], list[int]]:
    """Plain lists, or a ValueError naming the bad value."""
    parts, seeds = list(parts), list(seeds)
    levels = list(EXTENSION_LEVELS if levels is None else levels)
    for name, values in (("parts", parts), ("levels", levels), ("seeds", seeds)):
        if not values or len(set(values)) != len(values):
            raise ValueError(f"bias_variance.{name} is {values}; expected a non-empty list without repeats")
    for s in parts:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool) or not 1 <= s <= n_train:
            raise ValueError(f"bias_variance.parts has {s!r}; expected integers in 1..{n_train} (train points)")
    for level in levels:
        if level is not None and not (isinstance(level, (int, float)) and not isinstance(level, bool) and 0 <= level <= 1):
            raise ValueError(f"bias_variance.levels has {level!r}; expected null (no extension) or a quantile in [0, 1]")
    for seed in seeds:
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"bias_variance.seeds has {seed!r}; expected integers >= 0")
    return [int(s) for s in parts], [None if q is None else float(q) for q in levels], [int(s) for s in seeds]


# ------------------------------------------------------------------------------------- summaries


def summarise(grid: dict) -> list[dict]:
    """One row per (s, level): mean and sample std over seeds of the scores, with the ingredients."""
    levels = [row["level"] for row in grid["levels"]]
    parts = list(dict.fromkeys(cell["n_parts"] for cell in grid["cells"]))
    rows = []
    for n_parts in parts:
        geometry = [p for p in grid["partitions"] if p["n_parts"] == n_parts]
        for level, ingredients in zip(levels, grid["levels"]):
            cells = [c for c in grid["cells"] if c["n_parts"] == n_parts and c["level"] == level]
            row = {"n_parts": n_parts, "level": level, "share_extended": ingredients["share_extended"],
                   "mean_threshold": ingredients["mean_threshold"], "n_seeds": len(cells)}
            for key in SCORES:
                values = np.array([c[key] for c in cells])
                row[f"{key}_mean"] = float(values.mean())
                row[f"{key}_std"] = float(values.std(ddof=1)) if len(values) > 1 else math.nan
            row["train_coverage"] = float(np.mean([c["train_coverage"] for c in cells]))
            for key in ("part_radius_max", "part_radius_p95", "part_size_mean", "part_size_min", "parts_below_min_size"):
                row[key] = float(np.mean([g[key] for g in geometry]))
            for key in ("p_train", "theta_after", "theta_new", "m_at_radius"):
                row[f"mean_{key}"] = _nanmean(ingredients[key])
            rows.append(row)
    return rows


def shape_of(summary: list[dict], key: str = "test_mean") -> dict:
    """Where the best s lies for each level and the best level for each s (interior = neither end of the grid)."""
    parts = list(dict.fromkeys(r["n_parts"] for r in summary))
    levels = list(dict.fromkeys(r["level"] for r in summary))
    value = {(r["n_parts"], r["level"]): r[key] for r in summary}
    # Ties go to the first (fewest parts, least extension), as the harness's selection does.
    best_s = {_level_key(q): parts[int(np.argmax([value[s, q] for s in parts]))] for q in levels}
    best_q = {str(s): _level_key(levels[int(np.argmax([value[s, q] for q in levels]))]) for s in parts}
    overall = max(summary, key=lambda r: r[key])
    return {
        "best_parts_per_level": best_s,
        "interior_best_parts": {q: s not in (parts[0], parts[-1]) for q, s in best_s.items()},
        "best_level_per_parts": best_q,
        "interior_best_level": {s: q not in (_level_key(levels[0]), _level_key(levels[-1])) for s, q in best_q.items()},
        "best_cell": {"n_parts": overall["n_parts"], "level": overall["level"], key: overall[key]},
    }


def _level_key(level: float | None) -> str:
    """A level as a JSON key: "none", or "q=0.95" (the share left abstained)."""
    return "none" if level is None else f"q={level:g}"


def _nanmean(values) -> float:
    values = np.asarray(values, dtype=float)
    return float(values[np.isfinite(values)].mean()) if np.isfinite(values).any() else math.nan


def lf_rows(grid: dict, irreducible: dict) -> list[dict]:
    """One row per (level, LF): the grid's ingredients and, for extended levels, the irreducible study's."""
    measured = {(e["level"], e["lf"]): e for e in irreducible["per_lf"]}
    rows = []
    for ingredients in grid["levels"]:
        for lf, name in enumerate(grid["lf_names"]):
            row = {"level": ingredients["level"], "share_extended": ingredients["share_extended"], "lf": name,
                   "threshold": math.nan if ingredients["thresholds"] is None else ingredients["thresholds"][lf]}
            for key in ("p_train", "theta_before", "theta_after", "theta_new", "m_at_radius", "n_pairs_within_radius"):
                row[key] = ingredients[key][lf]
            entry = measured.get((ingredients["level"], name), {})
            for key in ("p_labeled", "g", "delta_h_none", "delta_h_miller_madow"):
                row[key] = entry.get(key, math.nan)
            rows.append(row)
    return rows


# ------------------------------------------------------------------------------------------ run


def run(cfg: DictConfig, output_dir: str | Path) -> dict:
    """Run the grid and the irreducible-error study, write tables and figures; see the module docstring."""
    validate_config(cfg)
    if cfg.method.kind != "liger":
        raise ValueError(f"method.kind is {cfg.method.kind!r}; experiment=bias_variance sweeps Liger (method=liger)")
    settings = cfg.bias_variance
    output_dir = Path(output_dir)
    progress = bool(cfg.get("progress", True))
    write_text_atomic(output_dir / "config_resolved.yaml", OmegaConf.to_yaml(cfg, resolve=True))
    started = time.perf_counter()
    dataset = load_dataset(cfg.dataset, progress=progress)
    embeddings = load_embeddings(cfg.embedding, dataset, cache_dir=cfg.get("cache_dir"), progress=progress)
    levels = None if settings.levels is None else OmegaConf.to_container(settings.levels)
    label_model = cfg.method.get("label_model", "triplet")
    neighbours = voting_neighbours(dataset, embeddings)
    grid = sweep(
        dataset, embeddings, parts=OmegaConf.to_container(settings.parts), levels=levels,
        seeds=OmegaConf.to_container(settings.seeds), label_model=label_model,
        label_model_params=label_model_params(cfg.method), min_part_size=int(cfg.method.get("min_part_size", 20)),
        cv_folds=int(settings.cv_folds), neighbours=neighbours, progress=progress,
    )
    labeled_neighbours = NeighbourVotes(*(np.concatenate([getattr(neighbours[s], f) for s in LABELED])
                                          for f in ("label", "similarity")))
    irreducible = irreducible_study(
        np.concatenate([dataset[s].L for s in LABELED]), np.concatenate([embeddings[s] for s in LABELED]),
        np.concatenate([dataset[s].y for s in LABELED]), labeled_neighbours, neighbours["train"],
        [row["level"] for row in grid["levels"]], list(dataset.lf_names),
    )
    summary = summarise(grid)
    embedding = str(cfg.embedding.name)
    result = {
        "dataset": dataset.name,
        "embedding": embedding,
        "metric": dataset.metric,
        "label_model": label_model,
        "settings": OmegaConf.to_container(settings, resolve=True),
        "grid": grid,
        "summary": summary,
        "shape_test": shape_of(summary, "test_mean"),
        "shape_dev_cv": shape_of(summary, "dev_cv_mean"),
        "irreducible": irreducible,
    }
    stem = f"{dataset.name}_{embedding}"
    write_json_atomic(output_dir / "bias_variance.json", finite_or_none(result))
    cells = _cell_rows(grid)
    write_text_atomic(output_dir / "cells.csv", to_csv(cells))
    tables = {
        f"bias_variance_{stem}.csv": to_csv(summary),
        f"bias_variance_lfs_{stem}.csv": to_csv(lf_rows(grid, irreducible)),
        f"irreducible_{stem}.csv": to_csv(irreducible["all_lfs"]) if irreducible["all_lfs"] else "",
    }
    title = f"Liger on {dataset.name} ({embedding}, {label_model} label model)"
    figures = {
        f"bias_variance_{stem}_parts": draw_against_parts(result, title=title),
        f"bias_variance_{stem}_levels": draw_against_levels(result, title=title),
        f"bias_variance_{stem}_heatmap": draw_heatmaps(result, title=title),
        f"bias_variance_{stem}_ingredients": draw_ingredients(result, title=title),
        f"irreducible_{stem}": draw_irreducible(irreducible, title=f"{dataset.name} ({embedding})"),
    }
    publish(output_dir, texts=tables, results_dir=settings.results_dir, figures=figures, figure_dir=settings.figure_dir)
    # Wall time varies between runs: kept out of bias_variance.json so that file is byte-reproducible.
    write_json_atomic(output_dir / "timings.json", {"total_s": round(time.perf_counter() - started, 3)})
    print("\n" + grid_markdown(result))
    return result


def _cell_rows(grid: dict) -> list[dict]:
    geometry = {(p["n_parts"], p["seed"]): p for p in grid["partitions"]}
    ingredients = {row["level"]: row for row in grid["levels"]}
    rows = []
    for cell in grid["cells"]:
        g, lv = geometry[cell["n_parts"], cell["seed"]], ingredients[cell["level"]]
        rows.append({
            **cell, "share_extended": lv["share_extended"], "mean_threshold": lv["mean_threshold"],
            **{k: g[k] for k in ("part_radius_max", "part_radius_p95", "part_size_mean", "part_size_min",
                                 "parts_below_min_size")},
            **{f"mean_{k}": _nanmean(lv[k]) for k in ("p_train", "theta_after", "theta_new", "m_at_radius")},
        })
    return rows


def grid_markdown(result: dict) -> str:
    """Mean test metric (± std over seeds), rows s, columns level; the honest pick (best dev_cv) starred."""
    summary = result["summary"]
    levels = [row["level"] for row in result["grid"]["levels"]]
    best = max(summary, key=lambda r: r["dev_cv_mean"])
    table = []
    for n_parts in dict.fromkeys(r["n_parts"] for r in summary):
        row = {"s": n_parts}
        for r in (r for r in summary if r["n_parts"] == n_parts):
            std = "" if math.isnan(r["test_std"]) else f"±{100 * r['test_std']:.1f}"
            row[level_label(r["level"])] = f"{100 * r['test_mean']:.1f}{std}" + ("*" if r is best else "")
        table.append(row)
    return (f"Test {result['metric']} (%) of {result['dataset']} / {result['embedding']}, mean ± std over seeds "
            f"{result['settings']['seeds']}; columns: share of abstains extended; * = best cross-validated dev\n\n"
            + format_table(table, ["s", *[level_label(q) for q in levels]]))


# --------------------------------------------------------------------------------------- figures


def _matrix(result: dict, key: str) -> tuple[list[int], list, np.ndarray]:
    summary = result["summary"]
    parts = list(dict.fromkeys(r["n_parts"] for r in summary))
    levels = [row["level"] for row in result["grid"]["levels"]]
    value = {(r["n_parts"], r["level"]): r[key] for r in summary}
    return parts, levels, np.array([[value[s, q] for q in levels] for s in parts])


def _score_names(result: dict) -> tuple[tuple[str, str], ...]:
    name = result["metric"]
    return (("dev_cv", f"dev {name} (class balances cross-validated)"), ("test", f"test {name}"))


def _level_ticks(result: dict) -> list[str]:
    """'share extended' over 'mean radius 1 - r̄' for each level."""
    ticks = []
    for row in result["grid"]["levels"]:
        radius = "" if row["level"] is None else f"\n{1.0 - row['mean_threshold']:.2f}"
        ticks.append(level_label(row["level"]) + radius)
    return ticks


def draw_against_parts(result: dict, *, title: str):
    """Dev (cross-validated) and test metric against s, one line per level, mean ± std over seeds."""
    parts, levels, _ = _matrix(result, "test_mean")
    fig = new_figure(figsize=(12, 4.8), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    colours = _level_colours(levels)
    for ax, (key, label) in zip(axes, _score_names(result)):
        _, _, mean = _matrix(result, f"{key}_mean")
        _, _, std = _matrix(result, f"{key}_std")
        for j, level in enumerate(levels):
            style = dict(color="black", ls="--") if level is None else dict(color=colours[j])
            ax.plot(parts, mean[:, j], marker="o", ms=3, lw=1.4, label=level_label(level), **style)
            if np.isfinite(std[:, j]).any():
                ax.fill_between(parts, mean[:, j] - std[:, j], mean[:, j] + std[:, j], alpha=0.08, lw=0,
                                color=style["color"])
        ax.set_xscale("log", base=2)
        ax.set_xticks(parts, [str(s) for s in parts])
        ax.set(xlabel="parts s (k-means on train embeddings)", title=label)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(result["metric"])
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right center", fontsize=8,
               title="abstains\nextended", title_fontsize=8)
    fig.suptitle(f"{title}: against the number of parts; bands: ± std over seeds {result['settings']['seeds']}")
    return fig


def draw_against_levels(result: dict, *, title: str):
    """Dev (cross-validated) and test metric against the share extended, one line per s, mean ± std over seeds."""
    parts, levels, _ = _matrix(result, "test_mean")
    # Evenly spaced: the levels crowd near "no extension" on a linear axis of the share extended.
    x = np.arange(len(levels))
    fig = new_figure(figsize=(12, 4.8), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, (key, label) in zip(axes, _score_names(result)):
        _, _, mean = _matrix(result, f"{key}_mean")
        _, _, std = _matrix(result, f"{key}_std")
        for i, n_parts in enumerate(parts):
            colour = f"C{i % 10}"
            ax.plot(x, mean[i], marker="o", ms=3, lw=1.4, color=colour, label=f"s = {n_parts}")
            if np.isfinite(std[i]).any():
                ax.fill_between(x, mean[i] - std[i], mean[i] + std[i], alpha=0.12, lw=0, color=colour)
        ax.set_xticks(x, _level_ticks(result), fontsize=7)
        ax.set(xlabel="share of each LF's abstaining train points extended, evenly spaced\n(below: mean radius 1 − r̄)",
               title=label)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(result["metric"])
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right center", fontsize=8)
    fig.suptitle(f"{title}: against the extension level; bands: ± std over seeds {result['settings']['seeds']}")
    return fig


def draw_heatmaps(result: dict, *, title: str):
    """s × level heat maps of the mean dev (cross-validated) and test metric; the best cell of each boxed."""
    fig = new_figure(figsize=(14, 4.6), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, (key, label) in zip(axes, _score_names(result)):
        parts, levels, mean = _matrix(result, f"{key}_mean")
        mean = 100 * mean  # points, in the cells and on the colour bar alike
        image = ax.imshow(mean, cmap="viridis", aspect="auto", origin="lower")
        fig.colorbar(image, ax=ax, shrink=0.9, label=f"{result['metric']} (points)")
        middle = (np.nanmin(mean) + np.nanmax(mean)) / 2
        for i in range(mean.shape[0]):
            for j in range(mean.shape[1]):
                ax.text(j, i, f"{mean[i, j]:.1f}", ha="center", va="center", fontsize=7,
                        color="black" if mean[i, j] > middle else "white")
        i, j = np.unravel_index(int(np.nanargmax(mean)), mean.shape)
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", lw=2))
        ax.set_xticks(range(len(levels)), _level_ticks(result), fontsize=7)
        ax.set_yticks(range(len(parts)), [str(s) for s in parts])
        ax.set(xlabel="share of abstains extended (below: mean radius 1 − r̄)", ylabel="parts s",
               title=f"{label}\npoints, mean over seeds; box: best")
    fig.suptitle(title)
    return fig


def draw_ingredients(result: dict, *, title: str):
    """(a) part radius and points per part against s; (b) coverage gained, θ and M against the level."""
    fig = new_figure(figsize=(12, 4.6), layout="constrained")
    by_parts, by_level = fig.subplots(1, 2)
    partitions = result["grid"]["partitions"]
    parts = list(dict.fromkeys(p["n_parts"] for p in partitions))
    for key, label, style in (("part_radius_max", "largest distance to centre", "-o"),
                              ("part_radius_p95", "95th percentile distance to centre", "--s")):
        values = np.array([[p[key] for p in partitions if p["n_parts"] == s] for s in parts])
        by_parts.errorbar(parts, values.mean(axis=1), yerr=values.std(axis=1), fmt=style, ms=4, capsize=2, label=label)
    by_parts.set(xscale="log", ylabel="cosine distance (mean over parts)", xlabel="parts s",
                 title="(a) part size in the embedding (bias) and points per part (variance)")
    by_parts.set_xticks(parts, [str(s) for s in parts])
    by_parts.grid(alpha=0.3)
    sizes = by_parts.twinx()
    sizes.plot(parts, [np.mean([p["part_size_mean"] for p in partitions if p["n_parts"] == s]) for s in parts],
               ":^", color="C3", ms=4, label="train points per part (mean)")
    sizes.plot(parts, [np.mean([p["part_size_min"] for p in partitions if p["n_parts"] == s]) for s in parts],
               ":v", color="C4", ms=4, label="train points per part (min)")
    sizes.set(yscale="log", ylabel="train points")
    handles = [h for ax in (by_parts, sizes) for h in ax.get_legend_handles_labels()[0]]
    by_parts.legend(handles, [h.get_label() for h in handles], fontsize=7, loc="upper right")
    rows = result["grid"]["levels"]
    x = [row["share_extended"] for row in rows]
    for key, label in (("p_train", "coverage gained p_i (train)"), ("theta_after", "θ_i after extension (dev+test)"),
                       ("theta_new", "θ_i on newly covered points"), ("m_at_radius", "M(1 − r_i) (dev+test)")):
        by_level.plot(x, [_nanmean(row[key]) for row in rows], "-o", ms=3, label=label)
    by_level.plot(x, [math.nan if row["level"] is None else 1.0 - row["mean_threshold"] for row in rows], ":",
                  color="0.4", label="mean radius 1 − r̄")
    by_level.set(xlabel="share of each LF's abstaining train points extended", ylabel="mean over LFs",
                 title="(b) extension: coverage, accuracy and smoothness", ylim=(0, 1.05))
    by_level.legend(fontsize=7)
    by_level.grid(alpha=0.3)
    fig.suptitle(f"{title}: ingredients of the bounds (seeds {result['settings']['seeds']})")
    return fig


def _level_colours(levels: list) -> list:
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    n = max(1, len(levels) - 1)
    return [cmap(j / n) for j in range(len(levels))]
