"""``liger-audit`` (``python -m liger.audit``): audit one dataset, several, or all whose data is present.

The config is composed with Hydra from the project's ``conf/`` exactly as ``liger-run`` composes it
(``conf/audit.yaml`` is ``config.yaml`` plus an ``audit`` block), so ``dataset=``, ``data_dir=`` and
any other override mean the same thing. ``dataset=all`` (or ``dataset=a,b``) audits each named
dataset in turn; with ``all``, datasets whose data folder is absent are skipped and said so.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Sequence

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, OmegaConf

from liger.audit.dataset_audit import audit_dataset
from liger.audit.embeddings import cached_embeddings
from liger.audit.report import index_path, rebuild_index, write_section
from liger.data.registry import load_dataset
from liger.harness.config_check import CONF_DIR

CONFIG_NAME = "audit"
USAGE = """usage: liger-audit [dataset=<name>|<a,b,...>|all] [audit.embeddings=true] [audit.out_dir=DIR] [data_dir=DIR] [other overrides]

Writes <out_dir>/<dataset>.md and .json per dataset and rebuilds <out_dir>.md (default out_dir: results/data_audit under output_root, the checkout unless LIGER_OUTPUT_ROOT says).
Datasets: {names}
"""
#: Flag messages are cut to this many characters in the printed summary (the report has them whole).
SUMMARY_WIDTH = 220


def dataset_names() -> list[str]:
    return sorted(p.stem for p in (CONF_DIR / "dataset").glob("*.yaml"))


def compose_config(overrides: Sequence[str]) -> DictConfig:
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name=CONFIG_NAME, overrides=list(overrides))


def split_dataset_override(overrides: Sequence[str]) -> tuple[list[str] | None, bool, list[str]]:
    """(dataset names asked for, or None for the config's default; whether ``all`` was asked; the other overrides)."""
    chosen = [o for o in overrides if o.startswith("dataset=")]
    rest = [o for o in overrides if not o.startswith("dataset=")]
    if not chosen:
        return None, False, rest
    if len(chosen) > 1:
        raise ValueError(f"dataset is given {len(chosen)} times ({chosen}); expected once")
    value = chosen[0].removeprefix("dataset=")
    known = dataset_names()
    if value == "all":
        return known, True, rest
    names = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in known]
    if not names or unknown:
        raise ValueError(f"dataset={value!r} names {unknown or 'nothing'}; expected 'all' or names from {known} (conf/dataset)")
    return names, False, rest


def data_is_absent(error: Exception) -> bool:
    """A missing data folder (or no data_dir), as opposed to a broken dataset."""
    return isinstance(error, FileNotFoundError) or (isinstance(error, ValueError) and "needs its data folder" in str(error))


def audit_one(cfg: DictConfig, *, out_dir: Path) -> tuple[object, float]:
    """Load, audit and write one dataset; return the audit and the seconds it took."""
    start = time.perf_counter()
    params = OmegaConf.to_container(cfg.dataset, resolve=True)
    dataset = load_dataset(params, progress=bool(cfg.get("progress", True)))
    found = None
    if cfg.audit.embeddings:
        found = cached_embeddings(OmegaConf.to_container(cfg.embedding, resolve=True), dataset, cfg.get("cache_dir"))
    # Where the report is written is not part of what was audited (and is a machine's path since output_root).
    settings = {key: value for key, value in OmegaConf.to_container(cfg.audit, resolve=True).items() if key != "out_dir"}
    config = {"dataset": params, "audit": settings}
    if cfg.audit.embeddings:
        config["embedding"] = OmegaConf.to_container(cfg.embedding, resolve=True)
    audit = audit_dataset(dataset, config=config, data_path=params.get("path"), data_dir=cfg.get("data_dir"),
                          found_embeddings=found)
    write_section(audit, out_dir)
    return audit, time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    overrides = list(sys.argv[1:] if argv is None else argv)
    if any(o in ("-h", "--help") for o in overrides):
        print(USAGE.format(names=", ".join(dataset_names())))
        return 0
    names, audit_all, rest = split_dataset_override(overrides)
    configs = [compose_config(rest)] if names is None else [compose_config([*rest, f"dataset={n}"]) for n in names]
    out_dir = Path(configs[0].audit.out_dir)
    lines, skipped = [], []
    for cfg in configs:
        name = cfg.dataset.name
        try:
            audit, seconds = audit_one(cfg, out_dir=out_dir)
        except (FileNotFoundError, ValueError) as error:
            if audit_all and data_is_absent(error):
                skipped.append(f"{name}: skipped, data absent ({error})")
                continue
            raise
        lines.append(f"{name}: {len(audit.flags)} flag(s) [{seconds:.1f} s] -> {out_dir / (name + '.md')}")
        for flag in audit.flags:
            message = " ".join(flag.message.split())
            cut = message if len(message) <= SUMMARY_WIDTH else message[:SUMMARY_WIDTH - 1] + "…"
            lines.append(f"  - {flag.check}{f' ({flag.split})' if flag.split else ''}: {cut}")
        lines += [f"  (skipped: {check.title}: {check.skipped})" for check in audit.checks
                  if check.skipped and not check.skipped.startswith("not requested")]
    index = rebuild_index(out_dir)
    print("\n".join([*lines, *skipped, f"index: {index_path(out_dir)}" if index else ""]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
