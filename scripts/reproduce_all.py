"""Regenerate every file under ``results/``, one command after another, each timed.

    python scripts/reproduce_all.py                 # everything (README gives the measured wall time)
    python scripts/reproduce_all.py --list          # the commands, without running them
    python scripts/reproduce_all.py --skip bench    # all but the steps named (comma-separated)

Each step is the command written beside its results (README, each file's first lines). A step that fails
stops the script with its status; studies that miss an input publish nothing (their run folder keeps it).
Reads the packaged data; spouse and the paper's ada embeddings are not shipped (liger/data/resources/README.md):
without them (``LIGER_DATA_DIR`` pointing at a full copy) the table's spouse cells cannot be made (its
preflight stops it) and the smoothness and smoothness_lift studies keep their committed files.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = shlex.quote(sys.executable)

#: (step name, command, what it writes under results/).
STEPS = [
    ("paper_table", "liger-run experiment=paper_table", "paper_table.{csv,md,tex}"),
    ("paper_table_leaky", "liger-run experiment=paper_table_leaky", "paper_table.* (the LEAKY rows)"),
    ("paper_table_tennis", "liger-run experiment=paper_table_tennis", "paper_table.* (tennis)"),
    ("paper_table_rendered_video", "liger-run experiment=paper_table_rendered_video", "paper_table.* (rendered video)"),
    ("rendered_video_embeddings", "liger-run experiment=rendered_video_embeddings", "video_rendered.{csv,md}"),
    ("smoothness_spam", "liger-run experiment=smoothness dataset=spam 'smoothness.embeddings=[ada,minilm,wordllama,tfidf,random]'",
     "smoothness_spam.{csv,md}, figures/smoothness_spam.*"),
    ("smoothness_rendered_video", "liger-run experiment=smoothness dataset=rendered_video "
     "'smoothness.embeddings=[efficientnet_lite0,raw_pixels,random]'", "smoothness_rendered_video.*"),
    ("bias_variance", "liger-run experiment=bias_variance", "bias_variance_*, irreducible_*, figures"),
    ("label_free_spam", "liger-run experiment=label_free dataset=spam", "label_free_spam_minilm.*"),
    ("label_free_sms", "liger-run experiment=label_free dataset=sms", "label_free_sms_minilm.*"),
    ("combine_embeddings", "liger-run experiment=combine_embeddings", "combine_embeddings.*"),
    ("smoothness_lift", "liger-run experiment=smoothness_lift", "smoothness_lift.*, spouse_prompts.*"),
    ("embedding_ranking", "liger-run experiment=embedding_ranking", "embedding_ranking*"),
    ("label_budget", "liger-run experiment=label_budget", "label_budget.{csv,md}, figures/label_budget_*"),
    ("audit", "liger-audit dataset=all audit.embeddings=true", "data_audit.md, data_audit/"),
    ("wrench_anchors", f"{PYTHON} scripts/wrench_anchors.py", "wrench_anchors.md"),
    ("threshold_selection", f"{PYTHON} scripts/compare_threshold_selection.py dataset=spam embedding=minilm "
     "--repeats 20 --tune-size 100 --seed 0", "threshold_selection_spam_minilm.md"),
    ("reliability", f"{PYTHON} scripts/reliability_report.py", "reliability.md"),
    ("bench", f"{PYTHON} scripts/bench_scale.py", "bench.md (timings: they move with the machine)"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the commands and stop")
    parser.add_argument("--skip", default="", help="comma-separated step names to leave out")
    args = parser.parse_args(argv)
    names = [name for name, _, _ in STEPS]
    skip = [s for s in args.skip.split(",") if s]
    unknown = sorted(set(skip) - set(names))
    if unknown:
        parser.error(f"--skip has {unknown}; expected step names among {names}")
    steps = [step for step in STEPS if step[0] not in skip]
    if args.list:
        for name, command, writes in steps:
            print(f"{name:28} {command}\n{'':28} -> results/{writes}")
        return 0
    started, times = time.perf_counter(), []
    for name, command, _ in steps:
        print(f"== {name}: {command}", flush=True)
        t0 = time.perf_counter()
        done = subprocess.run(command, shell=True, cwd=ROOT)
        times.append((name, time.perf_counter() - t0))
        if done.returncode != 0:
            print(f"reproduce_all: step {name} failed with status {done.returncode}", file=sys.stderr)
            return done.returncode
    for name, seconds in times:
        print(f"{name:28} {seconds:8.1f} s")
    print(f"{'total':28} {time.perf_counter() - started:8.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
