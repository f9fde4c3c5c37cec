"""The checks every embedding matrix passes, and row normalisation."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from liger.embed.base import check_embeddings, normalize_rows


def _unit_norms(E):
    # Float64 so the oracle itself cannot overflow or underflow.
    return np.sqrt((E.astype(np.float64) ** 2).sum(axis=1))


def test_normalize_rows_float32_unit_same_direction():
    rng = np.random.default_rng(0)
    E = rng.normal(size=(7, 5)) * rng.uniform(0.1, 100, size=(7, 1))  # float64, uneven row scales
    U = normalize_rows(E)
    assert U.dtype == np.float32 and U.shape == E.shape
    np.testing.assert_allclose(_unit_norms(U), 1.0, atol=1e-6)
    # Same direction: each input row is a positive multiple of the output row.
    expected = E / np.sqrt((E**2).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(U, expected, atol=1e-6)


def test_normalize_rows_keeps_input_untouched():
    E = np.array([[3.0, 4.0], [0.0, 2.0]], dtype=np.float32)
    before = E.copy()
    np.testing.assert_allclose(normalize_rows(E), [[0.6, 0.8], [0.0, 1.0]], atol=1e-7)
    np.testing.assert_array_equal(E, before)


@given(
    arrays(np.float32, st.tuples(st.integers(1, 6), st.integers(1, 8)),
           elements=st.floats(width=32, allow_nan=False, allow_infinity=False))
)
def test_normalize_rows_any_finite_float32_rows(E):
    # Any row check_embeddings accepts (finite, not all zero) must come out unit-norm, whatever its scale.
    assume(E.any(axis=1).all())
    U = normalize_rows(E)
    assert U.dtype == np.float32
    assert np.isfinite(U).all()
    np.testing.assert_allclose(_unit_norms(U), 1.0, atol=1e-5)
    # Direction kept (a component far below the row's largest may round to 0 in float32).
    E64 = E.astype(np.float64) / np.abs(E.astype(np.float64)).max(axis=1, keepdims=True)
    np.testing.assert_allclose(U, E64 / _unit_norms(E64)[:, None], atol=1e-6)
    assert (np.sign(U) * np.sign(E) >= 0).all() and not U[E == 0].any()


@pytest.mark.parametrize("scale", [1e-25, 1e-40, 1e20, 3e38], ids=["tiny", "subnormal", "huge", "near_max"])
def test_normalize_rows_extreme_float32_scale(scale):
    E = np.array([[1.0, 1.0], [1.0, -1.0]], dtype=np.float32) * np.float32(scale)
    U = normalize_rows(E)
    np.testing.assert_allclose(U, np.array([[1, 1], [1, -1]]) / np.sqrt(2), atol=1e-6)


def test_normalize_rows_tiny_float64_rows():
    # 1e-50 is below float32's range; normalising must not turn the row into 0/0.
    U = normalize_rows(np.array([[3e-50, 4e-50]]))
    np.testing.assert_allclose(U, [[0.6, 0.8]], atol=1e-7)


def test_check_embeddings_returns_valid_input():
    E = np.ones((3, 2), dtype=np.float16)
    assert check_embeddings(E, n_rows=3) is E


@pytest.mark.parametrize(
    "bad_value, match",
    [(np.nan, r"NaN or inf in row 2"), (np.inf, r"NaN or inf in row 2"), (-np.inf, r"NaN or inf in row 2"),
     (None, r"row 2 is all zeros")],
    ids=["nan", "inf", "neg_inf", "zero_row"],
)
def test_check_embeddings_names_bad_row(bad_value, match):
    E = np.ones((5, 3))
    if bad_value is None:
        E[2] = 0.0
    else:
        E[2, 1] = bad_value
    E[4] = 0.0  # a later bad row: the first one is reported
    with pytest.raises(ValueError, match=match):
        check_embeddings(E, name="E_dev")
    with pytest.raises(ValueError, match=match):
        normalize_rows(E)


def test_check_embeddings_message_carries_name():
    with pytest.raises(ValueError, match=r"^E_dev row 0 is all zeros"):
        check_embeddings(np.zeros((1, 2)), name="E_dev")


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_check_embeddings_rejects_non_float(dtype):
    with pytest.raises(TypeError, match=f"dtype {np.dtype(dtype)}; expected a float"):
        check_embeddings(np.ones((2, 3), dtype=dtype))
    with pytest.raises(TypeError):
        normalize_rows(np.ones((2, 3), dtype=dtype))


@pytest.mark.parametrize("shape", [(4,), (2, 2, 2), ()], ids=["1d", "3d", "scalar"])
def test_check_embeddings_rejects_wrong_ndim(shape):
    with pytest.raises(ValueError, match=r"expected 2-D"):
        check_embeddings(np.ones(shape))


def test_check_embeddings_row_count_names_both_counts():
    with pytest.raises(ValueError, match=r"has 4 rows; expected 5"):
        check_embeddings(np.ones((4, 3)), n_rows=5)
    check_embeddings(np.ones((4, 3)), n_rows=4)  # control: the right count passes
