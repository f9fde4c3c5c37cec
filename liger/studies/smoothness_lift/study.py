"""``experiment=smoothness_lift``: is Liger's lift over WS-LM larger in a smoother embedding? And spouse prompts.

    liger-run experiment=smoothness_lift [smoothness_lift.n_jobs=2]

**Lift against smoothness.** For each dataset in ``smoothness_lift.datasets`` and embedding in
``smoothness_lift.embeddings``:

* smoothness: the smoothness study's scale-free summary (docs/smoothness.md, "Summaries"), the mean of
  M̂ at the radius holding each share f of all pairs of labeled points (dev + test, gold labels), over
  41 shares log-spaced in ``share_range`` (default 0.1% to 10%, the study's ``area_pair_fraction_range``),
  with a percentile bootstrap band over points; also M̂ at the single share ``share``. Dividing by the
  dataset's base rate (1 = labels unrelated to the embedding) puts datasets on one axis for pooling;
  within a dataset it changes no rank.
* lift: the test metric (the dataset's: accuracy or F1) of the run's ``method`` (Liger) minus that of
  ``conf/method/<baseline>.yaml`` (WS-LM, ``label_model``), both through
  ``liger.harness.methods.fit_and_score`` with hyperparameters and class balances chosen on dev, one fit
  per seed in ``seeds``; mean and sample std over seeds of the per-seed differences.

Each embedding is composed once per dataset with the run's ``seed`` (it matters for ``random`` and
``tfidf``); the seeds move the methods only (k-means parts, CV folds), so the smoothness and the lift
describe the same vectors. A ``liger-run seed=s`` run differs in that it also re-draws those two
embeddings.

Spearman rank correlations of smoothness and mean lift: per dataset (4 points each by default, so
rho moves in steps of 0.2) and pooled over all (dataset, embedding) points (relative smoothness;
the lifts mix accuracy and F1).

**Spouse prompts** (``smoothness_lift.spouse_prompts``; ``null`` skips it). The spouse texts
embedded as they are and inside templates that name the candidate's two people (``{person1}``,
``{person2}``, from the loader's ``extra["text_fields"]``; ``liger.embed.embed_dataset``). The
template is part of the embedding cache key. Per variant and embedding: the smoothness curves
(against r and against the share of pairs), the same summary, Liger's and WS-LM's test F1 over the
seeds. A variant equal to a cell of the lift part (no prompt) is computed once and shared.

Writes into the run folder ``smoothness_lift.json`` (every seed's scores, chosen hyperparameters,
curves and settings), the tables and figures; copies of ``smoothness_lift.{csv,md}`` and
``spouse_prompts.{csv,md}`` to ``table_dir``, of ``smoothness_lift.{png,pdf}`` and
``spouse_prompts.{png,pdf}`` to ``figure_dir``. Fits run in ``n_jobs`` worker processes (1 = in
this process); every fit is independent and seeded, so the files do not depend on ``n_jobs``.
"""

from __future__ import annotations

import copy
import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from omegaconf import DictConfig, OmegaConf, open_dict
from scipy.stats import spearmanr

from liger.analysis.lf_summary import format_table
from liger.harness.config_check import validate_config
from liger.data.dataset import Dataset
from liger.embed import prompted_texts
from liger.harness.methods import fit_and_score
from liger.harness.figures import new_figure
from liger.io import finite_or_none, write_json_atomic, write_text_atomic
from liger.harness.runner import load_dataset, load_embeddings
from liger.analysis.smoothness import (
    LabelPairs,
    base_rate,
    bootstrap_replicates,
    curve_from_pairs,
    label_pairs,
    normalized_area,
    percentile_band,
    radii_at_pair_fractions,
)
from liger.studies.common import AREA_POINTS, embedding_colours, grid, LABELS, level_label, plot_smoothness_curve, publish, to_csv, with_group, worker_pool

log = logging.getLogger(__name__)
SPLITS = ("dev", "test")
#: The largest cosine distance: every pair of rows lies within it.
ALL_PAIRS = 2.0
METRIC_KEY = {"accuracy": "acc", "f1": "f1"}


@dataclass(frozen=True)
class Cell:
    """One embedding of one dataset: ``prompt`` is a template (None = the texts as they are)."""

    dataset: str
    embedding: str
    prompt: str | None = None


# ------------------------------------------------------------------------------------ smoothness


