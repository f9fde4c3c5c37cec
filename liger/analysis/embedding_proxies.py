"""Label-free proxies for how well an embedding suits Liger on a dataset: the train split only.

Every function here reads the train label matrix ``L`` (n, m; abstain -1), the train split's
nearest-voting-neighbour votes (``NeighbourVotes``, train as query and support) or row counts; none
has a parameter that could receive gold labels. ``docs/embedding_ranking.md`` states the same
definitions; keep the two in step.

**Pseudo-labels** (the input of the pseudo-label smoothness proxy, whose summary is the gold study's,
``liger.studies.embedding_ranking.study.pseudo_label_smoothness``): the dataset's label model fit on the
train votes with its class balance estimated from them (no dev labels, no class-balance search),
its hard labels (argmax; ties to the lowest class) on the *covered* train rows, those with at least
one vote. Uncovered rows have no evidence of their own and would all get the prior's class.

**Extension agreement** (higher = the embedding's borrowed votes agree more with independent
evidence). For each LF i and each train point x where LF i abstains, the *borrowed vote* is the
class of x's nearest train point among those where LF i votes (Liger's extension rule with no
threshold: the class whose nearest voter is strictly more similar than every other class's; a tie
borrows nothing). x is never its own neighbour: it abstains on i, so it is not in LF i's support.
The *others' majority* at (x, i) is the plurality class of the votes of the LFs j != i on x
(``liger.analysis.label_free.others_majority``; none if no other LF votes or the top classes tie). A borrowed
vote is *compared* when both it and the others' majority are classes. Pooled over every LF's
compared votes (N of them):

    a   = #{borrowed vote == others' majority} / N
    p_e = Σ_c (#borrowed votes of class c / N) · (#others' majorities of class c / N)
    extension agreement = a − p_e

p_e is what borrowed votes unrelated to the other LFs' evidence would reach through the class mix
alone (``liger.analysis.label_free.Agreement``). The others' majority never reads LF i, nor x's embedding,
so the comparison is with evidence independent of the borrowing.

**Extension agreement over Liger's levels** (secondary; higher = better). The same a − p_e over the
votes extension adds at each level q of Liger's grid (LF i's threshold the q-quantile of its
neighbour similarities over its abstaining train points, ``liger.method.tuning.quantile_thresholds``),
averaged over the levels: the closest borrowed votes, which Liger actually uses at the levels dev
cross-validation picks, weigh more than in the all-abstains version. A level with no compared vote
counts as NaN and makes the average NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from liger.method.extension import NeighbourVotes
from liger.analysis.label_free import Agreement, extension_agreement, others_majority, vote_agreement
from liger.labels import ABSTAIN, check_label_matrix
from liger.method.liger import make_label_model


@dataclass(frozen=True)
class PseudoLabels:
    """Hard labels of the train label model on the covered train rows: ``rows`` (k,) and ``labels`` (k,), int64;
    ``class_balance`` (K,) is the model's own estimate from the train votes."""

    rows: np.ndarray
    labels: np.ndarray
    class_balance: np.ndarray


def pseudo_labels(
    L_train: np.ndarray, *, n_classes: int, label_model: str = "triplet", label_model_params: Mapping | None = None
) -> PseudoLabels:
    """The label model fit on ``L_train`` (class balance estimated from it), predicting the covered rows."""
    L = check_label_matrix(L_train, n_classes, name="L_train")
    model = make_label_model(label_model, n_classes, **dict(label_model_params or {})).fit(L)
    rows = np.flatnonzero((L != ABSTAIN).any(axis=1)).astype(np.int64)
    labels = model.predict(L[rows]).astype(np.int64) if rows.size else np.zeros(0, dtype=np.int64)
    return PseudoLabels(rows, labels, np.asarray(model.class_balance_, dtype=np.float64))


def subsample_rows(n_rows: int, max_points: int, *, seed: int) -> np.ndarray:
    """All of ``range(n_rows)`` when ``n_rows <= max_points``, else ``max_points`` of them drawn without
    replacement by ``np.random.default_rng(seed)``; ascending either way."""
    if max_points < 2:
        raise ValueError(f"max_points is {max_points}; expected at least 2 (smoothness is a statistic of pairs)")
    if n_rows <= max_points:
        return np.arange(n_rows, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(n_rows, size=max_points, replace=False)).astype(np.int64)


def borrowed_vote_agreement(L_train: np.ndarray, neighbours_train: NeighbourVotes, *, n_classes: int) -> Agreement:
    """Agreement of every abstaining (x, i)'s borrowed vote with the others' majority at (x, i) (module docstring)."""
    L = check_label_matrix(L_train, n_classes, name="L_train")
    if neighbours_train.label.shape != L.shape:
        raise ValueError(f"neighbours_train has shape {neighbours_train.label.shape}; expected {L.shape}, the train votes'")
    reference = others_majority(L, n_classes=n_classes)
    return vote_agreement(neighbours_train.label, reference, L == ABSTAIN, n_classes=n_classes)


def excess_agreement(agreement: Agreement) -> float:
    """a − p_e pooled over LFs; NaN with no compared vote."""
    return agreement.rate - agreement.chance


def extension_agreement_proxy(L_train: np.ndarray, neighbours_train: NeighbourVotes, *, n_classes: int) -> dict:
    """``{"value": a − p_e, "agreement": a, "chance": p_e, "n_compared": N}`` over every borrowed vote."""
    agreement = borrowed_vote_agreement(L_train, neighbours_train, n_classes=n_classes)
    return {"value": excess_agreement(agreement), "agreement": agreement.rate, "chance": agreement.chance,
            "n_compared": agreement.n_compared}


def level_agreement_proxy(
    L_train: np.ndarray, neighbours_train: NeighbourVotes, levels: Sequence[float | None], *, n_classes: int
) -> dict:
    """``{"value": mean over levels of a − p_e of the votes each level adds, "per_level": [...]}``.

    ``levels``: Liger's grid (None, meaning no extension, is left out); walked from least to most extension.
    """
    extended = sorted({float(q) for q in levels if q is not None}, reverse=True)
    if not extended:
        raise ValueError(f"levels are {list(levels)}; expected at least one extension level in [0, 1]")
    _, rows = extension_agreement(L_train, neighbours_train, extended, n_classes=n_classes)
    per_level = [{"level": row.level, "value": excess_agreement(row.new), "agreement": row.new.rate,
                  "chance": row.new.chance, "n_compared": row.new.n_compared} for row in rows]
    values = [entry["value"] for entry in per_level]
    value = float(np.mean(values)) if all(math.isfinite(v) for v in values) else math.nan
    return {"value": value, "per_level": per_level}
