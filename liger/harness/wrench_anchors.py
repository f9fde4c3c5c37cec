"""WRENCH's published label-model numbers beside the ones this package recomputes under WRENCH's protocol.

WRENCH's protocol, as its code reads (``wrench/basemodel.py``, ``evaluation.py``, ``labelmodel/``): a
label model is fit on the train split's LF votes, predicts class probabilities for the test split, and
is scored through Snorkel's ``probs_to_preds`` (``liger.label_models.ties.hashed_tie_break``). Majority vote
needs no fit; Dawid–Skene ignores the class balance and the validation split.
``scripts/wrench_anchors.py`` renders the comparison to ``results/wrench_anchors.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from liger.data.dataset import Dataset
from liger.metrics import metric_value
from liger.label_models.dawid_skene import DawidSkene
from liger.label_models.majority import MajorityVote
from liger.label_models.ties import hashed_tie_break

SOURCE = "WRENCH's results figure, `images/bench_class1.png` in JieyuZ2/wrench (Zhang et al., NeurIPS 2021 Datasets and Benchmarks)"
#: Our dataset config for each WRENCH dataset we can load.
CONFIGS = {"TREC": "trec", "SMS": "sms_wrench"}
#: Label models recomputed under WRENCH's protocol.
RECOMPUTED = ("MV", "DS")
#: How far a recomputed number may sit from the published one.
TOLERANCE = 0.5


@dataclass(frozen=True)
class Published:
    """One number from WRENCH's figure: test ``metric`` (percent) of label model ``model`` on ``dataset``."""

    dataset: str
    metric: str  # "accuracy" or "f1" (positive class)
    model: str
    value: float
    not_recomputed: str | None = None  # why, for the numbers this package does not recompute


_SPOUSE = ("WRENCH's spouse train split (22,254 unlabeled pairs) and its LF votes are not available here; "
           "dataset=spouse builds its splits from the tutorial's dev and test files, so its numbers are not comparable")
_DP = "data programming (WRENCH's GenerativeModel, Snorkel's older sampler-based model) is not implemented here"
_METAL = ("WRENCH's MeTaL run is not reproducible as published: its grid search visits the 125-point grid in an "
          "unseeded random order with unseeded model seeds, fixes the prior to the validation label counts (+1), "
          "and averages repeats; this package's `snorkel_label_model` row (below) is the same Snorkel model chosen on "
          "dev its own way")
_FS = ("FlyingSquid on 6 classes: WRENCH fits one binary FlyingSquid per class (one-vs-rest) and softmaxes their "
       "probabilities; this package's triplet model is binary only")

PUBLISHED = (
    Published("TREC", "accuracy", "MV", 60.80),
    Published("TREC", "accuracy", "DS", 50.00),
    Published("TREC", "accuracy", "DP", 64.20, _DP),
    Published("TREC", "accuracy", "MeTaL", 57.60, _METAL),
    Published("TREC", "accuracy", "FS", 31.40, _FS),
    Published("SMS", "f1", "MV", 23.97),
    Published("SMS", "f1", "DS", 4.94),
    Published("SMS", "f1", "DP", 23.78, _DP),
    Published("SMS", "f1", "MeTaL", 7.06, _METAL),
    Published("Spouse", "f1", "MV", 20.81, _SPOUSE),
    Published("Spouse", "f1", "MeTaL", 46.62, _SPOUSE),
)

ZHU_ET_AL = ("Zhu, Shen, Mosbach, Stephan and Klakow, \"Weaker Than You Think: A Critical Look at Weakly Supervised "
             "Learning\" (ACL 2023): on WRENCH, fine-tuning on the clean validation labels beats the weakly supervised "
             "methods in almost every case, so a weakly supervised number means little without the clean-label "
             "baseline beside it.")


@dataclass(frozen=True)
class Recomputed:
    """One label model on one dataset: WRENCH's protocol, and this package's own prediction rule."""

    model: str
    wrench_rule: float  # percent, WRENCH's protocol
    own_rule: float  # percent, this package's ``predict``
    note: str


def recompute(dataset: Dataset) -> dict[str, Recomputed]:
    """MV and DS fit on the train votes and scored on test, with WRENCH's tie rule and with ours."""
    K, L_train, test = dataset.n_classes, dataset["train"].L, dataset["test"]
    score = lambda predicted: 100.0 * metric_value(dataset.metric, test.y, predicted, n_classes=K)  # noqa: E731
    wrench_mv = MajorityVote(K, tie_break="wrench").fit(L_train)
    own_mv = MajorityVote(K).fit(L_train)
    ds = DawidSkene(K).fit(L_train)
    proba = ds.predict_proba(test.L)
    vanishing = vanishing_rows(ds, test.L)
    note = (f"`DawidSkene()` (WRENCH's settings; {ds.n_iter_} EM iterations), test posteriors through Snorkel's rule")
    if vanishing.any():
        right = int((ds.predict(test.L)[vanishing] == test.y[vanishing]).sum())
        note += (f"; {int(vanishing.sum())} test row(s) (row {', '.join(map(str, np.flatnonzero(vanishing)))}) have joint "
                 f"probability < {VANISHING:g} under every class, {right} of them right here. " + _VANISHING_NOTE)
    return {
        "MV": Recomputed("MV", score(wrench_mv.predict(test.L)), score(own_mv.predict(test.L)),
                         "`MajorityVote(tie_break=\"wrench\")`: vote shares (uniform without a vote), Snorkel's rule"),
        "DS": Recomputed("DS", score(hashed_tie_break(proba)), score(ds.predict(test.L)), note),
    }


