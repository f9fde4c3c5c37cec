"""Vote extension: an LF that abstains on a point borrows the vote of its nearest voting train point.

Rule (the reference code's, generalised to K classes): for LF i and a query point where it
abstains, s_c = the largest cosine similarity to a support point where LF i votes c. The point
gets the class with the largest s_c when that is strictly larger than every other class's and
strictly above the threshold r_i; otherwise it stays abstained. The support is the train split.

The fast path is exact and runs in bounded memory: float32 matrix products of unit vectors,
one tile at a time, find for each (query, LF, class) the top support point and any other within
the float32 error bound of it; those few are re-scored in float64 with ``pair_similarity``, the
definition the brute-force reference uses, so both give identical output. Its cost is close to
that of one float32 product of the abstaining queries with each LF's voting support.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from liger.embed.base import check_embeddings, normalize_rows
from liger.labels import ABSTAIN, check_label_matrix

BLOCK_BYTES = 1 << 25  # default bound on one float32 block of query x support scores (32 MiB: stays in cache)
_BLOCK_ROWS = 1024  # query rows per block for large supports (tiles are block_bytes / this wide)
_NORMALISE_ROWS = 8192  # rows normalised at a time
_RESCORE_ROWS = 512  # (query, candidate) pairs re-scored in float64 at a time


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
    block_bytes: int = BLOCK_BYTES,
) -> NeighbourVotes:
    """Each abstaining (query, LF) pair's best neighbour vote, exact, in bounded memory.

    Each LF's voting support is gathered once, sorted by class. LFs with small supports are
    scored together (their supports side by side, so one matrix product serves several LFs);
    an LF with a large support is scored alone, against only its abstaining queries. Queries go
    in blocks of at most ``batch_size`` rows, support in tiles keeping each float32 block of
    scores within ``block_bytes``.
    """
    Lq, Eq, Ls, Es, n_classes = _check_inputs(L_query, E_query, L_support, E_support, n_classes)
    if batch_size < 1:
        raise ValueError(f"batch_size is {batch_size}; expected a positive number of query rows")
    if block_bytes < 1:
        raise ValueError(f"block_bytes is {block_bytes}; expected a positive number of bytes")
    n, m = Lq.shape
    label = np.full((n, m), ABSTAIN, dtype=np.int64)
    similarity = np.full((n, m), -np.inf)
    voters = [np.flatnonzero(Ls[:, lf] != ABSTAIN) for lf in range(m)]
    wanted = [lf for lf in range(m) if voters[lf].size and (Lq[:, lf] == ABSTAIN).any()]
    width = max(1, block_bytes // (4 * _BLOCK_ROWS))  # support columns of one tile
    for group in _pack(wanted, [voters[lf].size for lf in wanted], width):
        abstains = Lq[:, group] == ABSTAIN
        need = np.flatnonzero(abstains.any(axis=1))
        # Support rows LF by LF, within an LF class by class: segment (j, c) is bounds[j*K+c]:bounds[j*K+c+1].
        order = [voters[lf][np.argsort(Ls[voters[lf], lf], kind="stable")] for lf in group]
        counts = [np.bincount(Ls[rows, lf], minlength=n_classes) for lf, rows in zip(group, order)]
        bounds = np.concatenate([[0], np.cumsum(np.concatenate(counts))])
        support = Es[np.concatenate(order)]
        # Small supports take more query rows per product (the product runs faster with more).
        rows_per_block = min(batch_size, max(_BLOCK_ROWS, block_bytes // (4 * support.shape[0])))
        tile = max(1, block_bytes // (4 * rows_per_block))
        tile = -(-support.shape[0] // -(-support.shape[0] // tile))  # equal tiles: no thin remainder
        best = np.empty((need.size, len(group), n_classes))
        for start in range(0, need.size, rows_per_block):
            rows = need[start : start + rows_per_block]
            best[start : start + len(rows)] = _best_per_segment(Eq[rows], support, bounds, tile, abstains[rows])
        for j, lf in enumerate(group):
            mine = abstains[need, j]
            label[need[mine], lf], similarity[need[mine], lf] = _winner(best[mine, j])
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
    block_bytes: int = BLOCK_BYTES,
) -> np.ndarray:
    """The extended (n, m) label matrix (see the module docstring for the rule)."""
    check_thresholds(thresholds, np.asarray(L_query).shape[1])
    neighbours = nearest_voting_neighbours(
        L_query, E_query, L_support, E_support, n_classes=n_classes, batch_size=batch_size, block_bytes=block_bytes
    )
    return neighbours.extend(np.asarray(L_query, dtype=np.int64), thresholds)


def _tie_slack(dim: int) -> float:
    # A float32 inner product of unit vectors is off by at most ~dim * 2^-24; twice that (with room)
    # separates any support point scored below the cut-off from the float64 best.
    return 4.0 * (dim + 2) * 2.0**-24


def _pack(lfs: list[int], sizes: list[int], width: int) -> list[list[int]]:
    """Consecutive LFs grouped while their supports fit side by side in ``width`` columns."""
    groups: list[list[int]] = []
    total = 0
    for lf, size in zip(lfs, sizes):
        if groups and total + size <= width:
            groups[-1].append(lf)
            total += size
        else:
            groups.append([lf])
            total = size
    return groups


def _best_per_segment(
    queries: np.ndarray, support: np.ndarray, bounds: np.ndarray, tile: int, wanted: np.ndarray
) -> np.ndarray:
    """(B, g, K) float64 best similarity of each query to each (LF j, class c) segment of ``support``,
    rows bounds[j*K+c]:bounds[j*K+c+1]; -inf for an empty segment. Only entries where ``wanted``
    (B, g) holds are exact; the others are left at a float32 score or -inf.

    Float32 scores come one tile of ``support`` at a time. Candidates for the float64 re-scoring:
    each tile's top row per (query, segment) whose score is within the float32 error bound of
    the overall top, and, where a tile holds near-ties (rare), every row of it within the bound
    of its tile's top. The float64 best is always among them (see ``_tie_slack``). Per tile, a
    segment's top value comes from one pass over all segments; its row is looked up only where
    the segment is within twice the bound of its LF's leader so far (the others cannot win).
    """
    n_rows, n_segments = queries.shape[0], len(bounds) - 1
    n_classes = n_segments // wanted.shape[1]
    slack = _tie_slack(queries.shape[1])
    wanted = np.repeat(wanted, n_classes, axis=1)
    leader = np.full((n_rows, n_segments // n_classes), -np.inf)  # per LF, the best float32 top so far
    tops, wheres, extras = [], [], []  # per tile: (B, segments) top score and its row; near-ties
    for start in range(0, support.shape[0], tile):
        stop = min(start + tile, support.shape[0])
        scores = queries @ support[start:stop].T
        present = [k for k in range(n_segments) if max(bounds[k], start) < min(bounds[k + 1], stop)]
        lows = np.array([max(bounds[k], start) - start for k in present])
        top = np.full((n_rows, n_segments), -np.inf)
        top[:, present] = np.maximum.reduceat(scores, lows, axis=1)  # one fast pass for every segment
        leader = np.maximum(leader, top.reshape(n_rows, -1, n_classes).max(axis=2))
        # Only (query, segment) pairs near their LF's leader can matter; the others need no argmax.
        # (2 * slack: the final leader may rise by up to slack above a pair that is still re-scored.)
        candidate = wanted & (top >= np.repeat(leader, n_classes, axis=1) - 2 * slack)
        where = np.zeros((n_rows, n_segments), dtype=np.int64)
        for k, lo in zip(present, lows):
            rows = np.flatnonzero(candidate[:, k])
            if rows.size == 0:
                continue
            hi = min(bounds[k + 1], stop) - start
            segment = scores[rows, lo:hi]  # a contiguous copy: fast to reduce
            at = segment.argmax(axis=1)
            where[rows, k] = start + lo + at
            if hi - lo == 1:
                continue
            segment[np.arange(rows.size), at] = -np.inf
            close = np.flatnonzero(segment.max(axis=1) >= top[rows, k] - slack)
            if close.size:
                near, column = np.nonzero(segment[close] >= (top[rows[close], k] - slack)[:, None])
                extras.append((rows[close[near]], np.full(near.size, k), start + lo + column))
        tops.append(top)
        wheres.append(where)
    overall = np.max(tops, axis=0)
    # Within an LF, a class whose float32 top trails the leader's by more than the bound cannot
    # win in float64: it keeps its float32 top, which stays below the winner's float64 similarity.
    contender = wanted & np.isfinite(overall) & (overall >= np.repeat(leader, n_classes, axis=1) - slack)
    best = np.where(contender, -np.inf, overall)
    for top, where in zip(tops, wheres):
        row, k = np.nonzero(contender & (top >= overall - slack))
        best[row, k] = np.maximum(best[row, k], _rescore(queries, row, support, where[row, k]))
    for row, k, candidate in extras:
        keep = contender[row, k]
        np.maximum.at(best, (row[keep], k[keep]), _rescore(queries, row[keep], support, candidate[keep]))
    return best.reshape(n_rows, -1, n_classes)


def _rescore(queries: np.ndarray, rows: np.ndarray, support: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """``pair_similarity(queries[rows], support[candidates])``, a cache-sized chunk at a time (3x faster)."""
    out = np.empty(len(rows))
    for start in range(0, len(rows), _RESCORE_ROWS):
        chunk = slice(start, start + _RESCORE_ROWS)
        out[chunk] = pair_similarity(queries[rows[chunk]], support[candidates[chunk]])
    return out


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
    Eq = check_embeddings(E_query, n_rows=Lq.shape[0], name="E_query")
    Es = check_embeddings(E_support, n_rows=Ls.shape[0], name="E_support")
    if Eq.shape[1] != Es.shape[1]:
        raise ValueError(f"E_query has dimension {Eq.shape[1]} and E_support {Es.shape[1]}; expected the same")
    Eq = _unit_rows(Eq, "E_query")
    # Train points queried against train (the usual case): normalise once.
    Es = Eq if E_support is E_query else _unit_rows(Es, "E_support")
    return Lq, Eq, Ls, Es, n_classes


def _unit_rows(E: np.ndarray, name: str) -> np.ndarray:
    """``normalize_rows`` a chunk of rows at a time: the same values, without full-size float64 temporaries."""
    out = np.empty(E.shape, dtype=np.float32)
    for start in range(0, E.shape[0], _NORMALISE_ROWS):
        out[start : start + _NORMALISE_ROWS] = normalize_rows(E[start : start + _NORMALISE_ROWS], name=name)
    return out
