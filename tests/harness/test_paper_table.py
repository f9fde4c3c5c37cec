"""The paper-table layout: pivot, bold best honest entry, leaky rows apart, lifts as the abstract defines them."""

from __future__ import annotations

import pytest

from liger.harness.paper_table import LEAKY_SUFFIX, render_paper_table


def row(dataset, method, test, *, std=0.01, metric="accuracy", tune_on="dev", seeds=5):
    """A summary row as liger.harness.aggregate.summarise makes it; ``test`` is the dataset metric's mean."""
    out = {"dataset": dataset, "embedding": "minilm", "method": method, "tune_on": tune_on, "metric": metric,
           "n_seeds": seeds, "seeds": "0 1 2 3 4"}
    for split in ("dev", "test"):
        for name in ("acc", "f1", "coverage"):
            out[f"{split}_{name}_mean"], out[f"{split}_{name}_std"] = 0.5, 0.0
    out[f"test_{'acc' if metric == 'accuracy' else 'f1'}_mean"] = test
    out[f"test_{'acc' if metric == 'accuracy' else 'f1'}_std"] = std
    return out


@pytest.fixture
def rows():
    return [
        row("spam", "label_model", 0.80), row("spam", "ws_knn", 0.88), row("spam", "fs_adapter", 0.905),
        row("spam", "liger", 0.87), row("spam", "liger", 0.95, tune_on="test"),
        row("spouse", "label_model", 0.40, metric="f1"), row("spouse", "ws_adapter", 0.45, metric="f1"),
        row("spouse", "fs_knn", 0.30, metric="f1"), row("spouse", "liger", 0.50, metric="f1"),
    ]


def test_best_honest_entry_is_bold_and_leaky_row_is_marked_not_bold(rows):
    md = render_paper_table(rows)["md"]
    table = md.split("## Average lift")[0]
    assert "| Liger | 87.0 ± 1.0 | **50.0 ± 1.0** |" in table
    assert "| FS-Adapter | **90.5 ± 1.0** | – |" in table
    assert f"| Liger{LEAKY_SUFFIX} | 95.0 ± 1.0 | – |" in table
    assert table.index("| Liger |") < table.index(f"| Liger{LEAKY_SUFFIX}")
    assert "spam (acc)" in table and "spouse (F1)" in table


def test_average_lifts_use_the_best_baseline_of_each_family_per_dataset(rows):
    md = render_paper_table(rows)["md"]
    # WS-LM: (87-80 + 50-40)/2 = 8.5; WS-kNN/Adapter: (87-88 + 50-45)/2 = 2.0; FS: (87-90.5 + 50-30)/2 = 8.25.
    assert "| WS-LM | +8.5 | 2 | +14.1 |" in md
    assert "| WS-kNN / Adapter / LogReg | +2.0 | 2 | +11.8 |" in md
    assert "| FS-kNN / Adapter / LogReg | +8.2 | 2 | +7.2 |" in md


def test_logreg_rows_sit_beside_their_family_and_count_in_its_lift(rows):
    rows = rows + [row("spam", "ws_logreg", 0.89), row("spouse", "fs_logreg", 0.48, metric="f1")]
    md = render_paper_table(rows)["md"]
    table = md.split("## Average lift")[0]
    order = [table.index(f"| {name} |") for name in ("WS-kNN", "WS-Adapter", "WS-LogReg", "FS-kNN", "FS-Adapter", "FS-LogReg")]
    assert order == sorted(order)
    # WS: (87-89 + 50-45)/2 = 1.5; FS: (87-90.5 + 50-48)/2 = -0.75.
    assert "| WS-kNN / Adapter / LogReg | +1.5 | 2 | +11.8 |" in md
    assert "| FS-kNN / Adapter / LogReg | -0.8 | 2 | +7.2 |" in md


def test_latex_is_booktabs_with_bold_and_escaped_names(rows):
    tex = render_paper_table(rows)["tex"]
    assert tex.startswith(r"\begin{tabular}{lcc}") and r"\toprule" in tex and tex.rstrip().endswith(r"\end{tabular}")
    assert r"\textbf{90.5 $\pm$ 1.0}" in tex
    assert "WS-LM (triplet)" in tex and "_" not in tex.replace(r"\_", "")


