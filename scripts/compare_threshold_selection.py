"""Shared-quantile thresholds vs naive per-LF threshold search, scored on held-out labels.

Usage (writes results/threshold_selection_<dataset>_<embedding>.md):
    python scripts/compare_threshold_selection.py dataset=spam embedding=minilm --repeats 20

The labeled points (dev and test together) are split at random, ``--tune-size`` to choose on and the
rest held out, ``--repeats`` times; the official dev/test split is reported too. One part (no
partition), so only the extension thresholds differ between schemes:
  none         no extension
  shared       one level q for every LF (liger.method.tuning), chosen by the in-sample metric on the tune split
  shared (cv)  the same, chosen by 5-fold cross-validation of the class-balance search
  per-LF       one level per LF by coordinate ascent on the in-sample metric (the naive search)
Each LF's threshold is the q-quantile of its train abstains' nearest-voting-neighbour similarity, so
per-LF search has the same grid per LF as the shared scheme and differs only in its free parameters.
"""

from __future__ import annotations

import argparse
from functools import lru_cache
from pathlib import Path

import numpy as np
from hydra import compose, initialize_config_dir
from tqdm.auto import tqdm

from liger.method.extension import nearest_voting_neighbours
from liger.io import write_text_atomic
from liger.method.liger import Liger
from liger.metrics import metric_value
from liger.method.partition import KMeansPartition
from liger.harness import results_dir
from liger.harness.runner import load_dataset, load_embeddings
from liger.method.tuning import EXTENSION_LEVELS, cross_validated_metric, per_lf_level_search, stratified_folds, thresholds_for_levels

CONF = Path(__file__).resolve().parents[1] / "conf"
SCHEMES = ("none", "shared", "shared (cv)", "per-LF")


class LabeledPool:
    """The labeled rows (dev then test) with their neighbour votes against the train support."""

    def __init__(self, dataset, embeddings):
        self.L = np.concatenate([dataset["dev"].L, dataset["test"].L])
        self.E = np.concatenate([embeddings["dev"], embeddings["test"]])
        self.y = np.concatenate([dataset["dev"].y, dataset["test"].y])
        self.n_dev = len(dataset["dev"])
        train = dataset["train"]
        self.neighbours = nearest_voting_neighbours(self.L, self.E, train.L, embeddings["train"], n_classes=dataset.n_classes)


def run_split(dataset, embeddings, neighbours_train, pool: LabeledPool, tune: np.ndarray, held_out: np.ndarray, seed: int) -> dict:
    """Each scheme's choice on ``tune`` rows and its metric on the tune and held-out rows."""
    train, metric = dataset["train"], dataset.metric
    partition = KMeansPartition(1, random_state=seed).fit(embeddings["train"])
    L_tune, E_tune, y_tune, nb_tune = pool.L[tune], pool.E[tune], pool.y[tune], pool.neighbours.take(tune)
    folds = stratified_folds(y_tune, n_folds=5, seed=seed)

    @lru_cache(maxsize=None)
    def fitted(levels: tuple) -> Liger:
        thresholds = None if all(v is None for v in levels) else thresholds_for_levels(neighbours_train, levels)
        return Liger(1, thresholds, metric=metric, n_classes=dataset.n_classes, random_state=seed).fit(
            train.L, embeddings["train"], neighbours_train=neighbours_train, partition=partition)

    @lru_cache(maxsize=None)
    def tuned(levels: tuple) -> Liger:
        return fitted(levels).with_dev_balance(L_tune, E_tune, y_tune, nb_tune)

    def in_sample(levels: tuple) -> float:
        return metric_value(metric, y_tune, tuned(levels).predict(L_tune, E_tune, neighbours=nb_tune))

    def cross_validated(levels: tuple) -> float:
        return cross_validated_metric(fitted(levels), L_tune, E_tune, y_tune, nb_tune, folds, metric)

    m = pool.L.shape[1]
    shared = [(level,) * m for level in EXTENSION_LEVELS]
    choices = {
        "none": (None,) * m,
        # max() keeps the first of equal scores: the less-extended level, as the harness does.
        "shared": max(shared, key=in_sample),
        "shared (cv)": max(shared, key=cross_validated),
        "per-LF": per_lf_level_search(in_sample, m)[0],
    }
    out = {}
    for scheme, levels in choices.items():
        model = tuned(levels)
        predicted = model.predict(pool.L[held_out], pool.E[held_out], neighbours=pool.neighbours.take(held_out))
        out[scheme] = {"tune": in_sample(levels), "held_out": metric_value(metric, pool.y[held_out], predicted), "levels": levels}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. dataset=spam embedding=minilm")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--tune-size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", default=str(results_dir()))
    args = parser.parse_args(argv)
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=args.overrides)
    dataset = load_dataset(cfg.dataset, progress=False)
    embeddings = load_embeddings(cfg.embedding, dataset, cache_dir=cfg.cache_dir, progress=False)
    train = dataset["train"]
    neighbours_train = nearest_voting_neighbours(train.L, embeddings["train"], train.L, embeddings["train"], n_classes=dataset.n_classes)
    pool = LabeledPool(dataset, embeddings)
    rng = np.random.default_rng(args.seed)
    n = len(pool.y)
    splits = [("official dev → test", np.arange(pool.n_dev), np.arange(pool.n_dev, n))]
    for _ in range(args.repeats):
        order = rng.permutation(n)
        splits.append(("random", np.sort(order[: args.tune_size]), np.sort(order[args.tune_size:])))
    results = []
    for kind, tune, held_out in tqdm(splits, desc="splits"):
        results.append((kind, run_split(dataset, embeddings, neighbours_train, pool, tune, held_out, args.seed)))
    text = render(cfg, args, dataset, results)
    out = Path(args.out_dir) / f"threshold_selection_{dataset.name}_{cfg.embedding.name}.md"
    write_text_atomic(out, text)
    print(text)


