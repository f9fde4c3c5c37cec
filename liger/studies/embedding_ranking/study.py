"""``experiment=embedding_ranking``: choosing an embedding without labels, and how well that choice holds up.

    liger-run experiment=embedding_ranking [embedding_ranking.n_jobs=1]

For each dataset in ``embedding_ranking.datasets`` and embedding in ``embedding_ranking.embeddings``:

* **label-free proxies**, from the train split's label matrix and embeddings only
  (``liger.analysis.embedding_proxies``; docs/embedding_ranking.md):
  (a) *pseudo-label smoothness* (lower = smoother): the smoothness study's scale-free summary (mean M̂
  over the closest ``share_range`` of all pairs, docs/smoothness.md) with the label model's hard labels
  on the covered train rows in place of gold labels, divided by the pseudo-labels' base rate; at most
  ``max_points`` rows (a seeded subsample beyond that);
  (b) *extension agreement* (higher = better): pooled over LFs, the agreement of each abstaining
  point's borrowed vote (nearest voting train neighbour) with the other LFs' majority, minus chance;
  (c) *extension agreement over Liger's levels* (secondary; higher = better): (b) for the votes each
  extension level of the run's Liger grid adds, averaged over the levels.
* **references that read labels**: the gold-label smoothness summary of smoothness_lift (dev + test
  gold labels; lower = smoother), and Liger's own dev score (the cross-validated dev metric of its
  chosen configuration; higher = better), what a practitioner with the dev labels would pick by.
* **target**: Liger's test metric (the dataset's: accuracy or F1), hyperparameters and class balances
  chosen on dev, mean over ``seeds``; also its lift over WS-LM (``baseline``). Computed by
  smoothness_lift's ``score_methods`` and ``lift_summary``, so a cell equals smoothness_lift's.

Rankings: per dataset, Spearman ρ of each proxy with Liger's mean test score and with the lift,
oriented (ρ⁺ = −ρ for a lower-is-better proxy, so +1 = the proxy orders the embeddings as Liger's test
score does), and the regret of the embedding the proxy picks (best Liger score − the pick's). Pooled
over all cells: Spearman of within-dataset ranks (so no dataset's metric or level enters) with scipy's
p-value and an exact p-value that permutes the embeddings within each dataset; and, as smoothness_lift
pools, the proxy's value (smoothness / base rate) against the lift.

Each embedding is composed once per dataset with the run's ``seed`` (as in smoothness_lift); the seeds
move the methods only. Writes ``embedding_ranking.json`` (every seed's scores, every proxy's parts,
settings) into the run folder, with the tables and the figure; copies ``embedding_ranking.{csv,md}``
and ``embedding_ranking_summary.csv`` to ``table_dir`` and ``embedding_ranking.{png,pdf}`` to
``figure_dir``. A fixed seed gives the same bytes; the fits are independent and seeded, so ``n_jobs`` should not
change them (as smoothness_lift's tests check for its runs).
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from omegaconf import DictConfig, OmegaConf
from scipy.stats import rankdata

from liger.analysis.lf_summary import format_table
from liger.data.dataset import Dataset
from liger.analysis.embedding_proxies import (extension_agreement_proxy, level_agreement_proxy, pseudo_labels,
                                     subsample_rows)
from liger.harness.methods import label_model_params
from liger.method.extension import nearest_voting_neighbours
from liger.harness.figures import new_figure
from liger.io import finite_or_none, write_json_atomic, write_text_atomic
from liger.harness.runner import load_dataset, load_embeddings
from liger.analysis.smoothness import base_rate
from liger.studies.common import embedding_colours, LABELS, level_label, publish, to_csv, worker_pool
from liger.studies.smoothness_lift.study import (METRIC_KEY, SPLITS, Cell, check_seeds, check_share_range, collect_pairs,
                                           compose_group, embedding_config, labeled, lift_summary, method_configs,
                                           rank_correlation, score_methods, smoothness_summary)

log = logging.getLogger(__name__)
#: Above this many permutations in all, the exact within-dataset permutation p-value is not computed (NaN).
MAX_PERMUTATIONS = 10**7


@dataclass(frozen=True)
class Proxy:
    """A way to rank a dataset's embeddings: the cell field it reads, which end is better, which labels it uses."""

    key: str
    name: str
    better: str  # "lower" or "higher"
    labels: str

    @property
    def sign(self) -> float:
        return -1.0 if self.better == "lower" else 1.0


PROXIES = (
    Proxy("pseudo_mean_m_relative", "pseudo-label smoothness", "lower", "none (train votes)"),
    Proxy("ext_agreement", "extension agreement", "higher", "none (train votes)"),
    Proxy("ext_agreement_levels", "extension agreement, Liger's levels", "higher", "none (train votes)"),
    Proxy("gold_mean_m_relative", "gold-label smoothness (reference)", "lower", "dev + test gold"),
    Proxy("liger_dev_cv_mean", "Liger's dev CV score (reference)", "higher", "dev gold"),
)
LABEL_FREE = tuple(p for p in PROXIES if p.labels.startswith("none"))


