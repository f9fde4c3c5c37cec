"""Do an LF's votes on dev and test belong to their texts, as its votes on train do?

Most text LFs are keyword or pattern rules, so the rows an LF fires on share a few characteristic
tokens. They are learned from train: tokens far more frequent among the LF's firing rows than
among the others, chosen greedily until they cover its firings. Each LF's expected share of
firings that contain them is measured on held-out train rows (learned on one half, counted on the
other, both ways), which also decides whether the LF is checkable at all: crowd workers and
model-based LFs have no such tokens and are skipped. An LF whose dev or test firings contain its
tokens far less often than that is flagged: its votes were computed on other texts.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from scipy.sparse import csr_matrix
from scipy.stats import binom

from liger.audit.result import CheckResult, Flag, Table
from liger.audit.text import doc_terms, row_kind
from liger.data.dataset import SPLIT_NAMES, Dataset
from liger.labels import ABSTAIN

CHECK = "lf_consistency"
TITLE = "LF consistency across splits (characteristic tokens of each LF's firings)"

#: Fewer train firings than this cannot teach which tokens an LF looks for (and cannot be halved).
MIN_TRAIN_FIRINGS = 8
#: A characteristic token is in at least this share of the LF's firing rows ...
MIN_TOKEN_SHARE = 0.1
#: ... and at least this many times more frequent there than in the rows where the LF abstains.
MIN_LIFT = 5.0
#: Greedy selection stops once the tokens cover this share of train firings ...
TARGET_COVER = 0.95
#: ... or after this many tokens: a keyword rule needs few, more would start to memorise rows.
MAX_TOKENS = 5
#: An LF is checkable when its tokens, learned on half of train, cover this share of the other half's firings.
MIN_HELDOUT_SHARE = 0.8
#: Flag a split whose share of firings containing the tokens is at least this much below the held-out train share ...
MAX_SHARE_DROP = 0.4
#: ... when a binomial test at the train share agrees (p at most this).
MAX_P_VALUE = 1e-3
#: The train share used in that test is capped here, so one unusual firing is never "impossible".
MAX_REFERENCE_SHARE = 0.99


def characteristic_tokens(X: csr_matrix, fires: np.ndarray) -> np.ndarray:
    """Columns of ``X`` (n, V) (binary token presence) that mark the rows where ``fires`` (n,) is true.

    Candidates are in at least MIN_TOKEN_SHARE of the firing rows and MIN_LIFT times more frequent
    there than elsewhere; they are taken greedily, the one covering most still-uncovered firing rows
    first (ties: larger lift, then lower column), until TARGET_COVER or MAX_TOKENS.
    """
    fires = np.asarray(fires, dtype=bool)
    n_in, n_out = int(fires.sum()), int((~fires).sum())
    if n_in == 0:
        return np.array([], dtype=np.int64)
    inside = np.asarray(X[fires].sum(axis=0)).ravel()
    outside = np.asarray(X[~fires].sum(axis=0)).ravel()
    # Add-one smoothing on the outside share: a token never seen outside has a large, finite lift.
    lift = (inside / n_in) / ((outside + 1) / (n_out + 1))
    candidates = np.flatnonzero((inside >= MIN_TOKEN_SHARE * n_in) & (lift >= MIN_LIFT) & (inside > 0))
    present = X[fires][:, candidates].toarray() > 0
    uncovered = np.ones(n_in, dtype=bool)
    chosen: list[int] = []
    available = np.ones(len(candidates), dtype=bool)
    while uncovered.any() and len(chosen) < MAX_TOKENS and available.any():
        gain = np.where(available, present[uncovered].sum(axis=0), -1)
        # lexsort: the last key sorts first; most new rows, then larger lift, then lower column.
        best = np.lexsort((candidates, -lift[candidates], -gain))[0]
        if gain[best] <= 0:
            break
        chosen.append(int(candidates[best]))
        available[best] = False
        uncovered &= ~present[:, best]
        if 1 - uncovered.sum() / n_in >= TARGET_COVER:
            break
    return np.array(chosen, dtype=np.int64)


def count_containing(X: csr_matrix, rows: np.ndarray, columns: np.ndarray) -> tuple[int, int]:
    """(rows among the true entries of ``rows`` (n,) that have any of ``columns`` in ``X``, number of such rows)."""
    rows = np.asarray(rows, dtype=bool)
    if len(columns) == 0:
        return 0, int(rows.sum())
    hits = np.asarray(X[rows][:, columns].sum(axis=1)).ravel() > 0
    return int(hits.sum()), int(rows.sum())


def heldout_share(X: csr_matrix, fires: np.ndarray) -> tuple[int, int]:
    """Firings containing tokens learned on the other half of the rows (halves: even and odd row index), both ways summed."""
    fires = np.asarray(fires, dtype=bool)
    parity = np.arange(len(fires)) % 2
    hits = total = 0
    for learn_parity in (0, 1):
        learn = parity == learn_parity
        columns = characteristic_tokens(X[learn], fires[learn])
        k, n = count_containing(X, fires & ~learn, columns)
        hits, total = hits + k, total + n
    return hits, total


def check_lf_consistency(dataset: Dataset) -> CheckResult:
    kind = row_kind(dataset)
    if kind != "text":
        return CheckResult.skip(CHECK, TITLE, f"rows are {kind}, not texts: there are no tokens to learn")
    vocabulary, X = doc_terms({name: dataset[name].texts for name in SPLIT_NAMES})
    train_L = dataset["train"].L
    lfs, skipped = [], Counter()
    for j, lf in enumerate(dataset.lf_names):
        fires = train_L[:, j] != ABSTAIN
        if fires.sum() < MIN_TRAIN_FIRINGS:
            skipped[f"fewer than {MIN_TRAIN_FIRINGS} train firings (MIN_TRAIN_FIRINGS)"] += 1
            continue
        held_hits, held_n = heldout_share(X["train"], fires)
        held = held_hits / held_n
        if held < MIN_HELDOUT_SHARE:
            skipped[f"no characteristic tokens (held-out train share below {MIN_HELDOUT_SHARE}, MIN_HELDOUT_SHARE)"] += 1
            continue
        columns = characteristic_tokens(X["train"], fires)
        row = {"lf": lf, "tokens": [vocabulary[k] for k in columns], "train_firings": int(fires.sum()), "heldout_train_share": held}
        for name in ("dev", "test"):
            hits, n = count_containing(X[name], dataset[name].L[:, j] != ABSTAIN, columns)
            row[f"{name}_firings"], row[f"{name}_containing"] = n, hits
            row[f"{name}_share"] = hits / n if n else None
            row[f"{name}_p"] = float(binom.cdf(hits, n, min(held, MAX_REFERENCE_SHARE))) if n else None
        lfs.append(row)
    numbers = {"checked_lfs": lfs, "n_lfs": dataset.n_lfs, "skipped": dict(sorted(skipped.items())),
               "pooled": {name: _pooled(lfs, name) for name in ("dev", "test")}}
    flags = [flag for name in ("dev", "test") if (flag := _split_flag(lfs, numbers["pooled"][name], name))]
    notes = [f"{n} LF(s) not checked: {why}" for why, n in sorted(skipped.items())]
    table_rows = [{"lf": r["lf"], "tokens": " ".join(r["tokens"]), "train firings": r["train_firings"],
                   "held-out train share": r["heldout_train_share"],
                   **{f"{s} share": r[f"{s}_share"] for s in ("dev", "test")},
                   **{f"{s} firings": r[f"{s}_firings"] for s in ("dev", "test")}} for r in lfs]
    columns = ("lf", "tokens", "train firings", "held-out train share", "dev share", "dev firings", "test share", "test firings")
    return CheckResult(CHECK, TITLE, numbers=numbers, flags=flags, notes=notes,
                       tables=[Table("Checked LFs: share of firings containing the LF's train tokens", columns, table_rows)])


def _inconsistent(row: dict, split: str) -> bool:
    share, p = row[f"{split}_share"], row[f"{split}_p"]
    return share is not None and share <= row["heldout_train_share"] - MAX_SHARE_DROP and p <= MAX_P_VALUE


def _pooled(lfs: list[dict], split: str) -> dict:
    """Over all checked LFs: firings, those containing the LF's tokens, and the train share expected of them."""
    firings = sum(r[f"{split}_firings"] for r in lfs)
    containing = sum(r[f"{split}_containing"] for r in lfs)
    expected = sum(r[f"{split}_firings"] * r["heldout_train_share"] for r in lfs)
    return {"firings": firings, "containing": containing, "share": containing / firings if firings else None,
            "expected_share": expected / firings if firings else None}


def _split_flag(lfs: list[dict], pooled: dict, split: str) -> Flag | None:
    bad = [r for r in lfs if _inconsistent(r, split)]
    pooled_drop = pooled["share"] is not None and pooled["share"] <= pooled["expected_share"] - MAX_SHARE_DROP
    if not bad and not pooled_drop:
        return None
    listed = ", ".join(f"{r['lf']} [{' '.join(r['tokens'])}] {r[f'{split}_containing']}/{r[f'{split}_firings']} "
                       f"vs train {r['heldout_train_share']:.2f}" for r in sorted(bad, key=lambda r: -r[f"{split}_firings"])[:6])
    message = (f"{split}: {len(bad)} of {len(lfs)} checked LFs fire mostly on texts without their train tokens; pooled, "
               f"{pooled['containing']}/{pooled['firings']} = {pooled['share']:.2f} of firings contain them against "
               f"{pooled['expected_share']:.2f} on held-out train rows" + (f". Worst: {listed}" if listed else ""))
    return Flag(CHECK, message, {"pooled": pooled, "lfs": [r["lf"] for r in bad]}, split=split)