def render(cfg, args, dataset, results) -> str:
    metric = dataset.metric
    random = [r for kind, r in results if kind == "random"]
    official = results[0][1]
    lines = [
        f"# Threshold selection on {dataset.name} ({cfg.embedding.name}): shared quantile vs per-LF search",
        "",
        "Made by:",
        "",
        "```bash",
        f"python scripts/compare_threshold_selection.py {' '.join(args.overrides)} --repeats {args.repeats} "
        f"--tune-size {args.tune_size} --seed {args.seed}",
        "```",
        "",
        f"Metric: {metric} (points, ×100). One part, triplet label model, class balance chosen on the tune split.",
        f"Random splits: the {len(dataset['dev']) + len(dataset['test'])} labeled points (dev and test together), "
        f"{args.tune_size} to tune on, the rest held out, {args.repeats} times (seed {args.seed}). "
        "\"gap\" = tune − held-out: how much the choice overfits.",
        "",
        "| scheme | free parameters | held-out, random splits (mean ± std) | tune (in-sample) | gap | wins vs per-LF | official split: test | official split: dev |",
        "|---|---|---|---|---|---|---|---|",
    ]
    m = len(official["none"]["levels"])
    free = {"none": "0", "shared": "1", "shared (cv)": "1", "per-LF": str(m)}
    for scheme in SCHEMES:
        held = np.array([r[scheme]["held_out"] for r in random])
        tune = np.array([r[scheme]["tune"] for r in random])
        per_lf = np.array([r["per-LF"]["held_out"] for r in random])
        wins = f"{int((held > per_lf).sum())}/{int((held < per_lf).sum())}" if scheme != "per-LF" else "–"
        lines.append(
            f"| {scheme} | {free[scheme]} | {100 * held.mean():.1f} ± {100 * held.std():.1f} | {100 * tune.mean():.1f} | "
            f"{100 * (tune - held).mean():+.1f} | {wins} | {100 * official[scheme]['held_out']:.1f} | {100 * official[scheme]['tune']:.1f} |"
        )
    lines += ["", "\"wins vs per-LF\": random splits where the scheme's held-out score is higher / lower than per-LF search's.", ""]
    lines += ["Levels chosen on the official dev split (share of each LF's abstains left abstained; None = not extended):", ""]
    for scheme in SCHEMES:
        lines.append(f"- {scheme}: {[None if v is None else round(v, 2) for v in official[scheme]['levels']]}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
