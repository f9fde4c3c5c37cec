"""The labelled points as one more source: each votes its class on nearby points, like an extended LF.

A target row's vote is the class of its most similar labelled point (cosine), cast only when that
similarity is above the threshold that the extension-level rule gives at level q on train
(``liger.method.tuning.quantile_thresholds``: the q-quantile of the train rows' similarities to their
nearest labelled point). A labelled point never votes on itself: rows that share a row id with a labelled
point (on spam, dev rows are train rows) take their nearest *other* labelled point.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from liger.embed.base import normalize_rows
from liger.labels import ABSTAIN
from liger.method.extension import NeighbourVotes
from liger.method.tuning import quantile_thresholds


def labelled_neighbours(E_query: np.ndarray, ids_query: Sequence[str], E_labelled: np.ndarray, y_labelled: np.ndarray,
                        ids_labelled: Sequence[str]) -> NeighbourVotes:
    """Each query row's nearest labelled point other than itself: its class and similarity, as one LF's column."""
    if len(ids_query) != E_query.shape[0] or not len(ids_labelled) == E_labelled.shape[0] == len(y_labelled):
        raise ValueError(f"{len(ids_query)} query ids for {E_query.shape[0]} rows, {len(ids_labelled)} labelled ids for "
                         f"{E_labelled.shape[0]} rows and {len(y_labelled)} labels; expected one id and label per row")
    similarity = normalize_rows(E_query, name="E_query").astype(np.float64) @ \
        normalize_rows(E_labelled, name="E_labelled").astype(np.float64).T
    position = {row_id: j for j, row_id in enumerate(ids_labelled)}
    for i, row_id in enumerate(ids_query):
        if row_id in position:
            similarity[i, position[row_id]] = -np.inf  # never its own vote
    nearest = np.argmax(similarity, axis=1)
    best = similarity[np.arange(len(nearest)), nearest]
    label = np.where(np.isfinite(best), np.asarray(y_labelled)[nearest], ABSTAIN)
    return NeighbourVotes(label=label[:, None].astype(np.int64), similarity=best[:, None])


def source_threshold(train_neighbours: NeighbourVotes, level: float) -> float:
    """The similarity a vote must exceed at extension level ``level``, from the train rows (no labels read
    beyond the labelled points themselves)."""
    return float(quantile_thresholds(train_neighbours, level)[0])


def source_votes(neighbours: NeighbourVotes, threshold: float) -> np.ndarray:
    """(n, 1) votes: the nearest labelled point's class where its similarity exceeds ``threshold``, else abstain."""
    abstaining = np.full((neighbours.label.shape[0], 1), ABSTAIN, dtype=np.int64)
    return neighbours.extend(abstaining, np.array([threshold]))
