"""Every config in every group composes and validates; bad values fail with a message naming them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from liger.harness.config_check import validate_config

CONF = Path(__file__).resolve().parents[2] / "conf"


def group_options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def composed(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides), return_hydra_config=False)


def test_defaults_are_spam_minilm_liger_tuned_on_dev():
    cfg = composed()
    assert (cfg.dataset.name, cfg.embedding.name, cfg.method.name) == ("spam", "minilm", "liger")
    assert cfg.protocol.tune_on == "dev"
    validate_config(cfg)


@pytest.mark.parametrize("group", ["dataset", "embedding", "method"])
def test_every_option_composes_and_validates(group):
    options = group_options(group)
    assert options, f"no configs in conf/{group}"
    for option in options:
        cfg = composed(f"{group}={option}", "data_dir=/data")
        assert cfg[group].name == option, f"conf/{group}/{option}.yaml names itself {cfg[group].name!r}"
        validate_config(cfg)
        # Everything but the deliberately required paths resolves.
        if option != "precomputed":
            OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)


def test_ablations_differ_from_liger_only_where_named():
    liger = composed("method=liger").method
    partition_only = composed("method=liger_partition_only").method
    extension_only = composed("method=liger_extension_only").method
    assert list(partition_only.extension_levels) == [None]
    assert list(partition_only.n_partitions) == list(liger.n_partitions)
    assert list(extension_only.n_partitions) == [1]
    assert list(extension_only.extension_levels) == list(liger.extension_levels)


def test_logreg_heads_compose_beside_the_other_heads():
    for supervision, prefix in (("weak", "ws"), ("full", "fs")):
        logreg = composed(f"method={prefix}_logreg").method
        adapter = composed(f"method={prefix}_adapter").method
        assert (logreg.kind, logreg.supervision, adapter.supervision) == ("logreg", supervision, supervision)
        assert all(c > 0 for c in logreg.C) and "decision_thresholds" not in logreg
        # WS heads share one label model and its parameters.
        assert logreg.class_weight == "balanced"
        assert {k: v for k, v in logreg.items() if k not in ("name", "kind", "C", "class_weight")} == \
            {k: v for k, v in adapter.items() if k not in ("name", "kind", "hidden")}


@pytest.mark.parametrize(
    ("method", "override", "error", "match"),
    [
        ("fs_logreg", "method.C=[0]", ValueError, r"method.C has 0"),
        ("fs_logreg", "method.C=1", TypeError, r"method.C is 1"),
        ("ws_knn", "method.k=[2.5]", ValueError, r"method.k has 2.5"),
        ("fs_adapter", "method.supervision=semi", ValueError, r"method.supervision is 'semi'"),
        ("ws_logreg", "method.class_weight=heavy", ValueError, r"method.class_weight is 'heavy'"),
        ("ws_logreg", "+method.decision_thresholds=[1.5]", ValueError, r"decision threshold is 1.5"),
        ("fs_knn", "+method.decision_thresholds=[]", ValueError, r"method.decision_thresholds is empty"),
    ],
)
def test_bad_head_values_are_named(method, override, error, match):
    with pytest.raises(error, match=match):
        validate_config(composed(f"method={method}", override))


def test_only_configs_named_leaky_tune_on_test():
    for path in CONF.rglob("*.yaml"):
        if "leaky" not in path.stem:
            assert "tune_on: test" not in path.read_text(), f"{path} selects hyperparameters on test"


@pytest.mark.parametrize("experiment", group_options("experiment"))
def test_every_experiment_composes_and_validates(experiment):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"experiment={experiment}"], return_hydra_config=True)
    assert OmegaConf.to_container(OmegaConf.create(cfg.hydra.sweeper.params or {}), resolve=True) is not None
    validate_config(cfg)


def test_leaky_experiment_writes_apart_from_the_honest_one():
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        honest = compose(config_name="config", overrides=["experiment=paper_table"], return_hydra_config=True)
        leaky = compose(config_name="config", overrides=["experiment=paper_table_leaky"], return_hydra_config=True)
    assert honest.protocol.tune_on == "dev" and leaky.protocol.tune_on == "test"
    assert honest.hydra.sweep.dir != leaky.hydra.sweep.dir and "leaky" in leaky.hydra.sweep.dir
    assert honest.hydra.callbacks.aggregate.out == leaky.hydra.callbacks.aggregate.out


@pytest.mark.parametrize(
    ("override", "error", "match"),
    [
        ("seed=abc", TypeError, r"seed is 'abc'"),
        ("seed=-1", ValueError, r"seed is -1"),
        ("threads=0", ValueError, r"threads is 0"),
        ("threads=two", TypeError, r"threads is 'two'"),
        ("protocol.tune_on=train", ValueError, r"protocol.tune_on is 'train'"),
        ("method.n_partitions=4", TypeError, r"method.n_partitions is 4"),
        ("method.n_partitions=[0]", ValueError, r"method.n_partitions is 0"),
        ("method.extension_levels=[1.5]", ValueError, r"extension_levels has 1.5"),
        ("method.kind=svm", ValueError, r"method.kind is .svm."),
        ("method.selection=test", ValueError, r"method.selection is 'test'"),
        ("method.label_model=flyingsquid", ValueError, r"method.label_model is 'flyingsquid'"),
        ("method.label_model_params.triplet=5", TypeError, r"keyed by label-model name"),
        ("method.cv_folds=1", ValueError, r"method.cv_folds is 1"),
        ("+method.search=hnsw", ValueError, r"method.search is 'hnsw'"),
        ("embedding.provider=bert", ValueError, r"embedding.provider is 'bert'"),
        ("dataset.metric=auc", ValueError, r"dataset.metric is 'auc'"),
    ],
)
def test_bad_values_are_named(override, error, match):
    with pytest.raises(error, match=match):
        validate_config(composed(override))


# Every folder a config writes to; data_dir and cache_dir are read from (or a cache), not outputs.
OUTPUT_KEYS = ("dir", "out", "out_dir", "results_dir", "figure_dir", "table_dir")


def output_paths(node, where: str = "") -> list[tuple[str, str]]:
    """(key path, value) of every output folder in a resolved config tree, roots lists included."""
    found = []
    for key, value in (node.items() if isinstance(node, dict) else ()):
        path = f"{where}.{key}" if where else str(key)
        if isinstance(value, dict):
            found += output_paths(value, path)
        elif key in OUTPUT_KEYS and isinstance(value, str):
            found.append((path, value))
        elif key == "roots" and isinstance(value, list):
            found += [(f"{path}[{i}]", root) for i, root in enumerate(value)]
    return found


@pytest.mark.parametrize("experiment", [None, *group_options("experiment")])
def test_every_output_folder_lies_under_output_root(experiment, tmp_path, monkeypatch):
    monkeypatch.setenv("LIGER_OUTPUT_ROOT", str(tmp_path))
    overrides = [f"experiment={experiment}"] if experiment else []
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides, return_hydra_config=True)
    tree = OmegaConf.to_container(cfg, resolve=False)
    tree["hydra"] = {key: tree["hydra"][key] for key in ("run", "sweep", "callbacks")}  # Hydra's own: its defaults
    resolved = OmegaConf.to_container(OmegaConf.create(tree), resolve=True)
    paths = output_paths(resolved)
    assert {"hydra.run.dir", "hydra.sweep.dir"} <= {key for key, _ in paths}
    outside = [(key, value) for key, value in paths if not value.startswith(f"{tmp_path}/")]
    assert not outside, f"output folders not under output_root ({tmp_path}): {outside}"


def test_output_root_is_the_checkout_from_any_folder_unless_told(tmp_path, monkeypatch):
    monkeypatch.delenv("LIGER_OUTPUT_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    checkout = CONF.parent
    assert composed().output_root == str(checkout)
    assert composed("output_root=/elsewhere").output_root == "/elsewhere"
    monkeypatch.setenv("LIGER_OUTPUT_ROOT", str(tmp_path / "out"))
    assert composed().output_root == str(tmp_path / "out")
    monkeypatch.setenv("LIGER_OUTPUT_ROOT", "relative/out")  # made absolute once, where the command runs
    assert composed().output_root == str(tmp_path / "relative" / "out")
    monkeypatch.setenv("LIGER_OUTPUT_ROOT", "")  # empty is unset, not the file system's root
    assert composed().output_root == str(checkout)
