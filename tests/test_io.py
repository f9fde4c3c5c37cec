import json

import numpy as np
import pytest

from liger.io import save_npy_atomic, write_atomic, write_json_atomic, write_text_atomic


def test_json_bytes_depend_only_on_content(tmp_path):
    first = {"b": 1, "a": {"y": [1, 2], "x": "é"}}
    second = {"a": {"x": "é", "y": [1, 2]}, "b": 1}  # same content, other insertion order
    p1 = write_json_atomic(tmp_path / "one.json", first)
    p2 = write_json_atomic(tmp_path / "two.json", second)
    assert p1.read_bytes() == p2.read_bytes()
    assert json.loads(p1.read_text(encoding="utf-8")) == first


def test_json_keys_sorted(tmp_path):
    text = write_json_atomic(tmp_path / "out.json", {"zeta": 1, "alpha": 2, "mid": 3}).read_text()
    assert text.index('"alpha"') < text.index('"mid"') < text.index('"zeta"')
    assert text.endswith("\n")


def test_json_rejects_nan_and_keeps_old_file(tmp_path):
    # NaN is not JSON; a result file must never silently contain it.
    path = write_json_atomic(tmp_path / "out.json", {"ok": 1})
    before = path.read_bytes()
    with pytest.raises(ValueError):
        write_json_atomic(path, {"bad": float("nan")})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_failed_write_keeps_old_file_and_no_temp(tmp_path, binary, error):
    path = tmp_path / "result.dat"
    path.write_bytes(b"previous")

    def half_then_fail(handle):
        handle.write(b"partial" if binary else "partial")
        raise error("disk on fire")

    with pytest.raises(error, match="disk on fire"):
        write_atomic(path, half_then_fail, binary=binary)
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["result.dat"]


def test_write_creates_parent_dirs(tmp_path):
    path = write_json_atomic(tmp_path / "a" / "b" / "c.json", [1])
    assert json.loads(path.read_text()) == [1]


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12, dtype=np.int8).reshape(3, 4),
        np.array([0.1, -np.inf, np.nan]),
        np.array([[True, False]]),
        np.empty((0, 5), dtype=np.float32),
    ],
    ids=["int8", "float64", "bool", "empty"],
)
def test_npy_round_trip(tmp_path, array):
    path = save_npy_atomic(tmp_path / "x.npy", array)
    loaded = np.load(path, allow_pickle=False)
    assert loaded.dtype == array.dtype and loaded.shape == array.shape
    np.testing.assert_array_equal(loaded, array)


def test_npy_refuses_object_array(tmp_path):
    # Object arrays need pickle; refusing them keeps every .npy safe to load.
    with pytest.raises(ValueError):
        save_npy_atomic(tmp_path / "x.npy", np.array([{"a": 1}], dtype=object))
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_gives_the_mode_a_plain_open_would(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        path = write_text_atomic(tmp_path / "out.txt", "x")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644
