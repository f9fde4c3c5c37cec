"""Fitting one method on one dataset, choosing its hyperparameters on the tuning split, scoring."""

from __future__ import annotations

import itertools
import logging
from typing import Mapping

import numpy as np
from tqdm.auto import tqdm

from liger.baselines.heads import HEADS, class_probabilities
from liger.data.dataset import Dataset
from liger.baselines.decision_rule import THRESHOLD_GRID, check_thresholds, choose_decision, decide
from liger.method.extension import nearest_voting_neighbours
from liger.labels import ABSTAIN
from liger.method.liger_cv import LigerCV
from liger.data.video import frame_index
from liger.method.liger import BALANCE_GRID
from liger.metrics import coverage, metric_value, score
from liger.label_models.majority import MajorityVote
from liger.label_models.temporal import TABLE_FLOOR, TemporalTripletLabelModel, chain_posteriors
from liger.method.sweep_memo import NEIGHBOURS
from liger.method.tuning import stratified_folds

log = logging.getLogger(__name__)
METHOD_KINDS = ("majority_vote", "liger", "knn", "adapter", "logreg", "temporal")


def fit_and_score(
    method: Mapping,
    dataset: Dataset,
    embeddings: Mapping[str, np.ndarray],
    *,
    seed: int,
    tune_on: str = "dev",
    progress: bool = True,
) -> dict:
    """{"dev": scores, "test": scores, "hparams": chosen, "tried": [...], "fallbacks": [...], "predictions": {split: classes}}.

    ``tune_on="test"`` reproduces the reference code's leaky protocol and must be reported as such.
    """
    if tune_on not in ("dev", "test"):
        raise ValueError(f"protocol.tune_on is {tune_on!r}; expected 'dev' (or 'test' to reproduce the leaky reference)")
    kind = method.get("kind")
    if kind == "majority_vote":
        tie_break = method.get("tie_break", "prior")
        model = MajorityVote(dataset.n_classes, tie_break=tie_break).fit(dataset["train"].L)
        # Whole splits in file order: the "wrench" rule hashes each row's position, as WRENCH scores it.
        predict = lambda split: model.predict(dataset[split].L)  # noqa: E731
        return _scored(dataset, predict, lambda split: dataset[split].L, {"tie_break": tie_break}, [], [], votes_decide=True)
    if kind == "temporal":
        return fit_and_score_temporal(method, dataset, embeddings, seed=seed, tune_on=tune_on, progress=progress)
    if kind == "liger":
        return _fit_liger(method, dataset, embeddings, seed=seed, tune_on=tune_on, progress=progress)
    if kind in HEADS:
        _require_embeddings(method, dataset, embeddings)
        return _fit_embedding_classifier(method, dataset, embeddings, seed=seed, tune_on=tune_on, progress=progress)
    raise ValueError(f"method kind {kind!r} is unknown; expected one of {list(METHOD_KINDS)}")


