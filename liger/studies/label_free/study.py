"""``experiment=label_free``: Liger's hyperparameters chosen with 0, 20, 50 or 100 dev labels, against each other.

    liger-run experiment=label_free [dataset=sms] [embedding=minilm] [label_free.n_draws=10]

Grid: s in ``method.n_partitions`` × level q in ``method.extension_levels`` (one ``KMeansPartition`` per s,
``random_state=seed``; nearest voting neighbours computed once per split). Every cell's Liger is fit on
train once and shared by every draw: only class balances and choices depend on dev labels.

Selection schemes, each scored on the whole test split:

* ``label-free`` (0 dev labels): s from the half-split stability rule, q from the break-even rule
  (``liger.analysis.label_free``; train votes and embeddings only), each part's class balance the label model's
  own estimate. Deterministic given the seed: one value, no spread.
* ``dev CV`` (k dev labels): s, q and class balances chosen as ``method=liger`` chooses them (``selection:
  cv``), on the k labeled points only: per cell, the metric of out-of-fold predictions, each fold's
  balances chosen on the other folds (``liger.method.tuning.stratified_folds``, at most ``cv_folds`` folds, never
  more than the rarest class has members); ties keep the earlier cell (fewer parts, less extension).
  The chosen cell's balances are then chosen on all k points.
* ``label-free s,q + dev balance`` (k dev labels): the label-free cell, class balances chosen on the k points.

Draw d labels a stratified subsample of dev (``stratified_subsample``, seed d): each class keeps its dev
share, and at least ``min_per_class`` members so the folds are valid; the draws are nested (the 20 are
among the 50, which are among the 100). Mean and sample std over ``n_draws`` draws.

References, not methods: ``dev CV, all dev labels`` (the default harness) and ``oracle`` = the grid cell
with the best test metric, each cell's balances chosen on all dev labels (it reads test labels).

Writes into the run folder ``label_free.json`` (criteria, every cell, every draw), and into
``label_free.results_dir`` ``label_free_<dataset>_<embedding>.{csv,md}`` (the schemes; the command on the
first line) and ``label_free_criteria_<dataset>_<embedding>.csv`` (the criteria per level and per s); into
``label_free.figure_dir`` ``label_free_<dataset>_<embedding>.{png,pdf}``. A fixed seed reproduces every byte.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from pathlib import Path

import numpy as np
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
from liger.analysis.label_free import (break_even_level, check_walk, extension_agreement, half_split_stability,
                              stable_parts, tolerance_level)
from liger.method.liger_cv import LigerCV
from liger.method.liger import Liger
from liger.metrics import metric_value
from liger.harness.runner import load_dataset, load_embeddings
from liger.studies.common import level_label, publish, stratified_subsample, to_csv, voting_neighbours
from liger.method.tuning import quantile_thresholds, stratified_folds

log = logging.getLogger(__name__)
LABEL_FREE, DEV_CV, HYBRID = "label-free", "dev CV", "label-free s,q + dev balance"
FULL_DEV, ORACLE = "dev CV, all dev labels (reference)", "oracle: best cell on test (not a method)"
Cell = tuple  # (n_parts, level)


# ------------------------------------------------------------------------------------- subsamples


# ------------------------------------------------------------------------------------------ grid


def fit_grid(dataset: Dataset, embeddings: dict, neighbours: dict, *, parts: list[int], levels: list, seed: int,
             label_model: str, label_model_params: dict, min_part_size: int, cv_folds: int) -> LigerCV:
    """Every cell's Liger fit on train (no labels), in grid order: parts outer, levels inner; chosen on labels later."""
    search = LigerCV(parts, levels, label_model=label_model, label_model_params=label_model_params,
                     min_part_size=min_part_size, metric=dataset.metric, n_classes=dataset.n_classes, cv=cv_folds,
                     in_sample=False, random_state=seed)
    return search.fit_train(dataset["train"].L, embeddings["train"], neighbours_train=neighbours["train"])


