"""Liger: partition the embedding space, extend LFs to nearby points, fit a label model per part."""

from __future__ import annotations

import copy

import numpy as np

from liger.embed.base import check_embeddings
from liger.method.extension import NeighbourVotes, check_thresholds, nearest_voting_neighbours
from liger.labels import check_gold_labels, check_label_matrix
from liger.metrics import metric_value
from liger.label_models.base import FittedEstimator, LabelModel
from liger.label_models.dawid_skene import DawidSkene
from liger.label_models.majority import MajorityVote
from liger.label_models.snorkel_peer import SnorkelLabelModel
from liger.label_models.triplet import TripletLabelModel
from liger.method.partition import KMeansPartition
from liger.method.tuning import quantile_thresholds

#: P(class 0) values tried per part, as the reference code does: 0.01, 0.06, ..., 0.96.
BALANCE_GRID = tuple(round(0.01 + 0.05 * i, 2) for i in range(20))
_BALANCES = np.array([[negative, 1.0 - negative] for negative in BALANCE_GRID])


#: Label models by config name; each takes ``n_classes`` and its own keyword parameters.
LABEL_MODELS: dict[str, type[LabelModel]] = {
    "triplet": TripletLabelModel,
    "majority_vote": MajorityVote,
    "dawid_skene": DawidSkene,
    "snorkel": SnorkelLabelModel,
}


def make_label_model(name: str, n_classes: int = 2, **params) -> LabelModel:
    if name not in LABEL_MODELS:
        raise ValueError(f"label model {name!r} is unknown; expected one of {sorted(LABEL_MODELS)}")
    return LABEL_MODELS[name](n_classes=n_classes, **params)