def fit_and_score_temporal(method: dict, dataset, embeddings, *, seed: int, tune_on: str = "dev", progress: bool = True) -> dict:
    """The temporal label model on a video dataset, window length T and class balance chosen on ``tune_on``.

    ``method.base`` says what gives each frame's likelihood: "label_model" (the frame triplet model
    on the LF votes; needs no embeddings) or "liger" (Liger's extended, partitioned frame model,
    fit and chosen on ``tune_on`` by its own grid first). The chain's persistence is "moments" or
    a list of numbers to choose from. Returns what ``fit_and_score`` returns.
    """
    if dataset.n_classes != 2:
        raise ValueError(f"the temporal label model is binary; dataset {dataset.name!r} has {dataset.n_classes} classes")
    if method.get("label_model", "triplet") != "triplet":
        raise ValueError(f"method.label_model is {method.get('label_model')!r}; the temporal model chains the triplet "
                         "model's frame likelihoods, so it needs 'triplet'")
    base = method.get("base", "label_model")
    windows = [int(w) for w in method.get("windows", [1])]
    persistence_grid = method.get("persistence", "moments")
    persistence_grid = [persistence_grid] if isinstance(persistence_grid, (str, int, float)) else list(persistence_grid)
    params = dict((method.get("label_model_params") or {}).get("triplet") or {})
    index = {split: frame_index(dataset, split) for split in ("train", "dev", "test")}
    train, tune = dataset["train"], dataset[tune_on]
    fallbacks: list[str] = []
    # The chain's persistence comes from the original votes, whatever gives the frame likelihoods.
    chains = {p: TemporalTripletLabelModel(window=1, persistence=p, **params).fit(
        train.L, sequence=index["train"].sequence, frame=index["train"].frame) for p in persistence_grid}
    if base == "label_model":
        frame_model = next(iter(chains.values())).frame_model_
        estimate = frame_model.class_balance_[1]

        def log_likelihood(split, balance):
            return frame_model.with_class_balance(balance).log_likelihoods(dataset[split].L)

        votes = lambda split: dataset[split].L  # noqa: E731
        base_hparams: dict = {}
    elif base == "liger":
        if embeddings is None:
            raise ValueError(f"method {method.get('name')!r} (base liger) needs frame embeddings; dataset {dataset.name!r} has none")
        liger_method = {k: v for k, v in method.items() if k not in ("windows", "persistence", "base")}
        fitted = fit_and_score({**liger_method, "kind": "liger"}, dataset, embeddings, seed=seed, tune_on=tune_on, progress=progress)
        liger, fallbacks = fitted["model"], list(fitted["fallbacks"])
        estimate = float(np.mean([m.class_balance_[1] for m in liger.part_models_]))
        cache = {}

        def log_likelihood(split, balance):
            if split not in cache:
                E = embeddings[split]
                proba = liger.predict_proba(dataset[split].L, E)
                part_prior = np.stack([m.class_balance_ for m in liger.part_models_])[liger.partition_.assign(E)]
                cache[split] = np.log(np.maximum(proba, TABLE_FLOOR)) - np.log(part_prior)
            return cache[split]

        votes = lambda split: liger.extended_votes(dataset[split].L, embeddings[split])  # noqa: E731
        base_hparams = {f"liger_{k}": v for k, v in fitted["hparams"].items() if k in ("n_partitions", "extension_level")}
    else:
        raise ValueError(f"method.base is {base!r}; expected 'label_model' or 'liger'")

    def predict(split, window, persistence, balance):
        return chain_posteriors(log_likelihood(split, balance), prior_positive=balance[1], persistence=persistence,
                                sequence=index[split].sequence, frame=index[split].frame, window=window).argmax(axis=1)

    best_key, best, tried = None, None, []
    for window in windows:
        for name, chain in chains.items():
            for negative in BALANCE_GRID:
                balance = np.array([negative, 1.0 - negative])
                value = metric_value(dataset.metric, tune.y, predict(tune_on, window, chain.persistence_, balance))
                tried.append({"window": window, "persistence": round(chain.persistence_, 6), "balance_negative": negative,
                              f"{tune_on}_{dataset.metric}": value})
                # Ties keep the shorter window, then the balance nearest the model's own estimate.
                key = (value, -window, -abs((1.0 - negative) - estimate))
                if best_key is None or key > best_key:
                    best_key, best = key, (window, name, chain.persistence_, balance)
    window, name, persistence, balance = best
    result = {"hparams": {"base": base, "window": window, "persistence": name, "persistence_value": round(persistence, 6),
                          "class_balance": [round(float(b), 4) for b in balance],
                          f"selection_{dataset.metric}": round(float(best_key[0]), 6), **base_hparams},
              "tried": tried, "fallbacks": fallbacks, "predictions": {}}
    for split in ("dev", "test"):
        result["predictions"][split] = predict(split, window, persistence, balance)
        result[split] = score(dataset[split].y, result["predictions"][split], votes(split), n_classes=2)
    result["train_coverage"] = coverage(votes("train"))
    return result


def _require_embeddings(method, dataset, embeddings) -> None:
    if embeddings is None:
        raise ValueError(f"method {method.get('name')!r} needs embeddings, but embedding=none was chosen for dataset "
                         f"{dataset.name!r}; choose an embedding provider, or a label-model-only method")


def liger_grid(method: Mapping) -> tuple[list[int], list[float | None]]:
    """A liger method config's numbers of parts and extension levels (None: no extension)."""
    return ([int(s) for s in method.get("n_partitions", [1])],
            [None if v is None else float(v) for v in method.get("extension_levels", [None])])


def liger_search(method: Mapping, dataset: Dataset, *, seed: int, cv: int | None, cv_repeats: int = 1,
                 in_sample: bool = True, progress: bool = False) -> LigerCV:
    """``LigerCV`` over a liger method config's grid (parts x extension levels x label-model settings); ``cv=None``
    scores every configuration in sample only."""
    return LigerCV(*liger_grid(method),
                   label_model=method.get("label_model", "triplet"), label_model_params=label_model_params(method),
                   label_model_grid=label_model_grid(method), min_part_size=int(method.get("min_part_size", 20)),
                   metric=dataset.metric, n_classes=dataset.n_classes, cv=cv, cv_repeats=cv_repeats,
                   in_sample=in_sample, random_state=seed, progress=progress)


