"""The RENDERED tennis benchmark as a ``Dataset``: frames drawn by ``liger.video.render``, labelled as rendered."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
from tqdm.auto import tqdm

from liger.data.dataset import Dataset, Split
from liger.data.video import FrameIndex
from liger.video.render import LF_NAMES, RenderConfig, png_data_uri, render_sequence, sequence_split


def load_rendered_video(cfg: RenderConfig | None = None, *, progress: bool = False):
    """The rendered benchmark as a ``Dataset``: frames as PNG data URIs in ``texts``, ``extra['frames']``."""
    cfg = cfg or RenderConfig()
    splits, frames = {}, {}
    for name, indices in sequence_split(cfg).items():
        L, y, texts, ids, sequence, frame = [], [], [], [], [], []
        for index in tqdm(indices, desc=f"rendering {name}", disable=not progress, leave=False):
            seq = render_sequence(cfg, int(index))
            L.append(seq["L"])
            y.append(seq["labels"])
            texts += [png_data_uri(f) for f in seq["frames"]]
            ids += [f"seq{index:03d}:f{t:03d}" for t in range(cfg.n_frames)]
            sequence += [f"seq{index:03d}"] * cfg.n_frames
            frame.append(np.arange(cfg.n_frames))
        # A sequence's frames are near-copies of each other: cross-validation within a split keeps each
        # sequence in one fold (Split.groups), or it would score frames by their neighbours in the same shot.
        splits[name] = Split(name, np.concatenate(L), ids=tuple(ids), y=None if name == "train" else np.concatenate(y),
                             texts=tuple(texts), groups=None if name == "train" else tuple(sequence))
        frames[name] = FrameIndex(np.array(sequence), np.concatenate(frame))
    split_sizes = {k: len(v) for k, v in sequence_split(cfg).items()}
    return Dataset(
        name="rendered_video",
        splits={k: splits[k] for k in ("train", "dev", "test")},
        lf_names=LF_NAMES,
        class_names=("no_rally", "rally"),
        metric="f1",
        description=(f"RENDERED tennis frames (synthetic, liger.video.render; not real footage): {cfg.n_sequences} "
                     f"sequences x {cfg.n_frames} frames of {cfg.size}x{cfg.size} pixels, sequences split "
                     f"{split_sizes['train']}/{split_sizes['dev']}/{split_sizes['test']} (train/dev/test) with seed {cfg.seed}; "
                     "six Rekall-style LFs over seeded noisy detections."),
        extra={"frames": frames, "render": asdict(cfg), "rendered": True},
    )