# ------------------------------------------------------------------------------------------ proxies


def pseudo_label_smoothness(
    L_train: np.ndarray,
    E_train: np.ndarray,
    *,
    n_classes: int,
    label_model: str,
    label_model_params: Mapping,
    share_range: tuple[float, float],
    share: float,
    max_points: int,
    max_radius: float,
    n_bootstrap: int,
    confidence: float,
    seed: int,
) -> dict:
    """Proxy (a): the gold study's smoothness summary with the train label model's hard labels on covered rows.

    At most ``max_points`` covered rows (``subsample_rows`` with ``seed``). ``mean_m_relative`` divides by the
    pseudo-labels' base rate; every M̂ entry is NaN when the pseudo-labels have a single class (or < 2 rows).
    """
    pseudo = pseudo_labels(L_train, n_classes=n_classes, label_model=label_model, label_model_params=label_model_params)
    keep = subsample_rows(pseudo.rows.size, max_points, seed=seed) if pseudo.rows.size >= 2 else pseudo.rows[:0]
    rows, y = pseudo.rows[keep], pseudo.labels[keep]
    out = {"covered": int(pseudo.rows.size), "n_points": int(rows.size), "subsampled": bool(rows.size < pseudo.rows.size),
           "class_balance": pseudo.class_balance.tolist(),
           "label_shares": (np.bincount(y, minlength=n_classes) / max(1, y.size)).tolist()}
    if rows.size < 2 or base_rate(y) == 0.0:
        return {**out, "base_rate": 0.0 if rows.size >= 2 else math.nan,
                **{k: math.nan for k in ("mean_m", "mean_m_low", "mean_m_high", "mean_m_relative", "m_at_share",
                                         "m_at_share_relative")}}
    E = np.asarray(E_train)[rows]
    pairs = collect_pairs(E, y, max_radius=max_radius, share=max(share_range[1], share))
    summary = smoothness_summary(pairs, y, share_range=share_range, share=share, n_bootstrap=n_bootstrap,
                                 confidence=confidence, seed=seed)
    return {**out, **{k: summary[k] for k in ("base_rate", "mean_m", "mean_m_low", "mean_m_high", "mean_m_relative",
                                                "m_at_share", "m_at_share_relative")}}


def train_proxies(dataset: Dataset, E_train: np.ndarray, method: Mapping, *, share_range: tuple[float, float],
                  share: float, max_points: int, max_radius: float, n_bootstrap: int, confidence: float, seed: int) -> dict:
    """Every label-free proxy of one embedding: reads ``dataset["train"].L`` and ``E_train`` only (no gold labels)."""
    L = dataset["train"].L
    n_classes = dataset.n_classes
    pseudo = pseudo_label_smoothness(
        L, E_train, n_classes=n_classes, label_model=method.get("label_model", "triplet"),
        label_model_params=label_model_params(method), share_range=share_range, share=share, max_points=max_points,
        max_radius=max_radius, n_bootstrap=n_bootstrap, confidence=confidence, seed=seed)
    neighbours = nearest_voting_neighbours(L, E_train, L, E_train, n_classes=n_classes)
    levels = [level for level in method.get("extension_levels", []) if level is not None]
    return {
        "pseudo": pseudo,
        "extension": extension_agreement_proxy(L, neighbours, n_classes=n_classes),
        "levels": level_agreement_proxy(L, neighbours, levels, n_classes=n_classes),
    }


# ------------------------------------------------------------------------------------------ rankings


def within_group_ranks(values: Sequence[float], groups: Sequence[str]) -> np.ndarray:
    """Average ranks (1 = smallest) of ``values`` within each group; NaN stays NaN and takes no rank."""
    values, groups = np.asarray(values, dtype=float), np.asarray(groups)
    ranks = np.full(values.shape, np.nan)
    for group in dict.fromkeys(groups.tolist()):
        members = np.flatnonzero((groups == group) & np.isfinite(values))
        if members.size:
            ranks[members] = rankdata(values[members])
    return ranks


