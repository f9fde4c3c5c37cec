"""Writing an audit: one Markdown section and one JSON file per dataset, and an index of all sections.

``<out_dir>/<dataset>.md`` and ``.json`` are rewritten atomically for each dataset audited;
``<out_dir>.md`` (beside the folder) is rebuilt from every section present, so auditing one
dataset refreshes only its part. Nothing time-dependent is written: the same data gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

from liger.analysis.lf_summary import format_table
from liger.audit.dataset_audit import thresholds
from liger.audit.result import CheckResult, DatasetAudit
from liger.io import finite_or_none, write_json_atomic, write_text_atomic

INDEX_TITLE = "# Data audit"


def render_section(audit: DatasetAudit) -> str:
    """The dataset's Markdown section: flags first, then every check's tables and notes."""
    flags = audit.flags
    lines = [f"## {audit.dataset}", ""]
    if audit.description:
        lines += [audit.description, ""]
    lines += ["Rows: " + ", ".join(f"{s} {f['rows']}" for s, f in audit.fingerprints.items()) + ".", ""]
    lines += [f"### Flags ({len(flags)})", ""]
    lines += [f"- **{flag.check}**{f' ({flag.split})' if flag.split else ''}: {_one_line(flag.message)}" for flag in flags]
    lines += [] if flags else ["No flags."]
    lines += [""]
    for check in audit.checks:
        lines += _render_check(check)
    return "\n".join(lines).rstrip() + "\n"


def _render_check(check: CheckResult) -> list[str]:
    if check.skipped:
        return [f"### {check.title}", "", f"Skipped: {check.skipped}.", ""]
    lines = [f"### {check.title}", ""]
    for table in check.tables:
        lines += [f"{table.caption}:", ""]
        lines += [format_table([{c: _cell(row.get(c)) for c in table.columns} for row in table.rows], table.columns)
                  if table.rows else "(none)\n"]
    lines += [f"- {_one_line(note)}" for note in check.notes]
    return lines + [""]


def _cell(value):
    if isinstance(value, str):
        # A pipe inside a cell would end it.
        return value.replace("|", "\\|")
    return value


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def audit_payload(audit: DatasetAudit) -> dict:
    """The JSON record of an audit: config, fingerprints, thresholds, every check's numbers, and the flags."""
    return finite_or_none({
        "dataset": audit.dataset,
        "description": audit.description,
        "config": audit.config,
        "fingerprints": audit.fingerprints,
        "thresholds": thresholds(),
        "flags": [flag.as_dict() for flag in audit.flags],
        "checks": {check.check: {"title": check.title, "skipped": check.skipped, "notes": check.notes,
                                 "numbers": check.numbers} for check in audit.checks},
    })


def write_section(audit: DatasetAudit, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``<out_dir>/<dataset>.md`` and ``.json`` atomically; return their paths."""
    out_dir = Path(out_dir)
    markdown = write_text_atomic(out_dir / f"{audit.dataset}.md", render_section(audit))
    record = write_json_atomic(out_dir / f"{audit.dataset}.json", audit_payload(audit))
    return markdown, record


def index_path(out_dir: str | Path) -> Path:
    out_dir = Path(out_dir)
    return out_dir.with_name(out_dir.name + ".md")


def rebuild_index(out_dir: str | Path) -> Path:
    """``<out_dir>.md``: a table of every audited dataset (flags per check) and all their sections, by name."""
    out_dir = Path(out_dir)
    sections = sorted(out_dir.glob("*.md"))
    rows = []
    for section in sections:
        record_file = section.with_suffix(".json")
        flags = json.loads(record_file.read_text(encoding="utf-8"))["flags"] if record_file.is_file() else None
        counts = {} if flags is None else {f["check"]: sum(g["check"] == f["check"] for g in flags) for f in flags}
        rows.append({"dataset": f"[{section.stem}](#{section.stem})",
                     "flags": "?" if flags is None else len(flags),
                     "by check": ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "–"})
    head = [INDEX_TITLE, "",
            f"Written by `liger-audit` (`python -m liger.audit dataset=<name>|all`); one section per dataset, each "
            f"also in `{out_dir.name}/<dataset>.md` with its numbers in `{out_dir.name}/<dataset>.json`. Flags come "
            "first in each section; every threshold is a named constant in `liger/audit/` (listed in the JSON).", "", ""]
    body = format_table(rows, ["dataset", "flags", "by check"]) if rows else "No dataset audited yet.\n"
    text = "\n".join(head) + body + "".join("\n" + s.read_text(encoding="utf-8") for s in sections)
    return write_text_atomic(index_path(out_dir), text)