def choose_on(search: LigerCV, split, E: np.ndarray, neighbours: NeighbourVotes, rows: np.ndarray | None, *,
              seed: int, every_cell: bool = False) -> LigerCV:
    """``search`` choosing on ``split``'s labelled ``rows`` (all when None), its CV folds seeded by ``seed``;
    ``every_cell`` also tunes every cell on those rows (``search.estimators_``)."""
    rows = np.arange(len(split)) if rows is None else rows
    y = split.y[rows]
    groups = None if split.groups is None else [split.groups[i] for i in rows]
    folds = stratified_folds(y, n_folds=int(search.cv), seed=seed, groups=groups)
    search.set_params(in_sample=every_cell)
    return search.choose(split.L[rows], E[rows], y, neighbours=neighbours.take(rows), folds=folds)


def cell_of(params: dict) -> Cell:
    return params["n_partitions"], params["extension_level"]


# ------------------------------------------------------------------------------------ criteria


def label_free_criteria(L_train: np.ndarray, E_train: np.ndarray, neighbours_train: NeighbourVotes, *,
                        parts: list[int], levels: list, n_classes: int, settings: dict, seed: int) -> dict:
    """Both criteria on train and the cell they choose; see ``liger.analysis.label_free``. No labels reach this function."""
    original, rows = extension_agreement(L_train, neighbours_train, levels, n_classes=n_classes)
    level = break_even_level(rows, z_critical=float(settings["z_critical"]))
    stability = {s: half_split_stability(E_train, s, n_splits=int(settings["stability_splits"]), random_state=seed)
                 for s in parts}
    n_parts = stable_parts({s: float(v.mean()) for s, v in stability.items()},
                           min_stability=float(settings["min_stability"]))
    return {
        "n_parts": n_parts,
        "level": level,
        "tolerance_rule_level": tolerance_level(original, rows, tolerance=float(settings["tolerance"])),
        "original": _agreement_json(original),
        "levels": [{"level": row.level, "n_new": row.n_new, "mean_threshold": float(row.thresholds.mean()),
                    "new": _agreement_json(row.new), "increment": _agreement_json(row.increment)} for row in rows],
        "stability": {str(s): [float(v) for v in values] for s, values in stability.items()},
    }


def gold_accuracy_of_extension(dataset: Dataset, neighbours: dict, levels: list) -> list[dict]:
    """Diagnostic only (reads dev and test gold labels; no choice uses it): per level of the walk, the accuracy
    on dev + test of the votes extension adds (``new``) and of those added since the previous level (``increment``)."""
    L = np.concatenate([dataset[s].L for s in ("dev", "test")])
    y = np.concatenate([dataset[s].y for s in ("dev", "test")])
    labeled = NeighbourVotes(*(np.concatenate([getattr(neighbours[s], f) for s in ("dev", "test")])
                               for f in ("label", "similarity")))
    accuracy = lambda votes, rows: (int((rows & (votes == y[:, None])).sum()) / int(rows.sum())  # noqa: E731
                                    if rows.any() else math.nan)
    rows, previous = [{"level": None, "new": accuracy(L, L != ABSTAIN), "increment": math.nan}], L
    for level in check_walk(levels):
        votes = labeled.extend(L, quantile_thresholds(neighbours["train"], level))
        rows.append({"level": level, "new": accuracy(votes, (L == ABSTAIN) & (votes != ABSTAIN)),
                     "increment": accuracy(votes, (previous == ABSTAIN) & (votes != ABSTAIN))})
        previous = votes
    return rows


def _agreement_json(agreement) -> dict:
    return {"rate": agreement.rate, "chance": agreement.chance, "z": agreement.z, "n_compared": agreement.n_compared,
            "per_lf_rate": [float(v) for v in agreement.per_lf_rate()], "per_lf_compared": agreement.compared.tolist()}


# ------------------------------------------------------------------------------------------ study


