"""``experiment=label_budget``: with my LFs, my embedding and N hand labels, which pipeline should I run?

    liger-run experiment=label_budget [label_budget.n_draws=5] [label_budget.datasets=[spam,sms]]

For each dataset (its embedding from ``label_budget.embeddings``, else the run's), budgets N in
``label_budget.budgets`` ("all" = the whole dev split). Draw d (seed d, d < n_draws) labels a stratified
subsample of dev at each budget, at least ``min_per_class`` per class (``common.stratified_subsample``;
the budgets of a draw are nested); a budget that cannot hold them, or is not below dev's size, is skipped
and reported. Only those N labels are read; the rest of dev never is, and test labels only score.

Pipelines (``pipelines.PIPELINES``), each choosing on the N labels by repeated stratified k-fold
(``cv_repeats`` fold sets, k = min(``cv_folds``, the rarest class's count)):

* clean labels only: FS-kNN, FS-LogReg, FS-Adapter (heads and grids of conf/method/fs_*.yaml; the
  hyperparameter and the decision threshold chosen on pooled out-of-fold predictions);
* weak only: WS-LM (conf/method/label_model: the label model, class balance chosen on the N labels) and
  Liger (conf/method/liger's grid, ``LigerCV``);
* both: "Liger → adapter" (an MLP trained on the chosen Liger configuration's soft labels over the train
  rows its votes cover; size and threshold chosen on the N labels), "Liger → adapter, fine-tuned"
  (continuous fine-tuning, Zhu et al. 2023: that adapter trained ``fine_tune_epochs`` more passes on the N
  labels), and "Liger + labelled points as a source" (``labelled_source``: the labelled points vote their
  class on nearby points as one more LF, its radius from the extension-level rule at a level in
  ``source_levels``; built from the training folds only in each fold).

Everything that reads no label (neighbours, partitions, per-part label models, soft labels, the end
models) is computed once per dataset with the run's seed and shared by every draw and budget. "A beats B at N": the mean
over draws of the paired test difference is above 0 and its 95% interval (paired bootstrap over test
rows and draws, ``liger.harness.bootstrap``) excludes 0. "Overtakes": the smallest N at which a
clean-only pipeline's mean reaches Liger's.

Writes ``label_budget.json`` (every draw's choices and scores) into the run folder, and
``label_budget.{csv,md}`` into ``results_dir`` and ``label_budget_<dataset>.{png,pdf}`` into
``figure_dir`` when every dataset could be read (else into the run folder only).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import numpy as np
from omegaconf import DictConfig, OmegaConf
from threadpoolctl import threadpool_limits

from liger.baselines.decision_rule import THRESHOLD_GRID, check_thresholds
from liger.data.dataset import Dataset
from liger.errors import ConfigError
from liger.harness.bootstrap import Column, column_replicates, interval
from liger.harness.config_check import validate_config
from liger.harness.figures import new_figure
from liger.harness.runner import load_dataset, load_embeddings
from liger.io import finite_or_none, write_json_atomic, write_text_atomic
from liger.metrics import metric_value
from liger.studies.common import level_label, publish, stratified_subsample, to_csv, voting_neighbours, with_group, worker_pool
from liger.studies.label_budget.pipelines import (BOTH, CLEAN, CLEAN_HEADS, PIPELINES, WEAK, Budget, Settings, Shared,
                                                   run_pipelines)

log = logging.getLogger(__name__)
ALL = "all"
COMMAND = "liger-run experiment=label_budget"


# ------------------------------------------------------------------------------------------ plan


def plan_budgets(y_dev: np.ndarray, budgets: list, *, n_classes: int, min_per_class: int) -> tuple[dict, dict]:
    """({label: N} of the budgets this dev split can hold, {label: why} of those it cannot); "all" = len(dev)."""
    n_dev, counts = len(y_dev), np.bincount(y_dev, minlength=n_classes)
    kept, skipped = {}, {}
    for budget in budgets:
        if budget == ALL:
            kept[ALL] = n_dev
            continue
        n = int(budget)
        if n >= n_dev:
            skipped[str(n)] = f"dev has {n_dev} labelled points (budget 'all')"
        elif n < min_per_class * n_classes or (counts < min_per_class).any():
            skipped[str(n)] = f"cannot hold {min_per_class} labels of each of the {n_classes} classes"
        else:
            kept[str(n)] = n
    return kept, skipped


def draw_rows(y_dev: np.ndarray, budgets: dict, *, n_draws: int, min_per_class: int) -> tuple[dict, dict]:
    """({draw: {label: sorted dev rows}}, {label: why} for budgets a draw could not fill)."""
    numeric = sorted({n for label, n in budgets.items() if label != ALL})
    draws, unfilled = {}, {}
    for d in range(n_draws):
        rows = {}
        for size in list(numeric):
            try:
                rows[str(size)] = stratified_subsample(y_dev, [size], random_state=d, min_per_class=min_per_class)[size]
            except ValueError as error:
                unfilled[str(size)] = str(error)
        if ALL in budgets:
            rows[ALL] = np.arange(len(y_dev))
        draws[d] = {label: r for label, r in rows.items() if label not in unfilled}
    return draws, unfilled


# ------------------------------------------------------------------------------------------ work


def measure_dataset(dataset: Dataset, embeddings: dict, neighbours: dict, settings: Settings, draws: dict, seed: int) -> dict:
    """{draw: {budget label: {pipeline: (test predictions, chosen)}}} and the seconds each part took.

    The label-free work (``Shared``, seeded by ``seed``) is done once and shared by every draw and budget;
    draw d's folds and head initialisations use seed d.
    """
    started = time.perf_counter()
    # One thread per worker: the workers fill the cores, and BLAS threads on top would spin against each other.
    with threadpool_limits(limits=1):
        shared = Shared(dataset, embeddings, neighbours, seed, settings)
        out, seconds = {}, {"shared_s": round(time.perf_counter() - started, 2)}
        for draw, rows in draws.items():
            out[draw] = {}
            for label, budget_rows in rows.items():
                outcomes = run_pipelines(shared, Budget.of(shared, budget_rows, draw))
                out[draw][label] = {name: (outcome.predictions, outcome.chosen) for name, outcome in outcomes.items()}
                for name, outcome in outcomes.items():
                    seconds[name] = seconds.get(name, 0.0) + outcome.seconds
    seconds = {name: round(value, 1) for name, value in seconds.items()}
    return {"draws": out, "seconds": {**seconds, "total_s": round(time.perf_counter() - started, 1)}}


def cost(dataset: Dataset, embeddings: dict) -> float:
    """A rough size of a dataset's work, to start the costliest first: train rows x embedding width."""
    return len(dataset["train"]) * embeddings["train"].shape[1]


