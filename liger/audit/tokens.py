"""Tokens that give the label away on one split only: a leak written into the texts of that split.

For each labelled split and each position (the first token, the last token, any token), a token is
*split-specific* when, on that split, its rows nearly all carry one class, more than the class's
share of the split explains (binomial test), while on every other split it is either rare (so a
model trained there never saw it) or does not point to that class. Natural tokens that predict
the label ("who" → HUM) do so on every split and are not flagged. When split-specific tokens cover
a sizeable share of a split's rows, the split is flagged: that is what a label written into the
text (trec's "dist How far is it ...") looks like.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.stats import binom

from liger.audit.result import CheckResult, Flag, Table
from liger.audit.text import Position, doc_terms, row_kind
from liger.data.dataset import SPLIT_NAMES, Dataset

CHECK = "label_tokens"
TITLE = "Tokens that predict the label on one split only"
POSITIONS: tuple[Position, ...] = ("first", "last", "any")

#: A token's purity is judged on at least this many rows: two rows of a rare class (trec ABBR, 2%) pass the binomial test alone.
MIN_SUPPORT = 3
#: Near-perfect: at least this share of the token's rows carry its majority class ...
MIN_PURITY = 0.9
#: ... and the class's share of the split could produce that purity with probability at most this
#: (binomial tail): a majority class at 94% (spouse) makes purity 0.9 cheap, this test does not.
MAX_P_VALUE = 1e-3
#: On another split the token is "absent" when at least this many times rarer there (per row): a model fit there
#: has hardly seen it, so whatever it predicts on this split was not learned.
RARITY_RATIO = 10.0
#: On another labelled split it is "uninformative" when its rows carry that class this much less often (0.9 -> 0.4):
#: the token means something else there.
UNINFORMATIVE_DROP = 0.5
#: Flag a split when split-specific tokens at one position cover this share of its rows: drift
#: between sources leaves a few such tokens (spam's test video: "shakira" first, 6% of rows), a leak most rows.
MIN_LEAK_COVERAGE = 0.1
#: Tokens listed per flag or note.
SHOWN = 6


def split_specific_tokens(dataset: Dataset, split: str, vocabulary: list[str], X: dict[str, csr_matrix]) -> list[dict]:
    """Tokens (columns of ``X[split]``) with near-perfect, significant purity on ``split`` and absent or
    uninformative on every other split; one dict per token with the numbers that qualified it."""
    y = dataset[split].y
    n = len(y)
    counts = _class_counts(X[split], y, dataset.n_classes)  # (K, V)
    support = counts.sum(axis=0)
    majority = counts.argmax(axis=0)
    purity = np.divide(counts.max(axis=0), support, out=np.zeros(len(support)), where=support > 0)
    prior = np.bincount(y, minlength=dataset.n_classes) / n
    candidates = np.flatnonzero((support >= MIN_SUPPORT) & (purity >= MIN_PURITY))
    p_values = binom.sf(counts.max(axis=0)[candidates] - 1, support[candidates], prior[majority[candidates]])
    candidates = candidates[p_values <= MAX_P_VALUE]
    p_of = dict(zip(candidates.tolist(), p_values[p_values <= MAX_P_VALUE].tolist()))
    elsewhere = {}
    for other in SPLIT_NAMES:
        if other == split:
            continue
        other_support = np.asarray(X[other].sum(axis=0)).ravel()
        rare = other_support / len(dataset[other]) <= support / n / RARITY_RATIO
        agreement = np.full(len(vocabulary), np.nan)
        if dataset[other].is_labeled:
            other_counts = _class_counts(X[other], dataset[other].y, dataset.n_classes)
            agreement = np.divide(other_counts[majority, np.arange(len(vocabulary))], other_support,
                                  out=np.full(len(vocabulary), np.nan), where=other_support > 0)
        uninformative = (other_support >= MIN_SUPPORT) & (agreement <= purity - UNINFORMATIVE_DROP)
        elsewhere[other] = (rare | uninformative, other_support, agreement)
    found = []
    for k in candidates:
        if all(ok[k] for ok, _, _ in elsewhere.values()):
            found.append({
                "token": vocabulary[k], "support": int(support[k]), "purity": float(purity[k]),
                "class": dataset.class_names[majority[k]], "p_value": p_of[int(k)],
                "elsewhere": {o: {"rows": int(s[k]), "agreement": None if np.isnan(a[k]) else float(a[k])}
                              for o, (_, s, a) in elsewhere.items()},
            })
    return sorted(found, key=lambda t: (-t["support"], t["token"]))


def _class_counts(X: csr_matrix, y: np.ndarray, n_classes: int) -> np.ndarray:
    """(K, V) rows of each class that have each token."""
    onehot = csr_matrix((np.ones(len(y)), (y, np.arange(len(y)))), shape=(n_classes, len(y)))
    return np.asarray((onehot @ X).todense())


def leave_one_out_accuracy(X: csr_matrix, y: np.ndarray, n_classes: int) -> float:
    """Share of rows whose label is the majority label of the *other* rows with the same (single) token;
    a row with no such other row, or a tie, gets the split's majority class. X has at most one token per row."""
    counts = _class_counts(X, y, n_classes)
    fallback = int(np.bincount(y, minlength=n_classes).argmax())
    token = np.full(len(y), -1)
    rows, cols = X.nonzero()
    token[rows] = cols
    right = 0
    for i, t in enumerate(token):
        guess = fallback
        if t >= 0:
            others = counts[:, t].copy()
            others[y[i]] -= 1
            top = np.flatnonzero(others == others.max())
            if others.max() > 0 and len(top) == 1:
                guess = int(top[0])
        right += guess == y[i]
    return right / len(y)


