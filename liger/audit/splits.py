"""Split sizes, class balance and every LF's coverage, polarity and precision, per split.

Train is the reference for how often an LF fires (it is the split the label model is fit on);
precision needs gold labels, so it is measured on the labelled splits only (the loaders drop
train labels on purpose).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom, poisson

from liger.audit.result import CheckResult, Flag, Table
from liger.data.dataset import SPLIT_NAMES, Dataset
from liger.labels import ABSTAIN

#: Class shares of two labelled splits this far apart (total variation) mean they were not drawn from one pool.
MAX_BALANCE_SHIFT = 0.2
#: An LF (or a whole split) firing 5x less or more than train predicts is not sampling noise or mild drift ...
COVERAGE_RATIO = 5.0
#: ... provided a Poisson test against train's rate agrees (many LFs are tested: keep it strict).
COVERAGE_P = 1e-6
#: Precision is judged on at least this many votes for one class: fewer cannot fall below a class share at ANTI_P.
MIN_VOTES = 10
#: Votes for class c right less often than c's share of the split (one-sided binomial p below this) point away from c.
ANTI_P = 1e-3
#: An LF with this many train votes that never voted class c there (enough to have shown c if it votes c) ...
MIN_TRAIN_VOTES_FOR_POLARITY = 20
#: ... and votes c this often on another split has changed polarity (one or two could be a rare branch of a rule).
MIN_NEW_POLARITY_VOTES = 5


def check_splits(dataset: Dataset) -> CheckResult:
    numbers = {"splits": {name: _split_numbers(dataset, name) for name in SPLIT_NAMES}}
    numbers["lfs"] = _lf_numbers(dataset)
    flags = [*_class_flags(dataset, numbers["splits"]), *_coverage_flags(dataset), *_precision_flags(dataset),
             *_polarity_flags(dataset)]
    return CheckResult("splits", "Splits and labeling functions", numbers=numbers, flags=flags,
                       tables=_tables(dataset, numbers))


def _split_numbers(dataset: Dataset, name: str) -> dict:
    split = dataset[name]
    votes = split.L != ABSTAIN
    out = {"n": len(split), "labelled": split.is_labeled, "any_vote_share": float(votes.any(axis=1).mean()),
           "mean_lf_coverage": float(votes.mean()), "n_votes": int(votes.sum())}
    if split.is_labeled:
        counts = np.bincount(split.y, minlength=dataset.n_classes)
        out["class_counts"] = {c: int(k) for c, k in zip(dataset.class_names, counts)}
        out["class_shares"] = {c: float(k / len(split)) for c, k in zip(dataset.class_names, counts)}
    return out


def _lf_numbers(dataset: Dataset) -> list[dict]:
    rows = []
    for j, lf in enumerate(dataset.lf_names):
        row = {"lf": lf}
        for name in SPLIT_NAMES:
            split = dataset[name]
            column = split.L[:, j]
            fires = column != ABSTAIN
            row[f"coverage_{name}"] = float(fires.mean())
            row[f"votes_{name}"] = {dataset.class_names[c]: int((column == c).sum()) for c in range(dataset.n_classes)
                                    if (column == c).any()}
            if split.is_labeled:
                row[f"n_votes_{name}"] = int(fires.sum())
                row[f"precision_{name}"] = float((column[fires] == split.y[fires]).mean()) if fires.any() else None
        rows.append(row)
    return rows


def _class_flags(dataset: Dataset, splits: dict) -> list[Flag]:
    flags = []
    labelled = [name for name in SPLIT_NAMES if splits[name]["labelled"]]
    for name in labelled:
        absent = [c for c, k in splits[name]["class_counts"].items() if k == 0]
        if absent:
            flags.append(Flag("class_balance", f"{name}: no row of class(es) {absent} among {splits[name]['n']} rows",
                              {"absent": absent, "n": splits[name]["n"]}, split=name))
    for i, a in enumerate(labelled):
        for b in labelled[i + 1:]:
            shares_a, shares_b = splits[a]["class_shares"], splits[b]["class_shares"]
            distance = 0.5 * sum(abs(shares_a[c] - shares_b[c]) for c in shares_a)
            if distance >= MAX_BALANCE_SHIFT:
                flags.append(Flag("class_balance", f"class balance of {a} and {b} differs by total variation "
                                  f"{distance:.2f} (>= {MAX_BALANCE_SHIFT}): {a} {_shares(shares_a)}, {b} {_shares(shares_b)}",
                                  {"total_variation": distance, a: shares_a, b: shares_b}))
    return flags


def _shares(shares: dict) -> str:
    return "{" + ", ".join(f"{c}: {v:.2f}" for c, v in shares.items()) + "}"


def coverage_outlier(observed: int, expected: float) -> bool:
    """True when ``observed`` firings are >= COVERAGE_RATIO times off ``expected`` and a Poisson test agrees."""
    ratio = (observed + 0.5) / (expected + 0.5)
    if ratio <= 1 / COVERAGE_RATIO:
        return bool(poisson.cdf(observed, expected) <= COVERAGE_P)
    if ratio >= COVERAGE_RATIO:
        return bool(expected == 0 or poisson.sf(observed - 1, expected) <= COVERAGE_P)
    return False


def _coverage_flags(dataset: Dataset) -> list[Flag]:
    train = dataset["train"].L != ABSTAIN
    rate = train.mean(axis=0)
    flags = []
    for name in ("dev", "test"):
        fires = dataset[name].L != ABSTAIN
        n = len(dataset[name])
        observed_total, expected_total = int(fires.sum()), float(rate.sum() * n)
        if coverage_outlier(observed_total, expected_total):
            flags.append(Flag("lf_coverage", f"{name}: {observed_total} LF votes where train's coverage predicts "
                              f"{expected_total:.0f} (all {dataset.n_lfs} LFs together)",
                              {"observed": observed_total, "expected": expected_total}, split=name))
            continue
        shifted = [{"lf": dataset.lf_names[j], "observed": int(fires[:, j].sum()), "expected": float(rate[j] * n)}
                   for j in range(dataset.n_lfs) if coverage_outlier(int(fires[:, j].sum()), float(rate[j] * n))]
        if shifted:
            listed = ", ".join(f"{s['lf']} {s['observed']} vs {s['expected']:.1f}" for s in shifted[:8])
            flags.append(Flag("lf_coverage", f"{name}: {len(shifted)} LF(s) fire >= {COVERAGE_RATIO:g}x off train's "
                              f"rate (observed vs expected firings): {listed}", {"lfs": shifted}, split=name))
    return flags


def below_prior(correct: int, votes: int, prior: float) -> float:
    """One-sided binomial p-value of at most ``correct`` right out of ``votes`` if each were right with ``prior``."""
    return float(binom.cdf(correct, votes, prior))


def _precision_flags(dataset: Dataset) -> list[Flag]:
    flags = []
    for name in ("dev", "test"):
        split = dataset[name]
        prior = np.bincount(split.y, minlength=dataset.n_classes) / len(split)
        anti = []
        for j in range(dataset.n_lfs):
            for c in range(dataset.n_classes):
                votes = split.L[:, j] == c
                n_votes, correct = int(votes.sum()), int((split.y[votes] == c).sum())
                if n_votes >= MIN_VOTES and below_prior(correct, n_votes, prior[c]) <= ANTI_P:
                    anti.append({"lf": dataset.lf_names[j], "class": dataset.class_names[c], "correct": correct,
                                 "votes": n_votes, "class_share": float(prior[c])})
        if anti:
            listed = ", ".join(f"{a['lf']}→{a['class']} {a['correct']}/{a['votes']} right (class share {a['class_share']:.2f})"
                               for a in anti[:8])
            flags.append(Flag("lf_precision", f"{name}: {len(anti)} LF vote(s) right less often than the class's share "
                              f"of the split (binomial p <= {ANTI_P:g}): {listed}", {"lfs": anti}, split=name))
        for c in range(dataset.n_classes):
            votes = split.L == c
            n_votes, correct = int(votes.sum()), int((votes & (split.y[:, None] == c)).sum())
            if n_votes >= MIN_VOTES and below_prior(correct, n_votes, prior[c]) <= ANTI_P:
                flags.append(Flag("lf_precision", f"{name}: all votes for {dataset.class_names[c]} together are right "
                                  f"{correct}/{n_votes} = {correct / n_votes:.2f}, below its share {prior[c]:.2f}",
                                  {"class": dataset.class_names[c], "correct": correct, "votes": n_votes,
                                   "class_share": float(prior[c])}, split=name))
    return flags


def _polarity_flags(dataset: Dataset) -> list[Flag]:
    train = dataset["train"].L
    flags = []
    for name in ("dev", "test"):
        changed = []
        for j in range(dataset.n_lfs):
            if (train[:, j] != ABSTAIN).sum() < MIN_TRAIN_VOTES_FOR_POLARITY:
                continue
            for c in range(dataset.n_classes):
                n_new = int((dataset[name].L[:, j] == c).sum())
                if n_new >= MIN_NEW_POLARITY_VOTES and not (train[:, j] == c).any():
                    changed.append({"lf": dataset.lf_names[j], "class": dataset.class_names[c], "votes": n_new})
        if changed:
            listed = ", ".join(f"{c['lf']}→{c['class']} x{c['votes']}" for c in changed[:8])
            flags.append(Flag("lf_polarity", f"{name}: {len(changed)} LF(s) vote a class they never vote on train: {listed}",
                              {"lfs": changed}, split=name))
    return flags


def _tables(dataset: Dataset, numbers: dict) -> list[Table]:
    class_columns = tuple(dataset.class_names)
    split_rows = []
    for name in SPLIT_NAMES:
        s = numbers["splits"][name]
        row = {"split": name, "n": s["n"], "rows with a vote": s["any_vote_share"], "mean LF coverage": s["mean_lf_coverage"]}
        row.update(s.get("class_shares", {}))
        split_rows.append(row)
    lf_rows = []
    for row in numbers["lfs"]:
        shown = {"lf": row["lf"], "polarity": _polarity({name: row[f"votes_{name}"] for name in SPLIT_NAMES})}
        for name in SPLIT_NAMES:
            shown[f"cov {name}"] = row[f"coverage_{name}"]
        for name in ("dev", "test"):
            shown[f"prec {name}"] = row[f"precision_{name}"]
            shown[f"votes {name}"] = row[f"n_votes_{name}"]
        lf_rows.append(shown)
    lf_columns = ("lf", "polarity", *(f"cov {s}" for s in SPLIT_NAMES),
                  "prec dev", "votes dev", "prec test", "votes test")
    return [
        Table("Split sizes and class shares (labelled splits)",
              ("split", "n", "rows with a vote", "mean LF coverage", *class_columns), split_rows),
        Table("Per LF: classes it votes (per split when they differ), coverage per split, and precision (share of its "
              "votes that are right) where labelled",
              lf_columns, lf_rows),
    ]


def _polarity(votes_by_split: dict[str, dict]) -> str:
    """The classes an LF votes, once when every split where it votes agrees, else per split."""
    voted = {name: "/".join(sorted(votes)) for name, votes in votes_by_split.items() if votes}
    if not voted:
        return "never votes"
    if len(set(voted.values())) == 1:
        return next(iter(voted.values()))
    return "; ".join(f"{name} {classes}" for name, classes in voted.items())
