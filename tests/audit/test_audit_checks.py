"""Each check's fast path against a brute-force reference, and its decisions on hand-made cases."""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest

from liger.audit.duplicates import check_duplicates, duplicate_groups
from liger.audit.embeddings import FoundEmbeddings, check_equal_embeddings
from liger.audit.lf_consistency import (MAX_TOKENS, MIN_LIFT, MIN_TOKEN_SHARE, TARGET_COVER, characteristic_tokens,
                                        count_containing)
from liger.audit.splits import check_splits
from liger.audit.text import doc_terms, row_kind, tokenize
from liger.audit.tokens import leave_one_out_accuracy, split_specific_tokens
from liger.data.dataset import Dataset, Split


def random_texts(rng, n, vocabulary, length=6):
    return [" ".join(rng.choice(vocabulary, size=rng.integers(1, length + 1))) for _ in range(n)]


# ------------------------------------------------------------------ characteristic tokens (greedy cover)


def characteristic_tokens_reference(texts, fires):
    """The selection rule written with sets and Counters, one row at a time."""
    sets = [set(tokenize(t)) for t in texts]
    n_in, n_out = sum(fires), len(fires) - sum(fires)
    inside = Counter(t for s, f in zip(sets, fires) if f for t in s)
    outside = Counter(t for s, f in zip(sets, fires) if not f for t in s)
    lift = {t: (k / n_in) / ((outside[t] + 1) / (n_out + 1)) for t, k in inside.items()}
    candidates = sorted(t for t, k in inside.items() if k >= MIN_TOKEN_SHARE * n_in and lift[t] >= MIN_LIFT)
    uncovered = [s for s, f in zip(sets, fires) if f]
    chosen = []
    while uncovered and len(chosen) < MAX_TOKENS and candidates:
        best = min(candidates, key=lambda t: (-sum(t in s for s in uncovered), -lift[t], t))
        if not any(best in s for s in uncovered):
            break
        chosen.append(best)
        candidates.remove(best)
        uncovered = [s for s in uncovered if best not in s]
        if 1 - len(uncovered) / n_in >= TARGET_COVER:
            break
    return chosen


@pytest.mark.parametrize("seed", range(8))
def test_characteristic_tokens_equal_the_reference(seed):
    rng = np.random.default_rng(seed)
    vocabulary = [f"w{k}" for k in range(30)]
    texts = random_texts(rng, 120, vocabulary)
    # A keyword rule on two planted keywords, plus noise firings, so greedy has real choices to make.
    fires = [("w3" in t.split() or "w17" in t.split()) or rng.random() < 0.05 for t in texts]
    columns, X = doc_terms({"train": texts})
    got = [columns[k] for k in characteristic_tokens(X["train"], np.array(fires))]
    assert got == characteristic_tokens_reference(texts, fires)


def test_a_keyword_rule_is_recovered_and_counted():
    texts = ["win a free prize", "free entry now", "see you later", "free call", "ok later", "home now"] * 3
    fires = np.array(["free" in t.split() for t in texts])
    columns, X = doc_terms({"train": texts})
    chosen = characteristic_tokens(X["train"], fires)
    assert [columns[k] for k in chosen] == ["free"]
    assert count_containing(X["train"], ~fires, chosen) == (0, int((~fires).sum()))
    assert count_containing(X["train"], fires, chosen) == (int(fires.sum()), int(fires.sum()))


# ------------------------------------------------------------------ label tokens


def leave_one_out_reference(first_tokens, y, n_classes):
    fallback = Counter(y).most_common()
    fallback = min(c for c, k in fallback if k == fallback[0][1])
    right = 0
    for i, (token, label) in enumerate(zip(first_tokens, y)):
        others = Counter(y[j] for j, t in enumerate(first_tokens) if j != i and t == token and token is not None)
        top = [c for c, k in others.items() if k == max(others.values())] if others else []
        right += (top[0] if len(top) == 1 else fallback) == label
    return right / len(y)


