"""Vote extension: an LF that abstains on a point borrows the vote of its nearest voting train point.

Rule (the reference code's, generalised to K classes): for LF i and a query point where it
abstains, s_c = the largest cosine similarity to a support point where LF i votes c. The point
gets the class with the largest s_c when that is strictly larger than every other class's and
strictly above the threshold r_i; otherwise it stays abstained. The support is the train split.

The fast path searches with faiss (exact inner product on unit float32 vectors) and re-scores
the few best candidates (more when float32 near-ties reach past them) in float64 with
``pair_similarity``, the same definition the brute-force reference uses, so both give identical output.
"""

from __future__ import annotations

from dataclasses import dataclass

import faiss
import numpy as np

from liger.embed.base import check_embeddings, normalize_rows
from liger.labels import ABSTAIN, check_label_matrix

_CANDIDATES = 4  # float32 search keeps this many per class; float64 re-scoring picks among them


def pair_similarity(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Cosine similarity of unit rows, in float64, summed along the last axis (broadcasts)."""
    return (A.astype(np.float64) * B.astype(np.float64)).sum(axis=-1)


@dataclass(frozen=True)
class NeighbourVotes:
    """Per (query point, LF): the winning neighbour vote and its similarity, before any threshold.

    ``label`` is ABSTAIN where the LF already votes, has no voting support, or two classes tie.
    ``similarity`` is the winner's similarity (the nearest voting support point's), -inf where none.
    """

    label: np.ndarray  # (n, m) int64
    similarity: np.ndarray  # (n, m) float64

    def take(self, rows: np.ndarray) -> "NeighbourVotes":
        """The neighbour votes of a subset of the query rows (an index or boolean mask)."""
        return NeighbourVotes(self.label[rows], self.similarity[rows])

    def extend(self, L_query: np.ndarray, thresholds: float | np.ndarray) -> np.ndarray:
        """``L_query`` with abstains replaced where the neighbour vote clears the LF's threshold."""
        r = check_thresholds(thresholds, L_query.shape[1])
        take = (self.label != ABSTAIN) & (self.similarity > r[None, :])
        return np.where(take, self.label, L_query)


def check_thresholds(thresholds: float | np.ndarray, n_lfs: int) -> np.ndarray:
    """A scalar or one threshold per LF, each a cosine similarity in [-1, 1]; returns (m,) float64."""
    r = np.asarray(thresholds, dtype=np.float64)
    if r.ndim == 0:
        r = np.full(n_lfs, float(r))
    if r.shape != (n_lfs,):
        raise ValueError(f"thresholds have shape {r.shape}; expected a scalar or ({n_lfs},), one per LF")
    bad = ~((r >= -1.0) & (r <= 1.0))
    if bad.any():
        lf = int(np.argmax(bad))
        raise ValueError(f"threshold {r[lf]} for LF {lf} is outside [-1, 1]; expected a cosine similarity")
    return r


def nearest_voting_neighbours(
    L_query: np.ndarray,
    E_query: np.ndarray,
    L_support: np.ndarray,
    E_support: np.ndarray,
    *,
    n_classes: int | None = None,
    batch_size: int = 2048,
) -> NeighbourVotes:
    """Each abstaining (query, LF) pair's best neighbour vote, found with faiss in query batches."""
    Lq, Eq, Ls, Es, n_classes = _check_inputs(L_query, E_query, L_support, E_support, n_classes)
    n, m = Lq.shape
    label = np.full((n, m), ABSTAIN, dtype=np.int64)
    similarity = np.full((n, m), -np.inf)
    for lf in range(m):
        need = np.flatnonzero(Lq[:, lf] == ABSTAIN)
        if need.size == 0:
            continue
        best = np.full((need.size, n_classes), -np.inf)
        for c in range(n_classes):
            support = np.flatnonzero(Ls[:, lf] == c)
            if support.size:
                best[:, c] = _max_similarity(Eq[need], Es[support], batch_size)
        label[need, lf], similarity[need, lf] = _winner(best)
    return NeighbourVotes(label, similarity)


