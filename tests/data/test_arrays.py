"""Array files: plain .npy and .pt tensors load; anything that would run code on load is refused."""

import pickle

import numpy as np
import pytest
import torch

from liger.data.arrays import load_array


class Payload:
    """Unpickling this runs ``exec``, which creates ``marker``: what a hostile file would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').close()",)


def test_npy_roundtrip(tmp_path):
    E = np.arange(12, dtype=np.float32).reshape(3, 4)
    np.save(tmp_path / "E.npy", E)
    loaded = load_array(tmp_path / "E.npy")
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded, E)
    np.testing.assert_array_equal(load_array(str(tmp_path / "E.npy")), E)  # str paths too


def test_pt_roundtrip(tmp_path):
    T = torch.arange(10, dtype=torch.float64).reshape(5, 2) / 3
    torch.save(T, tmp_path / "E.pt")
    loaded = load_array(tmp_path / "E.pt")
    assert isinstance(loaded, np.ndarray) and loaded.dtype == np.float64
    np.testing.assert_array_equal(loaded, np.arange(10).reshape(5, 2) / 3)


def test_pt_tensor_saved_with_grad(tmp_path):
    # Embeddings saved straight from a model's output still carry requires_grad.
    T = torch.ones(3, 2, requires_grad=True) * 2
    torch.save(T, tmp_path / "E.pt")
    np.testing.assert_array_equal(load_array(tmp_path / "E.pt"), np.full((3, 2), 2.0, dtype=np.float32))


def test_pt_not_a_tensor_raises(tmp_path):
    torch.save({"E": torch.ones(2, 2)}, tmp_path / "E.pt")
    with pytest.raises(TypeError, match=r"holds a dict; expected a single tensor"):
        load_array(tmp_path / "E.pt")


def test_npy_object_array_refused(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}, [1, 2]], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=r"obj\.npy could not be read as a plain \.npy array"):
        load_array(tmp_path / "obj.npy")


def test_pt_payload_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned_pt"
    path = tmp_path / "evil.pt"
    torch.save(Payload(marker), path)
    assert not marker.exists()
    with pytest.raises(ValueError, match=r"evil\.pt was refused by torch\.load\(weights_only=True\)"):
        load_array(path)
    assert not marker.exists(), "load_array ran code from a .pt file"
    # Control: the payload is live, so the refusal above is what kept the marker away.
    torch.load(path, weights_only=False)
    assert marker.exists()


def test_pt_payload_beside_tensor_refused(tmp_path):
    marker = tmp_path / "pwned_pt_mixed"
    torch.save([torch.ones(2, 2), Payload(marker)], tmp_path / "mixed.pt")
    with pytest.raises(ValueError):
        load_array(tmp_path / "mixed.pt")
    assert not marker.exists()


def test_raw_pickle_named_pt_refused(tmp_path):
    marker = tmp_path / "pwned_raw_pt"
    path = tmp_path / "raw.pt"
    path.write_bytes(pickle.dumps(Payload(marker), protocol=2))
    with pytest.raises(ValueError, match=r"raw\.pt"):
        load_array(path)
    assert not marker.exists()
    pickle.loads(path.read_bytes())  # control
    assert marker.exists()


def test_npy_payload_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned_npy"
    path = tmp_path / "evil.npy"
    hostile = np.empty(1, dtype=object)
    hostile[0] = Payload(marker)
    np.save(path, hostile, allow_pickle=True)
    assert not marker.exists()
    with pytest.raises(ValueError, match=r"evil\.npy"):
        load_array(path)
    assert not marker.exists(), "load_array ran code from a .npy file"
    np.load(path, allow_pickle=True)  # control
    assert marker.exists()


def test_raw_pickle_named_npy_refused(tmp_path):
    marker = tmp_path / "pwned_raw_npy"
    path = tmp_path / "raw.npy"
    path.write_bytes(pickle.dumps(Payload(marker), protocol=2))
    with pytest.raises(ValueError, match=r"raw\.npy"):
        load_array(path)
    assert not marker.exists()


@pytest.mark.parametrize("name", ["E.npz", "E.csv", "E.NPY", "E"])
def test_unknown_suffix_raises(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\x93NUMPY")
    with pytest.raises(ValueError, match=r"expected '\.npy' or '\.pt'"):
        load_array(path)


def test_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"absent\.npy does not exist"):
        load_array(tmp_path / "absent.npy")
    (tmp_path / "folder.npy").mkdir()
    with pytest.raises(FileNotFoundError, match=r"folder\.npy"):
        load_array(tmp_path / "folder.npy")
