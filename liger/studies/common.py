"""What the studies share: configs of other groups, embedding display names, value grids, extension-level
labels, each split's voting neighbours, result files (CSV cells, JSON-safe values, one publish step) and
running work in worker processes."""

from __future__ import annotations

import csv
import io
import logging
import math
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

from liger.harness.config_check import compose_option, with_group  # noqa: F401 (the studies' shared API)
from liger.harness.methods import voting_neighbours  # noqa: F401 (the studies' shared API)
from liger.harness.figures import save_figure
from liger.io import write_atomic, write_text_atomic



log = logging.getLogger(__name__)

#: The paper's GPT-3 embeddings: published for spam dev and test only.
ADA = "ada"
LABELS = {
    ADA: "GPT-3 ada-001, the paper's",
    "minilm": "MiniLM-L6",
    "wordllama": "WordLlama",
    "tfidf": "TF-IDF + SVD",
    "random": "random (control)",
}
#: One colour per embedding in every figure (matplotlib's cycle, fixed by name rather than plotting order).
EMBEDDING_COLOURS = {"minilm": "C0", "wordllama": "C1", "tfidf": "C2", "random": "C3", ADA: "C4",
                     "efficientnet_lite0": "C5", "raw_pixels": "C6"}
#: Grid points of each area summary.
AREA_POINTS = 41


def plot_smoothness_curve(ax, x, curve: Mapping, *, min_pairs: int, color: str, label: str) -> None:
    """M(r) with its band, solid where at least ``min_pairs`` pairs lie within r, dotted (and no band) below."""
    x = np.asarray(x, dtype=float)
    m, low, high = (np.asarray(curve[k], dtype=float) for k in ("m", "low", "high"))
    enough = np.asarray(curve["n_pairs"]) >= min_pairs
    # Dotted up to the first point with enough pairs, so the two parts join.
    sparse = ~enough | np.concatenate([[False], ~enough[:-1]])
    ax.plot(x, np.where(enough, m, np.nan), color=color, lw=1.6, label=label)
    ax.plot(x, np.where(sparse, m, np.nan), color=color, lw=1.0, ls=":")
    ax.fill_between(x, np.where(enough, low, np.nan), np.where(enough, high, np.nan), color=color, alpha=0.15, lw=0)


def embedding_colours(names) -> dict[str, str]:
    """Each embedding's colour: its own in ``EMBEDDING_COLOURS``, else the spare colours in the order given."""
    spare = iter(["C7", "C8", "C9", "0.35", "0.6"])
    return {name: EMBEDDING_COLOURS.get(name) or next(spare, "0.5") for name in dict.fromkeys(names)}


def grid(key: str, spec, *, geometric: bool = False) -> np.ndarray:
    """A list of values, or ``{start, stop, num}`` (evenly spaced, or log-spaced when ``geometric``)."""
    if OmegaConf.is_dict(spec) or isinstance(spec, dict):
        missing = {"start", "stop", "num"} - set(spec)
        if missing:
            raise ValueError(f"{key} lacks {sorted(missing)}; expected a list or {{start, stop, num}}")
        space = np.geomspace if geometric else np.linspace
        values = space(float(spec["start"]), float(spec["stop"]), int(spec["num"]))
    else:
        values = np.asarray(list(spec), dtype=np.float64)
    if values.ndim != 1 or values.size == 0 or not np.isfinite(values).all() or (np.diff(values) < 0).any():
        raise ValueError(f"{key} is {values.tolist()}; expected a non-empty ascending list of finite numbers")
    return values


def level_label(level: float | None) -> str:
    return "none" if level is None else f"{1.0 - level:.0%}"


def publish(output_dir: str | Path, *, texts: Mapping[str, str] | None = None, results_dir: str | Path | None = None,
            figures: Mapping[str, object] | None = None, figure_dir: str | Path | None = None,
            missing: Mapping[str, str] | None = None) -> bool:
    """A study's outputs: each text file into the run folder and ``results_dir``; each figure (by stem) drawn
    once into the run folder as PNG and PDF, the same bytes copied into ``figure_dir``.

    ``missing`` names inputs the study could not read ({input: why}): such a partial study writes into its
    run folder only, says so, and leaves the published files alone. So does a study whose CSV covers fewer
    datasets or embeddings than the published one (a rerun over a subset: ``narrowed``). Returns whether it
    published.
    """
    output_dir = Path(output_dir)
    lost = narrowed(texts or {}, results_dir) if results_dir is not None else {}
    complete = not missing and not lost
    if missing:
        log.warning("partial study: %s missing; outputs kept in %s, %s and %s left as they are",
                    "; ".join(f"{name} ({why})" for name, why in missing.items()), output_dir, results_dir, figure_dir)
    for name, rows in lost.items():
        log.warning("not published: %s would drop %s, which the published %s holds; outputs kept in %s (delete the "
                    "published file to replace it with this one)", name, ", ".join(rows), Path(results_dir) / name, output_dir)
    for folder in ((output_dir, Path(results_dir)) if complete else (output_dir,)) if texts else ():
        for name, text in texts.items():
            write_text_atomic(folder / name, text)
    for stem, figure in (figures or {}).items():
        for path in save_figure(figure, output_dir / stem):
            if complete:
                data = path.read_bytes()
                write_atomic(Path(figure_dir) / path.name, lambda handle, data=data: handle.write(data), binary=True)
    return complete