def study(dataset: Dataset, embeddings: dict, *, parts: list[int], levels: list, budgets: list[int], n_draws: int,
          settings: dict, seed: int, label_model: str = "triplet", label_model_params: dict | None = None,
          min_part_size: int = 20, cv_folds: int = 5, progress: bool = False) -> dict:
    """Criteria, every cell's scores and every draw's choices; see the module docstring."""
    train, dev, test = (dataset[s] for s in ("train", "dev", "test"))
    metric, K = dataset.metric, dataset.n_classes
    score = lambda y, predicted: metric_value(metric, y, predicted, n_classes=K)  # noqa: E731
    timings, started = {}, time.perf_counter()
    neighbours = voting_neighbours(dataset, embeddings)
    timings["neighbours_s"] = time.perf_counter() - started
    search = fit_grid(dataset, embeddings, neighbours, parts=parts, levels=levels, seed=seed, label_model=label_model,
                      label_model_params=label_model_params or {}, min_part_size=min_part_size, cv_folds=cv_folds)
    timings["fit_grid_s"] = time.perf_counter() - started - sum(timings.values())
    criteria = label_free_criteria(train.L, embeddings["train"], neighbours["train"], parts=parts, levels=levels,
                                   n_classes=K, settings=settings, seed=seed)
    timings["criteria_s"] = time.perf_counter() - started - sum(timings.values())
    def test_of(model: Liger) -> float:
        return score(test.y, model.predict(test.L, embeddings["test"], neighbours=neighbours["test"]))

    free_cell = (criteria["n_parts"], criteria["level"])
    free_index = [cell_of(params) for params, _ in search.grid_].index(free_cell)
    choose_on(search, dev, embeddings["dev"], neighbours["dev"], None, seed=seed, every_cell=True)
    cells = [{"n_parts": params["n_partitions"], "level": params["extension_level"], "test_own_balance": test_of(model),
              "test_dev_balance": test_of(full)} for (params, model), full in zip(search.grid_, search.estimators_)]
    full_dev = {"n_parts": search.best_params_["n_partitions"], "level": search.best_params_["extension_level"],
                "cv": search.best_score_, "test": test_of(search.best_estimator_)}
    draws = []
    for draw in tqdm(range(n_draws), desc=f"label-free study on {dataset.name}: draws", disable=not progress):
        for size, rows in stratified_subsample(dev.y, budgets, random_state=draw,
                                               min_per_class=int(settings["min_per_class"])).items():
            choose_on(search, dev, embeddings["dev"], neighbours["dev"], rows, seed=draw)
            hybrid = search.grid_[free_index][1].with_dev_balance(dev.L[rows], embeddings["dev"][rows], dev.y[rows],
                                                                   neighbours["dev"].take(rows))
            draws.append({"draw": draw, "dev_labels": size, "positives": int((dev.y[rows] == 1).sum()),
                          "dev_cv": {"n_parts": search.best_params_["n_partitions"],
                                     "level": search.best_params_["extension_level"], "cv": search.best_score_,
                                     "test": test_of(search.best_estimator_)},
                          "hybrid": {"n_parts": free_cell[0], "level": free_cell[1],
                                     "test": test_of(hybrid)}})
    timings["draws_s"] = time.perf_counter() - started - sum(timings.values())
    return {
        "metric": metric,
        "n_dev": len(dev),
        "criteria": criteria,
        "gold_accuracy_dev_test": gold_accuracy_of_extension(dataset, neighbours, levels),
        "cells": cells,
        "label_free_test": test_of(search.grid_[free_index][1]),
        "full_dev": full_dev,
        "draws": draws,
        "timings": timings,
    }


def scheme_rows(result: dict) -> list[dict]:
    """One row per (scheme, dev labels): test metric mean and sample std over draws, the choices made."""
    cells = result["cells"]
    oracle = max(cells, key=lambda c: c["test_dev_balance"])  # ties: the earlier cell
    free = result["criteria"]
    rows = [_row(LABEL_FREE, 0, [result["label_free_test"]], [(free["n_parts"], free["level"])], oracle)]
    for size in sorted({d["dev_labels"] for d in result["draws"]}):
        draws = [d for d in result["draws"] if d["dev_labels"] == size]
        rows.append(_row(DEV_CV, size, [d["dev_cv"]["test"] for d in draws],
                         [(d["dev_cv"]["n_parts"], d["dev_cv"]["level"]) for d in draws], oracle,
                         same_as_label_free=(free["n_parts"], free["level"])))
        rows.append(_row(HYBRID, size, [d["hybrid"]["test"] for d in draws],
                         [(d["hybrid"]["n_parts"], d["hybrid"]["level"]) for d in draws], oracle))
    full = result["full_dev"]
    rows.append(_row(FULL_DEV, result["n_dev"], [full["test"]], [(full["n_parts"], full["level"])], oracle))
    rows.append(_row(ORACLE, result["n_dev"], [oracle["test_dev_balance"]], [(oracle["n_parts"], oracle["level"])], oracle))
    return rows


