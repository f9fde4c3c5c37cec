"""Summary tables from run folders, in a layout by name (``TABLES``); the ``liger-aggregate`` command."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from liger.harness.aggregate import collect, summary, to_csv, to_markdown
from liger.io import write_text_atomic
from liger.harness.paper_table import render_paper_table


def render_runs(rows: list[dict], note: str, replicates: dict[tuple, np.ndarray] | None = None) -> dict[str, str]:
    """The long table: one row per dataset, embedding, method and protocol."""
    return {"csv": to_csv(rows), "md": (note.strip() + "\n\n" if note.strip() else "") + to_markdown(rows)}


#: Table layouts by name: each maps summary rows, a note and bootstrap replicates to {suffix: text}.
TABLES = {"runs": render_runs, "paper": render_paper_table}


def write_tables(run_roots: list[str | Path], out: str | Path, *, table: str = "runs", note: str = "") -> list[Path]:
    """Summarise every run under ``run_roots`` and write ``<out>.<suffix>`` atomically for each rendering."""
    if table not in TABLES:
        raise ValueError(f"table is {table!r}; expected one of {sorted(TABLES)}")
    runs = [run for root in run_roots for run in collect(root)]
    if not runs:
        raise ValueError(f"no metrics.json under {', '.join(str(r) for r in run_roots)}")
    rows, replicates = summary(runs)
    written = []
    for suffix, text in TABLES[table](rows, note, replicates).items():
        path = Path(f"{out}.{suffix}")
        write_text_atomic(path, text)
        written.append(path)
    return written


def lost_rows(committed_csv: Path, new_csv: Path) -> list[str]:
    """The rows (dataset, embedding, method, tune_on) of ``committed_csv`` that ``new_csv`` lacks or has with
    fewer seeds, one phrase each; [] when there is no committed table."""
    if not committed_csv.is_file():
        return []

    def seeds(path: Path) -> dict[tuple, set[str]]:
        with open(path, encoding="utf-8", newline="") as handle:
            return {tuple(row[k] for k in ROW_KEYS): set(row["seeds"].split()) for row in csv.DictReader(handle)}

    new = seeds(new_csv)
    lost = []
    for key, committed in seeds(committed_csv).items():
        missing = committed - new.get(key, set())
        if missing:
            lost.append(" ".join(key) + (" (all seeds)" if key not in new else f" (seeds {' '.join(sorted(missing))})"))
    return lost


#: The columns that name a row of an aggregated table.
ROW_KEYS = ("dataset", "embedding", "method", "tune_on")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Aggregate metrics.json files into <out>.csv and its renderings")
    parser.add_argument("--out", required=True, help="output path without suffix, e.g. results/spam_minilm")
    parser.add_argument("run_roots", nargs="+", help="folders holding run directories (e.g. Hydra multirun folders)")
    parser.add_argument("--note", default="", help="Markdown put above the table (e.g. the command that made the runs)")
    parser.add_argument("--table", default="runs", choices=sorted(TABLES), help="layout: long (runs) or the paper's")
    args = parser.parse_args(argv)
    try:
        written = write_tables(args.run_roots, args.out, table=args.table, note=args.note)
    except ValueError as error:
        raise SystemExit(str(error)) from None
    print(Path(written[-1]).read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
