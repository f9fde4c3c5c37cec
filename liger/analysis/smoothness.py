"""Label smoothness M(r): how likely two labeled points within cosine distance r have different labels.

The estimator (``docs/smoothness.md`` states the same text; keep the two in step):

* Rows of ``E`` are scaled to unit length in float64: ``u_i = e_i / ||e_i||``.
* The distance of two points is ``d_ij = ||u_i - u_j||^2 / 2``, which equals the cosine distance
  ``1 - cos(e_i, e_j)`` (range 0..2) and is exactly 0 for identical rows.
* ``M(r) = P(y_i != y_j | d_ij <= r)`` for two distinct labeled points, estimated over the unordered
  pairs of distinct rows::

      M̂(r) = #{i < j : d_ij <= r and y_i != y_j} / #{i < j : d_ij <= r}

  A pair at exactly ``d_ij == r`` counts. A radius with no pair gives ``NaN`` and ``n_pairs = 0``.
  Rows with identical embeddings (duplicate texts) are distinct points: their pair sits at d = 0.
* Lower is smoother: labels rarely change between nearby points. As r grows to 2 the estimate tends
  to the base rate ``P(y_i != y_j)`` over all pairs, the value for labels unrelated to the embedding.

Confidence band: resample the *points* (not the pairs) with replacement, ``n_bootstrap`` times, from
``np.random.default_rng(seed)``. A resample with multiplicities ``c`` weighs pair (i, j) by
``c_i * c_j``; pairs of two copies of one point are left out (a point agreeing with itself says
nothing about smoothness). The band is the percentile interval of the resampled M̂(r) at level
``confidence``; a resample with no pair within r is dropped at that radius.

Scaling: the candidate pairs come from one faiss ``range_search`` (``IndexFlatIP`` on float32 unit
rows) at the largest radius, widened by a bound on float32 rounding; each candidate's distance is then
recomputed in float64 by the formula above, so the counts equal a brute-force count exactly.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import faiss
import numpy as np

#: Elements per block of bootstrap weights (one int64 block of this size is 16 MB).
_BLOCK_ELEMENTS = 1 << 21


@dataclass(frozen=True)
class SmoothnessCurve:
    """M̂(r) on a grid: ``radii``, ``m``, bootstrap band ``low``/``high`` and ``n_pairs``, each (R,).

    ``m``, ``low`` and ``high`` are NaN where no pair lies within the radius (and the band is NaN
    everywhere when ``n_bootstrap`` is 0).
    """

    radii: np.ndarray
    m: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n_pairs: np.ndarray


@dataclass(frozen=True)
class LabelPairs:
    """Every unordered pair ``first < second`` of rows with ``distance <= max_radius``, closest first.

    ``distance`` (P,) float64, ``first`` and ``second`` (P,) int64 row indices, ``differ`` (P,) bool
    (the two gold labels differ); ``n_points`` labeled rows in all.
    """

    distance: np.ndarray
    first: np.ndarray
    second: np.ndarray
    differ: np.ndarray
    n_points: int
    max_radius: float

    @property
    def n_all_pairs(self) -> int:
        """Unordered pairs of distinct rows, whatever their distance: n (n - 1) / 2."""
        return self.n_points * (self.n_points - 1) // 2


def unit_rows(E: np.ndarray) -> np.ndarray:
    """``E`` (n, dim) checked and scaled to unit rows in float64 (see the module docstring)."""
    E = np.asarray(E)
    if E.dtype.kind not in "fiu":
        raise TypeError(f"E has dtype {E.dtype}; expected a float (or integer) matrix of embeddings")
    if E.ndim != 2:
        raise ValueError(f"E has shape {E.shape}; expected 2-D (n_points, dim)")
    E = E.astype(np.float64)
    finite = np.isfinite(E).all(axis=1)
    if not finite.all():
        raise ValueError(f"E row {int(np.argmin(finite))} has a NaN or inf; expected finite values")
    zero = ~E.any(axis=1)
    if zero.any():
        raise ValueError(f"E row {int(np.argmax(zero))} is all zeros; its cosine distance to anything is undefined")
    # Scale by the largest |entry| first, so squaring cannot underflow or overflow.
    E = E / np.abs(E).max(axis=1, keepdims=True)
    return E / np.linalg.norm(E, axis=1, keepdims=True)


def check_labels(y: np.ndarray, n_rows: int) -> np.ndarray:
    """Gold labels (n_rows,) as int64: one class >= 0 per row of E."""
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise TypeError(f"y has dtype {y.dtype}; expected integer gold labels")
    if y.ndim != 1 or y.shape[0] != n_rows:
        raise ValueError(f"y has shape {y.shape} but E has {n_rows} rows; expected one gold label per row of E, shape ({n_rows},)")
    negative = y < 0
    if negative.any():
        row = int(np.argmax(negative))
        raise ValueError(f"y has value {y[row]} at row {row}; expected a gold class >= 0 (-1 is an abstain, not a label)")
    return y.astype(np.int64, copy=False)


def check_radii(radii) -> np.ndarray:
    """A non-empty 1-D float64 array of finite distances >= 0, sorted ascending (ties allowed)."""
    radii = np.asarray(radii, dtype=np.float64)
    if radii.ndim != 1 or radii.size == 0:
        raise ValueError(f"radii has shape {radii.shape}; expected a non-empty 1-D grid of cosine distances")
    if not np.isfinite(radii).all() or (radii < 0).any():
        raise ValueError(f"radii has {radii[~np.isfinite(radii) | (radii < 0)][0]}; expected finite distances >= 0")
    if (np.diff(radii) < 0).any():
        at = int(np.argmax(np.diff(radii) < 0))
        raise ValueError(f"radii is not sorted: {radii[at]} comes before {radii[at + 1]}; expected ascending values")
    return radii


def label_pairs(E: np.ndarray, y: np.ndarray, max_radius: float, *, query_batch: int = 2048) -> LabelPairs:
    """All pairs of rows of ``E`` (n, dim) within cosine distance ``max_radius``, labels ``y`` (n,)."""
    U = unit_rows(E)
    n, dim = U.shape
    y = check_labels(y, n)
    if n < 2:
        raise ValueError(f"E has {n} row(s); expected at least 2 labeled points (M(r) is a statistic of pairs)")
    max_radius = float(check_radii([max_radius])[0])
    U32 = np.ascontiguousarray(U, dtype=np.float32)
    index = faiss.IndexFlatIP(dim)
    index.add(U32)
    # float32 inner products of unit rows are off by at most ~(dim + 2) * 2^-24; widen by twice that.
    threshold = 1.0 - max_radius - (dim + 2) * 2.0**-23
    firsts, seconds = [], []
    for start in range(0, n, query_batch):
        stop = min(start + query_batch, n)
        lims, _, neighbours = index.range_search(U32[start:stop], threshold)
        rows = np.repeat(np.arange(start, stop, dtype=np.int64), np.diff(lims.astype(np.int64)))
        keep = neighbours > rows
        firsts.append(rows[keep])
        seconds.append(neighbours[keep].astype(np.int64))
    first, second = np.concatenate(firsts), np.concatenate(seconds)
    distance = _pair_distances(U, first, second)
    inside = distance <= max_radius
    first, second, distance = first[inside], second[inside], distance[inside]
    # Sorting by (distance, first, second) makes the order independent of faiss's threading.
    order = np.lexsort((second, first, distance))
    first, second, distance = first[order], second[order], distance[order]
    return LabelPairs(distance, first, second, y[first] != y[second], n, max_radius)


def _pair_distances(U: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """``||u_i - u_j||^2 / 2`` in float64 for each pair, in chunks that keep memory bounded."""
    out = np.empty(first.shape[0], dtype=np.float64)
    chunk = max(1, (1 << 21) // U.shape[1])
    for start in range(0, first.shape[0], chunk):
        stop = start + chunk
        diff = U[first[start:stop]] - U[second[start:stop]]
        out[start:stop] = 0.5 * np.sum(diff * diff, axis=1)
    return out


def curve_from_pairs(
    pairs: LabelPairs,
    radii,
    *,
    n_bootstrap: int = 200,
    confidence: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> SmoothnessCurve:
    """M̂(r) at each radius (<= ``pairs.max_radius``) with a bootstrap band; see the module docstring."""
    radii = check_radii(radii)
    if radii[-1] > pairs.max_radius:
        raise ValueError(f"radii reach {radii[-1]} but the pairs were collected up to {pairs.max_radius}; "
                         "collect them at the largest radius")
    _check_n_bootstrap(n_bootstrap)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence is {confidence!r}; expected a level strictly between 0 and 1")
    # Pairs are sorted by distance, so the pairs within radii[k] are the first ends[k] of them.
    ends = np.searchsorted(pairs.distance, radii, side="right")
    n_pairs = ends.astype(np.int64)
    n_differ = _prefix_sums(pairs.differ.astype(np.int64)[None, :], ends)[0]
    m = _ratio(n_differ, n_pairs)
    low = np.full(radii.shape, np.nan)
    high = np.full(radii.shape, np.nan)
    if n_bootstrap > 0:
        replicates = bootstrap_replicates(pairs, radii, n_bootstrap=n_bootstrap, seed=seed)
        low, high = percentile_band(replicates, confidence)
    return SmoothnessCurve(radii=radii, m=m, low=low, high=high, n_pairs=n_pairs)


def bootstrap_replicates(
    pairs: LabelPairs, radii, *, n_bootstrap: int, seed: int | np.random.Generator | None = 0
) -> np.ndarray:
    """(n_bootstrap, R) M̂ on resampled points: pair (i, j) weighs c_i * c_j, NaN where no pair is left.

    The same ``seed`` and number of points draw the same resamples, so curves of two embeddings of
    the same points can be compared resample by resample.
    """
    radii = check_radii(radii)
    _check_n_bootstrap(n_bootstrap)
    ends = np.searchsorted(pairs.distance, radii, side="right")
    rng = np.random.default_rng(seed)
    n = pairs.n_points
    # Multiplicities of n draws with replacement, one row per resample.
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_bootstrap)
    replicates = np.empty((n_bootstrap, ends.shape[0]))
    block = max(1, _BLOCK_ELEMENTS // max(1, pairs.distance.shape[0]))
    for start in range(0, n_bootstrap, block):
        c = counts[start:start + block]
        weights = c[:, pairs.first] * c[:, pairs.second]
        total = _prefix_sums(weights, ends)
        differ = _prefix_sums(weights * pairs.differ, ends)
        replicates[start:start + block] = _ratio(differ, total)
    return replicates


def _check_n_bootstrap(n_bootstrap) -> None:
    if not isinstance(n_bootstrap, (int, np.integer)) or isinstance(n_bootstrap, bool) or n_bootstrap < 0:
        raise ValueError(f"n_bootstrap is {n_bootstrap!r}; expected an integer >= 0")


def percentile_band(replicates: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over resamples (axis 0), NaN resamples left out; NaN where all are NaN."""
    alpha = 100.0 * (1.0 - confidence) / 2.0
    with warnings.catch_warnings():
        # A radius where every resample has no pair: the band stays NaN.
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(replicates, [alpha, 100.0 - alpha], axis=0)
    return low, high


