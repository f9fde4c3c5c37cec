"""The pipelines compared at one label budget of one draw, on one dataset.

``Shared`` holds what reads no label (extension neighbours, the partitions and per-part label models of
every configuration, end models trained on soft labels), computed once per dataset and seed and shared by
every budget and draw; each pipeline then makes its choices on the N labelled points of a draw only
(``Budget``), by repeated stratified k-fold with k = min(cv_folds, the rarest class's count) seeded by the
draw, and predicts the test split. Nothing here reads the rest of dev or the test labels.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from liger.baselines.decision_rule import choose_decision, decide
from liger.baselines.heads import HEADS, class_probabilities, fit_adapter
from liger.data.dataset import Dataset
from liger.harness.methods import choose_by_cross_validation, liger_search
from liger.labels import ABSTAIN
from liger.method.liger_cv import LigerCV, repeat_seed
from liger.method.tuning import stratified_folds
from liger.metrics import metric_value
from liger.studies.label_budget.labelled_source import labelled_neighbours, source_threshold, source_votes

#: The pipelines, by what they learn from: the N hand labels, the LFs, or both.
CLEAN, WEAK, BOTH = "clean labels only", "weak only", "both"
PIPELINES = {
    "FS-kNN": CLEAN, "FS-LogReg": CLEAN, "FS-Adapter": CLEAN,
    "WS-LM": WEAK, "Liger": WEAK,
    "Liger → adapter": BOTH, "Liger → adapter, fine-tuned": BOTH, "Liger + labelled points as a source": BOTH,
}
#: The clean-only pipelines and the method config (conf/method) each takes its head and grid from.
CLEAN_HEADS = {"FS-kNN": "fs_knn", "FS-LogReg": "fs_logreg", "FS-Adapter": "fs_adapter"}


@dataclass(frozen=True)
class Settings:
    """The study's choices (conf/experiment/label_budget.yaml) and the method configs the pipelines use."""

    cv_folds: int
    cv_repeats: int
    thresholds: list
    heads: Mapping[str, Mapping]  # pipeline name -> its conf/method config (FS heads)
    liger: Mapping  # conf/method/liger
    label_model: Mapping  # conf/method/label_model
    end_model_hidden: list[int]
    fine_tune_epochs: list[int]
    source_levels: list[float]


@dataclass
class Shared:
    """The label-free work on one dataset and seed, shared by every budget and draw."""

    dataset: Dataset
    embeddings: Mapping[str, np.ndarray]
    neighbours: Mapping  # split -> NeighbourVotes of the LFs' nearest voting train points
    seed: int
    settings: Settings
    liger: LigerCV = field(init=False)
    label_model: LigerCV = field(init=False)
    _end_models: dict = field(default_factory=dict, init=False)
    _extended: dict = field(default_factory=dict, init=False)

    def __post_init__(self):
        train, E = self.dataset["train"], self.embeddings["train"]
        self.liger = liger_search(self.settings.liger, self.dataset, seed=self.seed, cv=self.settings.cv_folds,
                                  cv_repeats=self.settings.cv_repeats, in_sample=False).fit_train(train.L, E, neighbours_train=self.neighbours["train"])
        self.label_model = liger_search(self.settings.label_model, self.dataset, seed=self.seed, cv=None).fit_train(train.L, E)

    def extended(self, index: int) -> dict[str, np.ndarray]:
        """{"train", "test": votes as configuration ``index`` of the Liger grid extends them} (no labels read)."""
        if index not in self._extended:
            fitted = self.liger.grid_[index][1]
            self._extended[index] = {split: fitted.extended_votes(self.dataset[split].L, self.embeddings[split],
                                                                  self.neighbours[split]) for split in ("train", "test")}
        return self._extended[index]

    def extended_dev(self, index: int, rows: np.ndarray) -> np.ndarray:
        """The votes of dev ``rows`` (labelled points of a draw) as configuration ``index`` extends them."""
        return self.liger.grid_[index][1].extended_votes(self.dataset["dev"].L[rows], self.embeddings["dev"][rows],
                                                         self.neighbours["dev"].take(rows))

    def end_models(self, index: int) -> dict[int, object]:
        """{hidden: adapter trained on configuration ``index``'s soft labels over the train rows it covers}.

        The soft labels are that configuration's posteriors with each part's own estimated class balance, so
        they read no label and are shared by every budget that chooses it; the decision threshold that
        turns the adapter's probabilities into classes is chosen on the labelled points.
        """
        if index not in self._end_models:
            fitted, train = self.liger.grid_[index][1], self.dataset["train"]
            E = self.embeddings["train"]
            covered = (self.extended(index)["train"] != ABSTAIN).any(axis=1)
            soft = fitted.predict_proba(train.L, E, neighbours=self.neighbours["train"])[covered]
            self._end_models[index] = {h: fit_adapter(E[covered], soft, hidden=h, n_classes=self.dataset.n_classes,
                                                      random_state=self.seed) for h in self.settings.end_model_hidden}
        return self._end_models[index]