def _fit_liger(method, dataset, embeddings, *, seed, tune_on, progress) -> dict:
    part_grid, level_grid = liger_grid(method)
    extends = any(level is not None for level in level_grid)
    if embeddings is None:
        if extends or part_grid != [1]:
            _require_embeddings(method, dataset, embeddings)
        # One part and no extension never read the embedding: a constant column stands in for it.
        embeddings = {split: np.ones((len(dataset[split]), 1), dtype=np.float32) for split in ("train", "dev", "test")}
    neighbours = _extension_neighbours(method, dataset, embeddings, seed=seed) if extends else {}
    selection = method.get("selection", "dev")
    if selection not in ("dev", "cv"):
        raise ValueError(f"method.selection is {selection!r}; expected 'dev' (in-sample) or 'cv' (cross-validated on {tune_on})")
    train, tune, metric = dataset["train"], dataset[tune_on], dataset.metric
    fixed_params = label_model_params(method)
    search = liger_search(method, dataset, seed=seed, cv=int(method.get("cv_folds", 5)) if selection == "cv" else None,
                          progress=progress)
    search.fit(train.L, embeddings["train"], L_dev=tune.L, E_dev=embeddings[tune_on], y_dev=tune.y, groups=tune.groups,
               neighbours_train=neighbours.get("train"), neighbours_dev=neighbours.get(tune_on))
    results = search.cv_results_
    tried = [{"n_partitions": params["n_partitions"], "extension_level": params["extension_level"],
              **params["label_model_params"], f"{tune_on}_{metric}": in_sample,
              **({} if cv is None else {f"{tune_on}_cv_{metric}": cv})}
             for params, in_sample, cv in zip(results["params"], results["in_sample_score"], results["cv_score"])]
    model, best = search.best_estimator_, search.best_params_
    hparams = {
        "n_partitions": best["n_partitions"],
        "extension_level": best["extension_level"],
        "thresholds": None if model.thresholds_ is None else [round(float(t), 6) for t in model.thresholds_],
        "class_balance_per_part": [[round(float(b), 4) for b in m.class_balance_] for m in model.part_models_],
        "selection": selection,
        f"selection_{metric}": round(float(search.best_score_), 6),
        "label_model": search.label_model,
        "label_model_params": {**fixed_params, **best["label_model_params"]},
    }
    predict = lambda split: model.predict(dataset[split].L, embeddings[split], neighbours=neighbours.get(split))  # noqa: E731
    extended = lambda split: model.extended_votes(dataset[split].L, embeddings[split], neighbours.get(split))  # noqa: E731
    result = _scored(dataset, predict, extended, hparams, tried, model.fallbacks_, votes_decide=True)
    result["model"] = model
    return result


#: ``method.search``: how extension finds each LF's nearest voting train point.
SEARCHES = ("exact", "ivf")


def voting_neighbours(dataset: Dataset, embeddings: Mapping[str, np.ndarray]) -> dict:
    """Each split's nearest voting train neighbours, per LF (train is the support, as in Liger): exact search."""
    train = dataset["train"]
    return {split: nearest_voting_neighbours(dataset[split].L, embeddings[split], train.L, embeddings["train"],
                                             n_classes=dataset.n_classes) for split in ("train", "dev", "test")}


def _extension_neighbours(method, dataset, embeddings, *, seed: int) -> dict:
    """Each split's nearest voting train neighbours: exact faiss search, or the opt-in IVF index (n >~ 10^6)."""
    train = dataset["train"]
    search = method.get("search", "exact")
    if search == "exact":
        inputs = [array for split in ("train", "dev", "test") for array in (dataset[split].L, embeddings[split])]
        return NEIGHBOURS(("exact", dataset.n_classes, *inputs), lambda: voting_neighbours(dataset, embeddings))
    if search == "ivf":
        from liger.method.approximate import IVFNeighbours

        index = IVFNeighbours(random_state=seed, **dict(method.get("search_params") or {}))
        index.fit(train.L, embeddings["train"], n_classes=dataset.n_classes)
        return {split: index.neighbours(dataset[split].L, embeddings[split]) for split in ("train", "dev", "test")}
    raise ValueError(f"method.search is {search!r}; expected one of {list(SEARCHES)}")