@pytest.mark.parametrize("seed", range(5))
def test_leave_one_out_accuracy_equals_the_reference(seed):
    rng = np.random.default_rng(seed)
    texts = random_texts(rng, 80, ["what", "who", "how", "where", "when", "why"], length=3) + ["", "?"]
    y = rng.integers(0, 3, size=len(texts))
    columns, X = doc_terms({"dev": texts}, "first")
    firsts = [tokenize(t)[0] if tokenize(t) else None for t in texts]
    assert leave_one_out_accuracy(X["dev"], y, 3) == leave_one_out_reference(firsts, list(y), 3)


def text_dataset(train, dev, test, y_dev, y_test, classes=("a", "b")) -> Dataset:
    def split(name, texts, y):
        return Split(name, np.full((len(texts), 1), -1), ids=tuple(f"{name}:{i}" for i in range(len(texts))),
                     y=None if y is None else np.array(y), texts=tuple(texts))
    return Dataset("toy", {"train": split("train", train, None), "dev": split("dev", dev, y_dev),
                           "test": split("test", test, y_test)}, ("lf",), classes, "accuracy")


def specific(dataset, split="test", position="first"):
    vocabulary, X = doc_terms({s: dataset[s].texts for s in dataset.splits}, position)
    return [t["token"] for t in split_specific_tokens(dataset, split, vocabulary, X)]


def test_a_token_pure_on_test_and_absent_elsewhere_is_split_specific():
    test = [f"zz row {i}" for i in range(12)] + [f"row {i}" for i in range(12)]
    ds = text_dataset([f"row {i}" for i in range(40)], [f"row {i}" for i in range(20)], test,
                      [0, 1] * 10, [1] * 12 + [0] * 12)
    assert specific(ds) == ["zz"]


def test_a_token_that_means_the_same_on_dev_is_not_split_specific():
    test = [f"zz row {i}" for i in range(12)] + [f"row {i}" for i in range(12)]
    dev = [f"zz row {i}" for i in range(10)] + [f"row {i}" for i in range(10)]
    ds = text_dataset([f"row {i}" for i in range(40)], dev, test, [1] * 10 + [0] * 10, [1] * 12 + [0] * 12)
    assert specific(ds) == []


def test_a_token_that_means_the_opposite_on_dev_is_split_specific():
    test = [f"zz row {i}" for i in range(12)] + [f"row {i}" for i in range(12)]
    dev = [f"zz row {i}" for i in range(10)] + [f"row {i}" for i in range(10)]
    ds = text_dataset([f"row {i}" for i in range(40)], dev, test, [0] * 10 + [1] * 10, [1] * 12 + [0] * 12)
    assert specific(ds) == ["zz"]


def test_purity_the_class_share_explains_is_not_enough():
    # 95% of test is class 0: a token on 5 class-0 rows is pure by chance (0.95^5 = 0.77).
    test = [f"zz row {i}" for i in range(5)] + [f"row {i}" for i in range(95)]
    ds = text_dataset(["row"] * 40, ["row"] * 20, test, [0, 1] * 10, [0] * 5 + [0] * 90 + [1] * 5)
    assert specific(ds) == []


# ------------------------------------------------------------------ splits, duplicates, embeddings


def test_an_lf_that_points_away_from_its_class_is_flagged(sms_clean):
    test = sms_clean["test"]
    # Three copies of test, so 0 right out of 36 votes is beyond doubt (p = 0.6^36).
    y = np.tile(test.y, 3)
    L = np.tile(test.L, (3, 1))
    L[:, 0] = np.where(y == 0, 1, -1)  # votes spam on every ham row
    bigger = Split("test", L, ids=tuple(f"test:{i}" for i in range(len(y))), y=y, texts=test.texts * 3)
    flipped = dataclasses.replace(sms_clean, splits={**sms_clean.splits, "test": bigger})
    flags = [f for f in check_splits(flipped).flags if f.check == "lf_precision"]
    assert flags and flags[0].split == "test" and flags[0].numbers["lfs"][0]["lf"] == "lf_free"


