"""One run from a composed config: load data, embed, fit, score, write results atomically."""

from __future__ import annotations

import json
import logging
import time
from functools import lru_cache
from pathlib import Path

from omegaconf import DictConfig, OmegaConf
from threadpoolctl import threadpool_limits

from liger.analysis.lf_summary import format_table, lf_summary
from liger.harness.bootstrap import PREDICTIONS_FILE
from liger.harness.config_check import validate_config
from liger.data.dataset import Dataset
from liger.data.fingerprint import dataset_fingerprint
from liger.data.registry import load_dataset as load_registered
from liger.embed import embed_dataset, load_precomputed, make_embedder
from liger.harness.methods import fit_and_score
from liger.io import write_json_atomic, write_text_atomic
from liger.harness.provenance import provenance
from liger.harness.tracking import make_tracker

log = logging.getLogger(__name__)
METRIC_KEYS = ("acc", "f1", "precision", "recall", "coverage")


def load_dataset(dataset_cfg: DictConfig, *, progress: bool = True) -> Dataset:
    """The configured dataset; a multirun's jobs share one process, so the last two loaded are reused."""
    return _load_cached(json.dumps(OmegaConf.to_container(dataset_cfg, resolve=True), sort_keys=True), progress)


@lru_cache(maxsize=2)
def _load_cached(params_json: str, progress: bool) -> Dataset:
    dataset = load_registered(json.loads(params_json), progress=progress)
    # Shared between runs: an in-place edit by one run must fail rather than leak into the next.
    for split in dataset.splits.values():
        for array in (split.L, split.y, split.features):
            if array is not None:
                array.setflags(write=False)
    return dataset


def load_embeddings(embedding_cfg: DictConfig, dataset: Dataset, *, cache_dir: str | None, progress: bool = True):
    params = OmegaConf.to_container(embedding_cfg, resolve=True)
    provider = params.pop("provider")
    params.pop("name", None)
    prompt = params.pop("prompt", None)
    if provider == "precomputed":
        return load_precomputed(params["paths"], dataset)
    if provider == "none":
        # embedding=none: label-model-only methods on data without texts or frames (tennis).
        return None
    return embed_dataset(make_embedder(provider, **params), dataset, cache_dir=cache_dir, prompt=prompt, progress=progress)


def run(cfg: DictConfig, output_dir: str | Path) -> dict:
    """Run ``cfg`` and write ``metrics.json``, ``lf_summary.md`` and ``config_resolved.yaml`` into ``output_dir``."""
    validate_config(cfg)
    output_dir = Path(output_dir)
    seed = cfg.seed
    tune_on = cfg.protocol.tune_on
    progress = bool(cfg.get("progress", True))
    timings = {}
    start = time.perf_counter()
    dataset = load_dataset(cfg.dataset, progress=progress)
    timings["data_s"] = time.perf_counter() - start
    fingerprint = dataset_fingerprint(dataset)
    if cfg.get("resume", True):
        finished = completed_run(output_dir, cfg, data_fingerprint=fingerprint)
        if finished is not None:
            log.info("%s already holds metrics.json for this config and data; skipped (resume=false reruns it)", output_dir)
            print(results_table(finished))
            print(f"run folder: {output_dir}")
            return finished
    write_text_atomic(output_dir / "config_resolved.yaml", OmegaConf.to_yaml(cfg, resolve=True))
    start = time.perf_counter()
    embeddings = load_embeddings(cfg.embedding, dataset, cache_dir=cfg.get("cache_dir"), progress=progress)
    timings["embed_s"] = time.perf_counter() - start
    start = time.perf_counter()
    with threadpool_limits(limits=cfg.get("threads")):
        result = fit_and_score(cfg.method, dataset, embeddings, seed=seed, tune_on=tune_on, progress=progress)
    timings["method_s"] = time.perf_counter() - start
    leaky = tune_on == "test"
    if leaky:
        log.warning("LEAKY PROTOCOL: hyperparameters and class balances were chosen on TEST labels "
                    "(protocol.tune_on=test). These test numbers are not an honest estimate.")
    metrics = {
        "dataset": dataset.name,
        "embedding": cfg.embedding.name,
        "method": cfg.method.name,
        "seed": seed,
        "metric": dataset.metric,
        "data_fingerprint": fingerprint,
        "protocol": {"tune_on": tune_on, "leaky": leaky},
        "dev": result["dev"],
        "test": result["test"],
        "train_coverage": result["train_coverage"],
        "hparams": result["hparams"],
        "selection": result["tried"],
        "fallbacks": result["fallbacks"],
        "timings": {k: round(v, 3) for k, v in timings.items()},
    }
    for fallback in result["fallbacks"]:
        log.info("fallback: %s", fallback)
    summary = lf_summary(dataset["dev"].L, dataset.lf_names, dataset["dev"].y)
    write_json_atomic(output_dir / "lf_summary.json", {"split": "dev", "lfs": summary})
    write_text_atomic(
        output_dir / "lf_summary.md",
        "# LF summary (dev split, original votes)\n\n"
        + format_table(summary, ["lf", "polarity", "coverage", "overlaps", "conflicts", "n_votes", "accuracy"]),
    )
    with make_tracker(cfg, output_dir) as tracker:
        tracker.log_config(cfg)
        tracker.log_metrics(metrics)
        tracker.log_table("lf_summary", summary)
        tracker.log_file(output_dir / "lf_summary.md")
    # Timings vary between runs, and the code version between commits: kept out of metrics.json so it is
    # byte-reproducible.
    write_json_atomic(output_dir / "timings.json", metrics.pop("timings"))
    write_json_atomic(output_dir / "provenance.json",
                      {"data_fingerprint": fingerprint, **provenance(OmegaConf.to_container(cfg.dataset, resolve=True))})
    write_json_atomic(output_dir / PREDICTIONS_FILE, predictions_record(dataset, result["predictions"]))
    # Last: its presence marks a finished run (completed_run).
    write_json_atomic(output_dir / "metrics.json", metrics)
    print(results_table(metrics))
    print(f"run folder: {output_dir}")
    return metrics