@dataclass(frozen=True)
class Budget:
    """The labelled points of one draw at one budget: rows of dev, and what they carry."""

    rows: np.ndarray
    y: np.ndarray
    E: np.ndarray
    L: np.ndarray
    ids: tuple[str, ...]
    groups: list | None
    seed: int  # the draw's: its folds and the heads' initialisations

    @classmethod
    def of(cls, shared: Shared, rows: np.ndarray, seed: int) -> "Budget":
        dev = shared.dataset["dev"]
        return cls(rows, dev.y[rows], shared.embeddings["dev"][rows], dev.L[rows], tuple(dev.ids[i] for i in rows),
                   None if dev.groups is None else [dev.groups[i] for i in rows], seed)

    def fold_sets(self, shared: Shared) -> list[list[np.ndarray]]:
        """Repeated stratified k-fold of the labelled points (k = min(cv_folds, rarest class count), at least 2)."""
        return [stratified_folds(self.y, n_folds=shared.settings.cv_folds, seed=repeat_seed(self.seed, r), groups=self.groups)
                for r in range(shared.settings.cv_repeats)]

    def take(self, index: np.ndarray) -> "Budget":
        return Budget(self.rows[index], self.y[index], self.E[index], self.L[index], tuple(self.ids[i] for i in index),
                      None if self.groups is None else [self.groups[i] for i in index], self.seed)


@dataclass(frozen=True)
class Outcome:
    """A pipeline's test predictions at one budget, what it chose, and the seconds it took."""

    predictions: np.ndarray
    chosen: dict
    seconds: float = 0.0


def run_pipelines(shared: Shared, budget: Budget) -> dict[str, Outcome]:
    """Every pipeline of ``PIPELINES`` at this budget, in that order."""
    def timed(function, *args):
        started = time.perf_counter()
        result = function(*args)
        outcome = result[0] if isinstance(result, tuple) else result
        timed_outcome = Outcome(outcome.predictions, outcome.chosen, time.perf_counter() - started)
        return (timed_outcome, *result[1:]) if isinstance(result, tuple) else timed_outcome

    out = {name: timed(clean_head, shared, budget, name) for name in CLEAN_HEADS}
    out["WS-LM"] = timed(ws_label_model, shared, budget)
    out["Liger"] = timed(liger, shared, budget)
    index = shared.liger.best_index_  # the configuration Liger chose on these labels
    out["Liger → adapter"], end_model = timed(end_model_on_soft_labels, shared, budget, index)
    out["Liger → adapter, fine-tuned"] = timed(fine_tuned, shared, budget, end_model)
    out["Liger + labelled points as a source"] = timed(liger_with_labelled_source, shared, budget, index)
    return out


def _probabilities(shared: Shared) -> Callable:
    return lambda model, E: class_probabilities(model, E, n_classes=shared.dataset.n_classes)