def collect_pairs(E: np.ndarray, y: np.ndarray, *, max_radius: float, share: float) -> LabelPairs:
    """Pairs within ``max_radius``, or all pairs when fewer than a ``share`` of them lie within it."""
    pairs = label_pairs(E, y, max_radius)
    if pairs.distance.shape[0] < max(1, math.ceil(share * pairs.n_all_pairs)):
        pairs = label_pairs(E, y, ALL_PAIRS)
    return pairs


def pairs_within(pairs: LabelPairs, radius: float) -> LabelPairs:
    """The pairs with distance <= ``radius`` (a prefix: pairs are sorted by distance)."""
    if radius > pairs.max_radius:
        raise ValueError(f"radius is {radius} but the pairs were collected up to {pairs.max_radius}; expected radius <= it")
    end = int(np.searchsorted(pairs.distance, radius, side="right"))
    return LabelPairs(pairs.distance[:end], pairs.first[:end], pairs.second[:end], pairs.differ[:end],
                      pairs.n_points, float(radius))


def smoothness_summary(
    pairs: LabelPairs,
    y: np.ndarray,
    *,
    share_range: tuple[float, float],
    share: float,
    n_bootstrap: int,
    confidence: float,
    seed: int,
) -> dict:
    """The scale-free summary of ``pairs`` (labels ``y``), its band, M̂ at ``share``, and the base rate.

    ``mean_m`` is the smoothness study's ``area_pair_fraction``: the trapezoid mean of M̂ at the radii
    holding 41 log-spaced shares of all pairs in ``share_range``, over log10 of the share. NaN where a
    share lies beyond the pairs collected.
    """
    shares = np.geomspace(*share_range, AREA_POINTS)
    radii = radii_at_pair_fractions(pairs, shares)
    out = {"n_points": pairs.n_points, "n_all_pairs": pairs.n_all_pairs, "base_rate": base_rate(y),
           "mean_m": math.nan, "mean_m_low": math.nan, "mean_m_high": math.nan}
    if np.isfinite(radii).all():
        # Resamples reweigh only the pairs up to the largest radius used, and draw the same counts.
        within = pairs_within(pairs, float(radii[-1]))
        x = np.log10(shares)
        out["mean_m"] = float(normalized_area(x, curve_from_pairs(within, radii, n_bootstrap=0).m))
        if n_bootstrap > 0:
            areas = normalized_area(x, bootstrap_replicates(within, radii, n_bootstrap=n_bootstrap, seed=seed))
            low, high = percentile_band(areas[:, None], confidence)
            out["mean_m_low"], out["mean_m_high"] = float(low[0]), float(high[0])
    at_share = radii_at_pair_fractions(pairs, [share])
    out["m_at_share"] = (float(curve_from_pairs(pairs, at_share, n_bootstrap=0).m[0])
                         if np.isfinite(at_share).all() else math.nan)
    for key in ("mean_m", "mean_m_low", "mean_m_high", "m_at_share"):
        out[f"{key}_relative"] = out[key] / out["base_rate"]
    return out


def smoothness_curves(pairs: LabelPairs, *, radii: np.ndarray, fractions: np.ndarray, n_bootstrap: int,
                      confidence: float, seed: int) -> dict:
    """M̂ with bands against cosine distance (``radii``) and against the share of pairs within r (``fractions``)."""
    curves = {}
    by_radius = curve_from_pairs(pairs_within(pairs, float(radii[-1])), radii, n_bootstrap=n_bootstrap,
                                 confidence=confidence, seed=seed)
    fraction_radii = radii_at_pair_fractions(pairs, fractions)
    reachable = np.isfinite(fraction_radii)
    by_share = curve_from_pairs(pairs_within(pairs, float(fraction_radii[reachable][-1])), fraction_radii[reachable],
                                n_bootstrap=n_bootstrap, confidence=confidence, seed=seed)
    for name, curve, extra in (
        ("radius", by_radius, {}),
        ("pair_fraction", by_share, {"fractions": fractions[reachable].tolist(),
                                     "share_within": (by_share.n_pairs / pairs.n_all_pairs).tolist()}),
    ):
        curves[name] = {"radii": curve.radii.tolist(), "m": curve.m.tolist(), "low": curve.low.tolist(),
                        "high": curve.high.tolist(), "n_pairs": curve.n_pairs.tolist(), **extra}
    return curves


# ------------------------------------------------------------------------------------------- lift


