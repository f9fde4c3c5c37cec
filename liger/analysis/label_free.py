"""Choosing Liger's extension level and number of parts without labels: train votes and embeddings only.

No function here takes gold labels: each reads the train split's label matrix ``L`` (n, m), its
nearest-voting-neighbour votes (``NeighbourVotes``, train as support) or its embeddings ``E`` (n, d).
Definitions (``docs/label_free.md`` states the same; keep the two in step):

**Extension level q (criterion a).** The *others' majority* at (x, i) is the plurality class of the
votes of the LFs j != i on x (ABSTAIN if none of them votes or the top classes tie). A vote of LF i on
x is *compared* when the others' majority at (x, i) is a class; its *agreement* is the share of
compared votes equal to the others' majority. For a level q (``liger.method.tuning.quantile_thresholds``):

* ``original``: LF i's own votes;
* ``new``: the votes extension adds at q (L_i abstains, the extended L_i votes);
* ``increment``: the votes added at q that the previous, less extended level of the walk did not add.

Pooled over LFs, an increment's agreement a is compared with its *chance agreement*
p_e = Σ_c P(vote = c) · P(majority = c), both shares taken over the increment's compared votes: the
agreement borrowed votes would have if they were unrelated to the other LFs' evidence. With K = 2,
conditionally independent votes and an others' majority better than random, a > p_e exactly when the
borrowed votes are better than random (agreement = θα + (1 − θ)(1 − α) for vote accuracy θ and
majority accuracy α; the chance term removes what a skewed class mix alone would give). The
*break-even rule* walks the levels from least to most extension and keeps extending while the
increment's z = (a − p_e) / sqrt(p_e (1 − p_e) / N) exceeds ``z_critical`` (one-sided, N compared
votes); it returns the last level that passed (None: no extension). The *tolerance rule* (reported
for comparison) keeps extending while the ``new`` votes' agreement stays within ``tolerance`` of the
``original`` votes' agreement.

**Number of parts s (criterion b).** The *half-split stability* of s is the adjusted Rand index of two
k-means partitions (``KMeansPartition``), each fit on one of two disjoint random halves of the train
embeddings, when both assign every train point; repeated over ``n_splits`` random halvings.
s = 1 has stability 1 by definition. The *stability rule* takes the largest s in the grid whose mean
stability is at least ``min_stability``: as many parts as the data determine, rather than the seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Sequence

import numpy as np

from liger.method.extension import NeighbourVotes
from liger.labels import ABSTAIN, check_label_matrix
from liger.method.partition import KMeansPartition
from liger.method.tuning import quantile_thresholds

#: One-sided 5% critical value of the standard normal: the break-even rule's default.
Z_CRITICAL = 1.6448536269514722


# --------------------------------------------------------------------------- criterion (a): q


def others_majority(L: np.ndarray, *, n_classes: int) -> np.ndarray:
    """(n, m) int64: at (x, i) the plurality class of the votes of the LFs j != i on x; ABSTAIN if none or a tie."""
    L = check_label_matrix(L, n_classes)
    votes = np.stack([L == c for c in range(n_classes)], axis=2)  # (n, m, K)
    others = votes.sum(axis=1, keepdims=True) - votes  # per (x, i, c): LFs other than i voting c on x
    top = others.max(axis=2)
    winner = others.argmax(axis=2)
    unique = (others == top[:, :, None]).sum(axis=2) == 1
    return np.where((top > 0) & unique, winner, ABSTAIN).astype(np.int64)


@dataclass(frozen=True)
class Agreement:
    """Compared votes against a reference, per LF: ``agree`` and ``compared`` (m,), and per LF and class
    the compared votes ``vote_counts`` and the reference's classes ``reference_counts`` (m, K); all int64."""

    agree: np.ndarray
    compared: np.ndarray
    vote_counts: np.ndarray
    reference_counts: np.ndarray

    @property
    def n_compared(self) -> int:
        return int(self.compared.sum())

    @property
    def rate(self) -> float:
        """Pooled agreement over every LF's compared votes; NaN with none."""
        n = self.n_compared
        return int(self.agree.sum()) / n if n else math.nan

    @property
    def chance(self) -> float:
        """Pooled chance agreement Σ_c P(vote = c) P(reference = c) over the compared votes; NaN with none."""
        n = self.n_compared
        if not n:
            return math.nan
        return sum(int(v) * int(r) for v, r in zip(self.vote_counts.sum(axis=0), self.reference_counts.sum(axis=0))) / n**2

    @property
    def z(self) -> float:
        """(rate − chance) / sqrt(chance (1 − chance) / N); −inf with no compared vote or a chance of 0 or 1."""
        n, chance = self.n_compared, self.chance
        if not n or not 0.0 < chance < 1.0:
            return -math.inf
        return (self.rate - chance) / math.sqrt(chance * (1.0 - chance) / n)

    def per_lf_rate(self) -> np.ndarray:
        """(m,) agreement of each LF's compared votes; NaN where it has none."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.compared > 0, self.agree / np.maximum(self.compared, 1), np.nan)


def vote_agreement(votes: np.ndarray, reference: np.ndarray, rows: np.ndarray, *, n_classes: int) -> Agreement:
    """How often ``votes`` equal ``reference`` where ``rows`` (n, m) bool holds and both are classes."""
    votes, reference, rows = np.asarray(votes), np.asarray(reference), np.asarray(rows, dtype=bool)
    if not votes.shape == reference.shape == rows.shape:
        raise ValueError(f"votes {votes.shape}, reference {reference.shape} and rows {rows.shape}; "
                         "expected one shape (n, m)")
    compared = rows & (votes != ABSTAIN) & (reference != ABSTAIN)
    return Agreement(
        agree=(compared & (votes == reference)).sum(axis=0).astype(np.int64),
        compared=compared.sum(axis=0).astype(np.int64),
        vote_counts=np.stack([(compared & (votes == c)).sum(axis=0) for c in range(n_classes)], axis=1).astype(np.int64),
        reference_counts=np.stack([(compared & (reference == c)).sum(axis=0) for c in range(n_classes)],
                                  axis=1).astype(np.int64),
    )


@dataclass(frozen=True)
class LevelAgreement:
    """One extension level: its thresholds (m,), the votes it adds (``n_new``), and their agreement with the
    others' majority, all of them (``new``) and those the previous level of the walk did not add (``increment``)."""

    level: float
    thresholds: np.ndarray
    n_new: int
    new: Agreement
    increment: Agreement


