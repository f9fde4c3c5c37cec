"""Irreducible error: how much vote extension lowers H(Y | votes), against what the theory says governs it.

Estimator. On n labeled points with gold labels y and vote rows v (one row of L per point; a
pattern is a distinct row, abstains included), the plug-in conditional entropy in bits is

    Ĥ(Y | V) = - sum_{v, c} (n_vc / n) log2(n_vc / n_v)

where n_v counts the points with pattern v and n_vc those of them with label c. It is biased low:
a pattern seen once contributes 0 whatever its label, so with many distinct patterns (more LFs,
more extension) Ĥ falls even when the true H does not. To first order the bias is
-(C_VY - C_V) / (2 n ln 2), with C_VY the non-empty (pattern, label) cells and C_V the patterns
seen; the Miller–Madow estimate adds that back: Ĥ_MM = Ĥ + (C_VY - C_V) / (2 n ln 2) (the
difference of the Miller–Madow estimates of H(V, Y) and H(V)). Both are reported; neither is
unbiased when most patterns are seen once or twice, so read small reductions with care.

The governing quantity (our reading of the talk's second theorem; the paper's statement was not
available). For LF i and extension level q (``liger.method.tuning.quantile_thresholds``: threshold
r_i(q) from the train abstains), on the labeled points Λ (dev + test gold labels):

* L is the original votes on Λ; L^(i,q) is L with only column i extended at r_i(q) (train support).
* ΔH_i(q) = Ĥ(Y | L) - Ĥ(Y | L^(i,q)): the measured reduction, bits.
* p_i(q): the share of Λ that LF i newly covers (abstain in L, a vote in L^(i,q)).
* θ_i: the accuracy of LF i's original votes on Λ, #{L_i = y} / #{L_i votes}.
* M(ρ): label smoothness on Λ in this embedding (``liger.analysis.smoothness``: the share of pairs within
  cosine distance ρ whose labels differ) at ρ_i(q) = 1 - r_i(q), the farthest an extended vote travels.
* g_i(q) = p_i(q) · (θ_i - M(ρ_i(q)))²: the quantity plotted against ΔH_i(q).

Extending every LF at once at level q gives ΔH(q), plotted against Σ_i g_i(q). M(ρ) averages over
all pairs within ρ, while an extended vote comes from the *nearest* voting point, usually much
closer than ρ; so M(ρ_i) overstates the flip probability of a typical extended vote. And an LF that
votes only one class (every spam LF does) says something by abstaining: extending it to every point
makes its column constant, so Ĥ(Y | votes) can rise with extension, which a model whose abstains are
independent of Y (as the triplet label model assumes) cannot show.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import rankdata

from liger.method.extension import NeighbourVotes
from liger.harness.figures import new_figure
from liger.labels import ABSTAIN
from liger.analysis.smoothness import curve_from_pairs, label_pairs
from liger.method.tuning import quantile_thresholds

CORRECTIONS = ("none", "miller_madow")


def conditional_entropy(votes: np.ndarray, y: np.ndarray, *, correction: str = "none") -> float:
    """Ĥ(Y | V) in bits of gold labels ``y`` (n,) given vote rows ``votes`` (n, m); see the module docstring.

    ``correction="miller_madow"`` adds (C_VY - C_V) / (2 n ln 2).
    """
    votes, y = np.asarray(votes), np.asarray(y)
    if correction not in CORRECTIONS:
        raise ValueError(f"correction is {correction!r}; expected one of {CORRECTIONS}")
    if votes.ndim != 2 or y.ndim != 1 or votes.shape[0] != y.shape[0]:
        raise ValueError(f"votes have shape {votes.shape} and y {y.shape}; expected (n, m) and (n,)")
    n = y.shape[0]
    if n == 0:
        raise ValueError("no labeled points; expected at least one row")
    patterns, pattern = np.unique(votes, axis=0, return_inverse=True)
    labels, label = np.unique(y, return_inverse=True)
    n_labels = len(labels)
    cells = pattern.reshape(-1) * n_labels + label.reshape(-1)
    joint = np.bincount(cells, minlength=len(patterns) * n_labels).reshape(-1, n_labels)
    per_pattern = joint.sum(axis=1, keepdims=True)
    seen = joint > 0
    entropy = -float(np.sum(joint[seen] * np.log2((joint / per_pattern)[seen]))) / n
    if correction == "miller_madow":
        entropy += (int(seen.sum()) - int((per_pattern > 0).sum())) / (2.0 * n * math.log(2.0))
    # -0.0 from a sum of zeros reads oddly in tables.
    return entropy + 0.0


def smoothness_at(E_labeled: np.ndarray, y_labeled: np.ndarray, radii: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """M̂ and the number of pairs at each of ``radii`` (any order, any shape), NaN where no pair is within."""
    radii = np.clip(np.asarray(radii, dtype=np.float64), 0.0, 2.0)
    grid = np.unique(radii)
    curve = curve_from_pairs(label_pairs(E_labeled, y_labeled, float(grid[-1])), grid, n_bootstrap=0)
    at = np.searchsorted(grid, radii)
    return curve.m[at], curve.n_pairs[at]


def lf_accuracy(L: np.ndarray, y: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """(m,) share of LF i's votes equal to ``y`` (among ``rows`` if given); NaN for an LF with no vote there."""
    L, y = np.asarray(L), np.asarray(y)
    votes = L != ABSTAIN
    if rows is not None:
        votes = votes & rows
    n_votes = votes.sum(axis=0)
    correct = (votes & (L == y[:, None])).sum(axis=0)
    out = np.full(L.shape[1], np.nan)
    np.divide(correct, n_votes, out=out, where=n_votes > 0)
    return out


