"""LF summary: what users look at first (polarity, coverage, overlaps, conflicts, accuracy)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from liger.labels import ABSTAIN


def lf_summary(L: np.ndarray, lf_names: Sequence[str], y: np.ndarray | None = None) -> list[dict]:
    """One row per LF. Overlap: share of points where it and another LF both vote; conflict:
    share where another LF votes a different class; accuracy: on its votes, when ``y`` is given."""
    L = np.asarray(L)
    votes = L != ABSTAIN
    n_voting = votes.sum(axis=1)
    rows = []
    for j, name in enumerate(lf_names):
        mine = votes[:, j]
        others_differ = ((L != L[:, [j]]) & votes).any(axis=1)
        row = {
            "lf": name,
            "polarity": sorted(int(c) for c in np.unique(L[mine, j])),
            "coverage": float(mine.mean()),
            "overlaps": float((mine & (n_voting > 1)).mean()),
            "conflicts": float((mine & others_differ).mean()),
        }
        if y is not None:
            row["n_votes"] = int(mine.sum())
            row["accuracy"] = float((L[mine, j] == np.asarray(y)[mine]).mean()) if mine.any() else None
        rows.append(row)
    return rows


def format_table(rows: Sequence[dict], columns: Sequence[str], *, floats: str = "{:.3f}") -> str:
    """A Markdown table of ``rows`` restricted to ``columns``."""

    def cell(value) -> str:
        if isinstance(value, float):
            return floats.format(value)
        return "–" if value is None else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"