def stratified_permutation_p(x: Sequence[float], y: Sequence[float], groups: Sequence[str], *,
                             max_permutations: int = MAX_PERMUTATIONS) -> float:
    """Exact two-sided p-value of Spearman's ρ of ``x`` and ``y`` when ``y`` is permuted within each group.

    Every combination of within-group permutations is equally likely under the null (no association
    inside any group); p = the share of them with |ρ| >= the observed |ρ|. A within-group permutation
    keeps each group's multiset of values, hence every value's pooled rank, so ρ is a sum of one term per
    group. NaN when there are more than ``max_permutations`` combinations or a side is constant.
    """
    x, y, groups = np.asarray(x, dtype=float), np.asarray(y, dtype=float), np.asarray(groups)
    rx, ry = rankdata(x), rankdata(y)
    cx, cy = rx - rx.mean(), ry - ry.mean()
    if not cx.any() or not cy.any():
        return math.nan
    members = [np.flatnonzero(groups == g) for g in dict.fromkeys(groups.tolist())]
    if math.prod(math.factorial(m.size) for m in members) > max_permutations:
        return math.nan
    totals = np.zeros(1)
    for rows in members:
        terms = np.array([cx[rows] @ cy[rows][list(order)] for order in itertools.permutations(range(rows.size))])
        totals = np.add.outer(totals, terms).ravel()
    observed = float(cx @ cy)
    # Equal sums reached in another order can differ in the last bits.
    return float(np.mean(np.abs(totals) >= abs(observed) - 1e-9 * max(1.0, abs(observed))))


def best_indices(values: Sequence[float], better: str) -> list[int]:
    """Indices of every finite value equal to the best (``better``: "lower" or "higher"); empty if none is finite."""
    values = np.asarray(values, dtype=float)
    finite = np.flatnonzero(np.isfinite(values))
    if not finite.size:
        return []
    best = values[finite].min() if better == "lower" else values[finite].max()
    return [int(i) for i in finite if values[i] == best]


def rankings(rows: Sequence[Mapping], *, control: str | None = None, default_embedding: str | None = None) -> dict:
    """Per dataset and proxy: ρ with Liger's score and lift, oriented ρ⁺, pick and regret; pooled; reference pickers.

    ``rows``: one per (dataset, embedding) with each ``PROXIES`` key, ``liger_mean`` and ``lift_mean``.
    """
    names = list(dict.fromkeys(r["dataset"] for r in rows))
    by_dataset = {name: [r for r in rows if r["dataset"] == name] for name in names}
    per_dataset, pooled = [], []
    for proxy in PROXIES:
        regrets = []
        for name, members in by_dataset.items():
            values = [r[proxy.key] for r in members]
            scores = [r["liger_mean"] for r in members]
            rho, _ = rank_correlation(values, scores)
            rho_lift, _ = rank_correlation(values, [r["lift_mean"] for r in members])
            real = [i for i, r in enumerate(members) if r["embedding"] != control]
            rho_real, _ = rank_correlation([values[i] for i in real], [scores[i] for i in real])
            # A tie for the best proxy value is a uniform choice among the tied embeddings: its expected regret.
            chosen = best_indices(values, proxy.better)
            best = int(np.argmax(scores))
            regret = float(np.mean([scores[best] - scores[i] for i in chosen])) if chosen else math.nan
            regrets.append(regret)
            per_dataset.append({
                "proxy": proxy.name, "key": proxy.key, "better": proxy.better, "labels": proxy.labels, "dataset": name,
                "n": int(np.isfinite(values).sum()), "rho_score": rho, "rho_lift": rho_lift,
                # + 0.0: a sign-flipped 0 prints as 0, not -0.
                "rho_oriented": proxy.sign * rho + 0.0, "rho_oriented_without_control": proxy.sign * rho_real + 0.0,
                "pick": "/".join(members[i]["embedding"] for i in chosen) or None,
                "pick_score": float(np.mean([scores[i] for i in chosen])) if chosen else math.nan,
                "best": members[best]["embedding"], "best_score": scores[best], "regret": regret,
            })
        values = np.array([r[proxy.key] for r in rows], dtype=float)
        scores = np.array([r["liger_mean"] for r in rows], dtype=float)
        groups = np.array([r["dataset"] for r in rows])
        both = np.isfinite(values) & np.isfinite(scores)
        rx = within_group_ranks(proxy.sign * values[both], groups[both])
        ry = within_group_ranks(scores[both], groups[both])
        rho, p = rank_correlation(rx, ry)
        raw, raw_p = rank_correlation(values, [r["lift_mean"] for r in rows])
        pooled.append({
            "proxy": proxy.name, "key": proxy.key, "better": proxy.better, "labels": proxy.labels, "dataset": "pooled",
            "n": int(both.sum()), "rho_oriented": rho, "p_scipy": p,
            "p_exact": stratified_permutation_p(rx, ry, groups[both]) if math.isfinite(rho) else math.nan,
            "rho_value_lift_oriented": proxy.sign * raw + 0.0, "p_value_lift": raw_p,
            "regret": float(np.mean(regrets)) if all(math.isfinite(v) for v in regrets) else math.nan,
        })
    references = []
    for picker in ("random pick (expected)", f"always {default_embedding}"):
        regrets, picks = [], []
        for members in by_dataset.values():
            scores = np.array([r["liger_mean"] for r in members], dtype=float)
            if picker.startswith("random"):
                regrets.append(float(np.mean(scores.max() - scores)))
                picks.append(None)
            else:
                chosen = [i for i, r in enumerate(members) if r["embedding"] == default_embedding]
                regrets.append(float(scores.max() - scores[chosen[0]]) if chosen else math.nan)
                picks.append(default_embedding if chosen else None)
        if picker.startswith("always") and default_embedding is None:
            continue
        references.append({"proxy": picker, "regrets": dict(zip(names, regrets)), "picks": dict(zip(names, picks)),
                           "regret": float(np.mean(regrets)) if all(math.isfinite(v) for v in regrets) else math.nan})
    return {"per_dataset": per_dataset, "pooled": pooled, "references": references}


