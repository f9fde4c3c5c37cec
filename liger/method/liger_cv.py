"""LigerCV: Liger with its settings chosen on labelled points, the one selection loop of the project.

The grid is parts × extension level × label-model setting, in that order (parts outer). Fitting has
two halves, so work that reads no label is done once: ``fit_train`` fits every configuration on the
unlabelled train split; ``choose`` picks among them on labelled points (each configuration's class
balances chosen per part on those labels, the configuration scored by stratified k-fold CV over
them, or in sample with ``cv=None``; strictly better only, so ties keep the earlier, simpler one).
``fit`` does both. Repeated ``choose`` calls on other labelled subsets reuse the train-side fits.

Partitions and whole-train label models come from the process-wide content memos
(``liger.method.sweep_memo``), so configurations and estimators that share them compute them once.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
from tqdm.auto import tqdm

from liger.embed.base import check_embeddings
from liger.method.extension import NeighbourVotes, nearest_voting_neighbours
from liger.labels import check_gold_labels, check_label_matrix
from liger.method.liger import Liger
from liger.metrics import metric_value
from liger.label_models.base import FittedEstimator
from liger.method.partition import KMeansPartition
from liger.method.sweep_memo import GLOBAL_LABEL_MODELS, PARTITIONS, content_key
from liger.method.tuning import cross_validated_metric, stratified_folds


def repeat_seed(random_state: int, repeat: int) -> int:
    """The seed of fold set ``repeat`` of a repeated k-fold; the first is ``random_state`` itself."""
    return int(random_state) + 7919 * repeat


class LigerCV(FittedEstimator):
    """Liger whose parts, extension level and label-model setting are chosen on labelled points.

    Parameters
    ----------
    n_partitions : part counts to try (1 = no partition).
    extension_levels : extension levels to try (``Liger(extension_level=...)``; None = no extension).
    label_model, label_model_params : the per-part label model and its fixed parameters.
    label_model_grid : more label-model settings to try, each overriding ``label_model_params``: a list
        of parameter dicts, or a dict of value lists (every combination, keys in the order given).
    min_part_size, metric, n_classes, n_init : as for ``Liger``.
    cv : folds of the stratified k-fold CV that scores each configuration on the labelled points
        (fewer when the rarest class has fewer members), or None to score in sample.
    cv_repeats : repeated k-fold: the CV score is the mean over this many fold sets, each seeded anew.
    in_sample : also score every configuration in sample (tuning each on all labelled points, kept in
        ``estimators_``); False skips that work where only the CV score is read (``cv`` must be set).
    random_state : seeds the k-means partitions and the folds.
    progress : show progress bars.

    Learned: ``grid_`` (params, Liger fit on train) per configuration; after ``choose``: ``cv_results_``
    (lists aligned with ``grid_``: ``params``, ``in_sample_score``, ``cv_score``), ``estimators_`` (with
    ``in_sample``: each configuration with its class balances chosen on all labelled points), ``best_index_``,
    ``best_params_``, ``best_score_`` (the deciding score), ``best_estimator_``.

    ``L_train`` may instead be a mapping {level: votes already extended by the caller's own scheme}; its
    keys are then the levels tried, the models extend nothing further, and ``choose``, ``predict`` take
    such mappings (or the chosen level's votes) too.
    """

    def __init__(
        self,
        n_partitions: Sequence[int] = (1,),
        extension_levels: Sequence[float | None] = (None,),
        *,
        label_model: str = "triplet",
        label_model_params: dict | None = None,
        label_model_grid: Sequence[dict] | Mapping[str, Sequence] | None = None,
        min_part_size: int = 20,
        metric: str = "accuracy",
        n_classes: int = 2,
        n_init: int = 10,
        cv: int | None = 5,
        cv_repeats: int = 1,
        in_sample: bool = True,
        random_state: int = 0,
        progress: bool = False,
    ):
        self.n_partitions = n_partitions
        self.extension_levels = extension_levels
        self.label_model = label_model
        self.label_model_params = label_model_params
        self.label_model_grid = label_model_grid
        self.min_part_size = min_part_size
        self.metric = metric
        self.n_classes = n_classes
        self.n_init = n_init
        self.cv = cv
        self.cv_repeats = cv_repeats
        self.in_sample = in_sample
        self.random_state = random_state
        self.progress = progress

    # -- fitting -------------------------------------------------------------------------------
    def fit(
        self,
        L_train: np.ndarray | Mapping,
        E_train: np.ndarray,
        *,
        L_dev: np.ndarray | Mapping,
        E_dev: np.ndarray,
        y_dev: np.ndarray,
        groups: Sequence | None = None,
        neighbours_train: NeighbourVotes | None = None,
        neighbours_dev: NeighbourVotes | None = None,
    ) -> "LigerCV":
        """``fit_train`` on the train split, then ``choose`` on the labelled dev points."""
        self.fit_train(L_train, E_train, neighbours_train=neighbours_train)
        return self.choose(L_dev, E_dev, y_dev, groups=groups, neighbours=neighbours_dev)

    def fit_train(self, L_train: np.ndarray | Mapping, E_train: np.ndarray, *,
                  neighbours_train: NeighbourVotes | None = None) -> "LigerCV":
        """Every configuration fit on train (no labels read); ``neighbours_train`` reuses a train-on-train search."""
        self.__dict__.pop("grid_", None)  # a refit may change the kind of votes
        votes, extends = self._votes_by_level(L_train, name="L_train")
        E_train = check_embeddings(E_train, n_rows=next(iter(votes.values())).shape[0], name="E_train")
        part_grid, levels, settings = self._part_grid(E_train.shape[0]), self._levels(votes, extends), self._label_model_settings()
        if extends and neighbours_train is None and any(level is not None for level in levels):
            neighbours_train = nearest_voting_neighbours(votes[None], E_train, votes[None], E_train, n_classes=self.n_classes)
        embedding_key = content_key(E_train)  # hashed once; every memo key below reuses it
        partitions = {s: PARTITIONS(
            ("partition", s, self.n_init, self.random_state, embedding_key),
            lambda s=s: KMeansPartition(s, n_init=self.n_init, random_state=self.random_state).fit(E_train))
            for s in part_grid}
        # What each level's extended train votes are made of: the votes, and the search that extends them.
        search = [] if neighbours_train is None or not extends else [neighbours_train.label, neighbours_train.similarity]
        vote_keys = {level: content_key(L, *search) for level, L in votes.items()}
        grid = [(s, level, setting) for s in part_grid for level in levels for setting in settings]
        fitted = []
        for n_parts, level, setting in tqdm(grid, desc="LigerCV: fitting on train", disable=not self.progress, leave=False):
            liger = self._liger(n_parts, level, setting, extends=extends)
            L = votes[None] if extends else votes[level]
            global_model = GLOBAL_LABEL_MODELS(
                ("global", self.label_model, self.n_classes, repr(sorted(liger.label_model_params.items())),
                 liger.extension_level, vote_keys[None if extends else level]),
                lambda liger=liger, L=L: liger.fit_global_model(L, E_train, neighbours_train=neighbours_train))
            liger.fit(L, E_train, neighbours_train=neighbours_train, partition=partitions[n_parts],
                      global_model=global_model)
            fitted.append(({"n_partitions": n_parts, "extension_level": level, "label_model_params": setting}, liger))
        self.grid_, self.extends_ = fitted, extends
        return self

    def choose(self, L: np.ndarray | Mapping, E: np.ndarray, y: np.ndarray, *, groups: Sequence | None = None,
               neighbours: NeighbourVotes | None = None, folds: list[np.ndarray] | None = None) -> "LigerCV":
        """Choose among the train-side fits on labelled points (L, E, y); ``folds`` overrides the CV folds.

        ``groups`` keeps rows sharing a key in one fold; ``neighbours`` reuses these rows' search.
        """
        grid = self.grid_
        votes, extends = self._votes_by_level(L, name="L")
        n = next(iter(votes.values())).shape[0]
        y = check_gold_labels(y, self.n_classes, n, name="y")
        E = check_embeddings(E, n_rows=n, name="E")
        if extends and neighbours is None and any(params["extension_level"] is not None for params, _ in grid):
            fitted = grid[0][1]
            neighbours = nearest_voting_neighbours(votes[None], E, fitted.L_support_, fitted.E_support_,
                                                   n_classes=self.n_classes)
        if not self.in_sample and folds is None and self.cv is None:
            raise ValueError("in_sample is False and cv is None: no score would choose; set cv or in_sample")
        fold_sets = None if folds is None else [folds]
        if folds is None and self.cv is not None:
            if int(self.cv_repeats) < 1:
                raise ValueError(f"cv_repeats is {self.cv_repeats!r}; expected an integer >= 1")
            fold_sets = [stratified_folds(y, n_folds=int(self.cv), seed=repeat_seed(self.random_state, r), groups=groups)
                         for r in range(int(self.cv_repeats))]
        results = {"params": [], "in_sample_score": [], "cv_score": []}
        level_votes = lambda params: votes[None] if extends else votes[params["extension_level"]]  # noqa: E731
        estimators, best = [], None
        for index, (params, fitted) in enumerate(tqdm(grid, desc="LigerCV: choosing", disable=not self.progress,
                                                      leave=False)):
            L_level, in_sample = level_votes(params), None
            if self.in_sample:
                estimators.append(fitted.with_dev_balance(L_level, E, y, neighbours))
                in_sample = metric_value(self.metric, y, estimators[-1].predict(L_level, E, neighbours=neighbours),
                                         n_classes=self.n_classes)
            cv = None if fold_sets is None else float(np.mean(
                [cross_validated_metric(fitted, L_level, E, y, neighbours, f, self.metric) for f in fold_sets]))
            for key, value in (("params", params), ("in_sample_score", in_sample), ("cv_score", cv)):
                results[key].append(value)
            value = in_sample if cv is None else cv
            if best is None or value > best[1]:
                best = (index, value)
        self.cv_results_ = results
        self.best_index_, self.best_score_ = best
        self.best_params_, chosen = grid[self.best_index_]
        if self.in_sample:
            self.estimators_ = estimators
        else:
            self.__dict__.pop("estimators_", None)  # from an earlier choose: not these labels' tuning
        self.best_estimator_ = (estimators[self.best_index_] if self.in_sample
                                else chosen.with_dev_balance(level_votes(self.best_params_), E, y, neighbours))
        return self

    # -- prediction ----------------------------------------------------------------------------
    def predict(self, L: np.ndarray | Mapping, E: np.ndarray, *, neighbours: NeighbourVotes | None = None) -> np.ndarray:
        """(n,) classes from the chosen configuration."""
        return self.best_estimator_.predict(self._chosen_votes(L), E, neighbours=neighbours)

    def predict_proba(self, L: np.ndarray | Mapping, E: np.ndarray, *,
                      neighbours: NeighbourVotes | None = None) -> np.ndarray:
        """(n, K) probabilities from the chosen configuration."""
        return self.best_estimator_.predict_proba(self._chosen_votes(L), E, neighbours=neighbours)

    def extended_votes(self, L: np.ndarray | Mapping, E: np.ndarray, neighbours: NeighbourVotes | None = None) -> np.ndarray:
        """L as the chosen configuration sees it (after its extension, or the chosen level's votes)."""
        return self.best_estimator_.extended_votes(self._chosen_votes(L), E, neighbours)

    # -- helpers -------------------------------------------------------------------------------
    def _chosen_votes(self, L):
        return L[self.best_params_["extension_level"]] if isinstance(L, Mapping) else L

    def _votes_by_level(self, L, *, name: str) -> tuple[dict, bool]:
        """({None: L}, True) for raw votes, which this estimator extends; else (the caller's {level: extended votes}, False)."""
        if not isinstance(L, Mapping):
            votes, extends = {None: check_label_matrix(L, self.n_classes, name=name)}, True
        elif not L:
            raise ValueError(f"{name} is an empty mapping; expected {{extension level: votes}} with at least one level")
        else:
            votes = {level: check_label_matrix(L_level, self.n_classes, name=f"{name}[{level!r}]")
                     for level, L_level in L.items()}
            extends = False
            rows = {level: L_level.shape[0] for level, L_level in votes.items()}
            if len(set(rows.values())) != 1:
                raise ValueError(f"{name} has {rows} rows per level; expected the same rows at every level")
        if "grid_" in self.__dict__:
            fitted_levels = list(dict.fromkeys(params["extension_level"] for params, _ in self.grid_))
            if extends != self.extends_ or (not extends and set(votes) != set(fitted_levels)):
                given = "raw votes" if extends else f"votes at levels {list(votes)}"
                expected = "raw votes" if self.extends_ else f"votes at the levels fit on train, {fitted_levels}"
                raise ValueError(f"{name} holds {given}; expected {expected}")
        return votes, extends

    def _levels(self, votes: dict, extends: bool) -> list:
        if not extends:
            return list(votes)
        levels = [None if level is None else float(level) for level in self.extension_levels]
        if not levels or len(set(levels)) != len(levels):
            raise ValueError(f"extension_levels is {list(self.extension_levels)}; expected a non-empty list without repeats")
        for level in levels:
            if level is not None and not 0.0 <= level <= 1.0:
                raise ValueError(f"extension_levels has {level}; expected None (no extension) or a quantile in [0, 1]")
        return levels

    def _part_grid(self, n_train: int) -> list[int]:
        parts = list(self.n_partitions)
        if not parts or len(set(parts)) != len(parts):
            raise ValueError(f"n_partitions is {parts}; expected a non-empty list without repeats")
        for s in parts:
            if not isinstance(s, (int, np.integer)) or isinstance(s, bool) or not 1 <= s <= n_train:
                raise ValueError(f"n_partitions has {s!r}; expected integers in 1..{n_train} (train points)")
        return [int(s) for s in parts]

    def _label_model_settings(self) -> list[dict]:
        grid = self.label_model_grid
        if grid is None:
            return [{}]
        if isinstance(grid, Mapping):
            for key, values in grid.items():
                if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__len__") or len(values) == 0:
                    raise ValueError(f"label_model_grid[{key!r}] is {values!r}; expected a non-empty list of values")
            return [dict(zip(grid, values)) for values in itertools.product(*(list(v) for v in grid.values()))]
        settings = [dict(setting) for setting in grid]
        if not settings:
            raise ValueError("label_model_grid is empty; expected at least one setting (or None)")
        return settings

    def _liger(self, n_parts: int, level, setting: dict, *, extends: bool) -> Liger:
        return Liger(n_parts, extension_level=level if extends else None, label_model=self.label_model,
                     label_model_params={**(self.label_model_params or {}), **setting},
                     min_part_size=self.min_part_size, metric=self.metric, n_classes=self.n_classes,
                     n_init=self.n_init, random_state=self.random_state)
