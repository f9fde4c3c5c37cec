"""Frame-sequence datasets: where each row sits in its video, the tennis LF matrices, WRENCH video folders.

A video dataset is an ordinary ``Dataset`` (one row per frame) whose ``extra["frames"]`` maps each
split name to a ``FrameIndex``: the row's sequence (video or clip) id and its frame number. Two rows
are neighbours in time only when they share a sequence and their frame numbers differ by one, so
anything that chains frames (``liger.label_models.temporal``) never links frames of different videos, or
frames on either side of a dev/test cut.

Tennis (``load_tennis``): the FlyingSquid tutorial's real LF matrices. Train (6959 frames) is one
sequence. The 746 labeled frames are divided into dev and test by contiguous blocks, never by
interleaved frames: blocks of ``block_size`` (50) consecutive frames, the last one shorter; a
permutation of the block indices drawn with ``numpy.random.default_rng(split_seed)`` puts its first
``n_blocks // 2`` blocks in dev and the rest in test. Each split keeps its frames in video order
with their original frame numbers, so adjacent blocks that land in the same split stay linked and
a cut between dev and test breaks the chain.

WRENCH video folders (``load_wrench_video``: basketball, commercial, tennis): WRENCH's
``NumericDataset`` format, ``{split}.json`` mapping ids to ``{"label", "weak_labels", "data":
{"feature": [...]}}`` and ``label.json``. The files carry no video ids: by default each split is one
sequence in file order; ``sequence_key`` names a ``data`` field holding a video id when a file has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from liger.data.files import data_file_exists, load_npy
from liger.data.dataset import Dataset, Metric, Split
from liger.data.wrench import read_class_names, split_records
from liger.labels import from_paper

#: The tennis dev/test division: blocks of this many consecutive labeled frames ...
TENNIS_BLOCK_SIZE = 50
#: ... assigned to dev or test by a permutation drawn with this seed.
TENNIS_SPLIT_SEED = 0
#: The FlyingSquid tutorial's six Rekall LFs, in column order (names from its description of them).
TENNIS_LF_NAMES = tuple(f"rekall_{j}" for j in range(6))


@dataclass(frozen=True)
class FrameIndex:
    """Each row's sequence id ``sequence`` (n,) and frame number ``frame`` (n,) within it."""

    sequence: np.ndarray
    frame: np.ndarray

    def __post_init__(self) -> None:
        sequence, frame = np.asarray(self.sequence), np.asarray(self.frame)
        if sequence.ndim != 1 or frame.shape != sequence.shape:
            raise ValueError(f"FrameIndex has sequence shape {sequence.shape} and frame shape {frame.shape}; "
                             "expected two 1-D arrays of one length")
        if frame.dtype.kind not in "iu":
            raise TypeError(f"FrameIndex frame numbers have dtype {frame.dtype}; expected integers")
        codes = sequence_codes(sequence)
        order = np.lexsort((frame, codes))
        repeated = (np.diff(codes[order]) == 0) & (np.diff(frame[order]) == 0)
        if repeated.any():
            row = int(order[np.argmax(repeated) + 1])
            raise ValueError(f"FrameIndex row {row} repeats frame {int(frame[row])} of sequence {str(sequence[row])!r}; "
                             "expected each (sequence, frame) pair once")
        object.__setattr__(self, "sequence", sequence)
        object.__setattr__(self, "frame", frame.astype(np.int64, copy=False))

    def __len__(self) -> int:
        return len(self.frame)

    def take(self, rows: np.ndarray) -> "FrameIndex":
        return FrameIndex(self.sequence[rows], self.frame[rows])


def sequence_codes(sequence: np.ndarray) -> np.ndarray:
    """Integer codes (n,) for sequence ids, numbered in order of first appearance."""
    _, first, inverse = np.unique(np.asarray(sequence), return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse.reshape(-1)]


def frame_index(dataset: Dataset, split: str) -> FrameIndex:
    """The split's ``FrameIndex``, or an error saying the dataset is not a video dataset."""
    frames = dataset.extra.get("frames")
    if not frames or split not in frames:
        raise ValueError(f"dataset {dataset.name!r} has no frame index for split {split!r} (extra['frames']); "
                         "the temporal label model needs a video dataset (tennis, rendered_video, a WRENCH video folder)")
    index = frames[split]
    if len(index) != len(dataset[split]):
        raise ValueError(f"dataset {dataset.name!r} split {split!r}: frame index has {len(index)} rows for "
                         f"{len(dataset[split])} rows of L")
    return index


