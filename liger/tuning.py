"""Choosing Liger's hyperparameters on dev labels, with thresholds few enough not to overfit.

Ten free per-LF thresholds overfit a 100-point dev set. Instead one shared level q sets every
LF's threshold: r_i(q) = the q-quantile of LF i's nearest-voting-neighbour similarity over the
train points where it abstains, so a level extends LF i to the (1 - q) share of its abstains
that lie closest to its votes, whatever the scale of the embedding's similarities.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from liger.extension import NeighbourVotes

#: Shares of each LF's abstaining train points left abstained; None means no extension.
EXTENSION_LEVELS: tuple[float | None, ...] = (None, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0)


def quantile_thresholds(neighbours_train: NeighbourVotes, level: float) -> np.ndarray:
    """Per-LF thresholds r_i at quantile ``level`` of the train abstains' neighbour similarities.

    An LF with no abstaining train point that has a voting neighbour gets 1.0 (never extends).
    """
    if not 0.0 <= level <= 1.0:
        raise ValueError(f"extension level is {level}; expected a quantile in [0, 1]")
    similarity = neighbours_train.similarity
    thresholds = np.ones(similarity.shape[1])
    for lf in range(similarity.shape[1]):
        finite = similarity[np.isfinite(similarity[:, lf]), lf]
        if finite.size:
            # "lower" picks an observed similarity; the strict ">" rule then leaves the quantile point out.
            thresholds[lf] = float(np.clip(np.quantile(finite, level, method="lower"), -1.0, 1.0))
    return thresholds


@dataclass
class Selection:
    """The chosen configuration and the dev metric of every configuration tried."""

    params: dict
    dev_metric: float
    tried: list[dict] = field(default_factory=list)
