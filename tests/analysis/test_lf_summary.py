"""LF summary statistics against hand-computed values and a row-by-row oracle; the Markdown table."""

import numpy as np
import pytest

from liger.analysis.lf_summary import format_table, lf_summary

# Rows are points, columns LFs a, b, c, d (d never votes); -1 abstains.
L = np.array(
    [
        [0, 0, -1, -1],
        [1, 0, 1, -1],
        [-1, 1, -1, -1],
        [1, -1, -1, -1],
        [-1, -1, -1, -1],
    ]
)
Y = np.array([0, 1, 1, 0, 1])
NAMES = ("a", "b", "c", "d")

# Worked out by hand from L and Y above (n = 5 points).
EXPECTED = [
    # a votes on rows 0, 1, 3; overlaps on 0, 1; conflicts on 1 (b says 0); correct on 0, 1.
    {"lf": "a", "polarity": [0, 1], "coverage": 3 / 5, "overlaps": 2 / 5, "conflicts": 1 / 5, "n_votes": 3, "accuracy": 2 / 3},
    # b votes on rows 0, 1, 2; overlaps on 0, 1; conflicts on 1 (a and c say 1); correct on 0, 2.
    {"lf": "b", "polarity": [0, 1], "coverage": 3 / 5, "overlaps": 2 / 5, "conflicts": 1 / 5, "n_votes": 3, "accuracy": 2 / 3},
    # c votes on row 1 only, agreeing with a, disagreeing with b; correct.
    {"lf": "c", "polarity": [1], "coverage": 1 / 5, "overlaps": 1 / 5, "conflicts": 1 / 5, "n_votes": 1, "accuracy": 1.0},
    {"lf": "d", "polarity": [], "coverage": 0.0, "overlaps": 0.0, "conflicts": 0.0, "n_votes": 0, "accuracy": None},
]


def test_lf_summary_by_hand():
    rows = lf_summary(L, NAMES, Y)
    assert [r["lf"] for r in rows] == list(NAMES)
    for row, expected in zip(rows, EXPECTED):
        assert row.keys() == expected.keys()
        for key, value in expected.items():
            assert row[key] == (pytest.approx(value) if isinstance(value, float) else value), (row["lf"], key)


def test_lf_summary_without_gold_has_no_accuracy():
    rows = lf_summary(L, NAMES)
    assert all("accuracy" not in r and "n_votes" not in r for r in rows)
    assert [r["coverage"] for r in rows] == pytest.approx([0.6, 0.6, 0.2, 0.0])


def test_lf_summary_agreeing_overlap_is_no_conflict():
    # Two LFs that always vote together: full overlap, no conflict.
    L2 = np.array([[1, 1], [0, 0], [-1, -1], [2, 2]])
    rows = lf_summary(L2, ("x", "y"), np.array([1, 1, 0, 2]))
    for row in rows:
        assert row["polarity"] == [0, 1, 2]
        assert (row["coverage"], row["overlaps"], row["conflicts"]) == pytest.approx((0.75, 0.75, 0.0))
        assert row["accuracy"] == pytest.approx(2 / 3)


def test_lf_summary_values_are_plain_python():
    # The summary is written to JSON; numpy scalars would not serialise.
    for row in lf_summary(L, NAMES, Y):
        assert all(type(row[k]) is float for k in ("coverage", "overlaps", "conflicts"))
        assert type(row["n_votes"]) is int and all(type(c) is int for c in row["polarity"])


def _oracle(L, y):
    """The definitions, one point at a time."""
    n, m = L.shape
    rows = []
    for j in range(m):
        voted = [i for i in range(n) if L[i, j] != -1]
        others = [[L[i, k] for k in range(m) if k != j and L[i, k] != -1] for i in range(n)]
        rows.append({
            "polarity": sorted({int(L[i, j]) for i in voted}),
            "coverage": len(voted) / n,
            "overlaps": sum(1 for i in voted if others[i]) / n,
            "conflicts": sum(1 for i in voted if any(v != L[i, j] for v in others[i])) / n,
            "n_votes": len(voted),
            "accuracy": sum(L[i, j] == y[i] for i in voted) / len(voted) if voted else None,
        })
    return rows


@pytest.mark.parametrize("seed", range(5))
def test_lf_summary_matches_oracle(seed):
    rng = np.random.default_rng(seed)
    n, m, k = 40, 6, 3
    L_rand = rng.integers(-1, k, size=(n, m))
    L_rand[:, rng.integers(m)] = np.where(rng.random(n) < 0.8, -1, L_rand[:, 0])  # a sparse LF
    y = rng.integers(0, k, size=n)
    rows = lf_summary(L_rand, [f"lf{j}" for j in range(m)], y)
    for row, expected in zip(rows, _oracle(L_rand, y)):
        for key, value in expected.items():
            assert row[key] == (pytest.approx(value) if isinstance(value, float) else value), key


def test_format_table_markdown():
    rows = lf_summary(L, NAMES, Y)
    columns = ["lf", "polarity", "coverage", "n_votes", "accuracy"]
    text = format_table(rows, columns)
    lines = text.splitlines()
    assert text.endswith("\n")
    assert len(lines) == 2 + len(rows)
    assert lines[0] == "| lf | polarity | coverage | n_votes | accuracy |"
    assert lines[1] == "|---|---|---|---|---|"
    assert lines[2] == "| a | [0, 1] | 0.600 | 3 | 0.667 |"
    assert lines[4] == "| c | [1] | 0.200 | 1 | 1.000 |"
    assert lines[5] == "| d | [] | 0.000 | 0 | – |"
    assert all(line.count("|") == len(columns) + 1 for line in lines)


def test_format_table_missing_key_and_float_format():
    text = format_table([{"split": "dev", "acc": 0.123456}, {"split": "test"}], ["split", "acc"], floats="{:.1%}")
    assert text.splitlines()[2:] == ["| dev | 12.3% |", "| test | – |"]


def test_format_table_no_rows_is_header_only():
    assert format_table([], ["a", "b"]) == "| a | b |\n|---|---|\n"
