"""Dataset loaders by config name; each maps the dataset config to a validated ``Dataset``.

A loader takes the config's keys (``name``, ``metric``, ``path`` and its own) and ``progress``.
Add a dataset by writing a loader function and one entry in ``LOADERS``.
"""

from __future__ import annotations

from typing import Any, Callable

from liger.data.dataset import Dataset


def _spam(params: dict[str, Any], progress: bool) -> Dataset:
    from liger.data.spam import load_spam

    return load_spam(progress=progress)


def _wrench(params: dict[str, Any], progress: bool) -> Dataset:
    from liger.data.wrench import load_wrench

    return load_wrench(require_path(params), name=params.get("name"), metric=params.get("metric", "accuracy"))


LOADERS: dict[str, Callable[[dict[str, Any], bool], Dataset]] = {
    "spam": _spam,
    "wrench": _wrench,
}


def require_path(params: dict[str, Any]) -> str:
    """The config's ``path``, or an error that says how to set it."""
    path = params.get("path")
    # An unset data_dir interpolates as "None/...".
    if not path or str(path).startswith("None/"):
        raise ValueError(
            f"dataset {params.get('name')!r} needs its data folder (dataset.path is {path!r}); "
            "set data_dir=/path/to/shared/data, the LIGER_DATA_DIR environment variable, or dataset.path=..."
        )
    return str(path)


def load_dataset(params: dict[str, Any], *, progress: bool = True) -> Dataset:
    """The dataset the config names, loaded and validated."""
    loader = params.get("loader")
    if loader not in LOADERS:
        raise ValueError(f"dataset.loader is {loader!r}; expected one of {sorted(LOADERS)}")
    return LOADERS[loader](params, progress)
