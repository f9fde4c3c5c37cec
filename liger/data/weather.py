"""Weather tweet sentiment, crowdsourced (CrowdFlower): the Snorkel crowdsourcing tutorial's task, and a crowd-only variant.

Both variants read the same two CSVs and keep the same tweets: those of
``weather-evaluated-agg-DFE.csv`` whose gold ``sentiment`` is Positive or Negative and whose
``correct_category_conf`` is 1 (the tutorial's copy calls these columns
``is_the_category_correct_for_this_tweet:confidence`` and ``tweet_text``; ours ``tweet_body``):
287 tweets. Classes: 0 = negative, 1 = positive. Row ids are ``weather:<tweet_id>``.

Split (shared code): the tweets are shuffled with ``np.random.RandomState(split_seed).permutation``
(pandas' ``sample(frac=1, random_state=123)`` is exactly this permutation); dev = the first
``n_dev`` (50), test = the next ``n_test`` (50), train = the other 187, gold labels dropped.
Crowd answers are hidden on the first half of dev (25) and of train (93) in split order and on all
of test (the tutorial's ``crowd_labels.drop``), so no crowd answer reaches test.

``load_weather`` (``dataset=weather``): the tutorial (snorkel-team/snorkel-tutorials,
``crowdsourcing/data.py`` and ``crowdsourcing_tutorial.py``), rebuilt exactly. Our copy of the gold
CSV lists the tweets in another order than the tutorial's; the tutorial's copy is in ``_unit_id_``
order: sorting ours by ``_unit_id_`` before the permutation reproduces every number the tutorial's
rendered notebook prints (its first five dev tweets, 68 workers with > 10 visible answers, worker
coverage 50.3% of train and 50% of dev, the TextBlob LFs' dev counts). LFs
(``liger/lfs/weather.py``): the three TextBlob polarity LFs, then the worker LFs built from the
visible answers only (answers on hidden tweets neither vote nor count towards a worker's total):
``worker_lfs="positive_negative"`` (default; the tutorial until 10 August 2019: a positive and a
negative LF per worker with more than 10 visible answers, 3 + 2 x 68 = 139 LFs) or
``"one_per_worker"`` (the tutorial since then: one LF per worker with a visible Positive or
Negative answer, 3 + 100 = 103 LFs). The tutorial pinned textblob 0.15.3; we run textblob >= 0.18,
checked against the notebook's TextBlob dev counts only (a pandas + TextBlob rebuild of the tutorial
in tests/data/test_weather.py matches every vote of every split).

``load_weather_crowd`` (``dataset=weather_crowd``): crowd-only, not the tutorial's LF set. The
split permutes the tweets in our gold file's order (so its dev/test/train rows are not the
tutorial's); LFs: every worker who judged one of the 287 tweets (102), ordered by numeric worker
id, named ``worker_<id>``, voting the class of a Positive or Negative answer and abstaining on any
other answer or unjudged tweet. ``crowd_answers="tutorial"`` (default) hides answers as above, so
test has no vote at all; ``"all"`` keeps every answer (majority vote then scores 100% on dev and
test: the gold label is the crowd's own confident verdict).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from liger.data.files import data_file_exists, open_text
from liger.data.dataset import Dataset, Split
from liger.labels import ABSTAIN
from liger.lfs.apply import apply_lfs
from liger.lfs.weather import (
    ANSWER_TO_CLASS,
    CROWD_ANSWERS,
    TEXTBLOB_LFS,
    one_per_worker_lfs,
    positive_negative_worker_lfs,
)

SPLIT_SEED = 123
N_DEV = 50
N_TEST = 50
GOLD_FILE = "weather-evaluated-agg-DFE.csv"
JUDGMENTS_FILE = "weather-non-agg-DFE.csv"
CLASS_NAMES = ("negative", "positive")
CrowdAnswers = Literal["tutorial", "all"]
WorkerLFs = Literal["positive_negative", "one_per_worker"]
WORKER_LF_SETS = {"positive_negative": positive_negative_worker_lfs, "one_per_worker": one_per_worker_lfs}
_GOLD_COLUMNS = {"_unit_id_", "correct_category_conf", "sentiment", "tweet_id", "tweet_body"}
_JUDGMENT_COLUMNS = {"worker_id", "emotion", "tweet_id", "tweet_body"}


@dataclass(frozen=True)
class Tweet:
    tweet_id: str
    text: str
    label: int  # internal class (0 negative, 1 positive)
    unit_id: int  # the gold file's _unit_id_; the tutorial's copy of the file is in this order


def read_gold(path: str | Path) -> list[Tweet]:
    """The tweets with a confident Positive / Negative gold answer, in file order."""
    rows = _read_csv(path, _GOLD_COLUMNS)
    tweets, seen = [], set()
    for line, row in enumerate(rows, start=2):
        if row["tweet_id"] in seen:
            raise ValueError(f"{path}, line {line}: tweet_id {row['tweet_id']} appears twice; expected one row per tweet")
        seen.add(row["tweet_id"])
        try:
            confidence = float(row["correct_category_conf"])
        except ValueError:
            raise ValueError(
                f"{path}, line {line}: correct_category_conf is {row['correct_category_conf']!r}; expected a number"
            ) from None
        if not row["_unit_id_"].isdigit():
            raise ValueError(f"{path}, line {line}: _unit_id_ is {row['_unit_id_']!r}; expected a non-negative integer")
        if row["sentiment"] in ANSWER_TO_CLASS and confidence == 1.0:
            tweets.append(Tweet(row["tweet_id"], row["tweet_body"], ANSWER_TO_CLASS[row["sentiment"]], int(row["_unit_id_"])))
    unit_ids = [t.unit_id for t in tweets]
    if len(set(unit_ids)) != len(unit_ids):
        raise ValueError(f"{path}: selected tweets share a _unit_id_; expected one unit per tweet")
    return tweets


def read_judgments(path: str | Path) -> list[dict[str, str]]:
    """All crowd judgments: ``worker_id``, ``emotion`` (the answer), ``tweet_id``, ``tweet_body``."""
    return _read_csv(path, _JUDGMENT_COLUMNS)


def answers_by_worker(
    tweets: list[Tweet], judgments: list[dict[str, str]], *, path: str | Path = JUDGMENTS_FILE
) -> dict[str, dict[str, str]]:
    """worker id -> tweet id -> answer, for the judgments of ``tweets``; each tweet judged, each pair once."""
    text_of = {t.tweet_id: t.text for t in tweets}
    answers: dict[str, dict[str, str]] = {}
    for j in judgments:
        if j["tweet_id"] not in text_of:
            continue
        # Alignment is by tweet id; a differing body would mean the two files disagree on the tweet.
        if j["tweet_body"] != text_of[j["tweet_id"]]:
            raise ValueError(f"{path}: tweet {j['tweet_id']} has a different body than in the gold file")
        mine = answers.setdefault(j["worker_id"], {})
        if j["tweet_id"] in mine:
            raise ValueError(f"{path}: worker {j['worker_id']} judged tweet {j['tweet_id']} twice; expected once")
        if j["emotion"] not in CROWD_ANSWERS:
            raise ValueError(
                f"{path}: worker {j['worker_id']} answered {j['emotion']!r} on tweet {j['tweet_id']}; "
                f"expected one of {list(CROWD_ANSWERS)}"
            )
        mine[j["tweet_id"]] = j["emotion"]
    judged = {tweet_id for mine in answers.values() for tweet_id in mine}
    unjudged = [t.tweet_id for t in tweets if t.tweet_id not in judged]
    if unjudged:
        raise ValueError(f"{path}: no judgments for tweet(s) {unjudged[:5]}; expected every selected tweet judged")
    return answers


def crowd_label_matrix(
    tweets: list[Tweet], judgments: list[dict[str, str]], *, path: str | Path = JUDGMENTS_FILE
) -> tuple[np.ndarray, tuple[str, ...]]:
    """(n_tweets, n_workers) votes of every worker who judged one of ``tweets``, and the worker ids."""
    answers = answers_by_worker(tweets, judgments, path=path)
    workers = tuple(sorted(answers, key=int))
    L = np.full((len(tweets), len(workers)), ABSTAIN, dtype=np.int64)
    row_of = {t.tweet_id: i for i, t in enumerate(tweets)}
    for k, worker in enumerate(workers):
        for tweet_id, answer in answers[worker].items():
            L[row_of[tweet_id], k] = ANSWER_TO_CLASS.get(answer, ABSTAIN)
    return L, workers


def split_rows(n_rows: int, *, split_seed: int = SPLIT_SEED, n_dev: int = N_DEV, n_test: int = N_TEST) -> dict[str, np.ndarray]:
    """Row indices per split: a seeded permutation cut into dev, test, then train."""
    if n_dev < 1 or n_test < 1 or n_dev + n_test >= n_rows:
        raise ValueError(f"n_dev={n_dev}, n_test={n_test}; expected both >= 1 with n_dev + n_test < {n_rows} rows")
    order = np.random.RandomState(split_seed).permutation(n_rows)
    return {"train": order[n_dev + n_test:], "dev": order[:n_dev], "test": order[n_dev:n_dev + n_test]}


def hidden_rows(rows: dict[str, np.ndarray]) -> np.ndarray:
    """Rows whose crowd answers the tutorial hides: the first half of dev and train, all of test."""
    return np.concatenate([rows["dev"][: len(rows["dev"]) // 2], rows["test"], rows["train"][: len(rows["train"]) // 2]])


def load_weather(
    folder: str | Path,
    *,
    split_seed: int = SPLIT_SEED,
    n_dev: int = N_DEV,
    n_test: int = N_TEST,
    worker_lfs: WorkerLFs = "positive_negative",
    name: str = "weather",
    progress: bool = True,
) -> Dataset:
    """The Snorkel crowdsourcing tutorial's task: its split, its TextBlob and worker LFs (module docstring)."""
    if worker_lfs not in WORKER_LF_SETS:
        raise ValueError(f"worker_lfs is {worker_lfs!r}; expected one of {sorted(WORKER_LF_SETS)}")
    tweets, judgments, judgments_path = _read_folder(folder)
    # The tutorial's copy of the gold file lists the tweets in _unit_id_ order; ours does not.
    tweets = sorted(tweets, key=lambda t: t.unit_id)
    answers = answers_by_worker(tweets, judgments, path=judgments_path)
    rows_of = split_rows(len(tweets), split_seed=split_seed, n_dev=n_dev, n_test=n_test)
    hidden = {tweets[i].tweet_id for i in hidden_rows(rows_of)}
    visible = {w: {t: a for t, a in mine.items() if t not in hidden} for w, mine in answers.items()}
    crowd_lfs = WORKER_LF_SETS[worker_lfs](visible)
    y = np.array([t.label for t in tweets], dtype=np.int64)
    splits = {}
    for split, rows in rows_of.items():
        texts = tuple(tweets[i].text for i in rows)
        tweet_ids = [tweets[i].tweet_id for i in rows]
        L = np.hstack([
            apply_lfs(TEXTBLOB_LFS, texts, progress=progress, desc=f"weather TextBlob LFs ({split})"),
            apply_lfs(crowd_lfs, tweet_ids, progress=progress, desc=f"weather worker LFs ({split})"),
        ])
        splits[split] = Split(
            split, L, ids=tuple(f"weather:{t}" for t in tweet_ids), y=None if split == "train" else y[rows], texts=texts
        )
    return Dataset(
        name=name,
        splits=splits,
        lf_names=tuple(lf.name for lf in TEXTBLOB_LFS + crowd_lfs),
        class_names=CLASS_NAMES,
        metric="accuracy",
        description=(
            f"CrowdFlower weather sentiment, the Snorkel crowdsourcing tutorial's task: {len(tweets)} confident "
            f"Positive/Negative tweets; LFs: 3 TextBlob polarity thresholds + {len(crowd_lfs)} worker LFs "
            f"({worker_lfs}); tutorial split (tweets in _unit_id_ order, seed {split_seed}): "
            f"train {len(rows_of['train'])} (labels dropped) / dev {n_dev} / test {n_test}; crowd answers hidden on "
            "half of train and dev and all of test"
        ),
    )