def label_model_params(method: Mapping) -> dict:
    """The parameters of the method's label model, from ``label_model_params`` keyed by label-model name."""
    name = method.get("label_model", "triplet")
    params = method.get("label_model_params") or {}
    if not all(isinstance(value, Mapping) for value in params.values()):
        raise TypeError(f"method.label_model_params is {dict(params)!r}; expected parameters keyed by label-model name, "
                        f"e.g. {{{name}: {{...}}}}")
    return dict(params.get(name) or {})


def label_model_grid(method: Mapping) -> list[dict]:
    """Every combination of the lists in ``label_model_grid[<the method's label model>]``; [{}] without one.

    Each combination overrides ``label_model_params`` and is one more axis of the grid chosen on the
    tuning split, like the parts and extension levels (ties keep the earlier combination).
    """
    name = method.get("label_model", "triplet")
    grids = method.get("label_model_grid") or {}
    if not all(isinstance(value, Mapping) for value in grids.values()):
        raise TypeError(f"method.label_model_grid is {dict(grids)!r}; expected lists of values keyed by label-model "
                        f"name and parameter, e.g. {{{name}: {{lr: [0.001, 0.01]}}}}")
    axes = dict(grids.get(name) or {})
    for key, values in axes.items():
        if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__len__") or len(values) == 0:
            raise ValueError(f"method.label_model_grid.{name}.{key} is {values!r}; expected a non-empty list of values")
    return [dict(zip(axes, combination)) for combination in itertools.product(*(list(v) for v in axes.values()))]


def _scored(dataset, predict, extended_votes, hparams, tried, fallbacks, *, votes_decide: bool = False) -> dict:
    """Scores on dev and test; ``votes_decide``: predictions come from the votes alone (label models, Liger)."""
    result = {"hparams": hparams, "tried": tried, "fallbacks": list(fallbacks), "predictions": {}}
    votes = {split: extended_votes(split) for split in ("train", "dev", "test")}
    for split in ("dev", "test"):
        result["predictions"][split] = predict(split)
        result[split] = score(dataset[split].y, result["predictions"][split], votes[split], n_classes=dataset.n_classes)
    result["train_coverage"] = coverage(votes["train"])
    if votes_decide:
        result["fallbacks"] += vote_fallbacks(dataset, votes)
    return result


def vote_fallbacks(dataset: Dataset, votes: Mapping[str, np.ndarray]) -> list[str]:
    """What a label model falls back on: LFs that never vote on train, and rows left without any vote."""
    notes = []
    silent = [dataset.lf_names[j] for j in np.flatnonzero((dataset["train"].L == ABSTAIN).all(axis=0))]
    if silent:
        notes.append(f"LFs {silent} never vote on train: the label model learns nothing about them")
    for split in ("train", "dev", "test"):
        no_vote = int((votes[split] == ABSTAIN).all(axis=1).sum())
        if no_vote:
            notes.append(f"{split}: {no_vote} of {len(dataset[split])} rows have no vote (after any extension): "
                         "predicted from the class balance alone")
    return notes