class Liger(FittedEstimator):
    """Liger: vote extension, a k-means partition, and one label model per part.

    K > 2 needs a multi-class label model ("dawid_skene" or "majority_vote"); the dev search over
    class balances is binary, so for K > 2 each part keeps the balance its label model estimated.

    Parameters
    ----------
    n_partitions : parts of the k-means partition of the train embeddings (1 = no partition).
    thresholds : None for no extension, else a cosine-similarity threshold, scalar or one per LF.
    extension_level : the documented setting instead of raw thresholds (give one or neither): the share
        q in [0, 1] of each LF's abstaining train points left abstained; LF i's threshold is the q-quantile
        of its nearest-voting-neighbour similarity over those points (``tuning.quantile_thresholds``).
    label_model, label_model_params : the per-part label model, by name (see ``make_label_model``).
    min_part_size : a part with fewer train points uses the label model fit on all of train.
    metric : "accuracy" or "f1"; each part's class balance maximises it on that part's dev points.
        A part with no dev point takes the balance that maximises it on the whole dev set.

    ``fallbacks_`` lists every fallback taken during ``fit``.
    """

    def __init__(
        self,
        n_partitions: int = 1,
        thresholds: float | np.ndarray | None = None,
        *,
        extension_level: float | None = None,
        label_model: str = "triplet",
        label_model_params: dict | None = None,
        min_part_size: int = 20,
        metric: str = "accuracy",
        n_classes: int = 2,
        n_init: int = 10,
        random_state: int = 0,
    ):
        self.n_partitions = n_partitions
        self.thresholds = thresholds
        self.extension_level = extension_level
        self.label_model = label_model
        self.label_model_params = label_model_params
        self.min_part_size = min_part_size
        self.metric = metric
        self.n_classes = n_classes
        self.n_init = n_init
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------------------------
    def fit(
        self,
        L_train: np.ndarray,
        E_train: np.ndarray,
        *,
        L_dev: np.ndarray | None = None,
        E_dev: np.ndarray | None = None,
        y_dev: np.ndarray | None = None,
        neighbours_train: NeighbourVotes | None = None,
        neighbours_dev: NeighbourVotes | None = None,
        partition: KMeansPartition | None = None,
        global_model: LabelModel | None = None,
    ) -> "Liger":
        """Fit on train; with dev labels, choose each part's class balance on dev.

        ``neighbours_*`` reuse a precomputed ``nearest_voting_neighbours`` (train as support),
        ``partition`` a ``KMeansPartition`` already fit on ``E_train``, and ``global_model`` a label model
        already fit on these extended train votes, across fits that share them.
        """
        L_ext = self._extended_train(L_train, E_train, neighbours_train)
        if partition is None:
            partition = KMeansPartition(self.n_partitions, n_init=self.n_init, random_state=self.random_state)
            partition.fit(self.E_support_)
        elif partition.n_parts != self.n_partitions or len(partition.train_parts_) != L_ext.shape[0]:
            raise ValueError(f"the partition given has {partition.n_parts} parts over {len(partition.train_parts_)} "
                             f"points; expected {self.n_partitions} parts over {L_ext.shape[0]} train points")
        self.partition_ = partition
        train_parts = partition.train_parts_
        self.fallbacks_: list[str] = []
        self.global_model_ = self._new_label_model().fit(L_ext) if global_model is None else global_model
        self.part_models_ = []
        for part in range(self.n_partitions):
            rows = train_parts == part
            if rows.sum() < self.min_part_size:
                self.fallbacks_.append(f"part {part}: {int(rows.sum())} train points < {self.min_part_size}; global label model")
                self.part_models_.append(self.global_model_)
            elif rows.all():  # one part holding all of train: its model is the global one
                self.part_models_.append(self.global_model_)
            else:
                self.part_models_.append(self._new_label_model().fit(L_ext[rows]))
        if y_dev is not None:
            self._choose_class_balance(L_dev, E_dev, y_dev, neighbours_dev)
        return self

    def fit_global_model(self, L_train: np.ndarray, E_train: np.ndarray, *,
                         neighbours_train: NeighbourVotes | None = None) -> LabelModel:
        """The label model ``fit`` would fit on all of train's extended votes (to share across fits as ``global_model``)."""
        return self._new_label_model().fit(self._extended_train(L_train, E_train, neighbours_train))

    def _extended_train(self, L_train, E_train, neighbours_train) -> np.ndarray:
        """Train's votes after extension, the train split kept as the extension's support."""
        L_train = check_label_matrix(L_train, self.n_classes, name="L_train")
        E_train = check_embeddings(E_train, n_rows=L_train.shape[0], name="E_train")
        self.L_support_, self.E_support_ = L_train, E_train
        if self.extension_level is None:
            self.thresholds_ = self.thresholds
        elif self.thresholds is not None:
            raise ValueError(f"thresholds is {self.thresholds!r} and extension_level is {self.extension_level!r}; "
                             "give one of them (or neither, for no extension)")
        else:
            if neighbours_train is None:
                neighbours_train = nearest_voting_neighbours(L_train, E_train, L_train, E_train, n_classes=self.n_classes)
            self.thresholds_ = quantile_thresholds(neighbours_train, self.extension_level)
        return self._extend(L_train, E_train, neighbours_train)

    def _new_label_model(self) -> LabelModel:
        return make_label_model(self.label_model, self.n_classes, **(self.label_model_params or {}))

    def with_dev_balance(
        self, L_dev: np.ndarray, E_dev: np.ndarray, y_dev: np.ndarray, neighbours_dev: NeighbourVotes | None = None
    ) -> "Liger":
        """A copy whose class balances are chosen on these dev labels; the fitted label models are shared."""
        twin = copy.copy(self)
        twin.part_models_, twin.fallbacks_ = list(self.part_models_), list(self.fallbacks_)
        twin._choose_class_balance(L_dev, E_dev, y_dev, neighbours_dev)
        return twin

    def _choose_class_balance(self, L_dev, E_dev, y_dev, neighbours_dev) -> None:
        if self.n_classes != 2:
            # A grid over the K-simplex overfits 100 dev points; keep each part's own estimate.
            self.fallbacks_.append(f"K={self.n_classes}: class balance not searched on dev; each part keeps its estimate")
            return
        L_dev = check_label_matrix(L_dev, self.n_classes, name="L_dev")
        y_dev = check_gold_labels(y_dev, self.n_classes, L_dev.shape[0], name="y_dev")
        E_dev = check_embeddings(E_dev, n_rows=L_dev.shape[0], name="E_dev")
        L_ext = self._extend(L_dev, E_dev, neighbours_dev)
        dev_parts = self.partition_.assign(E_dev)
        fitted_global = self.global_model_  # fallback parts hold this object; compare before replacing it
        global_balance = self._best_balance(fitted_global, L_ext, y_dev)
        self.global_model_ = self._with_balance(fitted_global, global_balance)
        tuned = []
        for part, model in enumerate(self.part_models_):
            rows = dev_parts == part
            if model is fitted_global or not rows.any():
                if not rows.any():
                    self.fallbacks_.append(f"part {part}: no dev points; class balance chosen on all of dev")
                tuned.append(self._with_balance(model, global_balance))
            else:
                tuned.append(self._with_balance(model, self._best_balance(model, L_ext[rows], y_dev[rows])))
        self.part_models_ = tuned

    def _best_balance(self, model: LabelModel, L: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The grid balance with the best dev metric; ties go to the one nearest the model's own estimate."""
        estimate = model.class_balance_[0]
        best_key, best = None, None
        for balance, predicted in zip(_BALANCES, model.predict_with_balances(L, _BALANCES)):
            value = metric_value(self.metric, y, predicted)
            key = (value, -abs(balance[0] - estimate))
            if best_key is None or key > best_key:
                best_key, best = key, balance
        return best.copy()

    @staticmethod
    def _with_balance(model: LabelModel, balance: np.ndarray) -> LabelModel:
        return model.with_class_balance(balance)

    # -- prediction ----------------------------------------------------------------------------
    def extended_votes(self, L: np.ndarray, E: np.ndarray, neighbours: NeighbourVotes | None = None) -> np.ndarray:
        """L with this model's extension applied (train split as support)."""
        L = check_label_matrix(L, self.n_classes)
        return self._extend(L, check_embeddings(E, n_rows=L.shape[0]), neighbours)

    def predict_proba(self, L: np.ndarray, E: np.ndarray, *, neighbours: NeighbourVotes | None = None) -> np.ndarray:
        """(n, K) probabilities from each point's part's label model."""
        return self._per_part(L, E, neighbours, lambda model, L_part: model.predict_proba(L_part), self.n_classes)

    def predict(self, L: np.ndarray, E: np.ndarray, *, neighbours: NeighbourVotes | None = None) -> np.ndarray:
        """(n,) classes, each part's label model applying its own tie rule."""
        return self._per_part(L, E, neighbours, lambda model, L_part: model.predict(L_part), None)

    def _per_part(self, L, E, neighbours, apply, width):
        L_ext = self.extended_votes(L, E, neighbours)
        parts = self.partition_.assign(np.asarray(E))
        out = np.empty((L_ext.shape[0], width) if width else L_ext.shape[0], dtype=np.float64 if width else np.int64)
        for part, model in enumerate(self.part_models_):
            rows = parts == part
            if rows.any():
                out[rows] = apply(model, L_ext[rows])
        return out

    def _extend(self, L: np.ndarray, E: np.ndarray, neighbours: NeighbourVotes | None) -> np.ndarray:
        if self.thresholds_ is None:
            return L
        check_thresholds(self.thresholds_, L.shape[1])
        if neighbours is None:
            neighbours = nearest_voting_neighbours(L, E, self.L_support_, self.E_support_, n_classes=self.n_classes)
        return neighbours.extend(L, self.thresholds_)
