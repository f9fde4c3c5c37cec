"""YouTube spam: the paper's split rebuilt from the five UCI CSVs (the packaged copy unless told another folder).

The split is the Snorkel spam tutorial's, which the reference code uses: each video's comments
are shuffled with seed 123; train = videos 1-4 (1586 comments, labels hidden); dev = 100 of those
train comments sampled with seed 123 (so dev rows are also train rows, as in the reference);
test = 250 of video 5's 370 comments, a stratified split with seed 123.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from liger.data.dataset import Dataset, Split
from liger.data.files import open_text, packaged_data_root
from liger.lfs.apply import apply_lfs
from liger.lfs.spam import SPAM_LFS

SPLIT_SEED = 123
N_DEV = 100
N_TEST = 250
CSV_NAMES = (
    "Youtube01-Psy.csv",
    "Youtube02-KatyPerry.csv",
    "Youtube03-LMFAO.csv",
    "Youtube04-Eminem.csv",
    "Youtube05-Shakira.csv",
)


@dataclass(frozen=True)
class Comment:
    row_id: str  # "video:csv_row"; the UCI COMMENT_IDs are not unique
    comment_id: str
    author: str
    date: str | None
    text: str
    video: int
    label: int


def read_video(path: Path, video: int) -> list[Comment]:
    """Read one UCI CSV (``COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS``), texts kept byte for byte."""
    with open_text(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = {"COMMENT_ID", "AUTHOR", "DATE", "CONTENT", "CLASS"}
    if rows and set(rows[0]) != expected:
        raise ValueError(f"{path} has columns {sorted(rows[0])}; expected {sorted(expected)}")
    comments = []
    for line, row in enumerate(rows, start=2):
        if row["CLASS"] not in ("0", "1"):
            raise ValueError(f"{path}, line {line}: CLASS is {row['CLASS']!r}; expected '0' or '1'")
        comments.append(
            Comment(f"{video}:{line - 2}", row["COMMENT_ID"], row["AUTHOR"], row["DATE"] or None, row["CONTENT"], video, int(row["CLASS"]))
        )
    return comments


def packaged_csv_dir() -> Path:
    """The five UCI CSVs shipped in the package (``spam/uci_csv`` of the packaged data folder)."""
    return packaged_data_root() / "spam" / "uci_csv"


def spam_split(csv_dir: Path | None = None) -> dict[str, list[Comment]]:
    """The paper's train / dev / test comments, in the reference code's row order."""
    csv_dir = packaged_csv_dir() if csv_dir is None else Path(csv_dir)
    videos = []
    for video, name in enumerate(CSV_NAMES, start=1):
        comments = read_video(csv_dir / name, video)
        # pandas' df.sample(frac=1, random_state=123) is exactly this permutation.
        order = np.random.RandomState(SPLIT_SEED).permutation(len(comments))
        videos.append([comments[i] for i in order])
    train = [c for video in videos[:4] for c in video]
    dev_rows = np.random.RandomState(SPLIT_SEED).permutation(len(train))[:N_DEV]
    dev = [train[i] for i in dev_rows]
    last = videos[4]
    _, test_rows = train_test_split(
        np.arange(len(last)), test_size=N_TEST, random_state=SPLIT_SEED, stratify=[c.label for c in last]
    )
    test = [last[i] for i in test_rows]
    return {"train": train, "dev": dev, "test": test}


def load_spam(*, csv_dir: Path | None = None, progress: bool = True) -> Dataset:
    """The spam dataset with the ten tutorial LFs applied (classes 0 = ham, 1 = spam)."""
    comments = spam_split(csv_dir)
    splits = {}
    for name, rows in comments.items():
        texts = tuple(c.text for c in rows)
        L = apply_lfs(SPAM_LFS, texts, progress=progress, desc=f"spam LFs ({name})")
        y = None if name == "train" else np.array([c.label for c in rows], dtype=np.int64)
        splits[name] = Split(name=name, L=L, ids=tuple(c.row_id for c in rows), y=y, texts=texts)
    return Dataset(
        name="spam",
        splits=splits,
        lf_names=tuple(lf.name for lf in SPAM_LFS),
        class_names=("ham", "spam"),
        metric="accuracy",
        description="YouTube Spam Collection (CC BY 4.0), Snorkel tutorial split: train 1586 / dev 100 / test 250",
    )