def settings_for(cfg: DictConfig, root: DictConfig) -> Settings:
    """The pipelines' settings for the dataset composed in ``root`` (method configs resolved against it)."""
    spec = cfg.label_budget

    def method(name: str) -> dict:
        checked = with_group(root, "method", name, named_by="label_budget names method")
        validate_config(checked)
        return OmegaConf.to_container(checked.method, resolve=True)

    for key in ("cv_folds", "cv_repeats"):
        if int(spec[key]) < (2 if key == "cv_folds" else 1):
            raise ConfigError(f"label_budget.{key} is {spec[key]!r}; expected an integer >= {2 if key == 'cv_folds' else 1}")
    return Settings(cv_folds=int(spec.cv_folds), cv_repeats=int(spec.cv_repeats),
                    thresholds=check_thresholds(list(spec.get("decision_thresholds") or THRESHOLD_GRID)),
                    heads={name: method(option) for name, option in CLEAN_HEADS.items()},
                    liger=method("liger"), label_model=method("label_model"),
                    end_model_hidden=[int(h) for h in spec.end_model_hidden],
                    fine_tune_epochs=[int(e) for e in spec.fine_tune_epochs],
                    source_levels=[float(q) for q in spec.source_levels])


# ------------------------------------------------------------------------------------------ summary


def summarise(dataset: Dataset, budgets: dict, draws: dict, results: dict, *, n_bootstrap: int) -> dict:
    """Per budget: each pipeline's per-draw test metric, mean and sample std; the paired comparisons."""
    test = dataset["test"]
    metric, n_classes = dataset.metric, dataset.n_classes
    out = {}
    for label, n_labels in budgets.items():
        present = [d for d in draws if label in results[d]]
        if not present:
            continue
        predictions = {p: np.stack([results[d][label][p][0] for d in present]) for p in PIPELINES}
        scores = {p: [metric_value(metric, test.y, row, n_classes=n_classes) for row in predictions[p]] for p in PIPELINES}
        replicates = column_replicates(Column(test.y, metric, n_classes, predictions), n_bootstrap=n_bootstrap, seed=0)
        comparisons = {}
        for a in (p for p in PIPELINES if PIPELINES[p] == BOTH):
            for b in (p for p in PIPELINES if PIPELINES[p] != BOTH):
                low, high = interval(replicates[a] - replicates[b])
                difference = float(np.mean(np.subtract(scores[a], scores[b])))
                comparisons[a, b] = {"difference": difference, "low": low, "high": high,
                                     "beats": difference > 0 and low > 0, "loses": difference < 0 and high < 0}
        out[label] = {"n_labels": n_labels, "draws": present, "scores": scores,
                      "chosen": {p: [results[d][label][p][1] for d in present] for p in PIPELINES},
                      "comparisons": comparisons}
    return out


