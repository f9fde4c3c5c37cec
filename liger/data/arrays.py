"""Reading label matrices and embeddings from array files, never running code on load."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from liger.data.files import data_file_exists, load_npy


def load_array(path: str | Path) -> np.ndarray:
    """A ``.npy`` array (``allow_pickle=False``) or a ``.pt`` tensor (``weights_only=True``)."""
    path = Path(path)
    if not data_file_exists(path):
        raise FileNotFoundError(f"array file {path} does not exist")
    if path.suffix == ".npy":
        try:
            return load_npy(path)
        except ValueError as error:
            raise ValueError(f"{path} could not be read as a plain .npy array (pickled objects are refused): {error}") from error
    if path.suffix == ".pt":
        import torch

        try:
            value = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:  # torch raises UnpicklingError and others for unsafe content
            raise ValueError(f"{path} was refused by torch.load(weights_only=True): {error}") from error
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{path} holds a {type(value).__name__}; expected a single tensor")
        return value.detach().numpy()
    raise ValueError(f"{path} has suffix {path.suffix!r}; expected '.npy' or '.pt'")