def load_weather_crowd(
    folder: str | Path,
    *,
    split_seed: int = SPLIT_SEED,
    n_dev: int = N_DEV,
    n_test: int = N_TEST,
    crowd_answers: CrowdAnswers = "tutorial",
    name: str = "weather_crowd",
) -> Dataset:
    """Crowd-only weather (not the tutorial's LF set): every crowd worker one LF, split in our file's order."""
    if crowd_answers not in ("tutorial", "all"):
        raise ValueError(f"crowd_answers is {crowd_answers!r}; expected 'tutorial' or 'all'")
    tweets, judgments, judgments_path = _read_folder(folder)
    L, workers = crowd_label_matrix(tweets, judgments, path=judgments_path)
    y = np.array([t.label for t in tweets], dtype=np.int64)
    rows_of = split_rows(len(tweets), split_seed=split_seed, n_dev=n_dev, n_test=n_test)
    if crowd_answers == "tutorial":
        L[hidden_rows(rows_of)] = ABSTAIN
    splits = {}
    for split, rows in rows_of.items():
        splits[split] = Split(
            split, L[rows], ids=tuple(f"weather:{tweets[i].tweet_id}" for i in rows),
            y=None if split == "train" else y[rows], texts=tuple(tweets[i].text for i in rows),
        )
    return Dataset(
        name=name,
        splits=splits,
        lf_names=tuple(f"worker_{w}" for w in workers),
        class_names=CLASS_NAMES,
        metric="accuracy",
        description=(
            f"CrowdFlower weather sentiment, crowd-only (not the tutorial's LF set): {len(tweets)} confident "
            f"Positive/Negative tweets x {len(workers)} crowd workers as LFs; seeded split in our file's order "
            f"(seed {split_seed}, not the tutorial's rows): train {len(tweets) - n_dev - n_test} (labels dropped) "
            f"/ dev {n_dev} / test {n_test}; crowd answers: "
            + ("the tutorial's (hidden on half of train and dev and all of test)" if crowd_answers == "tutorial" else "all")
        ),
    )


def _read_folder(folder: str | Path) -> tuple[list[Tweet], list[dict[str, str]], Path]:
    """The selected tweets (gold file order), all judgments, and the judgments file's path."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"weather folder {folder} does not exist; expected {GOLD_FILE} and {JUDGMENTS_FILE}")
    return read_gold(folder / GOLD_FILE), read_judgments(folder / JUDGMENTS_FILE), folder / JUDGMENTS_FILE


def _read_csv(path: str | Path, required: set[str]) -> list[dict[str, str]]:
    path = Path(path)
    if not data_file_exists(path):
        raise FileNotFoundError(f"{path} is missing; expected a CrowdFlower weather CSV")
    with open_text(path, newline="") as handle:
        reader = csv.DictReader(handle)
        missing = required - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path} lacks column(s) {sorted(missing)}; expected at least {sorted(required)}")
        return list(reader)