# ------------------------------------------------------------------------------------------- run


def run(cfg: DictConfig, output_dir: str | Path) -> dict:
    """Measure, write and return everything; see the module docstring."""
    started = time.perf_counter()
    settings = cfg.embedding_ranking
    output_dir = Path(output_dir)
    progress = bool(cfg.get("progress", True))
    write_text_atomic(output_dir / "config_resolved.yaml", OmegaConf.to_yaml(cfg, resolve=True))
    seeds = check_seeds(settings.seeds)
    share_range = check_share_range(settings.share_range)
    share, max_radius = float(settings.share), float(settings.max_radius)
    n_bootstrap, confidence, seed = int(settings.n_bootstrap), float(settings.confidence), int(cfg.seed)
    max_points = int(settings.max_points)
    n_jobs = int(settings.n_jobs)
    if n_jobs < 1:
        raise ValueError(f"embedding_ranking.n_jobs is {n_jobs}; expected an integer >= 1 (1 = no worker processes)")
    tune_on = cfg.protocol.tune_on
    cells = [Cell(str(d), str(e)) for d in settings.datasets for e in settings.embeddings]
    if len(set(settings.embeddings)) < 2:
        raise ValueError(f"embedding_ranking.embeddings is {list(settings.embeddings)}; expected at least 2 to rank")
    names = list(dict.fromkeys(c.dataset for c in cells))
    datasets = {name: load_dataset(compose_group(cfg, "dataset", name).dataset, progress=progress) for name in names}
    methods = {name: method_configs(cfg, name, str(settings.baseline)) for name in names}
    for name, dataset in datasets.items():
        if dataset.n_classes != 2:
            raise ValueError(f"embedding_ranking.datasets has {name!r} with {dataset.n_classes} classes; expected binary")

    futures, measured = {}, {}
    with worker_pool(n_jobs) as executor:
        # Largest train split first, so worker processes start the longest fits early.
        for cell in sorted(cells, key=lambda c: -len(datasets[c.dataset]["train"])):
            dataset = datasets[cell.dataset]
            embeddings = load_embeddings(embedding_config(cfg, cell), dataset, cache_dir=cfg.get("cache_dir"),
                                         progress=progress)
            for s in seeds:
                futures[cell, s] = executor.submit(score_methods, dataset, embeddings, methods[cell.dataset],
                                                   seed=s, tune_on=tune_on, hparams=(f"selection_{dataset.metric}",))
            E, y = np.concatenate([embeddings[s] for s in SPLITS]), labeled(dataset)
            pairs = collect_pairs(E, y, max_radius=max_radius, share=max(share_range[1], share))
            gold = smoothness_summary(pairs, y, share_range=share_range, share=share, n_bootstrap=n_bootstrap,
                                      confidence=confidence, seed=seed)
            del pairs
            proxies = train_proxies(dataset, embeddings["train"], methods[cell.dataset]["liger"], share_range=share_range,
                                    share=share, max_points=max_points, max_radius=max_radius, n_bootstrap=n_bootstrap,
                                    confidence=confidence, seed=seed)
            measured[cell] = {"gold": gold, "proxies": proxies, "dim": int(E.shape[1])}
            log.info("%s / %s: proxies measured", cell.dataset, cell.embedding)
        scores = {key: future.result() for key, future in futures.items()}

    rows = [cell_row(cell, datasets[cell.dataset].metric, measured[cell], [scores[cell, s] for s in seeds], seeds)
            for cell in cells]
    control = settings.get("control")
    default = settings.get("default_embedding")
    result = {
        "definition": "docs/embedding_ranking.md",
        "settings": OmegaConf.to_container(settings, resolve=True),
        "seed": seed,
        "methods": methods,
        "extension_levels": [level for level in cfg.method.get("extension_levels", []) if level is not None],
        "cells": rows,
        "rankings": rankings(rows, control=None if control is None else str(control),
                             default_embedding=None if default is None else str(default)),
    }
    write_json_atomic(output_dir / "embedding_ranking.json", finite_or_none(result))
    table_csv, summary_csv, table_md = tables(result)
    figure = draw(result)
    publish(output_dir, texts={"embedding_ranking.csv": table_csv, "embedding_ranking_summary.csv": summary_csv,
                               "embedding_ranking.md": table_md},
            results_dir=settings.table_dir, figures={"embedding_ranking": figure}, figure_dir=settings.figure_dir)
    print("\n" + table_md)
    # Wall time varies between runs: kept out of the result files.
    used = os.times()
    write_json_atomic(output_dir / "timings.json", {
        "wall_s": round(time.perf_counter() - started, 1), "n_jobs": n_jobs,
        "cpu_s": round(used.user + used.system + used.children_user + used.children_system, 1)})
    return result