# Keys that change how a run is shown or where caches and outputs live, never its results. Not `threads`: with
# more than one, OpenMP reductions (scikit-learn's k-means) may add in another order.
_NOT_PART_OF_RESULT = ("progress", "resume", "cache_dir", "output_root", "logger", "table_embedding")


def predictions_record(dataset: Dataset, predictions: dict) -> dict:
    """The class names and, per scored split, row ids, gold labels and predicted classes (for liger.harness.bootstrap)."""
    record = {"class_names": list(dataset.class_names), "splits": {}}
    for split, predicted in predictions.items():
        if len(predicted) != len(dataset[split]):
            raise ValueError(f"{len(predicted)} predictions for the {len(dataset[split])} rows of split {split!r}")
        record["splits"][split] = {"ids": list(dataset[split].ids), "y": [int(v) for v in dataset[split].y],
                                   "predicted": [int(v) for v in predicted]}
    return record


def completed_run(output_dir: Path, cfg: DictConfig, *, data_fingerprint: str | None = None) -> dict | None:
    """The metrics of a finished run of the same config (and, when given, the same data) in ``output_dir``, else None.

    ``metrics.json`` is written atomically and last, so its presence means the run finished.
    """
    metrics_file, config_file = output_dir / "metrics.json", output_dir / "config_resolved.yaml"
    if not (metrics_file.is_file() and config_file.is_file() and (output_dir / PREDICTIONS_FILE).is_file()):
        return None
    try:
        stored = OmegaConf.to_container(OmegaConf.load(config_file), resolve=True)
        metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    except Exception as error:  # an unreadable file from an older or foreign run: run again
        log.warning("could not read the finished run in %s (%s); running again", output_dir, error)
        return None
    current = OmegaConf.to_container(cfg, resolve=True)
    for key in _NOT_PART_OF_RESULT:
        stored.pop(key, None)
        current.pop(key, None)
    if stored != current:
        log.warning("%s holds a run of a different config; it will be overwritten", output_dir)
        return None
    if data_fingerprint is not None and metrics.get("data_fingerprint") != data_fingerprint:
        log.warning("%s holds a run of this config made from other data (fingerprint %s, now %s); it will be overwritten",
                    output_dir, metrics.get("data_fingerprint"), data_fingerprint)
        return None
    return metrics


def results_table(metrics: dict) -> str:
    title = f"{metrics['method']} on {metrics['dataset']} ({metrics['embedding']}), seed {metrics['seed']}"
    if metrics["protocol"]["leaky"]:
        title += "  [LEAKY: tuned on test]"
    rows = [{"split": split, **{k: metrics[split][k] for k in METRIC_KEYS}} for split in ("dev", "test")]
    return f"\n{title}\n\n" + format_table(rows, ["split", *METRIC_KEYS])