def overtakes(summary: dict) -> dict[str, str]:
    """{clean-only pipeline: the smallest N at which its mean reaches Liger's, or "never"}."""
    out = {}
    for name in (p for p in PIPELINES if PIPELINES[p] == CLEAN):
        reached = [(cell["n_labels"], label) for label, cell in summary.items()
                   if np.mean(cell["scores"][name]) >= np.mean(cell["scores"]["Liger"])]
        out[name] = "never" if not reached else f"{min(reached)[0]}" + (" (all of dev)" if min(reached)[1] == ALL else "")
    return out


def bar_verdict(summary: dict) -> dict:
    """At the paper's budget (all of dev): which pipelines that use both beat every clean-only and weak-only one."""
    cell = summary.get(ALL)
    if cell is None:
        return {"winners": [], "n_labels": None}
    others = [p for p in PIPELINES if PIPELINES[p] != BOTH]
    winners = [a for a in PIPELINES if PIPELINES[a] == BOTH and all(cell["comparisons"][a, b]["beats"] for b in others)]
    return {"winners": winners, "n_labels": cell["n_labels"]}


# ------------------------------------------------------------------------------------------ outputs


def table_rows(name: str, embedding: str, metric: str, summary: dict) -> list[dict]:
    rows = []
    for label, cell in summary.items():
        for pipeline in PIPELINES:
            values = cell["scores"][pipeline]
            rows.append({"dataset": name, "embedding": embedding, "metric": metric, "budget": label,
                         "n_labels": cell["n_labels"], "pipeline": pipeline, "uses": PIPELINES[pipeline],
                         "test_mean": float(np.mean(values)),
                         "test_std": float(np.std(values, ddof=1)) if len(values) > 1 else float("nan"),
                         "n_draws": len(values)})
    return rows


def _pm(values) -> str:
    std = np.std(values, ddof=1) if len(values) > 1 else float("nan")
    return f"{100 * np.mean(values):.1f} ± {100 * std:.1f}"