#: Below this joint probability under every class, WRENCH's probability-space products reach 0.
VANISHING = 1e-300
_VANISHING_NOTE = ("WRENCH multiplies probabilities, in fitting too (some of its confusion cells underflow to exactly 0 "
                   "where ours keep ~1e-301), so under its parameters such a row has probability 0 under every class; "
                   "its E-step then divides 0 by 0 with `np.divide(where=s != 0)` and no `out`, which leaves "
                   "uninitialised memory: all ones in a numpy port of its EM, a tie across all classes that the hash "
                   "breaks. This package works in log space and keeps the most probable class.")


def vanishing_rows(model: DawidSkene, L: np.ndarray, floor: float = VANISHING) -> np.ndarray:
    """(n,) bool: rows whose joint probability P(y, outputs) is below ``floor`` under every class y."""
    cells = model.confusions_[np.arange(L.shape[1]), :, L]  # (n, m, K): C_i[y, L_i], an abstain reading the last column
    with np.errstate(divide="ignore"):
        log_joint = np.log(model.class_balance_) + np.log(cells).sum(axis=1)
    return log_joint.max(axis=1) < np.log(floor)


def check_anchors(recomputed: dict[str, dict[str, Recomputed]], *, tolerance: float = TOLERANCE) -> list[str]:
    """The published numbers a recomputation misses by more than ``tolerance`` points (empty: all reproduce)."""
    misses = []
    for published in PUBLISHED:
        got = recomputed.get(published.dataset, {}).get(published.model)
        if published.not_recomputed is None and (got is None or abs(got.wrench_rule - published.value) > tolerance):
            misses.append(f"{published.dataset} {published.model}: published {published.value:.2f}, "
                          f"recomputed {'nothing' if got is None else f'{got.wrench_rule:.2f}'}")
    return misses


def render(recomputed: dict[str, dict[str, Recomputed]], harness: dict[str, dict], *, command: str) -> str:
    """The Markdown report: recomputed anchors, this package's own rows, the quoted numbers, and context."""
    metric_name = {"accuracy": "accuracy", "f1": "F1 (positive class)"}
    lines = [
        "# WRENCH label-model anchors",
        "",
        f"Written by `{command}` from `wrench/trec` and `wrench/sms` in the data folder (the packaged copy unless `--data-dir` or `LIGER_DATA_DIR` names another), loaded by "
        "this package's loaders (dataset "
        "configs `trec` and `sms_wrench`). Published numbers: " + SOURCE + ". Test split, percent.",
        "",
        "WRENCH's protocol, as its code reads: the label model is fit on the train split's LF votes (no labels), "
        "predicts class probabilities for test, and is scored through Snorkel's `probs_to_preds` (classes within 1e-5 "
        "of the best tie; a hash of the row's position picks one: `liger/label_models/ties.py`). Majority vote gives vote "
        "shares (uniform without a vote). Dawid–Skene is WRENCH's EM (`DawidSkene()` defaults: abstain is each LF's "
        "(K+1)-th outcome, majority-vote start, no smoothing, prior estimated over every row, stop once the prior "
        "and the confusions each move < 1e-5 in L1); it reads neither the class balance nor the validation split.",
        "",
        "## Recomputed under WRENCH's protocol",
        "",
        "| dataset (config) | metric | label model | WRENCH | here | difference | how |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for published in PUBLISHED:
        got = recomputed.get(published.dataset, {}).get(published.model)
        if published.not_recomputed is None and got is not None:
            lines.append(f"| {published.dataset} (`{CONFIGS[published.dataset]}`) | {metric_name[published.metric]} | "
                         f"{published.model} | {published.value:.2f} | {got.wrench_rule:.2f} | "
                         f"{round(got.wrench_rule, 2) - published.value:+.2f} | {got.note} |")
    lines += [
        "",
        "## The same datasets under this package's own rules",
        "",
        "Not WRENCH's protocol; beside WRENCH's number for the same label model.",
        "",
        "| dataset (config) | metric | row | here | WRENCH | how |",
        "|---|---|---|---:|---:|---|",
    ]
    published_value = {(p.dataset, p.model): p.value for p in PUBLISHED}
    for name, models in recomputed.items():
        metric = metric_name[next(p.metric for p in PUBLISHED if p.dataset == name)]
        config = CONFIGS[name]
        lines.append(f"| {name} (`{config}`) | {metric} | MV, `tie_break=prior` | {models['MV'].own_rule:.2f} | "
                     f"{published_value[(name, 'MV')]:.2f} | `MajorityVote().predict`: ties to the larger prior, then the "
                     "lowest index (the prior is uniform here) |")
        lines.append(f"| {name} (`{config}`) | {metric} | DS, argmax | {models['DS'].own_rule:.2f} | "
                     f"{published_value[(name, 'DS')]:.2f} | `DawidSkene().predict`: exact ties to the lowest index |")
        run = harness.get(name)
        if run is not None:
            lines.append(f"| {name} (`{config}`) | {metric} | `method=snorkel_label_model` | {run['test']:.2f} | "
                         f"{published_value[(name, 'MeTaL')]:.2f} | {run['how']} |")
    lines += [
        "",
        "## Quoted, not recomputed",
        "",
        "| dataset | metric | label model | WRENCH | why not recomputed |",
        "|---|---|---|---:|---|",
    ]
    for published in PUBLISHED:
        if published.not_recomputed is not None:
            lines.append(f"| {published.dataset} | {metric_name[published.metric]} | {published.model} | "
                         f"{published.value:.2f} | {published.not_recomputed} |")
    lines += ["", "## Context", "", ZHU_ET_AL, ""]
    return "\n".join(lines)
