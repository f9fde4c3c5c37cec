"""Weather tweet sentiment, crowdsourced: each crowd worker is one labeling function.

Rows follow the Snorkel crowdsourcing tutorial: tweets of ``weather-evaluated-agg-DFE.csv`` whose
gold ``sentiment`` is Positive or Negative and whose ``correct_category_conf`` (the tutorial's
copy calls it ``is_the_category_correct_for_this_tweet:confidence``) is 1: 287 tweets.

LFs: every worker who judged one of those tweets in ``weather-non-agg-DFE.csv`` (102 workers),
ordered by numeric worker id, named ``worker_<id>``. A worker votes the class of its answer when
the answer is Positive or Negative and abstains on any other answer (neutral, not about weather,
can't tell) or on a tweet it did not judge. Classes: 0 = negative, 1 = positive.

Split (fixed, seeded): the 287 tweets in gold-file order are shuffled with
``np.random.RandomState(split_seed).permutation`` (default seed 123, the tutorial's
``sample(frac=1, random_state=123)``); dev = the first ``n_dev`` (50), test = the next ``n_test``
(50), train = the other 187 with gold labels dropped. These are the tutorial's sizes; its copy of
the CSV may order rows differently, so the same tweets are not guaranteed.

Crowd answers (``crowd_answers``):

- ``"tutorial"`` (default): as the tutorial, answers are hidden (every worker abstains) on the
  first half of dev (25), all of test and the first half of train (93), in split order; so train
  and dev are half covered and test is not covered at all. Votes reach test only by extension.
- ``"all"``: every answer kept (the full 287 x 102 matrix, ~16% coverage per worker). The gold
  label is the crowd's own confident verdict, so majority vote scores 100% on dev and test.

Row ids are ``weather:<tweet_id>``; texts are the tweet bodies.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from liger.data.dataset import Dataset, Split
from liger.labels import ABSTAIN

SPLIT_SEED = 123
N_DEV = 50
N_TEST = 50
GOLD_FILE = "weather-evaluated-agg-DFE.csv"
JUDGMENTS_FILE = "weather-non-agg-DFE.csv"
# Source answers that are a sentiment; every other answer is an abstain.
ANSWER_TO_CLASS = {"Negative": 0, "Positive": 1}
CLASS_NAMES = ("negative", "positive")
CrowdAnswers = Literal["tutorial", "all"]
_GOLD_COLUMNS = {"correct_category_conf", "sentiment", "tweet_id", "tweet_body"}
_JUDGMENT_COLUMNS = {"worker_id", "emotion", "tweet_id", "tweet_body"}


@dataclass(frozen=True)
class Tweet:
    tweet_id: str
    text: str
    label: int  # internal class (0 negative, 1 positive)


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
        if row["sentiment"] in ANSWER_TO_CLASS and confidence == 1.0:
            tweets.append(Tweet(row["tweet_id"], row["tweet_body"], ANSWER_TO_CLASS[row["sentiment"]]))
    return tweets


def read_judgments(path: str | Path) -> list[dict[str, str]]:
    """All crowd judgments: ``worker_id``, ``emotion`` (the answer), ``tweet_id``, ``tweet_body``."""
    return _read_csv(path, _JUDGMENT_COLUMNS)


def crowd_label_matrix(
    tweets: list[Tweet], judgments: list[dict[str, str]], *, path: str | Path = JUDGMENTS_FILE
) -> tuple[np.ndarray, tuple[str, ...]]:
    """(n_tweets, n_workers) votes of every worker who judged one of ``tweets``, and the worker ids."""
    row_of = {t.tweet_id: i for i, t in enumerate(tweets)}
    mine = [j for j in judgments if j["tweet_id"] in row_of]
    workers = tuple(sorted({j["worker_id"] for j in mine}, key=int))
    column_of = {w: k for k, w in enumerate(workers)}
    L = np.full((len(tweets), len(workers)), ABSTAIN, dtype=np.int64)
    judged = np.zeros(L.shape, dtype=bool)
    for j in mine:
        i, k = row_of[j["tweet_id"]], column_of[j["worker_id"]]
        # Alignment is by tweet id; a differing body would mean the two files disagree on the tweet.
        if j["tweet_body"] != tweets[i].text:
            raise ValueError(f"{path}: tweet {j['tweet_id']} has a different body than in the gold file")
        if judged[i, k]:
            raise ValueError(f"{path}: worker {j['worker_id']} judged tweet {j['tweet_id']} twice; expected once")
        judged[i, k] = True
        L[i, k] = ANSWER_TO_CLASS.get(j["emotion"], ABSTAIN)
    unjudged = [tweets[i].tweet_id for i in np.flatnonzero(~judged.any(axis=1))]
    if unjudged:
        raise ValueError(f"{path}: no judgments for tweet(s) {unjudged[:5]}; expected every selected tweet judged")
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
    crowd_answers: CrowdAnswers = "tutorial",
) -> Dataset:
    """The weather dataset: crowd workers as LFs on the seeded split of the module docstring."""
    if crowd_answers not in ("tutorial", "all"):
        raise ValueError(f"crowd_answers is {crowd_answers!r}; expected 'tutorial' or 'all'")
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"weather folder {folder} does not exist; expected {GOLD_FILE} and {JUDGMENTS_FILE}")
    tweets = read_gold(folder / GOLD_FILE)
    L, workers = crowd_label_matrix(tweets, read_judgments(folder / JUDGMENTS_FILE), path=folder / JUDGMENTS_FILE)
    y = np.array([t.label for t in tweets], dtype=np.int64)
    rows_of = split_rows(len(tweets), split_seed=split_seed, n_dev=n_dev, n_test=n_test)
    if crowd_answers == "tutorial":
        L[hidden_rows(rows_of)] = ABSTAIN
    splits = {}
    for name, rows in rows_of.items():
        splits[name] = Split(
            name, L[rows], ids=tuple(f"weather:{tweets[i].tweet_id}" for i in rows),
            y=None if name == "train" else y[rows], texts=tuple(tweets[i].text for i in rows),
        )
    return Dataset(
        name="weather",
        splits=splits,
        lf_names=tuple(f"worker_{w}" for w in workers),
        class_names=CLASS_NAMES,
        metric="accuracy",
        description=(
            f"CrowdFlower weather sentiment, {len(tweets)} confident Positive/Negative tweets x {len(workers)} crowd "
            f"workers as LFs; seeded split (seed {split_seed}): train {len(tweets) - n_dev - n_test} (labels dropped) "
            f"/ dev {n_dev} / test {n_test}; crowd answers: "
            + ("the tutorial's (hidden on half of train and dev and all of test)" if crowd_answers == "tutorial" else "all")
        ),
    )


def _read_csv(path: str | Path, required: set[str]) -> list[dict[str, str]]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; expected a CrowdFlower weather CSV")
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = required - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path} lacks column(s) {sorted(missing)}; expected at least {sorted(required)}")
        return list(reader)