def _row(scheme: str, size: int, values: list[float], choices: list[Cell], oracle: dict, same_as_label_free=None) -> dict:
    values = np.asarray(values, dtype=float)
    counts = Counter(choices)
    return {
        "scheme": scheme,
        "dev_labels": size,
        "n_draws": len(values),
        "test_mean": float(values.mean()),
        "test_std": float(values.std(ddof=1)) if len(values) > 1 else math.nan,
        "test_min": float(values.min()),
        "test_max": float(values.max()),
        "below_oracle": float(oracle["test_dev_balance"] - values.mean()),
        "choices": "; ".join(f"s={s} {level_label(q)}×{n}" for (s, q), n in sorted(counts.items(), key=_count_order)),
        "same_cell_as_label_free": (math.nan if same_as_label_free is None
                                    else sum(c == same_as_label_free for c in choices) / len(choices)),
    }


def _count_order(item):
    (s, q), n = item
    return (-n, s, -1.0 if q is None else -q)


def criteria_rows(result: dict) -> list[dict]:
    """The criteria table: one row per extension level (agreement), then one per s (stability)."""
    criteria = result["criteria"]
    rules = (("break-even", "level"), ("tolerance", "tolerance_rule_level"))
    chosen = lambda level: "+".join(name for name, key in rules if criteria[key] == level)  # noqa: E731
    rows = [{"kind": "level", "value": "none", "share_extended": 0.0, "mean_threshold": math.nan, "new_votes": 0,
             "agreement_new": criteria["original"]["rate"], "chance_new": criteria["original"]["chance"],
             "agreement_increment": math.nan, "chance_increment": math.nan, "z_increment": math.nan,
             "compared_increment": criteria["original"]["n_compared"], "stability_mean": math.nan,
             "stability_min": math.nan, "chosen": chosen(None)}]
    for row in criteria["levels"]:
        rows.append({"kind": "level", "value": f"{row['level']:g}", "share_extended": 1.0 - row["level"],
                     "mean_threshold": row["mean_threshold"], "new_votes": row["n_new"],
                     "agreement_new": row["new"]["rate"], "chance_new": row["new"]["chance"],
                     "agreement_increment": row["increment"]["rate"], "chance_increment": row["increment"]["chance"],
                     "z_increment": row["increment"]["z"], "compared_increment": row["increment"]["n_compared"],
                     "stability_mean": math.nan, "stability_min": math.nan, "chosen": chosen(row["level"])})
    for row, gold in zip(rows, result["gold_accuracy_dev_test"], strict=True):  # both: no extension, then the walk
        row["gold_accuracy_new_dev_test"] = gold["new"]
        row["gold_accuracy_increment_dev_test"] = gold["increment"]
    for s, values in criteria["stability"].items():
        rows.append({**{k: math.nan for k in rows[0]}, "kind": "parts", "value": s, "new_votes": "",
                     "compared_increment": "", "stability_mean": float(np.mean(values)),
                     "stability_min": float(np.min(values)), "chosen": "stability" if int(s) == criteria["n_parts"] else ""})
    return rows


# ------------------------------------------------------------------------------------ rendering


def scheme_markdown(rows: list[dict], *, metric: str) -> str:
    table = [{"scheme": r["scheme"], "dev labels": r["dev_labels"], "draws": r["n_draws"],
              f"test {metric}": f"{100 * r['test_mean']:.1f}"
                                + ("" if math.isnan(r["test_std"]) else f" ± {100 * r['test_std']:.1f}"),
              "below oracle": f"{100 * r['below_oracle']:.1f}",
              "same cell as label-free": ("" if math.isnan(r["same_cell_as_label_free"])
                                          else f"{r['same_cell_as_label_free']:.0%}"),
              "cells chosen (s, share extended × draws)": r["choices"]} for r in rows]
    return format_table(table, list(table[0]))


