"""Approximate vote extension, opt-in, for a million points and more.

``IVFNeighbours`` is an inverted file: spherical k-means (faiss, seeded) cuts the support into
``n_lists`` cells; a query is scored only against the support points of its ``n_probe`` nearest
cells. The scan is grouped by cell, so each cell's queries meet its points in one float32 matrix
product, and every LF's vote is read off that one product (per-LF selection): the cost is about
``n_probe / n_lists`` of the exact search, shared by all LFs. A query whose nearest voting point
lies in a cell it does not probe gets the nearest one it does see, or stays abstained.

The result is a ``NeighbourVotes`` like the exact ``nearest_voting_neighbours``'s, except that
similarities are float32 inner products (within ~dim * 2^-24 of the exact float64 ones).
``measure_agreement`` compares it with the exact extension on a sample of query points.
"""

from __future__ import annotations

from dataclasses import dataclass

import faiss
import numpy as np

from liger.embed.base import check_embeddings
from liger.method.extension import NeighbourVotes, _unit_rows, _winner, nearest_voting_neighbours
from liger.labels import ABSTAIN, check_label_matrix

_SEARCH_ROWS = 1 << 14  # queries assigned to cells at a time
_BLOCK_BYTES = 1 << 26  # bound on one float32 block of (queries x cell members) scores


