"""Dataset loaders by config name; each maps the dataset config to a validated ``Dataset``.

A loader takes the config's keys (``name``, ``metric``, ``path`` and its own) and ``progress``.
Add a dataset by writing a loader function and one entry in ``LOADERS``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from liger.errors import ConfigError
from liger.data.dataset import Dataset
from liger.data.files import not_shipped_reason


def _spam(params: dict[str, Any], progress: bool) -> Dataset:
    from liger.data.spam import load_spam

    return load_spam(progress=progress)


def _wrench(params: dict[str, Any], progress: bool) -> Dataset:
    from liger.data.wrench import load_wrench

    return load_wrench(require_path(params), name=params.get("name"), metric=params.get("metric", "accuracy"))


def _sms(params: dict[str, Any], progress: bool) -> Dataset:
    from liger.data.sms import load_sms

    return load_sms(require_path(params), name=params.get("name", "sms"), metric=params.get("metric", "f1"), progress=progress)


def _weather(params: dict[str, Any], progress: bool) -> Dataset:
    from liger.data.weather import N_DEV, N_TEST, SPLIT_SEED, load_weather

    return load_weather(require_path(params), split_seed=params.get("split_seed", SPLIT_SEED),
                        n_dev=params.get("n_dev", N_DEV), n_test=params.get("n_test", N_TEST),
                        worker_lfs=params.get("worker_lfs", "positive_negative"),
                        name=params.get("name", "weather"), progress=progress)


def _weather_crowd(params: dict[str, Any], progress: bool) -> Dataset:
    from liger.data.weather import N_DEV, N_TEST, SPLIT_SEED, load_weather_crowd

    return load_weather_crowd(require_path(params), split_seed=params.get("split_seed", SPLIT_SEED),
                              n_dev=params.get("n_dev", N_DEV), n_test=params.get("n_test", N_TEST),
                              crowd_answers=params.get("crowd_answers", "tutorial"),
                              name=params.get("name", "weather_crowd"))


def _spouse(params: dict[str, Any], progress: bool) -> Dataset:
    from liger.data.spouse import CANDIDATE_TEXT, N_DEV, SPLIT_SEED, load_spouse

    return load_spouse(require_path(params), split_seed=params.get("split_seed", SPLIT_SEED),
                       n_dev=params.get("n_dev", N_DEV), candidate_text=params.get("candidate_text", CANDIDATE_TEXT),
                       name=params.get("name", "spouse"), progress=progress)


def _tennis(params: dict[str, Any], progress: bool) -> Dataset:
    from liger.data.video import TENNIS_BLOCK_SIZE, TENNIS_SPLIT_SEED, load_tennis

    return load_tennis(require_path(params), block_size=params.get("block_size", TENNIS_BLOCK_SIZE),
                       split_seed=params.get("split_seed", TENNIS_SPLIT_SEED))


def _wrench_video(params: dict[str, Any], progress: bool) -> Dataset:
    from liger.data.video import load_wrench_video

    return load_wrench_video(require_path(params), name=params.get("name"), metric=params.get("metric", "f1"),
                             sequence_key=params.get("sequence_key"))


def _rendered_video(params: dict[str, Any], progress: bool) -> Dataset:
    from liger.data.rendered_video import load_rendered_video
    from liger.video.render import RenderConfig

    keys = ("n_sequences", "n_frames", "size", "seed", "n_dev", "n_test")
    return load_rendered_video(RenderConfig(**{k: params[k] for k in keys if k in params}), progress=progress)


LOADERS: dict[str, Callable[[dict[str, Any], bool], Dataset]] = {
    "spam": _spam,
    "wrench": _wrench,
    "sms": _sms,
    "weather": _weather,
    "weather_crowd": _weather_crowd,
    "spouse": _spouse,
    "tennis": _tennis,
    "wrench_video": _wrench_video,
    "rendered_video": _rendered_video,
}


def require_path(params: dict[str, Any]) -> str:
    """The config's ``path``, or an error that says how to set it."""
    path = params.get("path")
    # An unset data_dir interpolates as "None/...".
    if not path or str(path).startswith("None/"):
        raise ConfigError(
            f"dataset {params.get('name')!r} needs its data folder (dataset.path is {path!r}); "
            "set data_dir=/path/to/data, the LIGER_DATA_DIR environment variable, or dataset.path=..."
        )
    reason = not_shipped_reason(path)
    if reason is not None and not Path(path).exists():
        raise ConfigError(f"dataset {params.get('name')!r}: {reason}")
    return str(path)


def load_dataset(params: dict[str, Any], *, progress: bool = True) -> Dataset:
    """The dataset the config names, loaded and validated."""
    loader = params.get("loader")
    if loader not in LOADERS:
        raise ConfigError(f"dataset.loader is {loader!r}; expected one of {sorted(LOADERS)}")
    return LOADERS[loader](params, progress)