def score_methods(dataset: Dataset, embeddings: Mapping[str, np.ndarray], methods: Mapping[str, Mapping], *,
                  seed: int, tune_on: str, hparams: Sequence[str] = ()) -> dict:
    """Each method fitted and scored by ``fit_and_score`` with one seed: dev and test scores, choices.

    ``hparams``: further keys of the fit's chosen hyperparameters to keep (None where a method has none).
    Module-level, so worker processes can run it.
    """
    out = {}
    for role, method in methods.items():
        result = fit_and_score(method, dataset, embeddings, seed=seed, tune_on=tune_on, progress=False)
        out[role] = {
            "dev": result["dev"],
            "test": result["test"],
            "n_partitions": result["hparams"].get("n_partitions"),
            "extension_level": result["hparams"].get("extension_level"),
            "fallbacks": len(result["fallbacks"]),
            **{key: result["hparams"].get(key) for key in hparams},
        }
    return out


def lift_summary(per_seed: Sequence[Mapping], metric: str) -> dict:
    """Mean and sample std over seeds of Liger's, the baseline's and their difference's test metric."""
    key = METRIC_KEY[metric]
    values = {
        "liger": np.array([s["liger"]["test"][key] for s in per_seed], dtype=float),
        "baseline": np.array([s["baseline"]["test"][key] for s in per_seed], dtype=float),
    }
    values["lift"] = values["liger"] - values["baseline"]
    out = {}
    for name, v in values.items():
        out[f"{name}_mean"] = float(v.mean())
        out[f"{name}_std"] = float(v.std(ddof=1)) if v.size > 1 else math.nan
    out["lift_per_seed"] = values["lift"].tolist()
    return out


