"""The RENDERED video benchmark: bit-for-bit reproducible, sequences split whole, LFs as documented."""

from __future__ import annotations

import numpy as np
import pytest

from liger.data.rendered_video import load_rendered_video
from liger.data.video import frame_index
from liger.embed.image import read_image
from liger.video.render import (
    ABSTAIN,
    LF_NAMES,
    NO_RALLY,
    RALLY,
    RenderConfig,
    label_functions,
    png_data_uri,
    render_sequence,
    sequence_split,
    white_fraction,
)

TINY = RenderConfig(n_sequences=5, n_frames=24, size=24, seed=3, n_dev=1, n_test=1)


def test_same_config_same_bytes_other_seed_other_frames():
    a, b = render_sequence(TINY, 2), render_sequence(TINY, 2)
    assert a["frames"].dtype == np.uint8 and a["frames"].shape == (24, 24, 24, 3)
    np.testing.assert_array_equal(a["frames"], b["frames"])
    np.testing.assert_array_equal(a["L"], b["L"])
    assert a["detections"] == b["detections"]
    other = render_sequence(RenderConfig(n_sequences=5, n_frames=24, size=24, seed=4, n_dev=1, n_test=1), 2)
    assert not np.array_equal(a["frames"], other["frames"])


def test_labels_follow_scenes_and_lfs_have_the_documented_polarity():
    seq = render_sequence(RenderConfig(n_frames=200, size=24), 0)
    np.testing.assert_array_equal(seq["labels"], [RALLY if s == "rally" else NO_RALLY for s in seq["scenes"]])
    assert seq["L"].shape == (200, len(LF_NAMES))
    for j in (4, 5):  # court_lines_visible and large_person only ever vote "no rally"
        assert set(np.unique(seq["L"][:, j])) <= {ABSTAIN, NO_RALLY}
    assert seq["L"][0, 2] == ABSTAIN  # ball speed needs a previous frame


def test_lf_rules_on_hand_made_detections():
    detections = [
        {"people": [(0.5, 0.10, 0.1), (0.5, 0.90, 0.1)], "ball": (0.5, 0.5)},  # rally-like
        {"people": [(0.5, 0.45, 0.1)], "ball": (0.51, 0.50)},  # one person near the net; ball slow, beside them
        {"people": [(0.5, 0.6, 0.8)], "ball": None},  # a close-up
    ]
    L = label_functions(detections, white_fraction(np.zeros((3, 4, 4, 3), dtype=np.uint8) + np.array([255, 0, 0], np.uint8)))
    np.testing.assert_array_equal(L[0], [RALLY, RALLY, ABSTAIN, RALLY, NO_RALLY, ABSTAIN])
    np.testing.assert_array_equal(L[1], [NO_RALLY, NO_RALLY, NO_RALLY, NO_RALLY, NO_RALLY, ABSTAIN])
    np.testing.assert_array_equal(L[2], [NO_RALLY, ABSTAIN, ABSTAIN, ABSTAIN, NO_RALLY, NO_RALLY])


def test_dataset_splits_whole_sequences_and_frames_round_trip():
    dataset = load_rendered_video(TINY)
    split = sequence_split(TINY)
    assert sorted(np.concatenate(list(split.values()))) == list(range(5))
    for name in ("train", "dev", "test"):
        index = frame_index(dataset, name)
        assert len(dataset[name]) == len(split[name]) * 24
        assert sorted(set(index.sequence)) == [f"seq{i:03d}" for i in split[name]]
    first = split["dev"][0]
    seq = render_sequence(TINY, int(first))
    np.testing.assert_array_equal(dataset["dev"].L[:24], seq["L"])
    np.testing.assert_array_equal(dataset["dev"].y[:24], seq["labels"])
    # The PNG data URIs hold the exact pixels.
    np.testing.assert_array_equal(np.asarray(read_image(dataset["dev"].texts[5])), seq["frames"][5])
    assert dataset["train"].y is None and "RENDERED" in dataset.description and dataset.extra["rendered"]


def test_config_is_checked():
    with pytest.raises(ValueError, match="at least one sequence in each"):
        RenderConfig(n_sequences=2, n_dev=1, n_test=1)
    assert png_data_uri(np.zeros((2, 2, 3), dtype=np.uint8)).startswith("data:image/png;base64,")


def test_rendered_dev_and_test_frames_are_grouped_by_sequence_for_cross_validation():
    dataset = load_rendered_video(RenderConfig(n_sequences=6, n_frames=8, size=24, seed=3, n_dev=2, n_test=2))
    assert dataset["train"].groups is None
    for split in ("dev", "test"):
        rows = dataset[split]
        assert rows.groups == tuple(row_id.split(":")[0] for row_id in rows.ids)
        assert len(set(rows.groups)) == 2 and all(rows.groups.count(g) == 8 for g in set(rows.groups))
