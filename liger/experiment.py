"""Fitting one method on one dataset, choosing its hyperparameters on the tuning split, scoring."""

from __future__ import annotations

import logging
from typing import Mapping

import numpy as np
from tqdm.auto import tqdm

from liger.data.dataset import Dataset
from liger.extension import nearest_voting_neighbours
from liger.liger_model import Liger
from liger.metrics import coverage, metric_value, score
from liger.models.majority import MajorityVote
from liger.partition import KMeansPartition
from liger.tuning import quantile_thresholds

log = logging.getLogger(__name__)
METHOD_KINDS = ("majority_vote", "liger")


def fit_and_score(
    method: Mapping,
    dataset: Dataset,
    embeddings: Mapping[str, np.ndarray],
    *,
    seed: int,
    tune_on: str = "dev",
    progress: bool = True,
) -> dict:
    """{"dev": scores, "test": scores, "hparams": chosen, "tried": [...], "fallbacks": [...]}.

    ``tune_on="test"`` reproduces the reference code's leaky protocol and must be reported as such.
    """
    if tune_on not in ("dev", "test"):
        raise ValueError(f"protocol.tune_on is {tune_on!r}; expected 'dev' (or 'test' to reproduce the leaky reference)")
    kind = method.get("kind")
    if kind == "majority_vote":
        model = MajorityVote(dataset.n_classes).fit(dataset["train"].L)
        predict = lambda split: model.predict(dataset[split].L)  # noqa: E731
        return _scored(dataset, predict, lambda split: dataset[split].L, {}, [], [])
    if kind == "liger":
        return _fit_liger(method, dataset, embeddings, seed=seed, tune_on=tune_on, progress=progress)
    raise ValueError(f"method kind {kind!r} is unknown; expected one of {list(METHOD_KINDS)}")


def _fit_liger(method, dataset, embeddings, *, seed, tune_on, progress) -> dict:
    train = dataset["train"]
    part_grid = [int(s) for s in method.get("n_partitions", [1])]
    level_grid = [None if v is None else float(v) for v in method.get("extension_levels", [None])]
    extends = any(level is not None for level in level_grid)
    neighbours = (
        {
            split: nearest_voting_neighbours(dataset[split].L, embeddings[split], train.L, embeddings["train"],
                                             n_classes=dataset.n_classes)
            for split in ("train", "dev", "test")
        }
        if extends
        else {}
    )
    tune = dataset[tune_on]
    common = dict(
        label_model=method.get("label_model", "triplet"),
        label_model_params=dict(method.get("label_model_params") or {}),
        min_part_size=int(method.get("min_part_size", 20)),
        metric=dataset.metric,
        n_classes=dataset.n_classes,
        random_state=seed,
    )
    partitions = {s: KMeansPartition(s, random_state=seed).fit(embeddings["train"]) for s in part_grid}
    grid = [(s, level) for s in part_grid for level in level_grid]
    best, tried = None, []
    for n_parts, level in tqdm(grid, desc=f"{method.get('name', 'liger')}: choosing on {tune_on}", disable=not progress, leave=False):
        thresholds = None if level is None else quantile_thresholds(neighbours["train"], level)
        model = Liger(n_parts, thresholds, **common).fit(
            train.L, embeddings["train"], L_dev=tune.L, E_dev=embeddings[tune_on], y_dev=tune.y,
            neighbours_train=neighbours.get("train"), neighbours_dev=neighbours.get(tune_on),
            partition=partitions[n_parts],
        )
        value = metric_value(dataset.metric, tune.y, model.predict(tune.L, embeddings[tune_on], neighbours=neighbours.get(tune_on)))
        tried.append({"n_partitions": n_parts, "extension_level": level, f"{tune_on}_{dataset.metric}": value})
        # Strictly better only: ties keep the earlier, simpler configuration (fewer parts, less extension).
        if best is None or value > best[0]:
            best = (value, n_parts, level, thresholds, model)
    _, n_parts, level, thresholds, model = best
    hparams = {
        "n_partitions": n_parts,
        "extension_level": level,
        "thresholds": None if thresholds is None else [round(float(t), 6) for t in thresholds],
        "class_balance_per_part": [[round(float(b), 4) for b in m.class_balance_] for m in model.part_models_],
        "label_model": common["label_model"],
        "label_model_params": common["label_model_params"],
    }
    predict = lambda split: model.predict(dataset[split].L, embeddings[split], neighbours=neighbours.get(split))  # noqa: E731
    extended = lambda split: model.extended_votes(dataset[split].L, embeddings[split], neighbours.get(split))  # noqa: E731
    return _scored(dataset, predict, extended, hparams, tried, model.fallbacks_)


def _scored(dataset, predict, extended_votes, hparams, tried, fallbacks) -> dict:
    result = {"hparams": hparams, "tried": tried, "fallbacks": list(fallbacks)}
    for split in ("dev", "test"):
        result[split] = score(dataset[split].y, predict(split), extended_votes(split), n_classes=dataset.n_classes)
    result["train_coverage"] = coverage(extended_votes("train"))
    return result