def cell_row(cell: Cell, metric: str, measured: Mapping, per_seed: Sequence[Mapping], seeds: Sequence[int]) -> dict:
    """One (dataset, embedding): proxies, gold smoothness, Liger's and WS-LM's scores over the seeds."""
    gold, proxies = measured["gold"], measured["proxies"]
    pseudo, extension, levels = proxies["pseudo"], proxies["extension"], proxies["levels"]
    key = METRIC_KEY[metric]
    dev = np.array([s["liger"]["dev"][key] for s in per_seed], dtype=float)
    dev_cv = np.array([s["liger"][f"selection_{metric}"] for s in per_seed], dtype=float)
    return {
        "dataset": cell.dataset, "embedding": cell.embedding, "metric": metric, "dim": measured["dim"],
        "pseudo_covered": pseudo["covered"], "pseudo_points": pseudo["n_points"], "pseudo_subsampled": pseudo["subsampled"],
        "pseudo_class_balance": pseudo["class_balance"][1], "pseudo_positive_share": pseudo["label_shares"][1],
        "pseudo_base_rate": pseudo["base_rate"], "pseudo_mean_m": pseudo["mean_m"],
        "pseudo_mean_m_low": pseudo["mean_m_low"], "pseudo_mean_m_high": pseudo["mean_m_high"],
        "pseudo_mean_m_relative": pseudo["mean_m_relative"],
        "ext_agreement": extension["value"], "ext_agreement_a": extension["agreement"],
        "ext_agreement_chance": extension["chance"], "ext_agreement_n": extension["n_compared"],
        "ext_agreement_levels": levels["value"], "ext_agreement_per_level": levels["per_level"],
        "gold_points": gold["n_points"], "gold_base_rate": gold["base_rate"], "gold_mean_m": gold["mean_m"],
        "gold_mean_m_low": gold["mean_m_low"], "gold_mean_m_high": gold["mean_m_high"],
        "gold_mean_m_relative": gold["mean_m_relative"],
        **{k: v for k, v in lift_summary(per_seed, metric).items()},
        "liger_dev_mean": float(dev.mean()), "liger_dev_cv_mean": float(dev_cv.mean()),
        "liger_choices": "; ".join(f"s={s['liger']['n_partitions']} {level_label(s['liger']['extension_level'])}"
                                   for s in per_seed),
        "per_seed": {str(s): r for s, r in zip(seeds, per_seed)},
    }


# ---------------------------------------------------------------------------------------- outputs

CELL_COLUMNS = [
    "dataset", "metric", "embedding", "dim", "pseudo_covered", "pseudo_points", "pseudo_subsampled",
    "pseudo_class_balance", "pseudo_positive_share", "pseudo_base_rate", "pseudo_mean_m", "pseudo_mean_m_low",
    "pseudo_mean_m_high", "pseudo_mean_m_relative", "ext_agreement", "ext_agreement_a", "ext_agreement_chance",
    "ext_agreement_n", "ext_agreement_levels", "gold_points", "gold_base_rate", "gold_mean_m", "gold_mean_m_low",
    "gold_mean_m_high", "gold_mean_m_relative", "liger_mean", "liger_std", "baseline_mean", "baseline_std", "lift_mean",
    "lift_std", "lift_per_seed", "liger_dev_mean", "liger_dev_cv_mean", "liger_choices",
]
SUMMARY_COLUMNS = ["proxy", "better", "labels", "dataset", "n", "rho_score", "rho_lift", "rho_oriented",
                   "rho_oriented_without_control", "p_scipy", "p_exact", "rho_value_lift_oriented", "p_value_lift",
                   "pick", "pick_score", "best", "best_score", "regret"]


def _signed(value) -> str | None:
    return f"{value:+.2f}" if isinstance(value, float) and math.isfinite(value) else None


def _p(value) -> str | None:
    return f"{value:.3f}" if isinstance(value, float) and math.isfinite(value) else None


def _band(row: Mapping, prefix: str, relative_to: str) -> str:
    value, low, high, base = (row[f"{prefix}_mean_m"], row[f"{prefix}_mean_m_low"], row[f"{prefix}_mean_m_high"],
                              row[relative_to])
    if not (math.isfinite(value) and base > 0):
        return "–"
    if not math.isfinite(low):
        return f"{value / base:.3f}"
    return f"{value / base:.3f} [{low / base:.3f}, {high / base:.3f}]"