class IVFNeighbours:
    """Approximate nearest voting neighbours through an inverted file (see the module docstring).

    Parameters
    ----------
    n_lists : cells; None for round(2 sqrt(n_support)).
    n_probe : cells scored per query (more: slower, closer to exact).
    n_iter, points_per_list : k-means iterations, on a seeded sample of ``points_per_list`` points per cell.
    batch_size : query rows per matrix product (a cell holds about n_support / n_lists points);
        fewer where a cell is so large that the scores would pass 64 MiB.

    ``neighbours(L, E)`` with ``E`` the very array the index was fit on reads the queries from the
    index's filed copy instead of normalising them again (the usual case: train against train).
    """

    def __init__(
        self,
        *,
        n_lists: int | None = None,
        n_probe: int = 24,
        n_iter: int = 10,
        points_per_list: int = 64,
        batch_size: int = 8192,
        random_state: int = 0,
    ):
        self.n_lists = n_lists
        self.n_probe = n_probe
        self.n_iter = n_iter
        self.points_per_list = points_per_list
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, L_support: np.ndarray, E_support: np.ndarray, *, n_classes: int | None = None) -> "IVFNeighbours":
        """Train the cells on ``E_support`` (n, dim) and file every support point, with its votes
        ``L_support`` (n, m), in its nearest cell. Keeps one normalised float32 copy of the support."""
        Ls = np.asarray(L_support)
        self.n_classes_ = max(2, int(Ls.max(initial=0)) + 1) if n_classes is None else n_classes
        Ls = check_label_matrix(Ls, self.n_classes_, name="L_support")
        E = check_embeddings(E_support, n_rows=Ls.shape[0], name="E_support")
        n_lists = min(len(E), int(round(2 * np.sqrt(len(E))))) if self.n_lists is None else self.n_lists
        if not 1 <= n_lists <= len(E):
            raise ValueError(f"n_lists is {n_lists}; expected 1..{len(E)} (the number of support points)")
        if not 1 <= self.n_probe:
            raise ValueError(f"n_probe is {self.n_probe}; expected a positive number of cells")
        # Train on a seeded sample, then file every point; one normalised copy, in filed order, is kept.
        rng = np.random.default_rng(self.random_state)
        sample = np.sort(rng.choice(len(E), size=min(len(E), self.points_per_list * n_lists), replace=False))
        kmeans = faiss.Kmeans(E.shape[1], n_lists, niter=self.n_iter, spherical=True, seed=int(self.random_state),
                              max_points_per_centroid=self.points_per_list, min_points_per_centroid=1)
        kmeans.train(_unit_rows(E[sample], "E_support"))
        self.centroids_ = np.ascontiguousarray(kmeans.centroids, dtype=np.float32)
        self._quantizer = faiss.IndexFlatIP(E.shape[1])
        self._quantizer.add(self.centroids_)
        cells = np.concatenate([self._nearest_cells(_unit_rows(E[start : start + _SEARCH_ROWS], "E_support"), 1)[:, 0]
                                for start in range(0, len(E), _SEARCH_ROWS)])
        order = np.argsort(cells, kind="stable")
        self.list_bounds_ = np.searchsorted(cells[order], np.arange(n_lists + 1))
        self.support_order_ = order
        self._support = np.empty(E.shape, dtype=np.float32)  # (n, dim) unit rows, cell by cell
        for start in range(0, len(E), _SEARCH_ROWS):
            self._support[start : start + _SEARCH_ROWS] = _unit_rows(E[order[start : start + _SEARCH_ROWS]], "E_support")
        self._support_votes = Ls[order].astype(np.int8 if self.n_classes_ < 127 else np.int64)
        self._fitted_on = E_support
        return self

    def neighbours(self, L_query: np.ndarray, E_query: np.ndarray) -> NeighbourVotes:
        """Each abstaining (query, LF) pair's best neighbour vote among the probed cells."""
        Lq = check_label_matrix(L_query, self.n_classes_, name="L_query")
        if Lq.shape[1] != self._support_votes.shape[1]:
            raise ValueError(f"L_query has {Lq.shape[1]} LFs and the support {self._support_votes.shape[1]}; "
                             "expected the same LFs")
        if E_query is self._fitted_on:
            # Queries are the support itself: read them from the filed copy instead of normalising again.
            queries, positions = self._support, np.argsort(self.support_order_)
        else:
            queries = _unit_rows(check_embeddings(E_query, n_rows=Lq.shape[0], name="E_query"), "E_query")
            positions = np.arange(len(queries))
            if queries.shape[1] != self._support.shape[1]:
                raise ValueError(f"E_query has dimension {queries.shape[1]} and the support {self._support.shape[1]}; "
                                 "expected the same")
        best = self._scan(queries, positions)
        n, m = Lq.shape
        label = np.full((n, m), ABSTAIN, dtype=np.int64)
        similarity = np.full((n, m), -np.inf)
        for lf in range(m):
            need = np.flatnonzero(Lq[:, lf] == ABSTAIN)
            label[need, lf], similarity[need, lf] = _winner(best[need, lf].astype(np.float64))
        return NeighbourVotes(label, similarity)

    def _nearest_cells(self, unit: np.ndarray, k: int, rows: np.ndarray | None = None) -> np.ndarray:
        """(len(rows), k) the k cells nearest each of ``unit[rows]`` (all rows when None)."""
        rows = np.arange(len(unit)) if rows is None else rows
        k = min(k, len(self.centroids_))
        cells = np.empty((len(rows), k), dtype=np.int64)
        for start in range(0, len(rows), _SEARCH_ROWS):
            cells[start : start + _SEARCH_ROWS] = self._quantizer.search(unit[rows[start : start + _SEARCH_ROWS]], k)[1]
        return cells

    def _scan(self, queries: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """(n, m, K) float32 best score per query, LF and class over the probed cells; -inf where none."""
        n_queries, n_classes = len(positions), self.n_classes_
        m = self._support_votes.shape[1]
        best = np.full((n_queries, m * n_classes), -np.inf, dtype=np.float32)
        probes = self._nearest_cells(queries, self.n_probe, positions)  # (n, n_probe)
        pair_cells = probes.ravel()
        pair_order = np.argsort(pair_cells, kind="stable")
        pair_bounds = np.searchsorted(pair_cells[pair_order], np.arange(len(self.list_bounds_)))
        pair_queries = pair_order // probes.shape[1]
        for cell in range(len(self.list_bounds_) - 1):
            lo, hi = self.list_bounds_[cell], self.list_bounds_[cell + 1]
            asking = pair_queries[pair_bounds[cell] : pair_bounds[cell + 1]]
            if lo == hi or asking.size == 0:
                continue
            columns, bounds, slots = _vote_columns(self._support_votes[lo:hi], n_classes)
            if columns.size == 0:
                continue
            members = self._support[lo:hi]
            rows_per_block = max(1, min(self.batch_size, _BLOCK_BYTES // (4 * len(members))))
            for start in range(0, asking.size, rows_per_block):
                rows = asking[start : start + rows_per_block]
                grouped = (queries[positions[rows]] @ members.T)[:, columns]
                found = np.full((len(rows), best.shape[1]), -np.inf, dtype=np.float32)
                for j, slot in enumerate(slots):
                    found[:, slot] = grouped[:, bounds[j] : bounds[j + 1]].max(axis=1)
                best[rows] = np.maximum(best[rows], found)  # whole rows: faster than a 2-D fancy index
        return best.reshape(n_queries, m, n_classes)


def _vote_columns(votes: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For one cell's (members, m) votes: member columns grouped by (LF, class), the groups'
    bounds (group j is columns[bounds[j]:bounds[j + 1]]) and each group's slot lf * K + class."""
    member, lf = np.nonzero(votes != ABSTAIN)
    slot = lf * n_classes + votes[member, lf].astype(np.int64)
    order = np.argsort(slot, kind="stable")
    slot, member = slot[order], member[order]
    slots, starts = np.unique(slot, return_index=True)
    return member, np.append(starts, len(member)), slots


@dataclass(frozen=True)
class Agreement:
    """Approximate against exact extension on ``n_points`` sampled query points.

    ``extended_votes``: fraction of (point, LF) entries whose extended vote is identical.
    ``abstain_entries``: the same over the entries where the LF abstains (the ones extension decides).
    ``neighbour_labels``: fraction of abstaining entries whose neighbour vote (before any threshold) is identical.
    """

    n_points: int
    extended_votes: float
    abstain_entries: float
    neighbour_labels: float


def measure_agreement(
    index: IVFNeighbours,
    L_query: np.ndarray,
    E_query: np.ndarray,
    L_support: np.ndarray,
    E_support: np.ndarray,
    thresholds: float | np.ndarray,
    *,
    sample_size: int = 10_000,
    random_state: int = 0,
    approximate: NeighbourVotes | None = None,
    exact: NeighbourVotes | None = None,
) -> Agreement:
    """Agreement of ``index`` (fit on this support) with the exact extension on a seeded sample of queries.

    ``approximate`` reuses the index's answer for all query rows; ``exact`` the exact answer for
    the sample rows (as ``sample_rows`` draws them).
    """
    Lq = np.asarray(L_query)
    rows = sample_rows(len(Lq), sample_size, random_state)
    if exact is None:
        exact = nearest_voting_neighbours(Lq[rows], np.asarray(E_query)[rows], L_support, E_support, n_classes=index.n_classes_)
    approx = approximate.take(rows) if approximate is not None else index.neighbours(Lq[rows], np.asarray(E_query)[rows])
    L_sample = Lq[rows].astype(np.int64)
    same = exact.extend(L_sample, thresholds) == approx.extend(L_sample, thresholds)
    abstains = L_sample == ABSTAIN
    return Agreement(
        n_points=len(rows),
        extended_votes=float(same.mean()),
        abstain_entries=float(same[abstains].mean()) if abstains.any() else 1.0,
        neighbour_labels=float((exact.label == approx.label)[abstains].mean()) if abstains.any() else 1.0,
    )


def sample_rows(n_points: int, sample_size: int, random_state: int = 0) -> np.ndarray:
    """A seeded, sorted sample of min(sample_size, n_points) distinct row indices."""
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n_points, size=min(sample_size, n_points), replace=False))