def check_label_tokens(dataset: Dataset) -> CheckResult:
    kind = row_kind(dataset)
    if kind != "text":
        return CheckResult.skip(CHECK, TITLE, f"rows are {kind}, not texts: there are no tokens")
    labelled = [name for name in SPLIT_NAMES if dataset[name].is_labeled]
    texts = {name: dataset[name].texts for name in SPLIT_NAMES}
    numbers, flags, notes, rows = {}, [], [], []
    for position in POSITIONS:
        vocabulary, X = doc_terms(texts, position)
        column_of = {t: k for k, t in enumerate(vocabulary)}
        for split in labelled:
            found = split_specific_tokens(dataset, split, vocabulary, X)
            columns = [column_of[t["token"]] for t in found]
            covered = np.asarray(X[split][:, columns].sum(axis=1)).ravel() > 0 if columns else np.zeros(len(dataset[split]), bool)
            coverage = float(covered.mean())
            entry = {"coverage": coverage, "n_tokens": len(found), "tokens": found}
            if position != "any":
                y = dataset[split].y
                entry["leave_one_out_accuracy"] = leave_one_out_accuracy(X[split], y, dataset.n_classes)
                entry["majority_class_share"] = float(np.bincount(y).max() / len(y))
            numbers[f"{position}/{split}"] = entry
            rows.append({"position": position, "split": split, "split-specific tokens": len(found),
                         "rows covered": coverage, "label from token (LOO acc)": entry.get("leave_one_out_accuracy"),
                         "majority class share": entry.get("majority_class_share")})
            listed = ", ".join(f"{t['token']!r}→{t['class']} {t['support']} rows, purity {t['purity']:.2f}, "
                               + "; ".join(f"{o}: {e['rows']} rows" + ("" if e["agreement"] is None else f" agree {e['agreement']:.2f}")
                                           for o, e in t["elsewhere"].items())
                               for t in found[:SHOWN])
            where = f"{position} token" if position != "any" else "token anywhere"
            if coverage >= MIN_LEAK_COVERAGE:
                flags.append(Flag(CHECK, f"{split}: {len(found)} split-specific label tokens ({where}) cover "
                                  f"{coverage:.2f} of its rows (>= {MIN_LEAK_COVERAGE}): {listed}",
                                  {"position": position, "coverage": coverage, "tokens": found[:20]}, split=split))
            elif found:
                notes.append(f"{split}, {where}: {len(found)} split-specific token(s) covering {coverage:.3f} of rows "
                             f"(below {MIN_LEAK_COVERAGE}): {listed}")
    columns = ("position", "split", "split-specific tokens", "rows covered", "label from token (LOO acc)", "majority class share")
    return CheckResult(CHECK, TITLE, numbers=numbers, flags=flags, notes=notes,
                       tables=[Table("Per position and labelled split: split-specific tokens, and how well the token at "
                                     "that position alone predicts the label (leave-one-out)", columns, rows)])
