"""Liger over several embeddings at once: three ways to combine embeddings E^1..E^k, and the dev-side choice.

Schemes (``SCHEMES``), each a label matrix per extension level q plus an embedding to partition:

* ``single``: ordinary Liger on one embedding (k = 1): every LF extended with its nearest voting train
  neighbour under that embedding, at thresholds r_i(q) (``liger.method.tuning.quantile_thresholds``).
* ``concatenation``: ordinary Liger on the joint embedding ``concatenate_embeddings(E^1..E^k)``: each
  embedding unit-normalised, scaled by sqrt(w_j) (equal weights w_j = 1/k by default), concatenated and
  renormalised, so the joint cosine similarity is the weighted mean Σ_j w_j cos_j of the embeddings'
  similarities. Partition and extension both happen in the joint space.
* ``extra_sources``: ``extra_source_votes``: the m original LF columns once, then for each embedding j
  the m columns of its extension-only votes (LF i's extended vote under E^j where LF i abstains,
  abstain where LF i votes): m (1 + k) sources, so the label model weighs each embedding's
  extensions on their own. One level q is shared: each embedding gets its own r_i(q), the q-quantile
  of its own similarities, so the shared level is scale-free. Parts come from the joint embedding.
* ``agreement``: ``agreed_votes``: LF i is extended where it abstains only if every embedding's
  extension (each at its own r_i(q)) votes and all give the same class. Parts from the joint embedding.

``choose_and_score`` hands the votes, already extended per level, to ``LigerCV`` (so no further
extension), which picks parts × level as for ``method=liger``: class balances per part chosen on dev,
the grid scored by the k-fold cross-validated dev metric (or the in-sample one), strictly better only.
Test labels are only scored.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from liger.data.dataset import Dataset
from liger.embed.base import normalize_rows
from liger.method.extension import NeighbourVotes
from liger.studies.common import voting_neighbours  # noqa: F401 (the study and its tests call it from here)
from liger.labels import ABSTAIN
from liger.method.liger_cv import LigerCV
from liger.metrics import coverage, metric_value
from liger.method.tuning import quantile_thresholds

SCHEMES = ("single", "concatenation", "extra_sources", "agreement")
SPLITS = ("train", "dev", "test")


# ------------------------------------------------------------------------------- combining functions


def concatenate_embeddings(embeddings: Sequence[np.ndarray], *, weights: Sequence[float] | None = None) -> np.ndarray:
    """(n, Σ d_j) float32 unit rows: each (n, d_j) block unit-normalised, scaled by sqrt(w_j), concatenated, renormalised.

    ``weights`` (k,) are non-negative, normalised to sum to 1; None weighs the embeddings equally. The
    joint cosine similarity of two points is then Σ_j w_j cos_j (before float32 rounding).
    """
    blocks = list(embeddings)
    if not blocks:
        raise ValueError("concatenate_embeddings got no embeddings; expected at least one (n, d) matrix")
    n = np.asarray(blocks[0]).shape[0]
    for j, block in enumerate(blocks):
        if np.ndim(block) != 2 or np.shape(block)[0] != n:
            raise ValueError(f"embedding {j} has shape {np.shape(block)}; expected ({n}, d), rows aligned with embedding 0")
    w = np.full(len(blocks), 1.0 / len(blocks)) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (len(blocks),) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"weights are {np.asarray(weights).tolist()}; expected {len(blocks)} non-negative values, not all 0")
    w = w / w.sum()
    joint = np.hstack([np.sqrt(w[j]) * normalize_rows(block, name=f"embedding {j}").astype(np.float64)
                       for j, block in enumerate(blocks) if w[j] > 0])
    return normalize_rows(joint, name="joint embedding")


def extension_only_votes(L: np.ndarray, extended: np.ndarray) -> np.ndarray:
    """(n, m): ``extended``'s votes where ``L`` abstains, abstain where ``L`` votes."""
    L, extended = _check_extended(L, [extended])
    return np.where(L == ABSTAIN, extended[0], ABSTAIN)


def extra_source_votes(L: np.ndarray, extended: Sequence[np.ndarray]) -> np.ndarray:
    """(n, m (1 + k)): ``L``, then for each embedding j the extension-only votes of ``extended[j]``.

    Column j·m + i (j >= 1) is LF i's vote borrowed under embedding j, where LF i abstains.
    """
    L, extended = _check_extended(L, extended)
    return np.hstack([L, *[np.where(L == ABSTAIN, X, ABSTAIN) for X in extended]])


def agreed_votes(L: np.ndarray, extended: Sequence[np.ndarray]) -> np.ndarray:
    """(n, m): ``L`` extended where it abstains only if every ``extended[j]`` votes there, all the same class."""
    L, extended = _check_extended(L, extended)
    stack = np.stack(extended)
    agree = (stack != ABSTAIN).all(axis=0) & (stack == stack[0]).all(axis=0)
    return np.where((L == ABSTAIN) & agree, stack[0], L)


