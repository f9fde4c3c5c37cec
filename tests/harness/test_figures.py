"""Saved figures: PNG and PDF side by side, identical bytes on every save, TrueType fonts, no dates."""

from __future__ import annotations

import numpy as np

from liger.harness.figures import new_figure, save_figure


def draw(seed: int):
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, 30)
    y = np.cumsum(rng.standard_normal(30))
    fig = new_figure(figsize=(4, 3), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(x, y, label="a line")
    ax.fill_between(x, y - 1, y + 1, alpha=0.2)
    ax.set(xlabel="radius r", ylabel="M(r)", title="Smoothness µ ≤ 1")
    ax.legend()
    return fig


def test_saves_png_and_pdf_into_a_new_folder_without_leftovers(tmp_path):
    paths = save_figure(draw(0), tmp_path / "nested" / "figure.v2")
    assert [p.name for p in paths] == ["figure.v2.png", "figure.v2.pdf"]
    assert sorted(p.name for p in (tmp_path / "nested").iterdir()) == ["figure.v2.pdf", "figure.v2.png"]
    assert paths[0].read_bytes().startswith(b"\x89PNG")
    assert paths[1].read_bytes().startswith(b"%PDF")


def test_same_figure_saved_twice_gives_identical_bytes(tmp_path):
    fig = draw(0)
    first = save_figure(fig, tmp_path / "a" / "figure")
    second = save_figure(fig, tmp_path / "b" / "figure")
    for one, two in zip(first, second):
        assert one.read_bytes() == two.read_bytes(), one.name


def test_a_redrawn_figure_with_the_same_seed_gives_identical_bytes(tmp_path):
    first = save_figure(draw(3), tmp_path / "a" / "figure")
    second = save_figure(draw(3), tmp_path / "b" / "figure")
    other = save_figure(draw(4), tmp_path / "c" / "figure")
    for one, two, three in zip(first, second, other):
        assert one.read_bytes() == two.read_bytes(), one.name
        assert one.read_bytes() != three.read_bytes(), one.name


def test_pdf_embeds_truetype_fonts_and_no_dates_or_versions(tmp_path):
    png, pdf = save_figure(draw(0), tmp_path / "figure")
    data = pdf.read_bytes()
    # Type 42: the TrueType program is embedded (FontFile2); Type 3 fonts would show as /Type3.
    assert b"/FontFile2" in data and b"/Type3" not in data
    assert b"/CreationDate" not in data and b"Matplotlib" not in data
    assert b"Software" not in png.read_bytes() and b"matplotlib" not in png.read_bytes()