def clean_head(shared: Shared, budget: Budget, name: str) -> Outcome:
    """A head trained on the N labels only; its hyperparameter and decision threshold chosen by repeated k-fold."""
    method = shared.settings.heads[name]
    head, n_classes = HEADS[method["kind"]], shared.dataset.n_classes
    grid = head.simplest_first(method[head.param])
    options = head.fit_options(method, n_classes)
    fit = lambda E, y, value: head.fit(E, y, value, n_classes=n_classes, random_state=budget.seed, **options)  # noqa: E731
    return _cross_validated(shared, budget, fit, grid, head.param)


def _cross_validated(shared: Shared, budget: Budget, fit: Callable, grid: list, param: str) -> Outcome:
    """A model ``fit`` on the N labels with the value of ``grid`` and the decision threshold chosen by repeated
    k-fold on them, then refit on all N and applied to test."""
    folds = budget.fold_sets(shared)
    choice, _, _ = choose_by_cross_validation(fit, _probabilities(shared), grid, budget.E, budget.y, folds,
                                              metric=shared.dataset.metric, thresholds=shared.settings.thresholds)
    model = fit(budget.E, budget.y, grid[choice.index])
    predictions = decide(_probabilities(shared)(model, shared.embeddings["test"]), choice.threshold)
    return Outcome(predictions, {param: grid[choice.index], "threshold": choice.threshold, "k": len(folds[0])})


def ws_label_model(shared: Shared, budget: Budget) -> Outcome:
    """The label model alone on the LF votes, its class balance chosen on the N labels."""
    search = shared.label_model.choose(budget.L, budget.E, budget.y)
    test = shared.dataset["test"]
    balance = [round(float(b), 4) for b in search.best_estimator_.part_models_[0].class_balance_]
    return Outcome(search.best_estimator_.predict(test.L, shared.embeddings["test"]), {"class_balance": balance})


def liger(shared: Shared, budget: Budget) -> Outcome:
    """Liger: parts, extension level and label-model setting chosen by repeated k-fold on the N labels."""
    # The train-side fits are the shared ones; only the folds follow the draw's seed.
    search = shared.liger.set_params(random_state=budget.seed).choose(
        budget.L, budget.E, budget.y, groups=budget.groups, neighbours=shared.neighbours["dev"].take(budget.rows))
    test = shared.dataset["test"]
    predictions = search.best_estimator_.predict(test.L, shared.embeddings["test"], neighbours=shared.neighbours["test"])
    return Outcome(predictions, {"n_partitions": search.best_params_["n_partitions"],
                                 "extension_level": search.best_params_["extension_level"],
                                 "label_model_params": search.best_params_["label_model_params"]})


def end_model_on_soft_labels(shared: Shared, budget: Budget, index: int) -> tuple[Outcome, object]:
    """An adapter trained on the chosen Liger configuration's soft labels over train; its size and decision
    threshold chosen on the N labels (which it was not trained on)."""
    models = shared.end_models(index)
    hidden = list(models)
    choice, _ = choose_decision(shared.dataset.metric, budget.y, [_probabilities(shared)(models[h], budget.E) for h in hidden],
                                thresholds=shared.settings.thresholds)
    model = models[hidden[choice.index]]
    predictions = decide(_probabilities(shared)(model, shared.embeddings["test"]), choice.threshold)
    return Outcome(predictions, {"hidden": hidden[choice.index], "threshold": choice.threshold}), model


def fine_tune(model, E: np.ndarray, y: np.ndarray, *, epochs: int):
    """A copy of the adapter ``model`` trained ``epochs`` more passes on the hand labels (its optimiser continues)."""
    tuned = copy.deepcopy(model)
    for _ in range(int(epochs)):
        tuned.partial_fit(E, y)
    return tuned


def fine_tuned(shared: Shared, budget: Budget, end_model) -> Outcome:
    """Continuous fine-tuning: the end model trained further on the N labels; the number of epochs and the
    threshold chosen by repeated k-fold (each fold fine-tunes a copy on the other folds)."""
    epochs = [int(e) for e in shared.settings.fine_tune_epochs]
    fit = lambda E, y, e: fine_tune(end_model, E, y, epochs=e)  # noqa: E731
    return _cross_validated(shared, budget, fit, epochs, "epochs")


