"""Duplicate rows within and across splits, and whether duplicates agree on gold labels and on LF votes.

A row's identity is its text plus any per-row text fields (spouse: the two person names). Across
splits, rows are also compared after normalisation (casefold, invisible format characters dropped,
whitespace collapsed), which is what an uncased encoder sees. LFs are functions of the row, so
identical rows should get identical votes: on train they do (the reference rate); if rows that
involve dev or test disagree far more often, those splits' votes were not computed on their texts.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from liger.audit.result import CheckResult, Flag, Table
from liger.audit.text import normalized, row_keys, row_kind
from liger.data.dataset import SPLIT_NAMES, Dataset

CHECK = "duplicates"
TITLE = "Duplicates within and across splits"

#: A labelled split sharing this share of its rows with another split is flagged: an FS method or a
#: neighbour-based extension can copy the answer for those rows.
OVERLAP_SHARE = 0.05
#: Identical labelled rows with different gold labels in this share of duplicate groups: label noise, or a row
#: identity that misses part of the input (a few conflicts happen in any crowd-labelled set).
LABEL_CONFLICT_SHARE = 0.1
#: Identical rows involving dev or test disagree on LF votes this much more often than train-only duplicates ...
VOTE_DISAGREEMENT_GAP = 0.25
#: ... judged on at least this many duplicate groups on each side: one or two groups say nothing about a rate.
MIN_GROUPS = 5


def duplicate_groups(keys: dict[str, list]) -> list[list[tuple[str, int]]]:
    """Groups of (split, row) sharing one key, in order of first appearance; only groups of two or more rows."""
    members = defaultdict(list)
    for split, split_keys in keys.items():
        for i, key in enumerate(split_keys):
            members[key].append((split, i))
    return [rows for rows in members.values() if len(rows) > 1]


def check_duplicates(dataset: Dataset) -> CheckResult:
    kind = row_kind(dataset)
    if kind == "none":
        return CheckResult.skip(CHECK, TITLE, "rows have no texts or frames to compare")
    exact = {name: row_keys(dataset, name) for name in SPLIT_NAMES}
    # Casefolding base64 would merge different frames: frames are compared byte for byte only.
    loose = exact if kind == "media" else {name: [(normalized(k[0]), *k[1:]) for k in keys] for name, keys in exact.items()}
    groups = duplicate_groups(exact)
    numbers = {
        "within": _within(dataset, exact, loose),
        "across": _across(dataset, exact, loose),
        "labels": _label_agreement(dataset, groups),
        "votes": _vote_agreement(dataset, groups),
    }
    flags = _flags(dataset, numbers)
    rows = [{"split": name, "rows": len(dataset[name]), **numbers["within"][name]} for name in SPLIT_NAMES]
    across_rows = [{"split": name, "other": other, **counts} for name, by_other in numbers["across"].items()
                   for other, counts in by_other.items()]
    notes = [] if kind == "text" else ["frames are compared byte for byte (no normalisation)"]
    return CheckResult(CHECK, TITLE, numbers=numbers, flags=flags, notes=notes, tables=[
        Table("Within each split: rows in a duplicate group (exact; normalised)", tuple(rows[0]), rows),
        Table("Across splits: rows of `split` whose row also occurs in `other` (exact; normalised; same row id)",
              ("split", "other", "exact", "normalised", "same id"), across_rows),
        Table("Duplicate groups that disagree", ("what", "groups", "disagreeing", "share"), [
            {"what": "gold labels (groups with 2+ labelled rows)", "groups": numbers["labels"]["groups"],
             "disagreeing": numbers["labels"]["conflicting"], "share": numbers["labels"]["share"]},
            *({"what": f"LF votes, groups involving {scope}", **counts} for scope, counts in numbers["votes"].items()),
        ]),
    ])


def _within(dataset: Dataset, exact: dict, loose: dict) -> dict:
    out = {}
    for name in SPLIT_NAMES:
        out[name] = {"exact": _rows_in_groups(exact[name]), "normalised": _rows_in_groups(loose[name])}
    return out


def _rows_in_groups(keys: list) -> int:
    counts = Counter(keys)
    return sum(1 for key in keys if counts[key] > 1)


def _across(dataset: Dataset, exact: dict, loose: dict) -> dict:
    """For each labelled split and each other split: its rows whose key occurs in the other split."""
    out = {}
    for name in SPLIT_NAMES:
        if not dataset[name].is_labeled:
            continue
        out[name] = {}
        for other in SPLIT_NAMES:
            if other == name:
                continue
            exact_other, loose_other, ids_other = set(exact[other]), set(loose[other]), set(dataset[other].ids)
            out[name][other] = {
                "exact": sum(k in exact_other for k in exact[name]),
                "normalised": sum(k in loose_other for k in loose[name]),
                "same id": sum(i in ids_other for i in dataset[name].ids),
            }
    return out


def _label_agreement(dataset: Dataset, groups: list) -> dict:
    labelled = [[int(dataset[s].y[i]) for s, i in rows if dataset[s].is_labeled] for rows in groups]
    labelled = [labels for labels in labelled if len(labels) > 1]
    conflicting = sum(len(set(labels)) > 1 for labels in labelled)
    return {"groups": len(labelled), "conflicting": conflicting, "share": conflicting / len(labelled) if labelled else None}


def _vote_agreement(dataset: Dataset, groups: list) -> dict:
    """Duplicate groups whose rows' LF votes differ: train-only groups, and groups involving dev or test."""
    scopes = {"train only": lambda splits: splits == {"train"}, "dev": lambda splits: "dev" in splits,
              "test": lambda splits: "test" in splits}
    out = {}
    for scope, applies in scopes.items():
        chosen = [rows for rows in groups if applies({s for s, _ in rows})]
        disagreeing = sum(len({dataset[s].L[i].tobytes() for s, i in rows}) > 1 for rows in chosen)
        out[scope] = {"groups": len(chosen), "disagreeing": disagreeing,
                      "share": disagreeing / len(chosen) if chosen else None}
    return out


def _flags(dataset: Dataset, numbers: dict) -> list[Flag]:
    flags = []
    for name, by_other in numbers["across"].items():
        n = len(dataset[name])
        for other, counts in by_other.items():
            share = counts["normalised"] / n
            if share >= OVERLAP_SHARE:
                flags.append(Flag(CHECK, f"{name}: {counts['normalised']}/{n} = {share:.2f} of its rows also occur in {other} "
                                  f"({counts['exact']} exactly, {counts['same id']} with the same row id)",
                                  {"other": other, "share": share, **counts}, split=name))
    labels = numbers["labels"]
    if labels["conflicting"] and labels["share"] >= LABEL_CONFLICT_SHARE:
        flags.append(Flag(CHECK, f"{labels['conflicting']} of {labels['groups']} groups of identical labelled rows carry "
                          f"different gold labels ({labels['share']:.2f} >= {LABEL_CONFLICT_SHARE})", labels))
    votes = numbers["votes"]
    reference = votes["train only"]
    if reference["groups"] >= MIN_GROUPS:
        for scope in ("dev", "test"):
            counts = votes[scope]
            if counts["groups"] >= MIN_GROUPS and counts["share"] - reference["share"] >= VOTE_DISAGREEMENT_GAP:
                flags.append(Flag(CHECK, f"{scope}: {counts['disagreeing']}/{counts['groups']} = {counts['share']:.2f} of "
                                  f"duplicate groups involving {scope} get different LF votes for identical rows, against "
                                  f"{reference['disagreeing']}/{reference['groups']} = {reference['share']:.2f} of train-only groups",
                                  {"scope": counts, "train_only": reference}, split=scope))
    return flags