def correlation(x: np.ndarray, y: np.ndarray) -> dict:
    """Pearson r and Spearman ρ (average ranks for ties) over the finite pairs; NaN when undefined."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]

    def pearson(a, b):
        if a.size < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
            return math.nan
        return float(np.corrcoef(a, b)[0, 1])

    return {"n": int(x.size), "pearson": pearson(x, y), "spearman": pearson(rankdata(x), rankdata(y))}


def irreducible_study(
    L_labeled: np.ndarray,
    E_labeled: np.ndarray,
    y_labeled: np.ndarray,
    neighbours_labeled: NeighbourVotes,
    neighbours_train: NeighbourVotes,
    levels: list[float | None],
    lf_names: list[str],
) -> dict:
    """ΔH per (LF, level) and for all LFs at each level, with p_i, θ_i, M(ρ_i) and g_i; see the module docstring.

    ``L_labeled`` (n, m), ``E_labeled`` (n, dim), ``y_labeled`` (n,) are the labeled points;
    ``neighbours_labeled`` their nearest voting train neighbours, ``neighbours_train`` the train
    points' (which set the thresholds).
    """
    L = np.asarray(L_labeled)
    y = np.asarray(y_labeled)
    h_y = {c: conditional_entropy(np.zeros((len(y), 0), dtype=np.int64), y, correction=c) for c in CORRECTIONS}
    h_votes = {c: conditional_entropy(L, y, correction=c) for c in CORRECTIONS}
    theta = lf_accuracy(L, y)
    extended = [level for level in levels if level is not None]
    thresholds = {level: quantile_thresholds(neighbours_train, level) for level in extended}
    radii = np.array([1.0 - thresholds[level] for level in extended]).reshape(len(extended), L.shape[1])
    smoothness, n_pairs = smoothness_at(E_labeled, y, radii) if extended else (radii, radii.astype(np.int64))
    per_lf, together = [], []
    for row, level in enumerate(extended):
        L_ext = neighbours_labeled.extend(L, thresholds[level])
        gained = (L == ABSTAIN) & (L_ext != ABSTAIN)
        p = gained.mean(axis=0)
        g = p * (theta - smoothness[row]) ** 2
        for lf in range(L.shape[1]):
            only = L.copy()
            only[:, lf] = L_ext[:, lf]
            per_lf.append({
                "level": level, "lf": lf_names[lf], "threshold": float(thresholds[level][lf]),
                "radius": float(radii[row, lf]), "p_labeled": float(p[lf]), "theta": float(theta[lf]),
                "m_at_radius": float(smoothness[row, lf]), "n_pairs_within_radius": int(n_pairs[row, lf]),
                "g": float(g[lf]),
                **{f"delta_h_{c}": h_votes[c] - conditional_entropy(only, y, correction=c) for c in CORRECTIONS},
            })
        h_ext = {c: conditional_entropy(L_ext, y, correction=c) for c in CORRECTIONS}
        together.append({
            "level": level, "share_extended": 1.0 - level, "sum_g": float(np.nansum(g)),
            "mean_p_labeled": float(p.mean()),
            **{f"h_{c}": h_ext[c] for c in CORRECTIONS},
            **{f"delta_h_{c}": h_votes[c] - h_ext[c] for c in CORRECTIONS},
        })
    return {
        "n_points": int(len(y)),
        "h_y": h_y,
        "h_votes": h_votes,
        "theta": [float(t) for t in theta],
        "per_lf": per_lf,
        "all_lfs": together,
        "correlation_per_lf": {c: correlation([e["g"] for e in per_lf], [e[f"delta_h_{c}"] for e in per_lf])
                               for c in CORRECTIONS},
        "correlation_all_lfs": {c: correlation([e["sum_g"] for e in together], [e[f"delta_h_{c}"] for e in together])
                                for c in CORRECTIONS},
    }


def draw_irreducible(result: dict, *, title: str):
    """(a) Ĥ(Y | votes) against the share extended; (b) ΔH_i against g_i per (LF, level); (c) all LFs together."""
    fig = new_figure(figsize=(15, 4.6), layout="constrained")
    curve, per_lf, together = fig.subplots(1, 3)
    rows = result["all_lfs"]
    share = [0.0] + [r["share_extended"] for r in rows]
    for correction, style, name in (("none", "-o", "plug-in"), ("miller_madow", "--s", "Miller–Madow")):
        values = [result["h_votes"][correction]] + [r[f"h_{correction}"] for r in rows]
        curve.plot(share, values, style, ms=4, label=f"Ĥ(Y | votes), {name}")
    curve.axhline(result["h_y"]["none"], color="0.4", ls=":", lw=1, label="Ĥ(Y), no votes")
    curve.set(xlabel="share of each LF's abstaining train points extended", ylabel="bits",
              title="(a) H(Y | votes) as every LF is extended", ylim=(0, None))
    curve.legend(fontsize=8)
    names = list(dict.fromkeys(e["lf"] for e in result["per_lf"]))
    for index, lf in enumerate(names):
        points = [e for e in result["per_lf"] if e["lf"] == lf]
        per_lf.scatter([e["g"] for e in points], [e["delta_h_none"] for e in points], s=18,
                       color=f"C{index % 10}", label=lf, alpha=0.85)
    stats = result["correlation_per_lf"]["none"]
    stats_mm = result["correlation_per_lf"]["miller_madow"]
    per_lf.set(xlabel="g_i = p_i · (θ_i − M(1 − r_i))²", ylabel="ΔH_i = Ĥ(Y | L) − Ĥ(Y | L, LF i extended), bits",
               title=f"(b) one LF extended: Pearson {stats['pearson']:.2f}, Spearman {stats['spearman']:.2f}\n"
                     f"(Miller–Madow ΔH: {stats_mm['pearson']:.2f}, {stats_mm['spearman']:.2f}; {stats['n']} points)")
    per_lf.axhline(0, color="0.6", lw=0.8)
    per_lf.legend(fontsize=7, ncols=2, title="LF (one point per level)", title_fontsize=7)
    together.plot([r["sum_g"] for r in rows], [r["delta_h_none"] for r in rows], "-o", ms=4, label="plug-in")
    together.plot([r["sum_g"] for r in rows], [r["delta_h_miller_madow"] for r in rows], "--s", ms=4, label="Miller–Madow")
    for r in rows:
        together.annotate(f"{r['share_extended']:.0%}", (r["sum_g"], r["delta_h_none"]), fontsize=7,
                          xytext=(3, 3), textcoords="offset points")
    stats = result["correlation_all_lfs"]["none"]
    together.set(xlabel="Σ_i g_i", ylabel="ΔH = Ĥ(Y | L) − Ĥ(Y | L extended), bits",
                 title=f"(c) every LF extended (labels: share extended)\nPearson {stats['pearson']:.2f}, "
                       f"Spearman {stats['spearman']:.2f}")
    together.axhline(0, color="0.6", lw=0.8)
    together.legend(fontsize=8)
    for ax in (curve, per_lf, together):
        ax.grid(alpha=0.3)
    fig.suptitle(f"{title}: irreducible error H(Y | votes) on {result['n_points']} labeled points (dev + test)")
    return fig