def _mean_regret(value: float) -> str:
    # A proxy undefined on some dataset (e.g. one-class pseudo-labels) has no mean regret to compare.
    return f"{value:.3f}" if math.isfinite(value) else "– (undefined on a dataset)"


def _pm(mean: float, std: float) -> str:
    return f"{mean:.3f}" if not math.isfinite(std) else f"{mean:.3f} ± {std:.3f}"


def tables(result: dict) -> tuple[str, str, str]:
    """The cells CSV (source of truth), the rankings CSV, and the Markdown rendered from both."""
    rows = result["cells"]
    flat = [{**{k: v for k, v in r.items() if k not in ("per_seed", "ext_agreement_per_level", "lift_per_seed")},
             "lift_per_seed": ";".join(f"{v:.6f}" for v in r["lift_per_seed"])} for r in rows]
    table_csv = to_csv(flat, CELL_COLUMNS)
    ranking = result["rankings"]
    summary_rows = [*ranking["per_dataset"], *ranking["pooled"],
                    *({"proxy": ref["proxy"], "dataset": name, "pick": ref["picks"][name], "regret": value}
                      for ref in ranking["references"] for name, value in ref["regrets"].items()),
                    *({"proxy": ref["proxy"], "dataset": "pooled", "regret": ref["regret"]} for ref in ranking["references"])]
    summary_csv = to_csv(summary_rows, SUMMARY_COLUMNS)
    return table_csv, summary_csv, markdown(result)


def ranking_rows(ranking: dict, names: list[str], *, control) -> tuple[list[dict], list[dict], list[dict]]:
    """The markdown's rows: each proxy's ρ⁺ per dataset and pooled, each picker's picks and regrets, and ρ⁺
    without the control embedding (empty without one)."""
    per = {(r["proxy"], r["dataset"]): r for r in ranking["per_dataset"]}
    pooled = {r["proxy"]: r for r in ranking["pooled"]}
    rho_rows, regret_rows = [], []
    for proxy in PROXIES:
        p = pooled[proxy.name]
        rho_rows.append({"proxy": proxy.name, "better": proxy.better, "labels read": proxy.labels,
                         **{name: _signed(per[proxy.name, name]["rho_oriented"]) for name in names},
                         # One column for every proxy: a proxy undefined on some cells pools fewer of them.
                         "pooled ρ⁺, within-dataset ranks (cells)": (f"{_signed(p['rho_oriented'])} ({p['n']})"
                                                                     if _signed(p["rho_oriented"]) else "–"),
                         "p (scipy)": _p(p["p_scipy"]), "p (exact, within-dataset permutations)": _p(p["p_exact"]),
                         "pooled ρ⁺, value vs lift": _signed(p["rho_value_lift_oriented"]), "p (value vs lift)": _p(p["p_value_lift"])})
        regret_rows.append({"picker": proxy.name, **{name: f"{per[proxy.name, name]['pick']} ({per[proxy.name, name]['regret']:.3f})"
                                                     if per[proxy.name, name]["pick"] else "–" for name in names},
                            "mean regret": _mean_regret(p["regret"])})
    for ref in ranking["references"]:
        regret_rows.append({"picker": ref["proxy"],
                            **{name: (f"{ref['picks'][name]} ({ref['regrets'][name]:.3f})" if ref["picks"][name]
                                      else f"({ref['regrets'][name]:.3f})") for name in names},
                            "mean regret": _mean_regret(ref["regret"])})
    without = []
    if control:
        for proxy in PROXIES:
            without.append({"proxy": proxy.name, **{name: _signed(per[proxy.name, name]["rho_oriented_without_control"])
                                                     for name in names}})
    return rho_rows, regret_rows, without


def cell_rows(rows: list[dict]) -> list[dict]:
    """The markdown's last table: per dataset and embedding, the proxies, the scores and Liger's choices."""
    return [{"dataset": r["dataset"], "embedding": r["embedding"],
             "pseudo M̂ / base [band]": _band(r, "pseudo", "pseudo_base_rate"),
             "ext. agreement a − p_e (a, p_e)": (f"{r['ext_agreement']:+.3f} ({r['ext_agreement_a']:.3f}, "
                                                 f"{r['ext_agreement_chance']:.3f})" if math.isfinite(r["ext_agreement"]) else "–"),
             "ext. agreement, levels": _signed3(r["ext_agreement_levels"]),
             "gold M̂ / base [band]": _band(r, "gold", "gold_base_rate"),
             "Liger test": _pm(r["liger_mean"], r["liger_std"]), "WS-LM test": _pm(r["baseline_mean"], r["baseline_std"]),
             "lift": _pm(r["lift_mean"], r["lift_std"]), "Liger dev CV": f"{r['liger_dev_cv_mean']:.3f}",
             "Liger's choices": r["liger_choices"]} for r in rows]