def _prefix_sums(values: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """(B, R) sums of ``values[:, :end]`` for each end; integer sums, so exact."""
    cumulative = np.zeros((values.shape[0], values.shape[1] + 1), dtype=values.dtype)
    np.cumsum(values, axis=1, out=cumulative[:, 1:])
    return cumulative[:, ends]


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.full(np.shape(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def smoothness_curve(
    E: np.ndarray,
    y: np.ndarray,
    radii,
    *,
    n_bootstrap: int = 200,
    confidence: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> SmoothnessCurve:
    """M̂(r) of labels ``y`` (n,) in embedding ``E`` (n, dim) at each radius, with a bootstrap band.

    One faiss range search at the largest radius finds the pairs; see the module docstring.
    """
    radii = check_radii(radii)
    pairs = label_pairs(E, y, float(radii[-1]))
    return curve_from_pairs(pairs, radii, n_bootstrap=n_bootstrap, confidence=confidence, seed=seed)


def pointwise_smoothness(pairs: LabelPairs, radii) -> tuple[np.ndarray, np.ndarray]:
    """The per-point variant: mean over points of the share of their r-neighbours with another label.

    Only points with at least one other point within r take part. Returns ``m`` (R,), NaN where no
    point has a neighbour, and ``n_points`` (R,) int64, how many points took part. No band.
    """
    radii = check_radii(radii)
    if radii[-1] > pairs.max_radius:
        raise ValueError(f"radii reach {radii[-1]} but the pairs were collected up to {pairs.max_radius}")
    n = pairs.n_points
    ends = np.searchsorted(pairs.distance, radii, side="right")
    neighbours = np.zeros(n, dtype=np.int64)
    differing = np.zeros(n, dtype=np.int64)
    m = np.full(radii.shape, np.nan)
    n_points = np.zeros(radii.shape, dtype=np.int64)
    done = 0
    for k, end in enumerate(ends):
        # Add only the pairs between the previous radius and this one.
        ends_i, ends_j = pairs.first[done:end], pairs.second[done:end]
        flips = pairs.differ[done:end].astype(np.int64)
        neighbours += np.bincount(ends_i, minlength=n) + np.bincount(ends_j, minlength=n)
        differing += np.bincount(ends_i, weights=flips, minlength=n).astype(np.int64)
        differing += np.bincount(ends_j, weights=flips, minlength=n).astype(np.int64)
        done = end
        has = neighbours > 0
        n_points[k] = int(has.sum())
        if n_points[k]:
            m[k] = float(np.mean(differing[has] / neighbours[has]))
    return m, n_points


def radii_at_pair_fractions(pairs: LabelPairs, fractions) -> np.ndarray:
    """For each fraction f, the smallest radius holding at least ceil(f * n(n-1)/2) pairs (>= 1 pair).

    NaN where that many pairs lie beyond ``pairs.max_radius``. This puts embeddings whose similarity
    scales differ on one axis: M̂ at the distance of the closest f of all pairs.
    """
    fractions = np.asarray(fractions, dtype=np.float64)
    if fractions.ndim != 1 or not ((fractions > 0) & (fractions <= 1)).all():
        raise ValueError(f"fractions is {fractions.tolist()}; expected a 1-D array of values in (0, 1]")
    needed = np.maximum(1, np.ceil(fractions * pairs.n_all_pairs)).astype(np.int64)
    out = np.full(fractions.shape, np.nan)
    available = needed <= pairs.distance.shape[0]
    out[available] = pairs.distance[needed[available] - 1]
    return out


def base_rate(y: np.ndarray) -> float:
    """P(y_i != y_j) over all unordered pairs of distinct rows: M(r) for labels unrelated to distance."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y has shape {y.shape}; expected a 1-D array of gold labels")
    y = check_labels(y, y.shape[0])
    n = y.shape[0]
    if n < 2:
        raise ValueError(f"y has {n} label(s); expected at least 2")
    counts = np.bincount(y)
    same = int(np.sum(counts * (counts - 1) // 2))
    total = n * (n - 1) // 2
    return (total - same) / total


def normalized_area(x, values) -> np.ndarray:
    """Trapezoid area under ``values`` over the grid ``x`` (ascending), divided by its span: a mean of M.

    ``values`` is (R,) or (B, R) (one area per row). NaN where any value is NaN: an area over a
    stretch with no pairs would silently mean something else.
    """
    x = np.asarray(x, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.shape[0] < 2 or not (np.diff(x) > 0).all():
        raise ValueError(f"x is {x.tolist()}; expected at least 2 strictly ascending grid points")
    if values.shape[-1] != x.shape[0]:
        raise ValueError(f"values has shape {values.shape}; expected {x.shape[0]} values along the last axis")
    return np.trapezoid(values, x, axis=-1) / (x[-1] - x[0])
