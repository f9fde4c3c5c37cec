"""Spouse relation extraction (Snorkel spouse tutorial data) with the tutorial's nine LFs.

Each row is a candidate: a sentence and two marked people; the question is whether the sentence
says they are (or were) married. Source labels are 1 spouse, -1 not, 0 unknown; the tutorial maps
them with ``(1 + y) // 2``, so unknown counts as not spouses. Internally: 1 spouse, 0 not.

NOT THE PAPER'S SPLIT. The tutorial's 22,254-candidate unlabeled train file is not available, so
the split is rebuilt from the two labeled files:

- train = all of ``dev.jsonl`` (2811 candidates), gold labels dropped;
- dev and test = ``test.jsonl`` (2701 candidates) divided by sentence with ``split_seed`` (default
  0): the file's distinct sentences are shuffled and whole sentences go to dev until it holds at
  least ``n_dev`` (default 500) candidates, so no sentence is in both; test = the rest.

Rows keep their file order within a split; row ids are ``spouse:<file>:<line>`` (0-based line).

Texts (``candidate_text``): a sentence often holds several candidates (92 of 871 test sentences hold
both a spouse and a non-spouse pair), so embedding the bare sentence gives them one vector that no
method can separate. The default, ``"marked"``, is the sentence's tokens with each of the candidate's
two people wrapped in brackets (``"[ Ann Lee ] met [ Bob Ray ] and Cy ."``); ``"question"`` appends
``"Are <person1> and <person2> spouses?"`` to the stripped sentence (the paper's prompt, at the end);
``"sentence"`` is the bare sentence. The default was chosen on dev labels only
(``python scripts/compare_spouse_texts.py``: grouped 5-fold CV F1 of a class-balanced logistic
regression on MiniLM, marked 0.346, sentence 0.338, question 0.178 at its best C).
``extra["person_names"][split]`` holds each row's (person 1, person 2); ``extra["text_fields"][split]``
the same as ``{"person1": ..., "person2": ...}``, for prompt templates such as
``"Are {person1} and {person2} spouses? {text}"`` (``liger.embed.embed_dataset``).
Tables fed by this dataset must say so (the Dataset's ``description`` does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from liger.data.dataset import Dataset, Split
from liger.data.files import data_file_exists, open_text, read_text
from liger.lfs.apply import apply_lfs
from liger.lfs.spouse import person_name, spouse_lfs

SPLIT_SEED = 0
N_DEV = 500
TRAIN_FILE, LABELED_FILE, KNOWN_SPOUSES_FILE = "dev.jsonl", "test.jsonl", "dbpedia_known_spouses.json"
# The tutorial's (1 + y) // 2: unknown (0) counts as not spouses.
SOURCE_TO_CLASS = {1: 1, -1: 0, 0: 0}
CLASS_NAMES = ("not_spouse", "spouse")
CANDIDATE_TEXTS = ("marked", "question", "sentence")
CANDIDATE_TEXT = "marked"
_FIELDS = {"sentence", "tokens", "person1_word_idx", "person2_word_idx", "label"}


@dataclass(frozen=True)
class SpouseCandidate:
    row_id: str
    sentence: str
    tokens: tuple[str, ...]
    person1_word_idx: tuple[int, int]  # inclusive token span
    person2_word_idx: tuple[int, int]
    label: int  # internal class (1 spouse, 0 not)


def read_candidates(path: str | Path) -> list[SpouseCandidate]:
    """One candidate per JSON line, spans and labels checked; labels mapped to internal classes."""
    path = Path(path)
    if not data_file_exists(path):
        raise FileNotFoundError(f"{path} is missing; expected a spouse candidate file (JSON lines)")
    candidates = []
    with open_text(path) as handle:
        for line, text in enumerate(handle):
            record = json.loads(text)
            where = f"{path}, line {line + 1}"
            if set(record) != _FIELDS:
                raise ValueError(f"{where} has fields {sorted(record)}; expected {sorted(_FIELDS)}")
            if type(record["label"]) is not int or record["label"] not in SOURCE_TO_CLASS:
                raise ValueError(f"{where}: label is {record['label']!r}; expected 1, -1 or 0")
            n_tokens = len(record["tokens"])
            spans = [tuple(record[key]) for key in ("person1_word_idx", "person2_word_idx")]
            for key, (start, end) in zip(("person1_word_idx", "person2_word_idx"), spans):
                if not 0 <= start <= end < n_tokens:
                    raise ValueError(f"{where}: {key} is {[start, end]}; expected 0 <= start <= end < {n_tokens}")
            if spans[0][1] >= spans[1][0]:
                raise ValueError(f"{where}: person 1 {list(spans[0])} does not end before person 2 {list(spans[1])}")
            candidates.append(SpouseCandidate(
                f"spouse:{path.name}:{line}", record["sentence"], tuple(record["tokens"]),
                spans[0], spans[1], SOURCE_TO_CLASS[record["label"]],
            ))
    return candidates


def spouse_split(folder: str | Path, *, split_seed: int = SPLIT_SEED, n_dev: int = N_DEV) -> dict[str, list[SpouseCandidate]]:
    """train = dev.jsonl; dev / test = test.jsonl divided by sentence (see the module docstring)."""
    folder = _check_folder(folder)
    labeled = read_candidates(folder / LABELED_FILE)
    if not 0 < n_dev < len(labeled):
        raise ValueError(f"n_dev is {n_dev}; expected 0 < n_dev < {len(labeled)} (the candidates in {LABELED_FILE})")
    sentences = list(dict.fromkeys(c.sentence for c in labeled))  # first-appearance order
    sizes = {s: 0 for s in sentences}
    for candidate in labeled:
        sizes[candidate.sentence] += 1
    dev_sentences, n_taken = set(), 0
    for i in np.random.RandomState(split_seed).permutation(len(sentences)):
        if n_taken >= n_dev:
            break
        dev_sentences.add(sentences[i])
        n_taken += sizes[sentences[i]]
    return {
        "train": read_candidates(folder / TRAIN_FILE),
        "dev": [c for c in labeled if c.sentence in dev_sentences],
        "test": [c for c in labeled if c.sentence not in dev_sentences],
    }


def person_names(candidates: Sequence[SpouseCandidate]) -> list[tuple[str, str]]:
    """(person 1, person 2) as their tokens joined by spaces, per candidate."""
    return [(person_name(c, 1), person_name(c, 2)) for c in candidates]


def embedding_text(candidate: SpouseCandidate, form: str = CANDIDATE_TEXT) -> str:
    """The text embedded for one candidate: see ``candidate_text`` in the module docstring."""
    if form == "question":
        return f"{candidate.sentence.strip()} Are {person_name(candidate, 1)} and {person_name(candidate, 2)} spouses?"
    if form == "marked":
        tokens = list(candidate.tokens)
        # The later span first, so the earlier span's indices still hold.
        for start, end in (candidate.person2_word_idx, candidate.person1_word_idx):
            tokens[start] = "[ " + tokens[start]
            tokens[end] = tokens[end] + " ]"
        return " ".join(tokens)
    if form == "sentence":
        return candidate.sentence
    raise ValueError(f"candidate_text is {form!r}; expected one of {list(CANDIDATE_TEXTS)}")


def text_fields(candidates: Sequence[SpouseCandidate]) -> dict[str, tuple[str, ...]]:
    """``{"person1": names, "person2": names}``, one per candidate: what a prompt may name besides ``{text}``."""
    names = person_names(candidates)
    return {"person1": tuple(first for first, _ in names), "person2": tuple(second for _, second in names)}


def load_spouse(folder: str | Path, *, split_seed: int = SPLIT_SEED, n_dev: int = N_DEV,
                candidate_text: str = CANDIDATE_TEXT, name: str = "spouse", progress: bool = True) -> Dataset:
    """The spouse dataset on the rebuilt split (module docstring), nine tutorial LFs, metric F1."""
    if candidate_text not in CANDIDATE_TEXTS:
        raise ValueError(f"candidate_text is {candidate_text!r}; expected one of {list(CANDIDATE_TEXTS)}")
    folder = _check_folder(folder)
    lfs = spouse_lfs(load_known_spouses(folder / KNOWN_SPOUSES_FILE))
    candidates = spouse_split(folder, split_seed=split_seed, n_dev=n_dev)
    splits = {}
    for split, rows in candidates.items():
        L = apply_lfs(lfs, rows, progress=progress, desc=f"spouse LFs ({split})")
        y = None if split == "train" else np.array([c.label for c in rows], dtype=np.int64)
        texts = tuple(embedding_text(c, candidate_text) for c in rows)
        # Candidates of one sentence are near-copies: cross-validation keeps them in one fold.
        splits[split] = Split(split, L, ids=tuple(c.row_id for c in rows), y=y, texts=texts,
                              groups=tuple(c.sentence for c in rows))
    sizes = " / ".join(f"{split} {len(rows)}" for split, rows in candidates.items())
    return Dataset(
        name=name,
        splits=splits,
        lf_names=tuple(lf.name for lf in lfs),
        class_names=CLASS_NAMES,
        metric="f1",
        description=(
            f"Snorkel spouse tutorial data, REBUILT SPLIT (not the paper's): train = {TRAIN_FILE} (labels dropped), "
            f"dev / test = {LABELED_FILE} divided by sentence with seed {split_seed}; {sizes}; texts: {candidate_text}"
        ),
        extra={
            "person_names": {split: tuple(person_names(rows)) for split, rows in candidates.items()},
            # Fields a prompt template may name besides {text} (liger.embed.embed_dataset).
            "text_fields": {split: text_fields(rows) for split, rows in candidates.items()},
        },
    )


def load_known_spouses(path: str | Path) -> tuple[tuple[str, str], ...]:
    """The DBpedia known-spouse pairs: a JSON list of ``[name, name]`` pairs."""
    path = Path(path)
    if not data_file_exists(path):
        raise FileNotFoundError(f"{path} is missing; expected the JSON list of known spouse name pairs")
    pairs = json.loads(read_text(path))
    for i, pair in enumerate(pairs):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(name, str) for name in pair)):
            raise ValueError(f"{path}: entry {i} is {pair!r}; expected a pair of two name strings")
    return tuple((a, b) for a, b in pairs)


def _check_folder(folder: str | Path) -> Path:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"spouse folder {folder} does not exist; expected {TRAIN_FILE}, {LABELED_FILE} and {KNOWN_SPOUSES_FILE}"
        )
    return folder