def nearest_voting_neighbours_reference(
    L_query: np.ndarray, E_query: np.ndarray, L_support: np.ndarray, E_support: np.ndarray, *, n_classes: int | None = None
) -> NeighbourVotes:
    """Brute force over the dense query x support similarity matrix; the oracle for the fast path."""
    Lq, Eq, Ls, Es, n_classes = _check_inputs(L_query, E_query, L_support, E_support, n_classes)
    S = pair_similarity(Eq[:, None, :], Es[None, :, :])
    n, m = Lq.shape
    label = np.full((n, m), ABSTAIN, dtype=np.int64)
    similarity = np.full((n, m), -np.inf)
    for lf in range(m):
        best = np.stack(
            [S[:, Ls[:, lf] == c].max(axis=1) if (Ls[:, lf] == c).any() else np.full(n, -np.inf) for c in range(n_classes)],
            axis=1,
        )
        lf_label, lf_similarity = _winner(best)
        abstains = Lq[:, lf] == ABSTAIN
        label[abstains, lf], similarity[abstains, lf] = lf_label[abstains], lf_similarity[abstains]
    return NeighbourVotes(label, similarity)


def extend_votes(
    L_query: np.ndarray,
    E_query: np.ndarray,
    L_support: np.ndarray,
    E_support: np.ndarray,
    thresholds: float | np.ndarray,
    *,
    n_classes: int | None = None,
    batch_size: int = 2048,
) -> np.ndarray:
    """The extended (n, m) label matrix (see the module docstring for the rule)."""
    check_thresholds(thresholds, np.asarray(L_query).shape[1])
    neighbours = nearest_voting_neighbours(
        L_query, E_query, L_support, E_support, n_classes=n_classes, batch_size=batch_size
    )
    return neighbours.extend(np.asarray(L_query, dtype=np.int64), thresholds)


def _max_similarity(queries: np.ndarray, support: np.ndarray, batch_size: int) -> np.ndarray:
    index = faiss.IndexFlatIP(support.shape[1])
    index.add(support)
    # A float32 inner product of unit vectors is off by at most ~d * 2^-24; twice that (with room)
    # separates any support point the float32 search ranks below the cut-off from the float64 best.
    slack = 4.0 * (support.shape[1] + 2) * 2.0**-24
    best = np.empty(queries.shape[0])
    for start in range(0, queries.shape[0], batch_size):
        batch = queries[start : start + batch_size]
        rows, k = np.arange(batch.shape[0]), min(_CANDIDATES, support.shape[0])
        while rows.size:
            scores, candidates = index.search(batch[rows], k)
            best[start + rows] = pair_similarity(batch[rows][:, None, :], support[candidates]).max(axis=1)
            if k == support.shape[0]:
                break
            # Near-ties reach past the k-th candidate: widen the search for those queries only.
            rows, k = rows[scores[:, -1] >= scores[:, 0] - slack], min(2 * k, support.shape[0])
    return best


def _winner(best: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(label, similarity) from (n, K) per-class best similarities; exact ties give ABSTAIN."""
    top = np.argmax(best, axis=1)
    top_similarity = best[np.arange(best.shape[0]), top]
    runner_up = np.where(np.arange(best.shape[1])[None, :] == top[:, None], -np.inf, best).max(axis=1)
    decided = np.isfinite(top_similarity) & (top_similarity > runner_up)
    return np.where(decided, top, ABSTAIN), np.where(np.isfinite(top_similarity), top_similarity, -np.inf)


def _check_inputs(L_query, E_query, L_support, E_support, n_classes):
    Lq, Ls = np.asarray(L_query), np.asarray(L_support)
    if n_classes is None:
        n_classes = max(2, int(max(Lq.max(initial=0), Ls.max(initial=0))) + 1)
    Lq = check_label_matrix(Lq, n_classes, name="L_query")
    Ls = check_label_matrix(Ls, n_classes, name="L_support")
    if Lq.shape[1] != Ls.shape[1]:
        raise ValueError(f"L_query has {Lq.shape[1]} LFs and L_support has {Ls.shape[1]}; expected the same LFs")
    Eq = normalize_rows(check_embeddings(E_query, n_rows=Lq.shape[0], name="E_query"), name="E_query")
    Es = normalize_rows(check_embeddings(E_support, n_rows=Ls.shape[0], name="E_support"), name="E_support")
    if Eq.shape[1] != Es.shape[1]:
        raise ValueError(f"E_query has dimension {Eq.shape[1]} and E_support {Es.shape[1]}; expected the same")
    return Lq, np.ascontiguousarray(Eq), Ls, np.ascontiguousarray(Es), n_classes