def test_csv_is_the_long_rows_and_two_embeddings_in_one_table_is_an_error(rows):
    csv = render_paper_table(rows)["csv"]
    assert csv.count("\n") == len(rows) + 1
    clash = rows + [{**rows[0], "embedding": "tfidf"}]
    with pytest.raises(ValueError, match="two rows for"):
        render_paper_table(clash)


def test_ws_lm_family_counts_snorkel_and_caption_names_each_columns_embedding(rows):
    with_snorkel = rows + [row("spam", "snorkel_label_model", 0.85)]
    for r in with_snorkel:
        if r["dataset"] == "spouse":
            r["embedding"] = "none"
    md = render_paper_table(with_snorkel)["md"]
    # WS-LM family on spam is now Snorkel's 85: (87-85 + 50-40)/2 = 6.0.
    assert "| WS-LM | +6.0 | 2 | +14.1 |" in md
    assert "embeddings: minilm (spam); none (spouse)." in md


def test_a_cell_with_fewer_seeds_says_so(rows):
    md = render_paper_table(rows + [row("spam", "ws_adapter", 0.79, seeds=3)])["md"]
    assert "| WS-Adapter | 79.0 ± 1.0 (3 seeds) | 45.0 ± 1.0 |" in md
    assert "(5 seeds)" not in md


def test_intervals_differences_and_lift_intervals_come_from_paired_replicates():
    import numpy as np

    from liger.harness.aggregate import GROUP_KEYS, summarise
    from liger.harness.bootstrap import replicates_by_group

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)

    def run(method, seed, accuracy):
        predicted = np.where(rng.random(200) < accuracy, y, 1 - y)
        scores = {"acc": float(np.mean(predicted == y)), "f1": 0.5, "coverage": 1.0}
        return {"dataset": "spam", "embedding": "minilm", "method": method, "tune_on": "dev", "seed": seed,
                "metric": "accuracy", "dev": scores, "test": scores,
                "predictions": {"class_names": ["ham", "spam"],
                                "splits": {"test": {"ids": [f"r{i}" for i in range(200)], "y": y.tolist(),
                                                    "predicted": predicted.tolist()}}}}

    runs = [run(m, s, a) for m, a in (("liger", 0.9), ("label_model", 0.6), ("fs_knn", 0.89)) for s in range(3)]
    replicates = replicates_by_group(runs, GROUP_KEYS, n_bootstrap=500)
    rows = summarise(runs, replicates)
    md = render_paper_table(rows, replicates=replicates)["md"]
    liger = next(r for r in rows if r["method"] == "liger")
    assert liger["test_metric_ci_low"] < liger["test_acc_mean"] < liger["test_metric_ci_high"]
    assert f"[{100 * liger['test_metric_ci_low']:.1f}, {100 * liger['test_metric_ci_high']:.1f}]" in md
    differences = md.split("## Liger minus each method")[1].split("## Average lift")[0]
    ws_lm = next(line for line in differences.splitlines() if line.startswith("| WS-LM (triplet) |"))
    fs_knn = next(line for line in differences.splitlines() if line.startswith("| FS-kNN |"))
    assert ws_lm.endswith("]* |")  # a 30-point gap on 200 rows: the interval excludes 0
    assert fs_knn.endswith("] |")  # a 1-point gap: it does not
    assert "| WS-LM | +" in md and "| WS-LM | +" in md.split("## Average lift")[1]


def test_a_footnoted_column_is_marked_explained_and_left_out_of_the_lifts(rows):
    md = render_paper_table(rows + [row("sms_wrench", "label_model", 0.05, metric="f1"),
                                    row("sms_wrench", "liger", 0.90, metric="f1")])["md"]
    assert "| sms_wrench (F1)† |" in md and "† sms_wrench: WRENCH's sms LF votes as shipped." in md
    assert "| WS-LM | +8.5 | 2 | +14.1 |" in md  # as without the column: (87-80 + 50-40)/2