def pseudo_label_rows(rows: list[dict], names: list[str]) -> list[dict]:
    """One row per dataset: the pseudo-labels' coverage, class balance and base rate against gold."""
    return [{"dataset": name, "covered train rows": r["pseudo_covered"], "rows used": r["pseudo_points"],
             "label model's P(class 1)": f"{r['pseudo_class_balance']:.3f}",
             "pseudo-labels of class 1": f"{r['pseudo_positive_share']:.3f}",
             "pseudo base rate": _p(r["pseudo_base_rate"]),
             "gold base rate (dev + test)": f"{r['gold_base_rate']:.3f}"}
            for name in names for r in [next(x for x in rows if x["dataset"] == name)]]


def markdown(result: dict) -> str:
    settings, rows = result["settings"], result["cells"]
    names = list(dict.fromkeys(r["dataset"] for r in rows))
    n_embeddings = len(rows) // len(names)
    lo, hi = settings["share_range"]
    seeds = ", ".join(str(s) for s in settings["seeds"])
    control = settings.get("control")
    rho_rows, regret_rows, without = ranking_rows(result["rankings"], names, control=control)
    shown, pseudo_info = cell_rows(rows), pseudo_label_rows(rows, names)
    subsampled = [name for name in names if any(r["pseudo_subsampled"] for r in rows if r["dataset"] == name)]
    levels = ", ".join(level_label(q) for q in result["extension_levels"])
    return (
        "# Choosing an embedding without labels\n\n"
        "Made by `liger-run experiment=embedding_ranking` (conf/experiment/embedding_ranking.yaml; docs/embedding_ranking.md).\n"
        "Figure: results/figures/embedding_ranking.{png,pdf}. Rankings also in results/embedding_ranking_summary.csv.\n\n"
        "Label-free proxies, from the train split's votes and embeddings only:\n\n"
        f"* **pseudo-label smoothness** (lower = smoother): mean M̂ over the closest {100 * lo:g}% to {100 * hi:g}% of all pairs\n"
        "  of covered train points (41 log-spaced shares; the smoothness study's scale-free summary), with the label model's\n"
        "  hard labels (class balance estimated from the train votes, no dev labels) in place of gold labels, divided by the\n"
        f"  pseudo-labels' base rate. At most {settings['max_points']} points (a seeded subsample beyond that; "
        f"{'subsampled: ' + ', '.join(subsampled) if subsampled else 'no dataset needed it'}).\n"
        "* **extension agreement** a − p_e (higher = better): pooled over LFs, the share of abstaining train points whose\n"
        "  vote borrowed from the nearest voting train neighbour equals the other LFs' majority (a), minus chance agreement p_e.\n"
        f"* **extension agreement, Liger's levels** (secondary; higher = better): a − p_e of the votes each level of Liger's grid\n"
        f"  adds ({levels}: share of each LF's abstains extended), averaged over the levels.\n\n"
        "References that read labels: **gold-label smoothness** (smoothness_lift's: dev + test gold labels, lower = smoother) and\n"
        "**Liger's dev CV score** (the 5-fold cross-validated dev metric of its chosen configuration, mean over seeds: what one\n"
        "would pick by with the dev labels; optimistic, being the best of the grid).\n\n"
        f"Target: Liger's test metric (accuracy or F1, the dataset's), hyperparameters and class balances chosen on dev, mean over\n"
        f"seeds {seeds}; lift = Liger − WS-LM (`{settings['baseline']}`). Embeddings composed with seed {result['seed']}.\n\n"
        "## Does the proxy order the embeddings as Liger's test score does?\n\n"
        "ρ⁺: Spearman ρ of the proxy with Liger's mean test score, sign-flipped for a lower-is-better proxy, so +1 = the\n"
        f"proxy's order is Liger's and −1 the reverse. Per dataset over its {n_embeddings} embeddings: with {n_embeddings} points ρ moves in steps of "
        f"{12 / (n_embeddings ** 3 - n_embeddings):.1g},\n"
        f"and ρ = +1 has probability 1/{math.factorial(n_embeddings)} when there is no association. Within a dataset WS-LM does not depend on the\n"
        "embedding, so ρ against the lift equals ρ against the score (both are in the summary CSV). Pooled: Spearman over all cells\n"
        "of within-dataset ranks (no dataset's metric or level enters; it equals the mean of the per-dataset ρ⁺ when no dataset\n"
        "has ties), with scipy's p (t approximation, treats the cells as independent) and the exact p of permuting the embeddings\n"
        "within each dataset. \"Value vs lift\": the proxy's value pooled against the lift, as smoothness_lift pools (between-dataset\n"
        "differences enter; the lifts mix accuracy and F1).\n\n"
        + format_table(rho_rows, list(rho_rows[0]))
        + (f"\nWithout the `{control}` control ({n_embeddings - 1} points per dataset"
           f"{': ρ⁺ ∈ {−1, −0.5, +0.5, +1}' if n_embeddings == 4 else ''}):\n\n"
           + format_table(without, list(without[0])) if without else "")
        + "\n## What the pick costs\n\n"
        "Per dataset: the embedding each picker chooses (best proxy value; `a/b/…` = a tie, counted as a uniform choice among\n"
        "them, so the regret is their mean) and, in brackets, its regret: the best\n"
        "embedding's mean Liger test score minus the pick's (the dataset's metric, 0–1). Mean regret averages over datasets\n"
        "(mixing accuracy and F1). Random pick: the expected regret of a uniform choice.\n\n"
        + format_table(regret_rows, list(regret_rows[0]))
        + "\n## Pseudo-labels\n\n"
        "The label model's class balance and pseudo-labels depend on the train votes only, so they are one per dataset.\n\n"
        + format_table(pseudo_info, list(pseudo_info[0]))
        + "\n## Per dataset and embedding\n\n"
        "M̂ / base: mean M̂ divided by the base rate (1 = labels unrelated to the embedding); brackets: 95% percentile bootstrap\n"
        f"over points ({settings['n_bootstrap']} resamples). Liger's choices per seed: s = parts, then the share of abstains extended.\n\n"
        + format_table(shown, list(shown[0]))
    )


