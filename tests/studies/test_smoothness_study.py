"""``experiment=smoothness``: the study's files, its curves against a direct computation, the ada alignment check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from liger.harness.runner import load_dataset, load_embeddings
from liger.analysis.smoothness import smoothness_curve
import liger.studies.smoothness.study as study
CONF = Path(__file__).resolve().parents[2] / "conf"


def config(tmp_path: Path, *overrides: str):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=[
            "experiment=smoothness", "smoothness.n_bootstrap=20", f"cache_dir={tmp_path / 'cache'}",
            f"smoothness.figure_dir={tmp_path / 'figures'}", f"smoothness.table_dir={tmp_path / 'tables'}",
            "smoothness.pair_fractions={start: 0.001, stop: 0.2, num: 8}", *overrides,
        ])


def as_float(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def test_writes_curves_equal_to_a_direct_computation(tmp_path):
    cfg = config(tmp_path, "smoothness.embeddings=[tfidf,random]")
    result = study.run(cfg, tmp_path / "run")
    for path in ("run/smoothness.json", "run/smoothness_spam.png", "run/smoothness_spam.pdf", "run/smoothness_spam.md",
                 "figures/smoothness_spam.png", "figures/smoothness_spam.pdf", "tables/smoothness_spam.csv",
                 "tables/smoothness_spam.md", "run/config_resolved.yaml"):
        assert (tmp_path / path).is_file(), path
    written = json.loads((tmp_path / "run" / "smoothness.json").read_text())
    assert sorted(written["embeddings"]) == ["random", "tfidf"]  # JSON keys are written sorted
    dataset = load_dataset(cfg.dataset, progress=False)
    y = np.concatenate([dataset["dev"].y, dataset["test"].y])
    assert written["n_points"] == len(y) == 350
    radii = np.linspace(0.0, 1.0, 41)
    for name in ("tfidf", "random"):
        embeddings = load_embeddings(study.embedding_config(cfg, name), dataset, cache_dir=str(tmp_path / "cache"), progress=False)
        direct = smoothness_curve(np.concatenate([embeddings["dev"], embeddings["test"]]), y, radii, n_bootstrap=20, seed=0)
        curve = written["embeddings"][name]["radius"]
        np.testing.assert_array_equal(curve["n_pairs"], direct.n_pairs)
        np.testing.assert_array_equal(as_float(curve["m"]), direct.m)
        np.testing.assert_array_equal(as_float(curve["low"]), direct.low)
    # The random control is the roughest: ranked last by the scale-free summary.
    table = (tmp_path / "tables" / "smoothness_spam.csv").read_text().splitlines()
    assert table[1].split(",")[1] == "tfidf" and table[2].split(",")[1] == "random"
    assert result["comparisons"][0]["smoother"] == "tfidf"
    # Rerun: the same bytes.
    before = {p: (tmp_path / "run" / p).read_bytes() for p in ("smoothness.json", "smoothness_spam.png", "smoothness_spam.pdf")}
    study.run(cfg, tmp_path / "run")
    for name, data in before.items():
        assert (tmp_path / "run" / name).read_bytes() == data, name


def test_a_study_missing_an_input_keeps_its_outputs_in_its_run_folder(tmp_path):
    # ada needs the data folder: without it the study is partial, and the published files stay as they were.
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "smoothness_spam.md").write_text("committed\n")
    study.run(config(tmp_path, "smoothness.embeddings=[tfidf,ada]", "data_dir=null"), tmp_path / "run")
    written = json.loads((tmp_path / "run" / "smoothness.json").read_text())
    assert "no data folder" in written["skipped"]["ada"]
    assert (tmp_path / "run" / "smoothness_spam.md").is_file() and (tmp_path / "run" / "smoothness_spam.png").is_file()
    assert (tmp_path / "tables" / "smoothness_spam.md").read_text() == "committed\n"
    assert not (tmp_path / "tables" / "smoothness_spam.csv").exists() and not (tmp_path / "figures").exists()


def test_a_rerun_over_fewer_embeddings_does_not_replace_the_published_table(tmp_path, caplog):
    study.run(config(tmp_path, "smoothness.embeddings=[tfidf,random]"), tmp_path / "full")
    published = {p.name: p.read_bytes() for p in (tmp_path / "tables").iterdir()}
    figures = {p.name: p.read_bytes() for p in (tmp_path / "figures").iterdir()}
    study.run(config(tmp_path, "smoothness.embeddings=[tfidf]"), tmp_path / "subset")
    assert {p.name: p.read_bytes() for p in (tmp_path / "tables").iterdir()} == published
    assert {p.name: p.read_bytes() for p in (tmp_path / "figures").iterdir()} == figures
    assert (tmp_path / "subset" / "smoothness_spam.csv").read_bytes() != published["smoothness_spam.csv"]
    assert "not published: smoothness_spam.csv would drop random, which the published" in caplog.text
    # Deleting the published table is how to replace it with the narrower one.
    (tmp_path / "tables" / "smoothness_spam.csv").unlink()
    study.run(config(tmp_path, "smoothness.embeddings=[tfidf]"), tmp_path / "again")
    assert (tmp_path / "tables" / "smoothness_spam.csv").read_bytes() == (tmp_path / "again" / "smoothness_spam.csv").read_bytes()


def test_unknown_embedding_is_named(tmp_path):
    cfg = config(tmp_path, "smoothness.embeddings=[bert]")
    with pytest.raises(ValueError, match=r"smoothness.embeddings has 'bert'; expected 'ada' or one of"):
        study.run(cfg, tmp_path / "run")


@pytest.mark.shared_data
def test_paper_ada_embeddings_are_checked_for_alignment(tmp_path, shared_data):
    cfg = config(tmp_path, f"data_dir={shared_data}")
    dataset = load_dataset(cfg.dataset, progress=False)
    E = study.paper_ada_embeddings(cfg, dataset, ["dev", "test"])
    folder = shared_data / "spam" / "liger_split"
    expected = np.concatenate([np.load(folder / "dev_ada_embeddings.npy"), np.load(folder / "test_ada_embeddings.npy")])
    np.testing.assert_array_equal(E, expected)
    # A copy whose dev labels are shuffled is refused.
    copy = tmp_path / "data" / "spam" / "liger_split"
    shutil.copytree(folder, copy)
    labels = np.load(copy / "dev_Y_official.npy")
    np.save(copy / "dev_Y_official.npy", np.roll(labels, 1))
    cfg = config(tmp_path, f"data_dir={tmp_path / 'data'}")
    with pytest.raises(ValueError, match=r"dev_Y_official.npy disagrees with the loader's dev labels at row"):
        study.paper_ada_embeddings(cfg, dataset, ["dev", "test"])


def test_an_embedding_has_one_colour_in_every_figure():
    from liger.studies.common import EMBEDDING_COLOURS, embedding_colours

    assert embedding_colours(["random", "minilm"]) == {"random": EMBEDDING_COLOURS["random"], "minilm": EMBEDDING_COLOURS["minilm"]}
    assert embedding_colours(["ada", "minilm", "mine", "yours"]) == {"ada": "C4", "minilm": "C0", "mine": "C7", "yours": "C8"}
    assert len(set(EMBEDDING_COLOURS.values())) == len(EMBEDDING_COLOURS)


def test_the_figure_draws_sparse_stretches_dotted():
    curve = {"radii": [0.1, 0.2, 0.3, 0.4], "share_within": [0.001, 0.01, 0.1, 0.5], "m": [0.0, 0.0, 0.2, 0.4],
             "low": [0.0, 0.0, 0.1, 0.3], "high": [0.0, 0.0, 0.3, 0.5], "n_pairs": [5, 50, 200, 300]}
    result = {"settings": {"confidence": 0.95, "min_pairs": 100}, "dataset": "toy", "n_points": 40, "splits": ["dev"],
              "base_rate": 0.5, "embeddings": {"random": {"label": "random", "dim": 8, "radius": curve, "pair_fraction": curve}}}
    figure = study.draw(result)
    solid, dotted = figure.axes[0].get_lines()[:2]
    assert solid.get_linestyle() == "-" and dotted.get_linestyle() == ":"
    np.testing.assert_array_equal(np.isnan(solid.get_ydata()), [True, True, False, False])
    np.testing.assert_array_equal(np.isnan(dotted.get_ydata()), [False, False, False, True])
    assert "\ndotted: fewer than 100 pairs within r" in figure._suptitle.get_text()