#: Columns that say what a published table covers (combine_embeddings names its rows and their embeddings).
SCOPE_COLUMNS = ("dataset", "embedding", "embeddings", "row", "variant")


def narrowed(texts: Mapping[str, str], results_dir: str | Path) -> dict[str, list[str]]:
    """{CSV name: the SCOPE_COLUMNS values (or whole columns) its published copy in ``results_dir`` has and ``texts``
    lacks}, for each CSV that would lose some."""
    lost = {}
    for name, text in texts.items():
        published = Path(results_dir) / name
        if not name.endswith(".csv") or not published.is_file():
            continue
        old, new = _table_rows(published.read_text(encoding="utf-8")), _table_rows(text)
        columns = [c for c in old[0] if c in SCOPE_COLUMNS and c in new[0]]
        gone = [f"column {c}" for c in old[0] if c in SCOPE_COLUMNS and c not in new[0]]
        gone += ["/".join(values) for values in sorted(table_scope(*old, columns) - table_scope(*new, columns))] if columns else []
        if gone:
            lost[name] = gone
    return lost


def table_scope(header: Sequence[str], rows: Sequence[Sequence[str]], columns: Sequence[str]) -> set[tuple[str, ...]]:
    """The distinct tuples of ``columns``' values in a CSV's rows."""
    return {tuple(row[header.index(c)] for c in columns) for row in rows}


def _table_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """A CSV's header and non-empty rows; '#' lines before the header (the command that made it) skipped."""
    rows = list(csv.reader(line for line in io.StringIO(text) if not line.startswith("#")))
    return (rows[0], [row for row in rows[1:] if row]) if rows else ([], [])


def is_missing(value) -> bool:
    """None, NaN or inf: written as an empty CSV cell, a dash in tables."""
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def to_csv(rows: Sequence[Mapping], columns: Sequence[str] | None = None) -> str:
    """CSV of ``rows`` in ``columns`` (default: the first row's keys): floats with 6 decimals, None and NaN empty."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0] if columns is None else columns), lineterminator="\n",
                            extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if is_missing(v) else (f"{v:.6f}" if isinstance(v, float) else v) for k, v in row.items()})
    return buffer.getvalue()


class _InProcess:
    """The executor interface, running each call at once in this process (``n_jobs=1``)."""

    def submit(self, fn, *args, **kwargs) -> Future:
        future = Future()
        future.set_result(fn(*args, **kwargs))
        return future

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def worker_pool(n_jobs: int):
    """``n_jobs`` worker processes, or this process for ``n_jobs=1``; use as a context manager."""
    if n_jobs == 1:
        return _InProcess()
    # spawn, not fork: the parent may hold OpenMP and torch threads (MiniLM), which fork does not survive.
    return ProcessPoolExecutor(max_workers=n_jobs, mp_context=multiprocessing.get_context("spawn"))


def stratified_subsample(
    y: np.ndarray, sizes: list[int], *, random_state: int, min_per_class: int = 2
) -> dict[int, np.ndarray]:
    """Nested stratified subsamples of ``y``'s rows, one per size: sorted row indices.

    Class c gets max(min_per_class, round(size · share_c)) rows, the largest class absorbing the rounding;
    each class's rows come in one random order (``RandomState(random_state)``), so a smaller subsample is
    the start of a larger one.
    """
    y = np.asarray(y)
    classes, counts = np.unique(y, return_counts=True)
    rng = np.random.RandomState(random_state)
    order = {c: rng.permutation(np.flatnonzero(y == c)) for c in classes}
    largest = classes[np.argmax(counts)]
    out = {}
    for size in sorted(sizes):
        take = {c: max(min_per_class, int(round(size * n / len(y)))) for c, n in zip(classes, counts)}
        take[largest] += size - sum(take.values())
        short = [c for c, n in zip(classes, counts) if not 0 < take[c] <= n]
        if short:
            have = dict(zip(classes.tolist(), counts.tolist()))
            raise ValueError(f"a stratified subsample of {size} dev points with at least {min_per_class} per class "
                             f"needs more members of class {short[0]} than dev has ({have})")
        out[size] = np.sort(np.concatenate([order[c][: take[c]] for c in classes]))
    return out