def contiguous_blocks(n_rows: int, block_size: int, split_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (dev, test), each sorted: whole blocks of ``block_size`` consecutive rows, half the blocks each."""
    if n_rows < 2 * block_size:
        raise ValueError(f"{n_rows} labeled rows make fewer than 2 blocks of {block_size}; expected at least {2 * block_size}")
    block = np.arange(n_rows) // block_size
    n_blocks = int(block[-1]) + 1
    order = np.random.default_rng(split_seed).permutation(n_blocks)
    dev_blocks = np.sort(order[: n_blocks // 2])
    in_dev = np.isin(block, dev_blocks)
    return np.flatnonzero(in_dev), np.flatnonzero(~in_dev)


def load_tennis(folder: str | Path, *, block_size: int = TENNIS_BLOCK_SIZE, split_seed: int = TENNIS_SPLIT_SEED) -> Dataset:
    """The FlyingSquid tutorial's tennis-rally LF matrices (real), divided as the module docstring says."""
    folder = Path(folder)
    arrays = {}
    for name in ("train_L", "dev_L", "dev_Y"):
        path = folder / f"{name}.npy"
        if not data_file_exists(path):
            raise FileNotFoundError(f"{path} is missing; expected the tennis folder of the shared data (train_L, dev_L, dev_Y)")
        arrays[name] = load_npy(path)
    L_train, L_labeled = from_paper(arrays["train_L"]), from_paper(arrays["dev_L"])
    y_labeled = from_paper(arrays["dev_Y"])
    if (y_labeled < 0).any():
        raise ValueError(f"{folder / 'dev_Y.npy'} has a 0 at row {int(np.argmax(y_labeled < 0))}; expected +1 or -1 gold labels")
    if L_labeled.shape[0] != y_labeled.shape[0]:
        raise ValueError(f"tennis dev_L has {L_labeled.shape[0]} rows but dev_Y has {y_labeled.shape[0]}; expected equal")
    dev_rows, test_rows = contiguous_blocks(len(y_labeled), block_size, split_seed)
    n_train = L_train.shape[0]
    splits = {"train": Split("train", L_train, ids=tuple(f"train:{i:05d}" for i in range(n_train)))}
    frames = {"train": FrameIndex(np.full(n_train, "train"), np.arange(n_train))}
    for name, rows in (("dev", dev_rows), ("test", test_rows)):
        splits[name] = Split(name, L_labeled[rows], ids=tuple(f"labeled:{i:04d}" for i in rows), y=y_labeled[rows])
        frames[name] = FrameIndex(np.full(len(rows), "labeled"), rows)
    return Dataset(
        name="tennis",
        splits=splits,
        lf_names=TENNIS_LF_NAMES,
        class_names=("no_rally", "rally"),
        metric="f1",
        description=(f"Tennis rallies (FlyingSquid tutorial; real Rekall LFs, no frames or embeddings). Train: "
                     f"{n_train} unlabeled frames, one sequence. Dev/test: the {len(y_labeled)} labeled frames in "
                     f"contiguous blocks of {block_size}, half the blocks to dev by a permutation with seed "
                     f"{split_seed} ({len(dev_rows)} dev / {len(test_rows)} test frames)."),
        extra={"frames": frames, "split_rule": {"block_size": block_size, "split_seed": split_seed,
                                                "dev_frames": dev_rows.tolist(), "test_frames": test_rows.tolist()}},
    )


def load_wrench_video(folder: str | Path, *, name: str | None = None, metric: Metric = "f1",
                      sequence_key: str | None = None) -> Dataset:
    """A WRENCH video folder: per-frame weak labels and feature vectors (``data.feature``) as ``features``."""
    folder = Path(folder)
    class_names = read_class_names(folder)
    splits, frames, n_lfs, dim = {}, {}, None, None
    for split_name, path, records in split_records(folder):
        ids = tuple(records)
        if not ids:
            raise ValueError(f"{path} holds no records; expected at least one frame")
        L = _rows(path, [records[i]["weak_labels"] for i in ids], "weak_labels", np.int64, n_lfs)
        features = _rows(path, [_feature(path, i, records[i]) for i in ids], "data.feature", np.float32, dim)
        n_lfs, dim = L.shape[1], features.shape[1]
        y = None if split_name == "train" else np.array([records[i]["label"] for i in ids], dtype=np.int64)
        splits[split_name] = Split(split_name, L, ids=tuple(f"{split_name}:{i}" for i in ids), y=y, features=features)
        frames[split_name] = _file_order_index(path, [records[i].get("data", {}) for i in ids], split_name, sequence_key)
    return Dataset(
        name=name or folder.name,
        splits=splits,
        lf_names=tuple(f"lf_{j}" for j in range(n_lfs)),
        class_names=class_names,
        metric=metric,
        description=(f"WRENCH video folder {folder} (train gold labels dropped; frames in file order"
                     + (f", sequences from data.{sequence_key})" if sequence_key else ", one sequence per split)")),
        extra={"frames": frames},
    )


def _feature(path: Path, record_id: str, record: dict) -> list:
    feature = record.get("data", {}).get("feature")
    if feature is None:
        raise ValueError(f"{path}: record {record_id!r} has no data.feature; expected a per-frame feature vector")
    return feature


def _rows(path: Path, rows: list, field: str, dtype, width: int | None) -> np.ndarray:
    # numpy rejects ragged rows with its own message; check first so the error names the file and field.
    lengths = {len(row) for row in rows}
    if len(lengths) > 1 or (width is not None and lengths != {width}):
        raise ValueError(f"{path}: {field} has lengths {sorted(lengths)}"
                         + (f" (other splits: {width})" if width is not None else "") + "; expected one length in every row")
    return np.array(rows, dtype=dtype)


def _file_order_index(path: Path, data: list[dict], split_name: str, sequence_key: str | None) -> FrameIndex:
    if sequence_key is None:
        return FrameIndex(np.full(len(data), split_name), np.arange(len(data)))
    missing = [i for i, d in enumerate(data) if sequence_key not in d]
    if missing:
        raise ValueError(f"{path}: record {missing[0]} has no data.{sequence_key}; expected a sequence id in every record")
    sequence = np.array([str(d[sequence_key]) for d in data])
    codes = sequence_codes(sequence)
    frame = np.zeros(len(data), dtype=np.int64)
    for code in np.unique(codes):
        rows = np.flatnonzero(codes == code)
        frame[rows] = np.arange(len(rows))  # file order within each sequence
    return FrameIndex(sequence, frame)