def extension_agreement(
    L_train: np.ndarray, neighbours_train: NeighbourVotes, levels: Sequence[float | None], *, n_classes: int
) -> tuple[Agreement, list[LevelAgreement]]:
    """The original votes' agreement and one ``LevelAgreement`` per extended level, in walk order.

    ``levels``: None (no extension) optionally first, then levels in [0, 1] strictly decreasing (each
    extends more than the one before); the same train split is the query and the support.
    """
    L = check_label_matrix(L_train, n_classes, name="L_train")
    if neighbours_train.label.shape != L.shape:
        raise ValueError(f"neighbours_train has shape {neighbours_train.label.shape}; expected {L.shape}, the train votes'")
    extended = check_walk(levels)
    reference = others_majority(L, n_classes=n_classes)
    original = vote_agreement(L, reference, L != ABSTAIN, n_classes=n_classes)
    rows, previous = [], L
    for level in extended:
        thresholds = quantile_thresholds(neighbours_train, level)
        votes = neighbours_train.extend(L, thresholds)
        new = (L == ABSTAIN) & (votes != ABSTAIN)
        added = (previous == ABSTAIN) & (votes != ABSTAIN)
        rows.append(LevelAgreement(level, thresholds, int(new.sum()),
                                   vote_agreement(votes, reference, new, n_classes=n_classes),
                                   vote_agreement(votes, reference, added, n_classes=n_classes)))
        previous = votes
    return original, rows


