"""``experiment=smoothness``: label smoothness M(r) of every embedding of one dataset, on one figure.

    liger-run experiment=smoothness [dataset=sms] [smoothness.n_bootstrap=500]

The points are the dataset's labeled ones (dev + test, gold labels); each embedding in
``smoothness.embeddings`` is loaded through the run's embedding cache, plus, on spam, the paper's
GPT-3 ada-001 embeddings of those points (``<data_dir>/spam/liger_split``). Writes into the run
folder ``smoothness.json``, the figure and the table, and copies of the figure and table to
``smoothness.figure_dir`` and ``smoothness.table_dir`` (``results/figures/smoothness_<dataset>``,
``results/smoothness_<dataset>.{csv,md}``). The estimator is in ``liger/analysis/smoothness.py`` and
``docs/smoothness.md``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
from pathlib import Path

import numpy as np
from omegaconf import DictConfig, OmegaConf

from liger.analysis.lf_summary import format_table
from liger.data.arrays import load_array
from liger.data.dataset import Dataset
from liger.data.files import data_file_exists, not_shipped_reason, open_text
from liger.harness.figures import new_figure
from liger.io import finite_or_none, write_json_atomic, write_text_atomic
from liger.labels import from_paper
from liger.harness.runner import load_dataset, load_embeddings
from liger.analysis.smoothness import (
    LabelPairs,
    base_rate,
    bootstrap_replicates,
    curve_from_pairs,
    label_pairs,
    normalized_area,
    percentile_band,
    pointwise_smoothness,
    radii_at_pair_fractions,
)
from liger.studies.common import ADA, AREA_POINTS, embedding_colours, grid, LABELS, plot_smoothness_curve, publish, with_group

log = logging.getLogger(__name__)



def run(cfg: DictConfig, output_dir: str | Path) -> dict:
    """Compute, write and return the curves; see the module docstring."""
    settings = cfg.smoothness
    output_dir = Path(output_dir)
    progress = bool(cfg.get("progress", True))
    write_text_atomic(output_dir / "config_resolved.yaml", OmegaConf.to_yaml(cfg, resolve=True))
    radii = grid("smoothness.radii", settings.radii)
    fractions = grid("smoothness.pair_fractions", settings.pair_fractions, geometric=True)
    table_radii = grid("smoothness.table_radii", settings.table_radii)
    radius_range = _range("smoothness.area_radius_range", settings.area_radius_range, upper=float(radii[-1]))
    fraction_range = _range("smoothness.area_pair_fraction_range", settings.area_pair_fraction_range, upper=1.0)
    if fraction_range[0] <= 0:
        raise ValueError(f"smoothness.area_pair_fraction_range starts at {fraction_range[0]}; expected a share > 0 (log scale)")
    if table_radii[-1] > radii[-1]:
        raise ValueError(f"smoothness.table_radii reaches {table_radii[-1]}; expected values <= the largest radius {radii[-1]}")
    n_bootstrap, confidence, seed = int(settings.n_bootstrap), float(settings.confidence), int(settings.seed)
    splits = [str(s) for s in settings.splits]

    dataset = load_dataset(cfg.dataset, progress=progress)
    for split in splits:
        if split not in dataset.splits or not dataset[split].is_labeled:
            raise ValueError(f"smoothness.splits has {split!r}; expected labeled splits of {dataset.name!r} (dev, test)")
    y = np.concatenate([dataset[s].y for s in splits])
    radius_grid = np.linspace(*radius_range, AREA_POINTS)
    fraction_grid = np.geomspace(*fraction_range, AREA_POINTS)

    curves, skipped = {}, {}
    for name in settings.embeddings:
        name = str(name)
        E = labeled_embeddings(name, cfg, dataset, splits, progress=progress)
        if isinstance(E, str):
            log.warning("smoothness: %s skipped: %s", name, E)
            skipped[name] = E
            continue
        pairs = label_pairs(E, y, float(radii[-1]))
        curves[name] = describe(
            name, pairs, E.shape[1], radii=radii, fractions=fractions, table_radii=table_radii,
            radius_grid=radius_grid, fraction_grid=fraction_grid,
            n_bootstrap=n_bootstrap, confidence=confidence, seed=seed,
        )
    if not curves:
        raise ValueError(f"no embedding of {dataset.name!r} could be measured: {skipped}")
    resampled = {name: {kind: entry["summary"][f"area_{kind}"].pop("_resampled") for kind in ("pair_fraction", "radius")}
                 for name, entry in curves.items()}

    result = {
        "dataset": dataset.name,
        "splits": splits,
        "n_points": int(y.shape[0]),
        "class_counts": {dataset.class_names[c]: int(k) for c, k in enumerate(np.bincount(y, minlength=dataset.n_classes))},
        "base_rate": base_rate(y),
        "definition": "docs/smoothness.md: M(r) = P(y_i != y_j | 1 - cos(e_i, e_j) <= r) over pairs i < j",
        "settings": OmegaConf.to_container(settings, resolve=True),
        "embeddings": curves,
        "skipped": skipped,
    }
    result["comparisons"] = compare_neighbours(result, resampled)
    stem = f"smoothness_{dataset.name}"
    write_json_atomic(output_dir / "smoothness.json", finite_or_none(result))
    figure = draw(result)
    table_csv, table_md = tables(result)
    publish(output_dir, texts={f"{stem}.csv": table_csv, f"{stem}.md": table_md}, results_dir=settings.table_dir,
            figures={stem: figure}, figure_dir=settings.figure_dir, missing=skipped)
    print("\n" + table_md)
    return result


def describe(name: str, pairs: LabelPairs, dim: int, *, radii, fractions, table_radii, radius_grid, fraction_grid,
             n_bootstrap: int, confidence: float, seed: int) -> dict:
    """Every curve and summary of one embedding, as plain lists (NaN where no pair; JSON gets null)."""
    curve = curve_from_pairs(pairs, radii, n_bootstrap=n_bootstrap, confidence=confidence, seed=seed)
    pointwise_m, pointwise_n = pointwise_smoothness(pairs, radii)
    fraction_radii = radii_at_pair_fractions(pairs, fractions)
    reachable = np.isfinite(fraction_radii)
    by_fraction = curve_from_pairs(pairs, fraction_radii[reachable], n_bootstrap=n_bootstrap,
                                   confidence=confidence, seed=seed)
    at_table = curve_from_pairs(pairs, table_radii, n_bootstrap=0)
    summary = {
        "m_at_radius": {f"{r:g}": m for r, m in zip(table_radii.tolist(), at_table.m.tolist())},
        "n_pairs_within_max_radius": int(pairs.distance.shape[0]),
        "n_all_pairs": pairs.n_all_pairs,
        "area_radius": _area(pairs, radius_grid, radius_grid, n_bootstrap, confidence, seed),
        "area_pair_fraction": _area(pairs, radii_at_pair_fractions(pairs, fraction_grid), np.log10(fraction_grid),
                                    n_bootstrap, confidence, seed),
    }
    return {
        "label": LABELS.get(name, name),
        "dim": int(dim),
        "radius": _curve_dict(curve),
        "pointwise": {"radii": radii.tolist(), "m": pointwise_m.tolist(), "n_points": pointwise_n.tolist()},
        "pair_fraction": {
            "fractions": fractions[reachable].tolist(),
            "share_within": (by_fraction.n_pairs / pairs.n_all_pairs).tolist(),
            **_curve_dict(by_fraction),
        },
        "summary": summary,
    }


def _area(pairs: LabelPairs, radii: np.ndarray, x: np.ndarray, n_bootstrap: int, confidence: float, seed: int) -> dict:
    """Mean M over the grid ``x`` (M taken at ``radii``), with a bootstrap band; NaN if any radius is unreachable."""
    if not np.isfinite(radii).all():  # part of the range lies beyond the largest radius searched
        return {"value": math.nan, "low": math.nan, "high": math.nan, "_resampled": np.full(n_bootstrap, math.nan)}
    value = float(normalized_area(x, curve_from_pairs(pairs, radii, n_bootstrap=0).m))
    low = high = math.nan
    areas = np.full(n_bootstrap, math.nan)
    if n_bootstrap > 0:
        areas = normalized_area(x, bootstrap_replicates(pairs, radii, n_bootstrap=n_bootstrap, seed=seed))
        low, high = (float(v[0]) for v in percentile_band(areas[:, None], confidence))
    # The resampled areas stay in memory only: run() compares embeddings resample by resample.
    return {"value": value, "low": low, "high": high, "_resampled": areas}


def _curve_dict(curve) -> dict:
    return {"radii": curve.radii.tolist(), "m": curve.m.tolist(), "low": curve.low.tolist(),
            "high": curve.high.tolist(), "n_pairs": curve.n_pairs.tolist()}


def labeled_embeddings(name: str, cfg: DictConfig, dataset: Dataset, splits: list[str], *, progress: bool) -> np.ndarray | str:
    """(n, dim) embeddings of the labeled rows (``splits`` in order), or the reason they are unavailable."""
    if name == ADA:
        return paper_ada_embeddings(cfg, dataset, splits)
    embeddings = load_embeddings(embedding_config(cfg, name), dataset, cache_dir=cfg.get("cache_dir"), progress=progress)
    return np.concatenate([embeddings[s] for s in splits])


def embedding_config(cfg: DictConfig, name: str) -> DictConfig:
    """``conf/embedding/<name>.yaml`` placed in a copy of the run config, so ``${seed}`` and the like resolve."""
    return with_group(cfg, "embedding", name, named_by="smoothness.embeddings has", also=f"{ADA!r} or ").embedding


def paper_ada_embeddings(cfg: DictConfig, dataset: Dataset, splits: list[str]) -> np.ndarray | str:
    """The paper's GPT-3 ada-001 embeddings of the spam ``splits``, after checking they align row for row.

    Returns the reason instead when they cannot exist (another dataset, no data folder, missing files).
    Misaligned rows are an error: they would silently turn the curve into noise.
    """
    if cfg.dataset.get("loader") != "spam":
        return f"the paper's ada embeddings exist only for spam (loader 'spam'), not {dataset.name!r}"
    if not cfg.get("data_dir"):
        return "no data folder (set data_dir=... or LIGER_DATA_DIR to read spam/liger_split/*_ada_embeddings.npy)"
    folder = Path(cfg.data_dir) / "spam" / "liger_split"
    parts = []
    for split in splits:
        path = folder / f"{split}_ada_embeddings.npy"
        if not data_file_exists(path):
            return not_shipped_reason(path) or f"{path} does not exist"
        E = load_array(path)
        check_alignment(folder, split, dataset, n_embedding_rows=E.shape[0] if E.ndim else -1)
        parts.append(E)
    return np.concatenate(parts)


def check_alignment(folder: Path, split: str, dataset: Dataset, *, n_embedding_rows: int) -> None:
    """The reference files of ``split`` describe the loader's rows in the loader's order, or ValueError."""
    rows = dataset[split]
    where = f"{folder}/{split}_*"
    if n_embedding_rows != len(rows):
        raise ValueError(f"{where}: ada embeddings have {n_embedding_rows} rows; expected {len(rows)} ({split} rows of {dataset.name!r})")
    gold = from_paper(load_array(folder / f"{split}_Y_official.npy").astype(np.int64))
    if gold.shape != rows.y.shape or not np.array_equal(gold, rows.y):
        bad = "shape" if gold.shape != rows.y.shape else f"row {int(np.argmax(gold != rows.y))}"
        raise ValueError(f"{where}: {split}_Y_official.npy disagrees with the loader's {split} labels at {bad}; "
                         "the ada rows are not aligned with the dataset's rows")
    texts_file = folder / f"{split}.jsonl"
    if data_file_exists(texts_file) and rows.texts is not None:
        with open_text(texts_file) as handle:
            texts = tuple(json.loads(line)["text"] for line in handle if line.strip())
        if texts != rows.texts:
            first = next((i for i, (a, b) in enumerate(zip(texts, rows.texts)) if a != b), min(len(texts), len(rows.texts)))
            raise ValueError(f"{texts_file} row {first} differs from the loader's {split} text; the ada rows are not aligned")


def _range(key: str, spec, *, upper: float) -> tuple[float, float]:
    values = [float(v) for v in spec]
    if len(values) != 2 or not 0 <= values[0] < values[1] <= upper:
        raise ValueError(f"{key} is {values}; expected [low, high] with 0 <= low < high <= {upper}")
    return values[0], values[1]


# ---------------------------------------------------------------------------------------- outputs


def _ordered(result: dict) -> list[str]:
    """Smoothest first by the scale-free area; NaN last; ties keep the configured order."""
    def key(name):
        area = result["embeddings"][name]["summary"]["area_pair_fraction"]["value"]
        return (math.isnan(area), 0.0 if math.isnan(area) else area)

    return sorted(result["embeddings"], key=key)


def compare_neighbours(result: dict, resampled: dict) -> list[dict]:
    """For each embedding and the next one in the ranking: the share of resamples in which it is smoother.

    Every embedding is resampled with the same seed over the same points, so this is a paired comparison.
    """
    order = _ordered(result)
    out = []
    for smoother, rougher in zip(order, order[1:]):
        entry = {"smoother": smoother, "than": rougher}
        for kind in ("pair_fraction", "radius"):
            a, b = resampled[smoother][kind], resampled[rougher][kind]
            both = np.isfinite(a) & np.isfinite(b)
            entry[f"share_of_resamples_{kind}"] = float(np.mean(a[both] < b[both])) if both.any() else math.nan
        out.append(entry)
    return out


def tables(result: dict) -> tuple[str, str]:
    """The summary table as CSV (the source of truth) and as Markdown rendered from the same rows."""
    settings = result["settings"]
    lo_r, hi_r = settings["area_radius_range"]
    lo_f, hi_f = settings["area_pair_fraction_range"]
    rows = []
    for rank, name in enumerate(_ordered(result), start=1):
        entry = result["embeddings"][name]
        summary = entry["summary"]
        row = {"rank": rank, "embedding": name, "dim": entry["dim"]}
        row.update({f"M(r={r})": m for r, m in summary["m_at_radius"].items()})
        for kind in ("pair_fraction", "radius"):
            area = summary[f"area_{kind}"]
            row.update({f"area_{kind}": area["value"], f"area_{kind}_low": area["low"], f"area_{kind}_high": area["high"]})
        row["pairs_within_max_radius"] = summary["n_pairs_within_max_radius"]
        row["smoother_than_next"] = math.nan
        rows.append(row)
    for row, comparison in zip(rows, result["comparisons"]):
        row["smoother_than_next"] = comparison["share_of_resamples_pair_fraction"]
    columns = list(rows[0])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:.6f}" if isinstance(v, float) and math.isfinite(v) else ("" if isinstance(v, float) else v))
                         for k, v in row.items()})

    def banded(row, kind):
        value, low, high = row[f"area_{kind}"], row[f"area_{kind}_low"], row[f"area_{kind}_high"]
        if math.isnan(value):
            return None
        return f"{value:.3f} [{low:.3f}, {high:.3f}]" if math.isfinite(low) else f"{value:.3f}"

    area_f = f"mean M, share of pairs {lo_f:g}..{hi_f:g} (log)"
    area_r = f"mean M, r = {lo_r:g}..{hi_r:g}"
    shown = [{**{k: v for k, v in row.items() if not k.startswith("area_")},
              area_f: banded(row, "pair_fraction"), area_r: banded(row, "radius")} for row in rows]
    next_column = "smoother than next row (resamples)"
    for row in shown:
        share = row.pop("smoother_than_next")
        row[next_column] = None if math.isnan(share) else f"{100 * share:.0f}%"
    md_columns = ["rank", "embedding", "dim", area_f, next_column, area_r,
                  *[c for c in columns if c.startswith("M(r=")], "pairs_within_max_radius"]
    level = round(100 * settings["confidence"])
    skipped = "".join(f"\nSkipped: {name}: {why}." for name, why in result["skipped"].items())
    markdown = (
        f"# Label smoothness on {result['dataset']} ({result['n_points']} labeled points: {' + '.join(result['splits'])})\n\n"
        f"Made by `liger-run experiment=smoothness dataset={result['dataset']} "
        f"smoothness.embeddings=[{','.join(settings['embeddings'])}]`. M(r) is the share of pairs of labeled\n"
        f"points within cosine distance r whose gold labels differ (docs/smoothness.md); lower = smoother. Labels\n"
        f"unrelated to the embedding give the base rate {result['base_rate']:.3f} at every r.\n\n"
        f"Rows: smoothest first by the mean of M over the closest {lo_f:g} to {hi_f:g} of all pairs (log-spaced), which\n"
        f"compares embeddings whose similarity scales differ; the mean over a fixed range of r does not (an embedding\n"
        f"whose distances are all small reaches the base rate at small r). Brackets: {level}% percentile bootstrap over\n"
        f"points, {settings['n_bootstrap']} resamples, seed {settings['seed']}. \"Smoother than next row\": share of the same\n"
        f"resamples in which this row's scale-free mean is below the next row's (paired). M(r=...): point estimates.\n"
        f"{skipped}\n\n"
        + format_table(shown, md_columns)
    )
    return buffer.getvalue(), markdown


def draw(result: dict):
    """Two panels: M against cosine distance r, and against the share of all pairs within r (log)."""
    names = list(result["embeddings"])
    colours = embedding_colours(names)
    min_pairs = int(result["settings"].get("min_pairs", 0))
    fig = new_figure(figsize=(11, 4.4), layout="constrained")
    by_radius, by_share = fig.subplots(1, 2, sharey=True)
    for name in names:
        entry = result["embeddings"][name]
        color = colours[name]
        label = f"{entry['label']} ({entry['dim']}-d)"
        for ax, x, curve in ((by_radius, entry["radius"]["radii"], entry["radius"]),
                             (by_share, entry["pair_fraction"]["share_within"], entry["pair_fraction"])):
            plot_smoothness_curve(ax, x, curve, min_pairs=min_pairs, color=color, label=label)
    for ax in (by_radius, by_share):
        ax.axhline(result["base_rate"], color="0.4", ls="--", lw=1)
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
    by_radius.text(0.01, result["base_rate"], " labels unrelated to the embedding", color="0.3", fontsize=8,
                   va="bottom", transform=by_radius.get_yaxis_transform())
    by_radius.set(xlabel="cosine distance r", ylabel="M(r) = P(labels differ | distance ≤ r)\nlower = smoother",
                  title="(a) against cosine distance", xlim=(0, max(result["embeddings"][names[0]]["radius"]["radii"])))
    by_share.set(xscale="log", xlabel="share of all pairs within distance r",
                 title="(b) against the share of pairs within r (scale-free)")
    fig.legend(*by_radius.get_legend_handles_labels(), loc="outside lower center", ncols=len(names), fontsize=9)
    level = round(100 * result["settings"]["confidence"])
    fig.suptitle(
        f"Label smoothness on {result['dataset']}: {result['n_points']} labeled points ({' + '.join(result['splits'])}); "
        f"bands: {level}% bootstrap over points"
        + (f"\ndotted: fewer than {min_pairs} pairs within r (too few to read M from)" if min_pairs > 1 else "")
    )
    return fig