def rank_correlation(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    """Spearman's rho and scipy's two-sided p-value over the pairs where both are finite.

    (NaN, NaN) with fewer than 3 such pairs or a constant side.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    both = np.isfinite(x) & np.isfinite(y)
    x, y = x[both], y[both]
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan, math.nan
    result = spearmanr(x, y)
    return float(result.statistic), float(result.pvalue)


def correlations(rows: Sequence[Mapping]) -> list[dict]:
    """Spearman of smoothness and mean lift per dataset, then pooled over every row (relative smoothness)."""
    groups = {}
    for row in rows:
        groups.setdefault(row["dataset"], []).append(row)
    out = []
    for name, members in [*groups.items(), ("pooled", list(rows))]:
        lift = [r["lift_mean"] for r in members]
        rho, p = rank_correlation([r["mean_m_relative"] for r in members], lift)
        rho_at_share, _ = rank_correlation([r["m_at_share_relative"] for r in members], lift)
        out.append({"dataset": name, "n": len(members), "rho_mean_m": rho, "rho_m_at_share": rho_at_share, "p_mean_m": p})
    return out


# ------------------------------------------------------------------------------------ composition


def compose_group(root: DictConfig, group: str, name: str) -> DictConfig:
    """A copy of the run config with ``conf/<group>/<name>.yaml`` as ``<group>`` (``common.with_group``)."""
    return with_group(root, group, name, named_by=f"smoothness_lift names {group}")


def method_configs(cfg: DictConfig, dataset: str, baseline: str) -> dict[str, dict]:
    """``{"liger": the run's method, "baseline": conf/method/<baseline>}``, resolved against ``dataset``."""
    root = compose_group(cfg, "dataset", dataset)
    methods = {"liger": root.method, "baseline": compose_group(root, "method", baseline).method}
    out = {}
    for role, method in methods.items():
        checked = copy.deepcopy(root)
        with open_dict(checked):
            checked.method = method
        validate_config(checked)
        out[role] = OmegaConf.to_container(checked.method, resolve=True)
    return out


def embedding_config(cfg: DictConfig, cell: Cell) -> DictConfig:
    """``conf/embedding/<cell.embedding>.yaml`` in the run config with ``dataset=<cell.dataset>``, prompt set."""
    root = compose_group(compose_group(cfg, "dataset", cell.dataset), "embedding", cell.embedding)
    with open_dict(root):
        root.embedding.prompt = cell.prompt
    return root.embedding


def labeled(dataset: Dataset) -> np.ndarray:
    return np.concatenate([dataset[s].y for s in SPLITS])


def same_text_pairs(dataset: Dataset) -> dict:
    """Pairs of labeled rows with the same text (spouse: candidates of one sentence), and how many differ in label."""
    groups = {}
    for text, label in zip((t for s in SPLITS for t in dataset[s].texts), labeled(dataset)):
        groups.setdefault(text, []).append(int(label))
    pairs = differ = 0
    for labels in groups.values():
        k, positive = len(labels), sum(labels)
        pairs += k * (k - 1) // 2
        differ += positive * (k - positive)
    return {"pairs": pairs, "differ": differ}


# ------------------------------------------------------------------------------------------- run


def run(cfg: DictConfig, output_dir: str | Path) -> dict:
    """Measure, write and return everything; see the module docstring."""
    started = time.perf_counter()
    settings = cfg.smoothness_lift
    output_dir = Path(output_dir)
    progress = bool(cfg.get("progress", True))
    write_text_atomic(output_dir / "config_resolved.yaml", OmegaConf.to_yaml(cfg, resolve=True))
    seeds = check_seeds(settings.seeds)
    share_range = check_share_range(settings.share_range)
    share = float(settings.share)
    n_bootstrap, confidence, seed = int(settings.n_bootstrap), float(settings.confidence), int(cfg.seed)
    n_jobs = int(settings.n_jobs)
    if n_jobs < 1:
        raise ValueError(f"smoothness_lift.n_jobs is {n_jobs}; expected an integer >= 1 (1 = no worker processes)")
    tune_on = cfg.protocol.tune_on
    max_radius = float(settings.max_radius)

    lift_cells, variants, radii, fractions = plan_cells(settings)
    cells = list(dict.fromkeys([*lift_cells, *variants.values()]))
    if not cells:
        raise ValueError("smoothness_lift has no datasets and no spouse_prompts; expected something to measure")

    names = list(dict.fromkeys(c.dataset for c in cells))
    datasets = {name: load_dataset(compose_group(cfg, "dataset", name).dataset, progress=progress) for name in names}
    methods = {name: method_configs(cfg, name, str(settings.baseline)) for name in names}
    for name, dataset in datasets.items():
        if dataset.n_classes != 2:
            raise ValueError(f"smoothness_lift.datasets has {name!r} with {dataset.n_classes} classes; expected binary datasets")
    # Largest train split first, so the workers' longest fits start early.
    cells.sort(key=lambda c: -len(datasets[c.dataset]["train"]))

    futures, smoothness = {}, {}
    with worker_pool(n_jobs) as executor:
        for cell in cells:
            dataset = datasets[cell.dataset]
            embeddings = load_embeddings(embedding_config(cfg, cell), dataset, cache_dir=cfg.get("cache_dir"), progress=progress)
            for s in seeds:
                futures[cell, s] = executor.submit(score_methods, dataset, embeddings, methods[cell.dataset],
                                                   seed=s, tune_on=tune_on)
            # Measured here while the workers fit.
            curves = (radii, fractions) if cell in set(variants.values()) else None
            smoothness[cell] = measure_smoothness(dataset, embeddings, share_range=share_range, share=share,
                                                  max_radius=max_radius, curves=curves, n_bootstrap=n_bootstrap,
                                                  confidence=confidence, seed=seed)
        scores = {key: future.result() for key, future in futures.items()}

    result = assemble(settings, seed=seed, seeds=seeds, datasets=datasets, methods=methods, lift_cells=lift_cells,
                      variants=variants, smoothness=smoothness, scores=scores)
    lift_rows, prompt_rows = result["lift"], result.get("spouse_prompts", {}).get("rows", [])
    write_json_atomic(output_dir / "smoothness_lift.json", finite_or_none(result))
    outputs = []
    if lift_rows:
        outputs.append(("smoothness_lift", *lift_tables(result), draw_lift(result)))
    if prompt_rows:
        outputs.append(("spouse_prompts", *prompt_tables(result), draw_prompts(result)))
    for stem, table_csv, table_md, figure in outputs:
        publish(output_dir, texts={f"{stem}.csv": table_csv, f"{stem}.md": table_md}, results_dir=settings.table_dir,
                figures={stem: figure}, figure_dir=settings.figure_dir)
        print("\n" + table_md)
    # Wall time varies between runs: kept out of the result files.
    used = os.times()  # the workers have exited: their CPU time is in the children's share
    write_json_atomic(output_dir / "timings.json", {
        "wall_s": round(time.perf_counter() - started, 1), "n_jobs": n_jobs,
        "cpu_s": round(used.user + used.system + used.children_user + used.children_system, 1)})
    return result


def assemble(settings: DictConfig, *, seed: int, seeds: list[int], datasets: dict, methods: dict, lift_cells: list[Cell],
             variants: dict, smoothness: dict, scores: dict) -> dict:
    """The result: per cell its smoothness, Liger's lift over the baseline per seed and in summary, the correlations."""
    prompts = settings.get("spouse_prompts")

    def measured(cell: Cell) -> dict:
        metric = datasets[cell.dataset].metric
        per_seed = [scores[cell, s] for s in seeds]
        return {**smoothness[cell], **lift_summary(per_seed, metric), "metric": metric,
                "liger_choices": [{"seed": s, "n_partitions": r["liger"]["n_partitions"],
                                   "extension_level": r["liger"]["extension_level"]} for s, r in zip(seeds, per_seed)],
                "per_seed": {str(s): r for s, r in zip(seeds, per_seed)}}

    lift_rows = [{"dataset": c.dataset, "embedding": c.embedding, **measured(c)} for c in lift_cells]
    prompt_rows = [{"variant": name, "embedding": embedding, "prompt": cell.prompt, **measured(cell)}
                   for (name, embedding), cell in variants.items()]
    result = {
        "definition": "docs/smoothness.md, 'Smoothness and Liger's lift'",
        "settings": OmegaConf.to_container(settings, resolve=True),
        "seed": seed,
        # Per dataset: {"liger": the run's method, "baseline": WS-LM}, as fitted (interpolations resolved).
        "methods": methods,
        "lift": lift_rows,
        "correlations": correlations(lift_rows) if lift_rows else [],
    }
    if prompt_rows:
        spouse = datasets[str(prompts.dataset)]
        result["spouse_prompts"] = {
            "dataset": str(prompts.dataset),
            "rows": prompt_rows,
            "same_text_pairs": same_text_pairs(spouse),
            "examples": {name: prompted_texts(template, spouse["dev"].texts[:1],
                                              {k: v[:1] for k, v in spouse.extra.get("text_fields", {}).get("dev", {}).items()})[0]
                         for name, template in prompts.prompts.items()},
        }
    return result


def plan_cells(settings: DictConfig) -> tuple[list[Cell], dict[tuple[str, str], Cell], np.ndarray, np.ndarray]:
    """The lift cells (dataset × embedding), the spouse prompt variants by (name, embedding), and the prompt
    curves' radii and pair fractions (placeholders without prompts)."""
    lift_cells = [Cell(str(d), str(e)) for d in settings.datasets for e in settings.embeddings]
    prompts = settings.get("spouse_prompts")
    variants, radii, fractions = {}, np.zeros(1), np.ones(1)
    if prompts is not None:
        radii = grid("smoothness_lift.spouse_prompts.radii", prompts.radii)
        fractions = grid("smoothness_lift.spouse_prompts.pair_fractions", prompts.pair_fractions, geometric=True)
        for name, template in prompts.prompts.items():
            for embedding in prompts.embeddings:
                variants[(str(name), str(embedding))] = Cell(str(prompts.dataset), str(embedding),
                                                             None if template is None else str(template))
    return lift_cells, variants, radii, fractions


def measure_smoothness(dataset, embeddings: dict, *, share_range: tuple[float, float], share: float, max_radius: float,
                       curves: tuple[np.ndarray, np.ndarray] | None, n_bootstrap: int, confidence: float, seed: int) -> dict:
    """One cell's smoothness summary on its labelled points; with ``curves`` = (radii, fractions), its curves too."""
    E = np.concatenate([embeddings[s] for s in SPLITS])
    y = labeled(dataset)
    radii, fractions = curves if curves is not None else (None, None)
    pairs = collect_pairs(E, y, max_radius=max(max_radius, radii[-1]) if curves else max_radius,
                          share=max(share_range[1], share, fractions[-1]) if curves else max(share_range[1], share))
    entry = smoothness_summary(pairs, y, share_range=share_range, share=share, n_bootstrap=n_bootstrap,
                               confidence=confidence, seed=seed)
    entry["dim"] = int(E.shape[1])
    if curves:
        entry["curves"] = smoothness_curves(pairs, radii=radii, fractions=fractions, n_bootstrap=n_bootstrap,
                                            confidence=confidence, seed=seed)
    return entry


def check_seeds(seeds) -> list[int]:
    seeds = list(seeds)
    if not seeds or len(set(seeds)) != len(seeds) or any(
            not isinstance(s, (int, np.integer)) or isinstance(s, bool) or s < 0 for s in seeds):
        raise ValueError(f"smoothness_lift.seeds is {seeds}; expected a non-empty list of distinct integers >= 0")
    return [int(s) for s in seeds]


def check_share_range(spec) -> tuple[float, float]:
    values = [float(v) for v in spec]
    if len(values) != 2 or not 0 < values[0] < values[1] <= 1:
        raise ValueError(f"smoothness_lift.share_range is {values}; expected [low, high] with 0 < low < high <= 1")
    return values[0], values[1]


# ---------------------------------------------------------------------------------------- outputs


def _pm(mean: float, std: float) -> str:
    return f"{mean:.3f}" if not math.isfinite(std) else f"{mean:.3f} ± {std:.3f}"


def _signed(value: float) -> str | None:
    return f"{value:+.2f}" if math.isfinite(value) else None


def _banded(row: Mapping, key: str) -> str:
    value, low, high = row[key], row[f"{key}_low"], row[f"{key}_high"]
    if not math.isfinite(value):
        return "–"
    return f"{value:.3f} [{low:.3f}, {high:.3f}]" if math.isfinite(low) else f"{value:.3f}"


def _choices(row: Mapping) -> str:
    """Liger's (parts, extension level) per seed, e.g. ``s=8 q=0.4; s=4 q=none``."""
    return "; ".join(f"s={c['n_partitions']} {level_label(c['extension_level'])}" for c in row["liger_choices"])


def _flat(row: Mapping) -> dict:
    out = {k: v for k, v in row.items() if k not in ("per_seed", "liger_choices", "lift_per_seed", "curves")}
    out["lift_per_seed"] = ";".join(f"{v:.6f}" for v in row["lift_per_seed"])
    out["liger_choices"] = _choices(row)
    return out


SUMMARY_COLUMNS = ["n_points", "base_rate", "dim", "mean_m", "mean_m_low", "mean_m_high", "mean_m_relative",
                   "m_at_share", "m_at_share_relative", "liger_mean", "liger_std", "baseline_mean", "baseline_std",
                   "lift_mean", "lift_std", "lift_per_seed", "liger_choices"]


def _header(result: dict) -> tuple[str, str]:
    settings = result["settings"]
    lo, hi = settings["share_range"]
    level = round(100 * settings["confidence"])
    smooth = (f"Smoothness: mean M̂ over the closest {100 * lo:g}% to {100 * hi:g}% of all pairs of labeled points\n"
              f"(dev + test gold labels; 41 log-spaced shares; the smoothness study's scale-free summary, docs/smoothness.md);\n"
              f"lower = smoother. \"/ base\": divided by the dataset's base rate P(labels differ), so 1 = labels unrelated\n"
              f"to the embedding. Brackets: {level}% percentile bootstrap over points ({settings['n_bootstrap']} resamples, seed "
              f"{result['seed']}). M̂ at {100 * settings['share']:g}%: at the single radius holding that share of pairs.")
    seeds = ", ".join(str(s) for s in settings["seeds"])
    liger_name = next(iter(result["methods"].values()))["liger"]["name"]
    lift = (f"Scores: test metric (accuracy or F1, the dataset's) of Liger (`method={liger_name}`) and\n"
            f"WS-LM (`{settings['baseline']}`), hyperparameters and class balances chosen on dev by\n"
            f"`liger.harness.methods.fit_and_score`; mean ± sample std over seeds {seeds}. Lift = Liger − WS-LM per seed.\n"
            f"Embeddings composed with seed {result['seed']} (the seeds move the methods only). Liger's choices per seed:\n"
            f"s = parts, then the share of abstains extended.")
    return smooth, lift


def _shown(value):
    """A table cell: NaN shows as a dash, like a missing value."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def lift_tables(result: dict) -> tuple[str, str]:
    """``smoothness_lift`` as CSV (the source of truth) and Markdown rendered from the same rows."""
    rows = [_flat(r) for r in result["lift"]]
    table_csv = to_csv(rows, ["dataset", "metric", "embedding", *SUMMARY_COLUMNS])
    smooth, lift = _header(result)
    share = f"M̂ at {100 * result['settings']['share']:g}% / base"
    shown = [{"dataset": r["dataset"], "metric": r["metric"], "embedding": r["embedding"],
              "mean M̂ [band]": _banded(r, "mean_m"), "/ base": _shown(r["mean_m_relative"]),
              share: _shown(r["m_at_share_relative"]),
              "Liger": _pm(r["liger_mean"], r["liger_std"]), "WS-LM": _pm(r["baseline_mean"], r["baseline_std"]),
              "lift": _pm(r["lift_mean"], r["lift_std"]), "Liger's choices": r["liger_choices"]} for r in rows]
    rho = [{"dataset": c["dataset"], "points": c["n"], "ρ (mean M̂)": _signed(c["rho_mean_m"]),
            f"ρ ({share})": _signed(c["rho_m_at_share"]),
            "p (mean M̂)": f"{c['p_mean_m']:.3f}" if c["dataset"] == "pooled" and math.isfinite(c["p_mean_m"]) else None}
           for c in result["correlations"]]
    markdown = (
        "# Label smoothness against Liger's lift over WS-LM\n\n"
        "Made by `liger-run experiment=smoothness_lift` (conf/experiment/smoothness_lift.yaml; docs/smoothness.md,\n"
        "\"Smoothness and Liger's lift\"). Figure: results/figures/smoothness_lift.{png,pdf}.\n\n"
        f"{smooth}\n\n{lift}\n\n"
        "## Spearman rank correlation of smoothness and mean lift\n\n"
        "A smoother embedding (lower M̂) with a larger lift gives ρ < 0. Per dataset over its embeddings; pooled over\n"
        "every (dataset, embedding) point with smoothness / base rate (the lifts mix accuracy and F1). With 4 points\n"
        "ρ moves in steps of 0.2 and ρ = −1 has probability 1/24 when there is no association. p: scipy's (pooled only; n = 4 is too few for it).\n\n"
        + format_table(rho, list(rho[0]))
        + "\n## Per dataset and embedding\n\n"
        + format_table(shown, list(shown[0]))
    )
    return table_csv, markdown


def prompt_tables(result: dict) -> tuple[str, str]:
    """``spouse_prompts`` as CSV and Markdown."""
    part = result["spouse_prompts"]
    rows = [_flat(r) for r in part["rows"]]
    table_csv = to_csv(rows, ["variant", "embedding", "prompt", *SUMMARY_COLUMNS])
    smooth, lift = _header(result)
    share = f"M̂ at {100 * result['settings']['share']:g}%"
    metric = "F1" if rows[0]["metric"] == "f1" else rows[0]["metric"]
    shown = [{"variant": r["variant"], "embedding": r["embedding"],
              "prompt": "–" if r["prompt"] is None else f"`{r['prompt']}`",
              "mean M̂ [band]": _banded(r, "mean_m"), "/ base": _shown(r["mean_m_relative"]), share: _shown(r["m_at_share"]),
              f"Liger {metric}": _pm(r["liger_mean"], r["liger_std"]),
              f"WS-LM {metric}": _pm(r["baseline_mean"], r["baseline_std"]),
              "lift": _pm(r["lift_mean"], r["lift_std"]), "Liger's choices": r["liger_choices"]} for r in rows]
    same = part["same_text_pairs"]
    n_all = rows[0]["n_points"] * (rows[0]["n_points"] - 1) // 2
    examples = "\n".join(f"* {name}: \"{text}\"" for name, text in part["examples"].items())
    markdown = (
        f"# Spouse: prompts naming the candidate's two people\n\n"
        "Made by `liger-run experiment=smoothness_lift` (conf/experiment/smoothness_lift.yaml, `smoothness_lift.spouse_prompts`;\n"
        "docs/smoothness.md). Figure: results/figures/spouse_prompts.{png,pdf}. Spouse is on the REBUILT split\n"
        "(not the paper's; liger/data/spouse.py).\n\n"
        f"{smooth}\n\n{lift}\n\n"
        f"Each candidate is a sentence and two marked people; {same['pairs']} of the {n_all} pairs of labeled candidates\n"
        f"share a sentence, and {same['differ']} of those differ in label. Without a prompt such a pair has one embedding.\n"
        f"The first dev candidate under each variant:\n\n{examples}\n\n"
        + format_table(shown, list(shown[0]))
    )
    return table_csv, markdown


def draw_lift(result: dict):
    """One panel per dataset and a pooled one: mean lift (± std over seeds) against relative smoothness (band)."""
    rows = result["lift"]
    names = list(dict.fromkeys(r["dataset"] for r in rows))
    embeddings = list(dict.fromkeys(r["embedding"] for r in rows))
    colors = embedding_colours(embeddings)
    markers = dict(zip(names, "osD^vP*Xph"))
    rho = {c["dataset"]: c["rho_mean_m"] for c in result["correlations"]}
    fig = new_figure(figsize=(3.4 * (len(names) + 1), 4.3), layout="constrained")
    axes = fig.subplots(1, len(names) + 1)
    for ax, name in zip(axes, [*names, "pooled"]):
        members = [r for r in rows if name in ("pooled", r["dataset"])]
        for r in members:
            x, low, high = r["mean_m_relative"], r["mean_m_low_relative"], r["mean_m_high_relative"]
            xerr = [[x - low], [high - x]] if math.isfinite(low) else None
            yerr = r["lift_std"] if math.isfinite(r["lift_std"]) else None
            ax.errorbar([x], [r["lift_mean"]], xerr=xerr, yerr=yerr, color=colors[r["embedding"]],
                        marker=markers[r["dataset"]], ms=6, lw=1, capsize=2)
        ax.axhline(0.0, color="0.4", ls="--", lw=1)
        ax.axvline(1.0, color="0.6", ls=":", lw=1)
        ax.grid(alpha=0.3)
        metric = "acc. or F1" if name == "pooled" else members[0]["metric"]
        value = rho.get(name, math.nan)
        ax.set_title(f"{name} ({'n = ' + str(len(members)) if name == 'pooled' else 'test ' + metric}): "
                     f"ρ = {'n/a' if not math.isfinite(value) else f'{value:+.2f}'}", fontsize=10)
        ax.set_xlabel("mean M̂ / base rate (lower = smoother)")
    axes[0].set_ylabel("lift: Liger − WS-LM, test metric\n(mean ± std over seeds)")
    handles = [axes[-1].plot([], [], ls="", marker="o", color=colors[e], label=LABELS.get(e, e))[0] for e in embeddings]
    handles += [axes[-1].plot([], [], ls="", marker=markers[n], color="0.3", label=n)[0] for n in names]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=9)
    lo, hi = result["settings"]["share_range"]
    fig.suptitle(f"Liger's lift over WS-LM against label smoothness (mean M̂ over the closest {100 * lo:g}–{100 * hi:g}% "
                 f"of pairs, dev + test); ρ: Spearman. Bars: bootstrap band (x), std over seeds (y)", fontsize=11)
    return fig


def draw_prompts(result: dict):
    """(a) M̂ against r, (b) against the share of pairs within r, (c) test F1 of Liger and WS-LM per variant."""
    part = result["spouse_prompts"]
    rows = part["rows"]
    fig = new_figure(figsize=(15, 4.4), layout="constrained")
    by_radius, by_share, scores = fig.subplots(1, 3)
    base = rows[0]["base_rate"]
    min_pairs = int(result["settings"]["spouse_prompts"].get("min_pairs", 0))
    one_embedding = len({r["embedding"] for r in rows}) == 1
    for index, r in enumerate(rows):
        color = f"C{index % 10}"
        label = r["variant"] if one_embedding else f"{r['variant']} ({r['embedding']})"
        for ax, curve, x in ((by_radius, r["curves"]["radius"], r["curves"]["radius"]["radii"]),
                             (by_share, r["curves"]["pair_fraction"], r["curves"]["pair_fraction"]["share_within"])):
            plot_smoothness_curve(ax, x, curve, min_pairs=min_pairs, color=color, label=label)
    for ax in (by_radius, by_share):
        ax.axhline(base, color="0.4", ls="--", lw=1)
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
    by_radius.set(xlabel="cosine distance r", ylabel="M̂(r) = P(labels differ | distance ≤ r)\nlower = smoother",
                  title="(a) against cosine distance")
    by_share.set(xscale="log", xlabel="share of all pairs within distance r", title="(b) against the share of pairs (scale-free)")
    by_radius.legend(fontsize=9, title="prompt")
    positions = np.arange(len(rows))
    for offset, key, label, color in ((-0.1, "liger", "Liger", "C0"), (0.1, "baseline", "WS-LM", "0.4")):
        std = [r[f"{key}_std"] if math.isfinite(r[f"{key}_std"]) else 0.0 for r in rows]
        scores.errorbar(positions + offset, [r[f"{key}_mean"] for r in rows], yerr=std, color=color, label=label,
                        ls="", marker="o", ms=6, capsize=3)
    scores.set_xticks(positions, [r["variant"] if one_embedding else f"{r['variant']}\n{r['embedding']}" for r in rows])
    scores.set_xlim(-0.6, len(rows) - 0.4)
    metric = "F1" if rows[0]["metric"] == "f1" else rows[0]["metric"]
    # From 0: a narrow range would make differences of a few hundredths look like a trend.
    scores.set_ylim(0, min(1.0, 1.15 * max(r[f"{k}_mean"] + (r[f"{k}_std"] if math.isfinite(r[f"{k}_std"]) else 0.0)
                                           for r in rows for k in ("liger", "baseline"))))
    scores.set(ylabel=f"test {metric} (mean ± std over seeds)", title="(c) Liger and WS-LM, test (axis from 0)")
    scores.legend(fontsize=9)
    scores.grid(alpha=0.3, axis="y")
    fig.suptitle(f"Spouse: embedding each candidate with a prompt naming its two people; dashed: base rate {base:.3f}; "
                 f"bands: {round(100 * result['settings']['confidence'])}% bootstrap over points"
                 + (f"; dotted: fewer than {min_pairs} pairs within r" if min_pairs > 1 else ""), fontsize=11)
    return fig