def check_walk(levels: Sequence[float | None]) -> list[float]:
    """The extended levels of ``levels`` (None allowed only first), checked to extend more at each step."""
    levels = list(levels)
    extended = levels[1:] if levels and levels[0] is None else levels
    for level in extended:
        if level is None or isinstance(level, bool) or not 0.0 <= float(level) <= 1.0:
            raise ValueError(f"levels are {levels}; expected None first (optional), then quantiles in [0, 1]")
    if any(b >= a for a, b in zip(extended, extended[1:])):
        raise ValueError(f"levels are {levels}; expected strictly decreasing quantiles (each level extends more)")
    return [float(level) for level in extended]


def break_even_level(rows: Sequence[LevelAgreement], *, z_critical: float = Z_CRITICAL) -> float | None:
    """The last level of the walk before the first increment whose agreement is not above chance (z <= z_critical)."""
    chosen = None
    for row in rows:
        if not row.increment.z > z_critical:
            break
        chosen = row.level
    return chosen


def tolerance_level(original: Agreement, rows: Sequence[LevelAgreement], *, tolerance: float = 0.05) -> float | None:
    """The last level of the walk before the first whose new votes agree less than ``original.rate - tolerance``."""
    chosen = None
    for row in rows:
        if not row.new.rate >= original.rate - tolerance:  # NaN (nothing compared) stops the walk
            break
        chosen = row.level
    return chosen


# --------------------------------------------------------------------------- criterion (b): s


def adjusted_rand_index(a: np.ndarray, b: np.ndarray) -> float:
    """Adjusted Rand index of two labelings of the same points, from exact integer pair counts.

    1.0 when the two agree on every pair (including two one-part labelings), as scikit-learn defines it.
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"labelings have shapes {a.shape} and {b.shape}; expected two of the same length")
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    table = np.zeros((a.max(initial=0) + 1, b.max(initial=0) + 1), dtype=np.int64)
    np.add.at(table, (a, b), 1)
    pairs = lambda counts: sum(int(c) * (int(c) - 1) // 2 for c in np.ravel(counts))  # noqa: E731
    both, in_a, in_b, total = pairs(table), pairs(table.sum(axis=1)), pairs(table.sum(axis=0)), pairs([len(a)])
    if in_a == in_b == both:  # every pair treated alike by both labelings
        return 1.0
    expected = Fraction(in_a * in_b, total)
    return float((both - expected) / (Fraction(in_a + in_b, 2) - expected))


def half_split_stability(
    E_train: np.ndarray, n_parts: int, *, n_splits: int, random_state: int, n_init: int = 10
) -> np.ndarray:
    """(n_splits,) adjusted Rand index of the partitions fit on two disjoint random halves, over all rows.

    Halving r permutes the rows with ``np.random.RandomState(random_state + r)``; its two k-means fits use
    ``random_state + r`` as their seed.
    """
    E = np.asarray(E_train)
    if n_splits < 1:
        raise ValueError(f"n_splits is {n_splits}; expected at least one halving")
    if n_parts == 1:
        return np.ones(n_splits)
    values = []
    for r in range(n_splits):
        order = np.random.RandomState(random_state + r).permutation(E.shape[0])
        half = E.shape[0] // 2
        first, second = (KMeansPartition(n_parts, n_init=n_init, random_state=random_state + r).fit(E[rows])
                         for rows in (order[:half], order[half:]))
        values.append(adjusted_rand_index(first.assign(E), second.assign(E)))
    return np.array(values)


def stable_parts(stability: Mapping[int, float], *, min_stability: float = 0.8) -> int:
    """The largest s whose mean stability is at least ``min_stability``; 1 when none is (one part is always stable)."""
    stable = [int(s) for s, value in stability.items() if int(s) == 1 or value >= min_stability]
    return max(stable, default=1)