def _fit_embedding_classifier(method, dataset, embeddings, *, seed, tune_on, progress) -> dict:
    """A head on embeddings (liger/baselines/heads.py ``HEADS``); ``method.supervision`` is "weak" (label model on
    train) or "full" (dev labels). Its hyperparameter and decision rule are chosen together for the
    dataset's metric (liger/baselines/decision_rule.py): on dev for weak supervision, by cross-validation within dev
    for full supervision, whose dev scores are out of fold."""
    kind, supervision = method["kind"], method.get("supervision", "weak")
    head, n_classes, metric = HEADS[kind], dataset.n_classes, dataset.metric
    grid = head.simplest_first(method.get(head.param, []))
    if not grid:
        raise ValueError(f"method {method.get('name')!r} has no {head.param} grid")
    thresholds = check_thresholds(method.get("decision_thresholds") or THRESHOLD_GRID)
    options = head.fit_options(method, n_classes)
    fit = lambda E, targets, value: head.fit(E, targets, value, n_classes=n_classes, random_state=seed, **options)  # noqa: E731
    probabilities = lambda model, E: class_probabilities(model, E, n_classes=n_classes)  # noqa: E731
    tune = dataset[tune_on]
    label = f"{method.get('name')}: " + (f"choosing on {tune_on}" if supervision == "weak" else f"{tune_on} cross-validation")
    values = tqdm(grid, desc=label, disable=not progress, leave=False)
    if supervision == "weak":
        label_model_method = {**method, "kind": "liger", "n_partitions": [1], "extension_levels": [None]}
        weak = _fit_liger(label_model_method, dataset, embeddings, seed=seed, tune_on=tune_on, progress=False)
        lm = weak["model"]
        covered = (dataset["train"].L != -1).any(axis=1)
        E_fit = embeddings["train"][covered]
        # kNN learns hard labels; the adapter and logistic regression learn the label model's soft labels.
        targets = (lm.predict if kind == "knn" else lm.predict_proba)(dataset["train"].L[covered], E_fit)
        models = [fit(E_fit, targets, value) for value in values]
        choice, table = choose_decision(metric, tune.y, [probabilities(m, embeddings[tune_on]) for m in models],
                                        thresholds=thresholds)
        model, score_key = models[choice.index], f"{tune_on}_{metric}"
        hparams = {"supervision": "weak", "train_points": int(covered.sum()),
                   "label_model_class_balance": weak["hparams"]["class_balance_per_part"][0]}
    elif supervision == "full":
        # The hand labels are the training set: each dev row is scored by the fold model that left it out,
        # and the grid and threshold are chosen on those out-of-fold probabilities.
        E_fit, y_fit = embeddings[tune_on], tune.y
        fold_sets = [stratified_folds(y_fit, n_folds=5, seed=seed, groups=tune.groups)]
        choice, table, out_of_fold = choose_by_cross_validation(fit, probabilities, values, E_fit, y_fit, fold_sets,
                                                                metric=metric, thresholds=thresholds)
        model, score_key = fit(E_fit, y_fit, grid[choice.index]), f"{tune_on}_cv_{metric}"
        cv_predictions = decide(out_of_fold[choice.index], choice.threshold)
        hparams = {"supervision": "full", "train_points": int(len(y_fit)),
                   f"{tune_on}_metrics": f"{len(fold_sets[0])}-fold cross-validated predictions ({tune_on} labels train the model)"}
    else:
        raise ValueError(f"method.supervision is {supervision!r}; expected 'weak' or 'full'")
    hparams = {head.param: grid[choice.index], **options, **hparams, "decision_rule": _rule_name(choice.threshold),
               "threshold": choice.threshold, f"selection_{metric}": round(choice.score, 6)}
    tried = [{head.param: grid[index], "threshold": threshold, score_key: value} for index, threshold, value in table]

    def predict(split):
        if supervision == "full" and split == tune_on:
            return cv_predictions
        return decide(probabilities(model, embeddings[split]), choice.threshold)

    return _scored(dataset, predict, lambda split: dataset[split].L, hparams, tried, [])


def _rule_name(threshold: float | None) -> str:
    return "argmax (more than 2 classes)" if threshold is None else "threshold on P(class 1)"


def choose_by_cross_validation(fit, probabilities, grid, E: np.ndarray, y: np.ndarray, fold_sets: list[list[np.ndarray]], *,
                               metric: str, thresholds):
    """(choice, table, out-of-fold probabilities per grid value) of a head trained on the labelled rows (E, y).

    Each grid value's out-of-fold probabilities are computed on every fold set (repeated k-fold) and pooled:
    the value and decision threshold chosen are those with the best metric over the pooled predictions.
    The probabilities returned are the first fold set's, one row per labelled row.
    """
    pooled = [[out_of_fold_probabilities(lambda E_, y_, v=value: fit(E_, y_, v), probabilities, E, y, folds)
               for folds in fold_sets] for value in grid]
    choice, table = choose_decision(metric, np.tile(y, len(fold_sets)), [np.concatenate(sets) for sets in pooled],
                                    thresholds=thresholds)
    return choice, table, [sets[0] for sets in pooled]


def out_of_fold_probabilities(fit, probabilities, E: np.ndarray, y: np.ndarray, folds: list[np.ndarray]) -> np.ndarray:
    """(n, K) probabilities, each fold's rows from ``fit`` on the other folds' rows only."""
    out = None
    rows = np.arange(len(y))
    for held_out in folds:
        keep = np.setdiff1d(rows, held_out)
        fold = probabilities(fit(E[keep], y[keep]), E[held_out])
        out = np.full((len(y), fold.shape[1]), np.nan) if out is None else out
        out[held_out] = fold
    if np.isnan(out).any():
        raise ValueError("the folds leave some rows without an out-of-fold prediction; expected a partition of the rows")
    return out