def criteria_markdown(rows: list[dict]) -> str:
    def fmt(value, spec: str) -> str:
        missing = isinstance(value, str) or value is None or (isinstance(value, float) and math.isnan(value))
        return "" if missing else format(value, spec)

    levels = [{"extended": "none" if r["value"] == "none" else f"{r['share_extended']:.0%}",
               "new votes": r["new_votes"], "agreement (new)": fmt(r["agreement_new"], ".3f"),
               "chance (new)": fmt(r["chance_new"], ".3f"), "agreement (increment)": fmt(r["agreement_increment"], ".3f"),
               "chance (increment)": fmt(r["chance_increment"], ".3f"), "z (increment)": fmt(r["z_increment"], ".1f"),
               "compared (increment)": r["compared_increment"], "chosen by": r["chosen"],
               "gold accuracy, new (diagnostic)": fmt(r["gold_accuracy_new_dev_test"], ".3f"),
               "gold accuracy, increment (diagnostic)": fmt(r["gold_accuracy_increment_dev_test"], ".3f")}
              for r in rows if r["kind"] == "level"]
    parts = [{"s": r["value"], "stability (mean ARI)": f"{r['stability_mean']:.3f}", "min": f"{r['stability_min']:.3f}",
              "chosen by": r["chosen"]} for r in rows if r["kind"] == "parts"]
    return format_table(levels, list(levels[0])) + "\n\n" + format_table(parts, list(parts[0]))


def draw_budgets(rows: list[dict], *, metric: str, title: str):
    """Test metric against dev labels, one marker per budget and scheme (mean, bars: ± sample std over draws);
    the budgets sit evenly on the axis, so their points are not joined; references as lines."""
    fig = new_figure(figsize=(7.5, 4.6), layout="constrained")
    ax = fig.subplots()
    by = lambda scheme: sorted((r for r in rows if r["scheme"] == scheme), key=lambda r: r["dev_labels"])  # noqa: E731
    free = by(LABEL_FREE)[0]
    budgets = [0] + [r["dev_labels"] for r in by(DEV_CV)]
    x = {size: i for i, size in enumerate(budgets)}  # evenly spaced: 0, 20, 50, 100
    for scheme, colour, marker, lead in ((DEV_CV, "C0", "o", []), (HYBRID, "C1", "s", [free])):
        series = lead + by(scheme)
        xs = [x[r["dev_labels"]] for r in series]
        mean = np.array([r["test_mean"] for r in series])
        std = np.nan_to_num(np.array([r["test_std"] for r in series]))
        label = scheme if scheme == DEV_CV else f"{scheme} (0 labels: label model's own balance)"
        offset = -0.06 if scheme == DEV_CV else 0.06  # side by side, so the bars do not hide each other
        ax.errorbar(np.asarray(xs) + offset, mean, yerr=std, marker=marker, ms=5, ls="none", capsize=3, color=colour,
                    label=label)
    ax.plot([x[0]], [free["test_mean"]], marker="*", ms=14, color="C3", ls="none", label="label-free (0 dev labels)",
            zorder=5)
    for scheme, style in ((FULL_DEV, dict(color="0.35", ls="-.")), (ORACLE, dict(color="black", ls=":"))):
        ref = by(scheme)[0]
        name = f"dev CV, all {ref['dev_labels']} dev labels (reference)" if scheme == FULL_DEV else scheme
        ax.axhline(ref["test_mean"], lw=1.2, label=f"{name}: {100 * ref['test_mean']:.1f}", **style)
    ax.set_xticks(range(len(budgets)), [str(b) for b in budgets])
    ax.set(xlabel="labeled dev points (stratified draws; the budgets evenly spaced, not to scale)",
           ylabel=f"test {metric} (mean ± sample std over draws)", title=title)
    ax.margins(y=0.08)  # the reference lines stay inside the frame
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    return fig


def command_line(cfg: DictConfig) -> str:
    """The command that made this run: Hydra's task overrides when launched by Hydra, else the canonical one."""
    try:
        from hydra.core.hydra_config import HydraConfig

        if HydraConfig.initialized():
            return " ".join(["liger-run", *HydraConfig.get().overrides.task])
    except ImportError:  # pragma: no cover - hydra is a dependency
        pass
    return f"liger-run experiment=label_free dataset={cfg.dataset.name} embedding={cfg.embedding.name}"


# ------------------------------------------------------------------------------------------ run