def dataset_markdown(name: str, embedding: str, metric: str, summary: dict, skipped: dict, fold_counts: dict) -> str:
    labels = list(summary)
    header = "| pipeline | uses | " + " | ".join(f"N = {summary[label]['n_labels']}" + (" (all)" if label == ALL else "")
                                                for label in labels) + " |"
    lines = [f"### {name} ({embedding}; test {metric}, points)", "", header, "|" + "---|" * (2 + len(labels))]
    for pipeline in PIPELINES:
        cells = [_pm(summary[label]["scores"][pipeline]) for label in labels]
        lines.append(f"| {pipeline} | {PIPELINES[pipeline]} | " + " | ".join(cells) + " |")
    lines += ["", "Folds k per budget (min(cv_folds, rarest class count)): "
              + ", ".join(f"N = {summary[label]['n_labels']}: {fold_counts.get(label, '?')}" for label in labels) + "."]
    if skipped:
        lines += ["Skipped budgets: " + "; ".join(f"{label} ({why})" for label, why in skipped.items()) + "."]
    lines += ["", "Pipelines that use both, against each single-side one (mean paired difference in points [95% interval]; "
              "**beats** / *loses* when the interval excludes 0):", "",
              "| both | against | " + " | ".join(f"N = {summary[label]['n_labels']}" for label in labels) + " |",
              "|" + "---|" * (2 + len(labels))]
    for a in (p for p in PIPELINES if PIPELINES[p] == BOTH):
        for b in (p for p in PIPELINES if PIPELINES[p] != BOTH):
            cells = []
            for label in labels:
                c = summary[label]["comparisons"][a, b]
                text = f"{100 * c['difference']:+.1f} [{100 * c['low']:+.1f}, {100 * c['high']:+.1f}]"
                cells.append(f"**{text}**" if c["beats"] else (f"*{text}*" if c["loses"] else text))
            lines.append(f"| {a} | {b} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def markdown(per_dataset: dict, *, settings_text: str, missing: dict) -> str:
    lines = ["# How many hand labels is Liger worth? Label-budget curves", "",
             f"Made by `{COMMAND}` (embedding caches warm). {settings_text} Test metric in points, mean ± sample "
             "std over draws (draw d = seed d: its labelled subsample, folds and head initialisations; the label-free work, "
             "k-means parts included, uses the run's seed and is shared by every draw). "
             "Choices are made on the N labels only (repeated stratified k-fold); test labels only score. "
             "Definitions and pipelines: `liger/studies/label_budget/study.py`.", ""]
    if missing:
        lines += ["**Partial:** " + "; ".join(f"{name}: {why}" for name, why in missing.items()), ""]
    lines += ["## The paper's budget (all of dev) and when clean labels catch up", "",
              "| dataset | N (all of dev) | both-pipelines that beat every clean-only and weak-only one | best clean-only | "
              "best weak-only | best both | FS-kNN reaches Liger at N | FS-LogReg at N | FS-Adapter at N |",
              "|---|---|---|---|---|---|---|---|---|"]
    count = 0
    for name, item in per_dataset.items():
        verdict, summary, reach = item["verdict"], item["summary"], item["overtakes"]
        cell = summary.get(ALL)
        if cell is None:
            continue
        count += bool(verdict["winners"])

        lines.append(f"| {name} | {verdict['n_labels']} | {', '.join(verdict['winners']) or 'none'} | {_best(cell, CLEAN)} | "
                     f"{_best(cell, WEAK)} | {_best(cell, BOTH)} | {reach['FS-kNN']} | {reach['FS-LogReg']} | {reach['FS-Adapter']} |")
    lines += ["", f"A pipeline that uses both beats every single-side one at the paper's budget on {count} of "
              f"{sum(1 for item in per_dataset.values() if ALL in item['summary'])} datasets (the bar: at least 4 of 6).", ""]
    for item in per_dataset.values():
        lines += [item["markdown"]]
    return "\n".join(lines)


def _best(cell: dict, family: str) -> str:
    """The pipeline of ``family`` with the best mean at this budget, and its mean ± std."""
    top = max((p for p in PIPELINES if PIPELINES[p] == family), key=lambda p: np.mean(cell["scores"][p]))
    return f"{top} {_pm(cell['scores'][top])}"


COLOURS = {"FS-kNN": "C7", "FS-LogReg": "C9", "FS-Adapter": "C0", "WS-LM": "C8", "Liger": "C1",
           "Liger → adapter": "C2", "Liger → adapter, fine-tuned": "C3", "Liger + labelled points as a source": "C4"}
STYLES = {CLEAN: ":", WEAK: "--", BOTH: "-"}


def draw_dataset(name: str, embedding: str, metric: str, summary: dict):
    """Test metric against N (log axis) per pipeline: mean over draws, band = ± sample std."""
    fig = new_figure(figsize=(7.2, 4.4))
    ax = fig.add_subplot(1, 1, 1)
    order = sorted(summary, key=lambda label: summary[label]["n_labels"])
    x = np.array([summary[label]["n_labels"] for label in order], dtype=float)
    for pipeline in PIPELINES:
        values = [summary[label]["scores"][pipeline] for label in order]
        mean = np.array([100 * np.mean(v) for v in values])
        std = np.array([100 * np.std(v, ddof=1) if len(v) > 1 else 0.0 for v in values])
        ax.plot(x, mean, STYLES[PIPELINES[pipeline]], marker="o", markersize=3, color=COLOURS[pipeline],
                label=f"{pipeline} ({PIPELINES[pipeline]})")
        ax.fill_between(x, mean - std, mean + std, color=COLOURS[pipeline], alpha=0.12, linewidth=0)
    ax.set_xscale("log")
    ax.set_xticks(x)
    ax.set_xticklabels([f"{int(v)}" + (" (all)" if label == ALL else "") for v, label in zip(x, order)])
    ax.set_xlabel("hand labels N (stratified draws of dev; log scale)")
    ax.set_ylabel(f"test {metric} (points)")
    ax.set_title(f"{name} ({embedding}): mean over draws, band ± sample std")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------------------ run


def run(cfg: DictConfig, output_dir: str | Path) -> dict:
    started = time.perf_counter()
    spec, output_dir = cfg.label_budget, Path(output_dir)
    progress = bool(cfg.get("progress", True))
    write_text_atomic(output_dir / "config_resolved.yaml", OmegaConf.to_yaml(cfg, resolve=True))
    budgets = [ALL if str(b) == ALL else int(b) for b in spec.budgets]
    n_draws, min_per_class = int(spec.n_draws), int(spec.min_per_class)
    if n_draws < 2:
        raise ConfigError(f"label_budget.n_draws is {n_draws}; expected at least 2 (a std and a paired interval need them)")
    embeddings_by_dataset = dict(spec.get("embeddings") or {})
    prepared, missing = {}, {}
    for name in spec.datasets:
        root = with_group(cfg, "dataset", str(name), named_by="label_budget.datasets has")
        root = with_group(root, "embedding", str(embeddings_by_dataset.get(name, cfg.embedding.name)),
                          named_by="label_budget.embeddings names")
        try:
            dataset = load_dataset(root.dataset, progress=progress)
        except (ConfigError, FileNotFoundError) as error:
            missing[str(name)] = str(error)
            log.warning("label_budget: %s skipped: %s", name, error)
            continue
        embeddings = load_embeddings(root.embedding, dataset, cache_dir=cfg.get("cache_dir"), progress=progress)
        kept, skipped = plan_budgets(dataset["dev"].y, budgets, n_classes=dataset.n_classes, min_per_class=min_per_class)
        draws, unfilled = draw_rows(dataset["dev"].y, kept, n_draws=n_draws, min_per_class=min_per_class)
        skipped.update(unfilled)
        kept = {label: n for label, n in kept.items() if label not in unfilled}
        prepared[str(name)] = {"dataset": dataset, "embeddings": embeddings, "embedding": str(root.embedding.name),
                               "settings": settings_for(cfg, root), "budgets": kept, "skipped": skipped, "draws": draws,
                               "neighbours": voting_neighbours(dataset, embeddings)}
    futures = {}
    with worker_pool(int(spec.n_jobs)) as executor:
        # One task per dataset (its label-free work is shared by its draws); the costliest first.
        for name in sorted(prepared, key=lambda n: -cost(prepared[n]["dataset"], prepared[n]["embeddings"])):
            item = prepared[name]
            futures[name] = executor.submit(measure_dataset, item["dataset"], item["embeddings"], item["neighbours"],
                                            item["settings"], item["draws"], int(cfg.seed))
        results = {name: future.result() for name, future in futures.items()}

    per_dataset, csv_rows, figures, record = {}, [], {}, {}
    for name, item in prepared.items():
        dataset, embedding = item["dataset"], item["embedding"]
        summary = summarise(dataset, item["budgets"], item["draws"], results[name]["draws"], n_bootstrap=int(spec.n_bootstrap))
        folds = {label: sorted({c.get("k") for c in cell["chosen"]["FS-kNN"]}) for label, cell in summary.items()}
        per_dataset[name] = {"summary": summary, "verdict": bar_verdict(summary), "overtakes": overtakes(summary),
                             "markdown": dataset_markdown(name, embedding, dataset.metric, summary, item["skipped"], folds)}
        csv_rows += table_rows(name, embedding, dataset.metric, summary)
        figures[f"label_budget_{name}"] = draw_dataset(name, embedding, dataset.metric, summary)
        record[name] = {"embedding": embedding, "metric": dataset.metric, "skipped": item["skipped"],
                        "seconds": results[name]["seconds"],
                        "budgets": {label: {"n_labels": cell["n_labels"], "draws": cell["draws"], "scores": cell["scores"],
                                            "chosen": cell["chosen"],
                                            "comparisons": {f"{a} vs {b}": c for (a, b), c in cell["comparisons"].items()}}
                                    for label, cell in summary.items()},
                        "verdict": per_dataset[name]["verdict"], "overtakes": per_dataset[name]["overtakes"]}
    settings_text = (f"Datasets {list(spec.datasets)}; budgets {list(spec.budgets)}; {n_draws} draws; "
                     f"k-fold: cv_folds {int(spec.cv_folds)}, {int(spec.cv_repeats)} repeats; end model hidden "
                     f"{list(spec.end_model_hidden)}; fine-tuning epochs {list(spec.fine_tune_epochs)}; labelled-source "
                     f"levels {[level_label(float(q)) for q in spec.source_levels]} of train extended.")
    text = markdown(per_dataset, settings_text=settings_text, missing=missing)
    write_json_atomic(output_dir / "label_budget.json", finite_or_none(_jsonable(record)))
    if csv_rows:
        publish(output_dir, texts={"label_budget.csv": to_csv(csv_rows), "label_budget.md": text},
                results_dir=spec.results_dir, figures=figures, figure_dir=spec.figure_dir, missing=missing)
    print("\n" + text)
    used = os.times()
    write_json_atomic(output_dir / "timings.json", {
        "wall_s": round(time.perf_counter() - started, 1), "n_jobs": int(spec.n_jobs),
        "cpu_s": round(used.user + used.system + used.children_user + used.children_system, 1)})
    return record


def _jsonable(value):
    """Arrays and numpy scalars as plain lists and numbers (predictions stay in the run only as scores)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
