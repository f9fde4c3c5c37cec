"""Configs: where they live, composing one option of a group (Hydra's compose API), and validating a run
config before any work starts (errors name the key and the value)."""

from __future__ import annotations

import copy
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf, open_dict

from liger.baselines.heads import HEADS
from liger.data.registry import LOADERS
from liger.baselines.decision_rule import check_thresholds
from liger.embed import PROVIDERS
from liger.errors import ConfigError
from liger.harness.methods import METHOD_KINDS, SEARCHES, label_model_grid, label_model_params
from liger.method.liger import LABEL_MODELS

#: The project's Hydra config folder (the checkout's ``conf/``, beside ``liger/``).
CONF_DIR = Path(__file__).resolve().parents[2] / "conf"



def validate_config(cfg: DictConfig) -> None:
    """Raise ValueError/TypeError for the first invalid value found."""
    _require_int("seed", cfg.get("seed"), minimum=0)
    if cfg.get("threads") is not None:
        _require_int("threads", cfg.threads, minimum=1)
    tune_on = OmegaConf.select(cfg, "protocol.tune_on")
    if tune_on not in ("dev", "test"):
        raise ConfigError(f"protocol.tune_on is {tune_on!r}; expected 'dev' (or 'test' to reproduce the leaky reference)")
    if cfg.dataset.get("loader") not in LOADERS:
        raise ConfigError(f"dataset.loader is {cfg.dataset.get('loader')!r}; expected one of {sorted(LOADERS)}")
    if cfg.dataset.get("metric") not in ("accuracy", "f1"):
        raise ConfigError(f"dataset.metric is {cfg.dataset.get('metric')!r}; expected 'accuracy' or 'f1'")
    provider = cfg.embedding.get("provider")
    if provider not in (*PROVIDERS, "precomputed", "none"):
        raise ConfigError(f"embedding.provider is {provider!r}; expected one of {sorted(PROVIDERS) + ['none', 'precomputed']}")
    method = cfg.method
    if method.get("kind") not in METHOD_KINDS:
        raise ConfigError(f"method.kind is {method.get('kind')!r}; expected one of {list(METHOD_KINDS)}")
    if "label_model" in method and method.label_model not in LABEL_MODELS:
        raise ConfigError(f"method.label_model is {method.label_model!r}; expected one of {sorted(LABEL_MODELS)}")
    if "label_model_params" in method:
        label_model_params(method)
    if "label_model_grid" in method:
        label_model_grid(method)
    if method.kind == "liger":
        for value in _as_list("method.n_partitions", method.get("n_partitions", [1])):
            _require_int("method.n_partitions", value, minimum=1)
        for value in _as_list("method.extension_levels", method.get("extension_levels", [None])):
            if value is not None and not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1):
                raise ConfigError(f"method.extension_levels has {value!r}; expected null or a number in [0, 1]")
        _require_int("method.min_part_size", method.get("min_part_size", 20), minimum=1)
        if method.get("selection", "dev") not in ("dev", "cv"):
            raise ConfigError(f"method.selection is {method.get('selection')!r}; expected 'dev' or 'cv'")
        _require_int("method.cv_folds", method.get("cv_folds", 5), minimum=2)
        if method.get("search", "exact") not in SEARCHES:
            raise ConfigError(f"method.search is {method.get('search')!r}; expected one of {list(SEARCHES)}")
    if method.kind in HEADS:
        _check_head(method, HEADS[method.kind].param)


def _check_head(method, param: str) -> None:
    if method.get("supervision", "weak") not in ("weak", "full"):
        raise ConfigError(f"method.supervision is {method.get('supervision')!r}; expected 'weak' or 'full'")
    for value in _as_list(f"method.{param}", method.get(param)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 or (param != "C" and value != int(value)):
            raise ConfigError(f"method.{param} has {value!r}; expected {'positive numbers' if param == 'C' else 'positive integers'}")
    if method.get("class_weight") not in (None, "balanced"):
        raise ConfigError(f"method.class_weight is {method.get('class_weight')!r}; expected null or 'balanced'")
    if method.get("decision_thresholds") is not None:
        check_thresholds(_as_list("method.decision_thresholds", method.decision_thresholds))


def _as_list(key: str, value) -> list:
    if OmegaConf.is_list(value) or isinstance(value, list):
        values = list(value)
        if not values:
            raise ConfigError(f"{key} is empty; expected at least one value")
        return values
    raise TypeError(f"{key} is {value!r} ({type(value).__name__}); expected a list, e.g. [{value}]")


def _require_int(key: str, value, *, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{key} is {value!r} ({type(value).__name__}); expected an integer")
    if value < minimum:
        raise ConfigError(f"{key} is {value}; expected an integer >= {minimum}")


def with_group(root: DictConfig, group: str, name: str, *, named_by: str, also: str = "") -> DictConfig:
    """A copy of the run config with option ``name`` of ``group`` (composed by Hydra, its defaults list
    applied, as ``liger-run <group>=<name>`` would) as ``<group>``, so its interpolations resolve.

    An unknown ``name`` raises "<named_by> '<name>'; expected <also>one of [...] (conf/<group>)".
    """
    if not (CONF_DIR / group / f"{name}.yaml").is_file():
        options = sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))
        raise ConfigError(f"{named_by} {name!r}; expected {also}one of {options} (conf/{group})")
    root = copy.deepcopy(root)
    with open_dict(root):
        root[group] = compose_option(group, name)
    return root


def compose_option(group: str, name: str) -> DictConfig:
    """``conf/<group>/<name>.yaml`` through Hydra's compose API, interpolations left for the run config to resolve."""
    if GlobalHydra.instance().is_initialized():  # inside a running app: its search path is this conf/
        return compose(config_name=f"{group}/{name}")[group]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name=f"{group}/{name}")[group]