def run(cfg: DictConfig, output_dir: str | Path) -> dict:
    """Run the study, write its tables and figure; see the module docstring."""
    validate_config(cfg)
    if cfg.method.kind != "liger":
        raise ValueError(f"method.kind is {cfg.method.kind!r}; experiment=label_free chooses Liger's hyperparameters "
                         "(method=liger)")
    settings = OmegaConf.to_container(cfg.label_free, resolve=True)
    budgets = [int(b) for b in settings["budgets"]]
    if not budgets or any(b < 2 for b in budgets) or len(set(budgets)) != len(budgets):
        raise ValueError(f"label_free.budgets is {budgets}; expected distinct dev-label counts >= 2 (0 is always included)")
    if int(settings["n_draws"]) < 1:
        raise ValueError(f"label_free.n_draws is {settings['n_draws']}; expected at least 1")
    output_dir = Path(output_dir)
    progress = bool(cfg.get("progress", True))
    write_text_atomic(output_dir / "config_resolved.yaml", OmegaConf.to_yaml(cfg, resolve=True))
    started = time.perf_counter()
    dataset = load_dataset(cfg.dataset, progress=progress)
    if dataset.n_classes != 2:
        raise ValueError(f"dataset {dataset.name!r} has {dataset.n_classes} classes; experiment=label_free is binary "
                         "(the dev class-balance search and the break-even rule's reading are)")
    embeddings = load_embeddings(cfg.embedding, dataset, cache_dir=cfg.get("cache_dir"), progress=progress)
    load_s = time.perf_counter() - started
    parts = [int(s) for s in cfg.method.n_partitions]
    levels = [None if q is None else float(q) for q in cfg.method.extension_levels]
    result = study(dataset, embeddings, parts=parts, levels=levels, budgets=budgets, n_draws=int(settings["n_draws"]),
                   settings=settings, seed=int(cfg.seed), label_model=cfg.method.get("label_model", "triplet"),
                   label_model_params=label_model_params(cfg.method),
                   min_part_size=int(cfg.method.get("min_part_size", 20)), cv_folds=int(cfg.method.get("cv_folds", 5)),
                   progress=progress)
    timings = {"load_s": load_s, **result.pop("timings")}
    embedding = str(cfg.embedding.name)
    command = command_line(cfg)
    result.update(dataset=dataset.name, embedding=embedding, command=command, settings=settings,
                  grid={"n_partitions": parts, "extension_levels": levels})
    rows, criteria = scheme_rows(result), criteria_rows(result)
    result["schemes"] = rows
    stem = f"{dataset.name}_{embedding}"
    write_json_atomic(output_dir / "label_free.json", finite_or_none(result))
    free = result["criteria"]
    metric = dataset.metric
    markdown = (
        f"# Label-free hyperparameters: {dataset.name} / {embedding} (test {metric}, ×100)\n\n"
        f"Made by `{command}` (docs/label_free.md). Grid: s ∈ {parts} × {len(levels)} extension levels; "
        f"{result['settings']['n_draws']} stratified dev draws per budget (nested), mean ± sample std; "
        f"\"below oracle\" = oracle − mean. Label-free choice: s = {free['n_parts']}, "
        f"{level_label(free['level'])} of abstains extended.\n\n"
        + scheme_markdown(rows, metric=metric)
        + "\n\nLabel-free criteria on the train split (no labels): agreement of votes with the other LFs' majority "
        "(new = every vote extension adds at that level; increment = the votes added since the previous level), "
        "and half-split stability of the k-means partition. The two gold-accuracy columns are a diagnostic "
        "(dev + test gold labels, first row: the LFs' own votes); no choice reads them.\n\n"
        + criteria_markdown(criteria) + "\n"
    )
    title = f"Choosing Liger's s and q with few dev labels: {dataset.name} ({embedding})"
    publish(output_dir, texts={f"label_free_{stem}.csv": f"# {command}\n" + to_csv(rows),
                               f"label_free_criteria_{stem}.csv": f"# {command}\n" + to_csv(criteria),
                               f"label_free_{stem}.md": markdown},
            results_dir=settings["results_dir"], figures={f"label_free_{stem}": draw_budgets(rows, metric=metric, title=title)},
            figure_dir=settings["figure_dir"])
    # Wall time varies between runs: kept out of label_free.json so that file is byte-reproducible.
    write_json_atomic(output_dir / "timings.json", {**{k: round(v, 3) for k, v in timings.items()},
                                                    "total_s": round(time.perf_counter() - started, 3)})
    print("\n" + markdown)
    return result
