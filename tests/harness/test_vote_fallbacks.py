"""Rows without any vote and LFs that never vote are named in a run's fallbacks (and so in its log)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from liger.harness.methods import fit_and_score
from reliability.input_faults import toy_dataset


def silenced(dataset, lf: int, rows: dict[str, list[int]]):
    """``dataset`` with LF ``lf`` abstaining everywhere and every LF abstaining on ``rows[split]``."""
    splits = {}
    for name, split in dataset.splits.items():
        L = np.array(split.L)
        L[:, lf] = -1
        L[rows.get(name, []), :] = -1
        splits[name] = replace(split, L=L)
    return replace(dataset, splits=splits)


def test_majority_vote_names_the_silent_lf_and_the_rows_without_votes():
    dataset = silenced(toy_dataset(), lf=2, rows={"test": [0, 3]})
    fallbacks = fit_and_score({"name": "mv", "kind": "majority_vote"}, dataset, None, seed=0)["fallbacks"]
    assert fallbacks[0] == "LFs ['lf2'] never vote on train: the label model learns nothing about them"
    no_vote = {split: int((dataset[split].L == -1).all(axis=1).sum()) for split in ("train", "dev", "test")}
    expected = [f"{split}: {n} of {len(dataset[split])} rows have no vote (after any extension): predicted from the class "
                "balance alone" for split, n in no_vote.items() if n]
    assert fallbacks[1:] == expected and no_vote["test"] >= 2


def test_nothing_is_reported_when_every_row_has_a_vote():
    dataset = toy_dataset()
    assert not (dataset["train"].L == -1).all(axis=0).any()
    covered = all(not (dataset[s].L == -1).all(axis=1).any() for s in ("train", "dev", "test"))
    fallbacks = fit_and_score({"name": "mv", "kind": "majority_vote"}, dataset, None, seed=0)["fallbacks"]
    assert (fallbacks == []) == covered
