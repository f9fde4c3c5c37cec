"""Figures that rerun to the same bytes: PNG and PDF side by side, Type 42 fonts, fixed metadata.

Figures are ``matplotlib.figure.Figure`` objects drawn by the Agg canvas, never through pyplot: no
GUI backend is needed and no global figure registry fills up during a sweep.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from liger.io import write_atomic

FORMATS = ("png", "pdf")
DPI = 150
#: Settings read while saving: TrueType (Type 42) fonts that journals accept, a fixed SVG hash salt.
SAVE_RC = {
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.hashsalt": "liger-harness",
}
# Dates and version strings would change the bytes from one run (or install) to the next.
METADATA = {
    "png": {"Software": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Producer": "liger-harness", "Creator": "liger-harness"},
}


def new_figure(**kwargs) -> Figure:
    """A ``Figure(**kwargs)`` attached to an Agg canvas."""
    figure = Figure(**kwargs)
    FigureCanvasAgg(figure)
    return figure


def save_figure(fig: Figure, path_without_suffix: str | Path, *, dpi: int = DPI) -> list[Path]:
    """Write ``<path>.png`` and ``<path>.pdf`` atomically (folders created); return both paths."""
    base = Path(path_without_suffix)
    paths = []
    with matplotlib.rc_context(SAVE_RC), _quiet_font_subsetting():
        for fmt in FORMATS:
            # Appended, not with_suffix: a name such as "smoothness_spam.v2" keeps its dot.
            path = base.with_name(f"{base.name}.{fmt}")
            write_atomic(
                path,
                lambda handle, fmt=fmt: fig.savefig(handle, format=fmt, dpi=dpi, metadata=METADATA[fmt]),
                binary=True,
            )
            paths.append(path)
    return paths


@contextmanager
def _quiet_font_subsetting():
    """fontTools logs every table it subsets at INFO, which a Hydra run would print."""
    logger = logging.getLogger("fontTools")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)