def liger_with_labelled_source(shared: Shared, budget: Budget, index: int) -> Outcome:
    """Liger's chosen configuration with one more source, the labelled points (``labelled_source``); the
    source's extension level chosen by repeated k-fold, the source and the label models rebuilt from the
    training folds alone for each fold."""
    levels = [float(q) for q in shared.settings.source_levels]
    folds = budget.fold_sets(shared)
    metric, n_classes = shared.dataset.metric, shared.dataset.n_classes
    pooled_truth, pooled = [], {q: [] for q in levels}
    for fold_set in folds:
        predicted = {q: np.empty_like(budget.y) for q in levels}
        every = np.arange(len(budget.y))
        for held_out in fold_set:
            train_rows = np.setdiff1d(every, held_out)
            fitted = _augmented_fit(shared, budget.take(train_rows), index, levels)
            held = budget.take(held_out)
            for q, votes in fitted.votes_for(held.E, held.ids, shared.extended_dev(index, held.rows)).items():
                predicted[q][held_out] = fitted.estimators[q].predict(votes, held.E)
        pooled_truth.append(budget.y)
        for q in levels:
            pooled[q].append(predicted[q])
    truth = np.concatenate(pooled_truth)
    scores = {q: metric_value(metric, truth, np.concatenate(pooled[q]), n_classes=n_classes) for q in levels}
    best = max(levels, key=lambda q: (scores[q], -levels.index(q)))  # ties keep the earlier level
    final = _augmented_fit(shared, budget, index, [best])
    test = shared.dataset["test"]
    votes = final.votes_for(shared.embeddings["test"], test.ids, shared.extended(index)["test"])[best]
    return Outcome(final.estimators[best].predict(votes, shared.embeddings["test"]),
                   {"source_level": best, "k": len(folds[0]), "cv": round(float(scores[best]), 6)})


@dataclass(frozen=True)
class _Augmented:
    labelled: Budget
    thresholds: dict  # level -> similarity threshold of the labelled source
    estimators: dict  # level -> Liger with class balances chosen on the labelled points

    def votes_for(self, E: np.ndarray, ids, extended: np.ndarray) -> dict[float, np.ndarray]:
        """{level: the rows' extended LF votes with the labelled source's column appended}."""
        near = labelled_neighbours(E, ids, self.labelled.E, self.labelled.y, self.labelled.ids)
        return {q: np.hstack([extended, source_votes(near, r)]) for q, r in self.thresholds.items()}


def _augmented_fit(shared: Shared, labelled: Budget, index: int, levels: list[float]) -> _Augmented:
    """Configuration ``index`` refit on train with the ``labelled`` points' source appended, one fit per
    source level, each part's class balance chosen on the labelled points (their own votes excluded)."""
    params, _ = shared.liger.grid_[index]
    train, E_train = shared.dataset["train"], shared.embeddings["train"]
    extended = shared.extended(index)
    near_train = labelled_neighbours(E_train, train.ids, labelled.E, labelled.y, labelled.ids)
    thresholds = {q: source_threshold(near_train, q) for q in levels}
    sketch = _Augmented(labelled, thresholds, {})
    search = LigerCV([params["n_partitions"]], label_model=shared.liger.label_model,
                     label_model_params={**(shared.liger.label_model_params or {}), **params["label_model_params"]},
                     min_part_size=shared.liger.min_part_size, metric=shared.dataset.metric,
                     n_classes=shared.dataset.n_classes, cv=None, in_sample=True, random_state=shared.seed)
    search.fit_train(sketch.votes_for(E_train, train.ids, extended["train"]), E_train)
    search.choose(sketch.votes_for(labelled.E, labelled.ids, shared.extended_dev(index, labelled.rows)), labelled.E, labelled.y)
    estimators = {grid_params["extension_level"]: estimator
                  for (grid_params, _), estimator in zip(search.grid_, search.estimators_)}
    return _Augmented(labelled, thresholds, estimators)
