"""Casing, format and length of the texts, per split, and the differences between splits.

A split prepared differently from the others (kept its casing while the others were lowercased,
lost a trailing character, gained a prefix) is a leak or a mismatch waiting to happen: an
embedding or a text model sees the difference even when the labels do not.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import numpy as np
from scipy.stats import ks_2samp

from liger.audit.result import CheckResult, Flag, Table
from liger.audit.text import char_class, row_kind, tokenize
from liger.data.dataset import SPLIT_NAMES, Dataset

CHECK = "text_format"
TITLE = "Casing, format and length per split"

#: Shares of texts with any uppercase letter this far apart: one split was lowercased, another not
#: (trec as found: test 1.00, train and dev 0.00). Splits of one source differ by < 0.1 here.
CASE_SHARE_GAP = 0.3
#: Shares of uppercase among letters this far apart (spam's videos: within 0.06 of each other).
UPPER_SHARE_GAP = 0.1
#: First- or last-character classes (upper, lower, digit, punct, space, format) this far apart in total variation.
EDGE_GAP = 0.3
#: Shares of texts with a non-ASCII or an invisible format character (U+FEFF) this far apart.
CHARSET_GAP = 0.3
#: Token-count distributions this far apart (two-sample Kolmogorov–Smirnov statistic) ...
LENGTH_KS = 0.3
#: ... with a p-value at most this: one split's texts are systematically longer or shorter.
LENGTH_P = 1e-6


def split_format(texts: list[str] | tuple[str, ...]) -> dict:
    """Casing, edge characters, character sets and lengths of ``texts``."""
    n = len(texts)
    letters = sum(sum(ch.isalpha() for ch in t) for t in texts)
    upper = sum(sum(ch.isupper() for ch in t) for t in texts)
    lengths = np.array([len(tokenize(t)) for t in texts])
    chars = np.array([len(t) for t in texts])
    first = Counter(char_class(t[0]) if t else "empty" for t in texts)
    last = Counter(char_class(t[-1]) if t else "empty" for t in texts)
    return {
        "upper_share_of_letters": upper / letters if letters else 0.0,
        "texts_with_upper": sum(any(ch.isupper() for ch in t) for t in texts) / n,
        "first_char": {k: v / n for k, v in sorted(first.items())},
        "last_char": {k: v / n for k, v in sorted(last.items())},
        "texts_with_non_ascii": sum(any(ord(ch) > 127 for ch in t) for t in texts) / n,
        "texts_with_format_char": sum(any(char_class(ch) == "format" for ch in t) for t in texts) / n,
        "tokens": _quantiles(lengths),
        "chars": _quantiles(chars),
    }


def _quantiles(values: np.ndarray) -> dict:
    return {"mean": float(values.mean()), "p10": float(np.quantile(values, 0.1)),
            "median": float(np.median(values)), "p90": float(np.quantile(values, 0.9))}


def total_variation(a: dict[str, float], b: dict[str, float]) -> float:
    # Sorted: a set's order follows the hash seed, and float sums in another order differ in the last digit.
    return 0.5 * sum(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in sorted(set(a) | set(b)))


def check_text_format(dataset: Dataset) -> CheckResult:
    kind = row_kind(dataset)
    if kind != "text":
        return CheckResult.skip(CHECK, TITLE, f"rows are {kind}, not texts")
    per_split = {name: split_format(dataset[name].texts) for name in SPLIT_NAMES}
    lengths = {name: np.array([len(tokenize(t)) for t in dataset[name].texts]) for name in SPLIT_NAMES}
    pairs, flags = {}, []
    for a, b in combinations(SPLIT_NAMES, 2):
        fa, fb = per_split[a], per_split[b]
        ks = ks_2samp(lengths[a], lengths[b])
        gaps = {
            "texts_with_upper": abs(fa["texts_with_upper"] - fb["texts_with_upper"]),
            "upper_share_of_letters": abs(fa["upper_share_of_letters"] - fb["upper_share_of_letters"]),
            "first_char": total_variation(fa["first_char"], fb["first_char"]),
            "last_char": total_variation(fa["last_char"], fb["last_char"]),
            "texts_with_non_ascii": abs(fa["texts_with_non_ascii"] - fb["texts_with_non_ascii"]),
            "texts_with_format_char": abs(fa["texts_with_format_char"] - fb["texts_with_format_char"]),
            "length_ks": float(ks.statistic), "length_ks_p": float(ks.pvalue),
        }
        pairs[f"{a}/{b}"] = gaps
        flags += _pair_flags(a, b, fa, fb, gaps)
    rows = [{"split": name, "texts with uppercase": f["texts_with_upper"], "uppercase share of letters": f["upper_share_of_letters"],
             "first char": _top(f["first_char"]), "last char": _top(f["last_char"]),
             "non-ASCII": f["texts_with_non_ascii"], "format char (U+FEFF…)": f["texts_with_format_char"],
             "tokens p10/median/p90": "{p10:g}/{median:g}/{p90:g}".format(**f["tokens"]),
             "chars median": f"{f['chars']['median']:g}"} for name, f in per_split.items()]
    columns = tuple(rows[0])
    return CheckResult(CHECK, TITLE, numbers={"splits": per_split, "pairs": pairs}, flags=flags,
                       tables=[Table("Per split (first/last char: the classes of the text's first and last character)", columns, rows)])


def _top(shares: dict[str, float], k: int = 3) -> str:
    return ", ".join(f"{c} {v:.2f}" for c, v in sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))[:k])


def _pair_flags(a: str, b: str, fa: dict, fb: dict, gaps: dict) -> list[Flag]:
    flags = []
    pair = {"splits": [a, b], **gaps}
    if gaps["texts_with_upper"] >= CASE_SHARE_GAP or gaps["upper_share_of_letters"] >= UPPER_SHARE_GAP:
        flags.append(Flag("text_casing", f"{a} vs {b}: texts with an uppercase letter {fa['texts_with_upper']:.2f} vs "
                          f"{fb['texts_with_upper']:.2f}, uppercase share of letters {fa['upper_share_of_letters']:.3f} vs "
                          f"{fb['upper_share_of_letters']:.3f} (gaps >= {CASE_SHARE_GAP} or >= {UPPER_SHARE_GAP} flag)", pair))
    format_parts = []
    for key, gap in (("first_char", EDGE_GAP), ("last_char", EDGE_GAP)):
        if gaps[key] >= gap:
            format_parts.append(f"{key.replace('_', ' ')} classes differ by total variation {gaps[key]:.2f} "
                                f"({_top(fa[key])} vs {_top(fb[key])})")
    for key in ("texts_with_non_ascii", "texts_with_format_char"):
        if gaps[key] >= CHARSET_GAP:
            format_parts.append(f"{key.replace('_', ' ')} {fa[key]:.2f} vs {fb[key]:.2f}")
    if format_parts:
        flags.append(Flag("text_format", f"{a} vs {b}: " + "; ".join(format_parts), pair))
    if gaps["length_ks"] >= LENGTH_KS and gaps["length_ks_p"] <= LENGTH_P:
        flags.append(Flag("text_length", f"{a} vs {b}: token counts differ (KS {gaps['length_ks']:.2f}, p {gaps['length_ks_p']:.0e}); "
                          f"median {fa['tokens']['median']:g} vs {fb['tokens']['median']:g}, "
                          f"p90 {fa['tokens']['p90']:g} vs {fb['tokens']['p90']:g}", pair))
    return flags
