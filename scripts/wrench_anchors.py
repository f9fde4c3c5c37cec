"""Recompute WRENCH's published label-model numbers and write them beside ours to ``results/wrench_anchors.md``.

    python scripts/wrench_anchors.py                    # about a minute: MV and DS (seconds) + snorkel_label_model
    python scripts/wrench_anchors.py --skip-snorkel     # MV and DS only

Reads ``wrench/trec`` and ``wrench/sms`` from the packaged data (or ``--data-dir`` / ``LIGER_DATA_DIR``). MV and DS
are fit on the train votes and scored on test under WRENCH's protocol (``liger/harness/wrench_anchors.py``); the
``snorkel_label_model`` rows run that method exactly as ``python -m experiments.run`` does (seed 0, dev-chosen).
Exits 1 when a recomputed number misses the published one by more than 0.5 points.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from hydra import compose, initialize_config_dir

from liger.data.files import packaged_data_root
from liger.harness.methods import fit_and_score
from liger.io import write_text_atomic
from liger.harness.runner import load_dataset
from liger.harness import results_dir
from liger.harness.config_check import CONF_DIR
from liger.harness.wrench_anchors import CONFIGS, check_anchors, recompute, render

COMMAND = "python scripts/wrench_anchors.py"
DEFAULT_OUT = results_dir() / "wrench_anchors.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.environ.get("LIGER_DATA_DIR") or str(packaged_data_root()),
                        help="folder holding wrench/trec and wrench/sms (default: $LIGER_DATA_DIR, else the packaged copy)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"Markdown file to write (default: {DEFAULT_OUT})")
    parser.add_argument("--skip-snorkel", action="store_true", help="leave out the snorkel_label_model rows")
    args = parser.parse_args(argv)
    if not args.data_dir or not Path(args.data_dir).is_dir():
        parser.error(f"--data-dir is {args.data_dir!r}; expected the folder holding wrench/trec and wrench/sms "
                     "(or set LIGER_DATA_DIR)")
    data_dir = str(Path(args.data_dir).resolve())
    recomputed, harness = {}, {}
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        for name, config in CONFIGS.items():
            cfg = compose(config_name="config", overrides=[f"dataset={config}", "method=snorkel_label_model",
                                                            "embedding=none", "seed=0", f"data_dir={data_dir}"])
            dataset = load_dataset(cfg.dataset, progress=False)
            recomputed[name] = recompute(dataset)
            print(f"{name}: MV {recomputed[name]['MV'].wrench_rule:.2f}, DS {recomputed[name]['DS'].wrench_rule:.2f}",
                  file=sys.stderr, flush=True)
            if not args.skip_snorkel:
                result = fit_and_score(cfg.method, dataset, None, seed=0, progress=False)
                chosen = {k: result["hparams"]["label_model_params"][k] for k in ("lr", "l2", "n_epochs")}
                key = "acc" if dataset.metric == "accuracy" else "f1"
                harness[name] = {"test": 100.0 * result["test"][key],
                                 "how": f"Snorkel 0.10 LabelModel, seed 0; lr, l2, n_epochs chosen on dev ({chosen}); "
                                        + ("class balance chosen on dev" if dataset.n_classes == 2 else
                                           "uniform prior (K > 2: not searched)")}
    text = render(recomputed, harness, command=COMMAND + (" --skip-snorkel" if args.skip_snorkel else ""))
    print(text)
    write_text_atomic(args.out, text)
    print(f"wrote {args.out}", file=sys.stderr)
    misses = check_anchors(recomputed)
    for miss in misses:
        print(f"MISSED by more than 0.5: {miss}", file=sys.stderr)
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