def test_a_split_without_votes_is_flagged(sms_clean):
    test = sms_clean["test"]
    silent = dataclasses.replace(test, L=np.full_like(test.L, -1))
    flags = check_splits(dataclasses.replace(sms_clean, splits={**sms_clean.splits, "test": silent})).flags
    assert [(f.check, f.split) for f in flags] == [("lf_coverage", "test")]


def test_duplicate_groups_span_splits_in_first_appearance_order():
    keys = {"train": ["a", "b", "a"], "dev": ["b", "c"], "test": ["c", "d"]}
    assert duplicate_groups(keys) == [[("train", 0), ("train", 2)], [("train", 1), ("dev", 0)], [("dev", 1), ("test", 0)]]


def test_duplicates_with_different_votes_on_test_are_flagged(sms_clean):
    # Test repeats ten train texts; as found, their votes come from other rows.
    train, test = sms_clean["train"], sms_clean["test"]
    texts = train.texts[:10] + test.texts[10:]
    L = np.vstack([np.roll(train.L[:10], 1, axis=0), test.L[10:]])
    copied = dataclasses.replace(test, texts=texts, L=L)
    ds = dataclasses.replace(sms_clean, splits={**sms_clean.splits, "test": copied})
    messages = [f.message for f in check_duplicates(ds).flags]
    assert any("different LF votes" in m for m in messages) is False  # too few train-only groups to compare with
    # With train duplicates that agree, the same test duplicates are flagged.
    train_dup = dataclasses.replace(train, texts=train.texts + train.texts[20:30], L=np.vstack([train.L, train.L[20:30]]),
                                    ids=train.ids + tuple(f"extra:{i}" for i in range(10)))
    ds = dataclasses.replace(ds, splits={**ds.splits, "train": train_dup})
    flags = [f for f in check_duplicates(ds).flags if "different LF votes" in f.message]
    assert [f.split for f in flags] == ["test"]


def test_equal_vectors_for_different_texts_are_flagged_and_case_only_differences_are_not(sms_clean):
    rng = np.random.default_rng(0)
    arrays = {s: rng.standard_normal((len(sms_clean[s]), 4)).astype(np.float32) for s in sms_clean.splits}
    texts = {s: list(sms_clean[s].texts) for s in sms_clean.splits}
    texts["dev"][1] = texts["dev"][0].upper() + "\ufeff"
    arrays["dev"][1] = arrays["dev"][0]
    result = check_equal_embeddings(sms_clean, FoundEmbeddings(arrays, texts, "test"))
    assert result.flags == [] and result.numbers["differ_in_case_or_format_only"] == 1
    arrays["test"][3] = arrays["train"][5]
    result = check_equal_embeddings(sms_clean, FoundEmbeddings(arrays, texts, "test"))
    assert result.numbers["different_texts"] == 1
    assert [(e["split"], e["row"]) for e in result.flags[0].numbers["examples"][0]] == [("train", 5), ("test", 3)]


def test_checks_that_need_texts_say_why_they_skip(sms_clean):
    no_texts = dataclasses.replace(sms_clean, splits={s: dataclasses.replace(sms_clean[s], texts=None) for s in sms_clean.splits})
    assert row_kind(no_texts) == "none"
    assert "no texts" in check_duplicates(no_texts).skipped
    assert check_equal_embeddings(sms_clean, None).skipped.startswith("not requested")


def test_total_variation_is_the_same_in_every_process():
    # A set's order follows PYTHONHASHSEED; the sum must not, or the audit's JSON changes between runs.
    import subprocess
    import sys

    code = ("from liger.audit.text_format import total_variation; "
            "a = {chr(97 + i): (i + 1) / 7 for i in range(20)}; b = {chr(98 + i): (i + 2) / 9 for i in range(20)}; "
            "print(repr(total_variation(a, b)))")
    outputs = {subprocess.run([sys.executable, "-c", code], env={**__import__("os").environ, "PYTHONHASHSEED": str(seed)},
                              capture_output=True, text=True, check=True).stdout for seed in range(6)}
    assert len(outputs) == 1