def _signed3(value) -> str:
    return f"{value:+.3f}" if isinstance(value, float) and math.isfinite(value) else "–"


def draw(result: dict):
    """Rows: the label-free proxies and the gold reference; columns: each dataset (Liger's test score against the
    proxy) and the regret of each dataset's pick."""
    rows = result["cells"]
    names = list(dict.fromkeys(r["dataset"] for r in rows))
    embeddings = list(dict.fromkeys(r["embedding"] for r in rows))
    colors = embedding_colours(embeddings)
    per = {(r["proxy"], r["dataset"]): r for r in result["rankings"]["per_dataset"]}
    pooled = {r["proxy"]: r for r in result["rankings"]["pooled"]}
    shown = [*LABEL_FREE, next(p for p in PROXIES if p.key == "gold_mean_m_relative")]
    fig = new_figure(figsize=(3.3 * (len(names) + 1), 2.9 * len(shown) + 0.8), layout="constrained")
    axes = np.asarray(fig.subplots(len(shown), len(names) + 1)).reshape(len(shown), len(names) + 1)
    for i, proxy in enumerate(shown):
        for j, name in enumerate(names):
            ax = axes[i, j]
            for r in (r for r in rows if r["dataset"] == name):
                if not math.isfinite(r[proxy.key]):
                    continue
                yerr = r["liger_std"] if math.isfinite(r["liger_std"]) else None
                ax.errorbar([r[proxy.key]], [r["liger_mean"]], yerr=yerr, color=colors[r["embedding"]], marker="o",
                            ms=6, lw=1, capsize=2)
            entry = per[proxy.name, name]
            for chosen in (r for r in rows if r["dataset"] == name and r["embedding"] in (entry["pick"] or "").split("/")):
                ax.plot([chosen[proxy.key]], [chosen["liger_mean"]], ls="", marker="o", ms=13, mfc="none", mec="0.2")
            ax.grid(alpha=0.3)
            if proxy.better == "lower":
                ax.invert_xaxis()  # better to the right in every panel
            ax.set_title(f"{name}: ρ⁺ = {_signed(entry['rho_oriented']) or 'n/a'}, regret {entry['regret']:.3f}", fontsize=9)
            ax.set_xlabel(f"{proxy.name} ({proxy.better} = better)", fontsize=8)
            if j == 0:
                ax.set_ylabel("Liger test metric\n(mean ± std over seeds)", fontsize=9)
        ax = axes[i, -1]
        regrets = [per[proxy.name, name]["regret"] for name in names]
        ax.bar(np.arange(len(names)), [v if math.isfinite(v) else 0.0 for v in regrets], color="0.5")
        ax.set_xticks(np.arange(len(names)), names, fontsize=8)
        ax.set_ylabel("regret (best − pick)", fontsize=9)
        p = pooled[proxy.name]
        ax.set_title(f"mean regret {_mean_regret(p['regret'])}; pooled ρ⁺ = {_signed(p['rho_oriented']) or 'n/a'}", fontsize=9)
        ax.grid(alpha=0.3, axis="y")
    handles = [axes[0, 0].plot([], [], ls="", marker="o", color=colors[e], label=LABELS.get(e, e))[0] for e in embeddings]
    handles.append(axes[0, 0].plot([], [], ls="", marker="o", ms=11, mfc="none", mec="0.2", label="the proxy's pick")[0])
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=9)
    fig.suptitle("Ranking embeddings without labels: Liger's test score (y) against each proxy (x; better to the right). "
                 "Last row: the gold-label reference.", fontsize=11)
    return fig
