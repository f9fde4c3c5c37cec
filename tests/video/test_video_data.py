"""Frame-sequence data: the frame index, the tennis division into contiguous blocks, WRENCH video folders."""

from __future__ import annotations

import json

import numpy as np
import pytest

from liger.data.video import FrameIndex, contiguous_blocks, frame_index, load_tennis, load_wrench_video
from liger.data.files import load_npy, read_text


def test_frame_index_refuses_repeats_and_mismatched_lengths():
    FrameIndex(np.array(["a", "a", "b"]), np.array([0, 1, 0]))
    with pytest.raises(ValueError, match="repeats frame 1 of sequence 'a'"):
        FrameIndex(np.array(["a", "a", "b"]), np.array([1, 1, 0]))
    with pytest.raises(ValueError, match="expected two 1-D arrays"):
        FrameIndex(np.array(["a", "b"]), np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="expected integers"):
        FrameIndex(np.array(["a"]), np.array([0.5]))


@pytest.mark.parametrize(("n_rows", "block_size", "seed"), [(746, 50, 0), (100, 10, 3), (120, 60, 1)])
def test_blocks_are_whole_and_never_interleaved(n_rows, block_size, seed):
    dev, test = contiguous_blocks(n_rows, block_size, seed)
    np.testing.assert_array_equal(np.sort(np.r_[dev, test]), np.arange(n_rows))
    n_blocks = -(-n_rows // block_size)
    for rows in (dev, test):
        blocks = set(rows // block_size)
        # Every block a split touches is in it whole.
        assert sum(min(block_size, n_rows - b * block_size) for b in blocks) == len(rows)
    assert len(set(dev // block_size)) == n_blocks // 2
    np.testing.assert_array_equal(contiguous_blocks(n_rows, block_size, seed)[0], dev)  # seeded


def test_tennis_maps_paper_votes_and_keeps_video_order(data_dir):
    folder = data_dir / "tennis"
    dataset = load_tennis(folder)
    raw_train, raw_dev, raw_y = (load_npy(folder / f"{n}.npy") for n in ("train_L", "dev_L", "dev_Y"))
    # +1 -> 1 (rally), -1 -> 0, 0 -> -1 (abstain), read off the files directly.
    expected = np.select([raw_train == 1, raw_train == -1], [1, 0], -1)
    np.testing.assert_array_equal(dataset["train"].L, expected)
    assert len(dataset["dev"]) + len(dataset["test"]) == len(raw_y) == 746
    for split in ("dev", "test"):
        rows = frame_index(dataset, split).frame
        assert np.all(np.diff(rows) > 0)  # video order
        np.testing.assert_array_equal(dataset[split].y, (raw_y[rows] == 1).astype(int))
        np.testing.assert_array_equal(dataset[split].L, np.select([raw_dev[rows] == 1, raw_dev[rows] == -1], [1, 0], -1))
    assert set(frame_index(dataset, "dev").frame).isdisjoint(frame_index(dataset, "test").frame)
    assert dataset["train"].texts is None and dataset["train"].features is None


def write_wrench_video(folder, rng, *, with_video=False):
    folder.mkdir()
    (folder / "label.json").write_text(json.dumps({"0": "no_rally", "1": "rally"}))
    expected = {}
    for file_name, n in (("train.json", 7), ("valid.json", 4), ("test.json", 5)):
        records, rows = {}, []
        for i in range(n):
            row = {"label": int(rng.integers(2)), "weak_labels": [int(v) for v in rng.integers(-1, 2, 3)],
                   "data": {"feature": [float(v) for v in rng.normal(size=4)]}}
            if with_video:
                row["data"]["video"] = f"v{i % 2}"
            records[str(100 + i)] = row
            rows.append(row)
        (folder / file_name).write_text(json.dumps(records))
        expected[file_name] = rows
    return expected


def test_wrench_video_folder(tmp_path):
    rng = np.random.default_rng(0)
    expected = write_wrench_video(tmp_path / "tennis", rng)
    dataset = load_wrench_video(tmp_path / "tennis")
    for split, file_name in (("train", "train.json"), ("dev", "valid.json"), ("test", "test.json")):
        rows = expected[file_name]
        np.testing.assert_array_equal(dataset[split].L, [r["weak_labels"] for r in rows])
        np.testing.assert_allclose(dataset[split].features, [r["data"]["feature"] for r in rows], rtol=1e-6)
        assert dataset[split].features.dtype == np.float32
        index = frame_index(dataset, split)
        np.testing.assert_array_equal(index.frame, np.arange(len(rows)))
        assert set(index.sequence) == {split}
    assert dataset["train"].y is None  # WRENCH's train labels never reach a weakly supervised method
    np.testing.assert_array_equal(dataset["test"].y, [r["label"] for r in expected["test.json"]])
    assert dataset.name == "tennis" and dataset.class_names == ("no_rally", "rally")


def test_wrench_video_sequences_from_a_data_field(tmp_path):
    write_wrench_video(tmp_path / "clips", np.random.default_rng(1), with_video=True)
    index = frame_index(load_wrench_video(tmp_path / "clips", sequence_key="video"), "train")
    np.testing.assert_array_equal(index.sequence, ["v0", "v1", "v0", "v1", "v0", "v1", "v0"])
    np.testing.assert_array_equal(index.frame, [0, 0, 1, 1, 2, 2, 3])
    with pytest.raises(ValueError, match="has no data.clip"):
        load_wrench_video(tmp_path / "clips", sequence_key="clip")


def test_wrench_video_errors_name_the_problem(tmp_path):
    write_wrench_video(tmp_path / "bad", np.random.default_rng(2))
    records = json.loads(read_text(tmp_path / "bad" / "test.json"))
    records["100"]["data"]["feature"] = [1.0]
    (tmp_path / "bad" / "test.json").write_text(json.dumps(records))
    with pytest.raises(ValueError, match=r"test.json: data.feature has lengths \[1, 4\]"):
        load_wrench_video(tmp_path / "bad")
    with pytest.raises(FileNotFoundError, match="label.json is missing"):
        load_wrench_video(tmp_path / "absent")


def test_frame_index_is_required_by_video_methods(spam):
    with pytest.raises(ValueError, match="has no frame index"):
        frame_index(spam, "train")