def _check_extended(L, extended) -> tuple[np.ndarray, list[np.ndarray]]:
    L = np.asarray(L)
    extended = [np.asarray(X) for X in extended]
    if not extended:
        raise ValueError("no extended label matrix given; expected one per embedding")
    for j, X in enumerate(extended):
        if X.shape != L.shape:
            raise ValueError(f"extended label matrix {j} has shape {X.shape}; expected L's shape {L.shape}")
        changed = (L != ABSTAIN) & (X != L)
        if changed.any():
            row, lf = (int(v) for v in np.argwhere(changed)[0])
            raise ValueError(f"extended label matrix {j} has {X[row, lf]} at ({row}, {lf}) where L votes {L[row, lf]}; "
                             "expected extension to fill abstains only")
    return L, extended


# ------------------------------------------------------------------------------------- votes per level


def extend_at_level(
    L: Mapping[str, np.ndarray], neighbours: Mapping[str, NeighbourVotes], level: float | None
) -> dict[str, np.ndarray]:
    """Each split's L extended at thresholds r_i(level) of the train neighbours; level None leaves L as it is."""
    if level is None:
        return {split: np.asarray(L[split]) for split in L}
    thresholds = quantile_thresholds(neighbours["train"], level)
    return {split: neighbours[split].extend(np.asarray(L[split]), thresholds) for split in L}


def scheme_votes(
    scheme: str, L: Mapping[str, np.ndarray], neighbours: Sequence[Mapping[str, NeighbourVotes]], level: float | None
) -> dict[str, np.ndarray]:
    """Each split's label matrix for ``scheme`` at ``level``; ``neighbours`` holds one entry per embedding.

    ``single`` and ``concatenation`` take one entry (the joint embedding's neighbours for the latter).
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme is {scheme!r}; expected one of {list(SCHEMES)}")
    if scheme in ("single", "concatenation") and len(neighbours) != 1:
        raise ValueError(f"scheme {scheme!r} takes the neighbours of one embedding; got {len(neighbours)}")
    if not neighbours:
        raise ValueError(f"scheme {scheme!r} got no neighbours; expected one set per embedding")
    extended = [extend_at_level(L, nv, level) for nv in neighbours]
    if scheme in ("single", "concatenation"):
        return extended[0]
    combine = extra_source_votes if scheme == "extra_sources" else agreed_votes
    return {split: combine(L[split], [X[split] for X in extended]) for split in L}


# ----------------------------------------------------------------------------------- choosing on dev


def choose_and_score(
    dataset: Dataset,
    votes: Mapping[float | None, Mapping[str, np.ndarray]],
    E_partition: Mapping[str, np.ndarray],
    *,
    parts: Sequence[int],
    seed: int,
    label_model: str = "triplet",
    label_model_params: dict | None = None,
    min_part_size: int = 20,
    selection: str = "cv",
    cv_folds: int = 5,
) -> dict:
    """Liger fit on pre-extended ``votes[level][split]`` over ``parts`` × levels (``votes``' keys, in order).

    ``LigerCV`` chooses, as for ``method=liger``: each configuration's per-part class balances chosen on
    dev, the best cross-validated (``selection="cv"``) or in-sample (``"dev"``) dev metric winning, ties
    keeping the earlier one. ``E_partition`` is the embedding k-means parts come from. Returns dev (in
    sample), dev_cv, test (the dataset's metric), the test predictions, coverage and the choice.
    """
    if selection not in ("dev", "cv"):
        raise ValueError(f"selection is {selection!r}; expected 'dev' (in-sample) or 'cv' (cross-validated on dev)")
    dev, test = dataset["dev"], dataset["test"]
    levels = list(votes)
    search = LigerCV([int(s) for s in parts], levels, label_model=label_model, label_model_params=label_model_params,
                     min_part_size=min_part_size, metric=dataset.metric, n_classes=dataset.n_classes,
                     cv=cv_folds if selection == "cv" else None, random_state=seed)
    search.fit({level: votes[level]["train"] for level in levels}, E_partition["train"],
               L_dev={level: votes[level]["dev"] for level in levels}, E_dev=E_partition["dev"], y_dev=dev.y,
               groups=dev.groups)
    results = search.cv_results_
    tried = [{"n_partitions": params["n_partitions"], "extension_level": params["extension_level"], "dev": in_sample,
              **({} if cv is None else {"dev_cv": cv})}
             for params, in_sample, cv in zip(results["params"], results["in_sample_score"], results["cv_score"])]
    n_parts, level = search.best_params_["n_partitions"], search.best_params_["extension_level"]
    model = search.best_estimator_
    test_votes = votes[level]["test"]
    predicted = model.predict(test_votes, E_partition["test"])
    return {
        "n_partitions": n_parts,
        "extension_level": level,
        "dev": results["in_sample_score"][search.best_index_],
        "dev_cv": search.best_score_ if selection == "cv" else None,
        "test": metric_value(dataset.metric, test.y, predicted, n_classes=dataset.n_classes),
        "test_predictions": predicted,
        "test_coverage": coverage(test_votes),
        "train_coverage": coverage(votes[level]["train"]),
        "n_sources": int(test_votes.shape[1]),
        "fallbacks": list(model.fallbacks_),
        "tried": tried,
    }
