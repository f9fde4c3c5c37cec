import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from liger.labels import check_gold_labels, check_label_matrix, from_paper, to_paper


def _arrays(values):
    # Any integer dtype and shape (including empty and 3-D) drawn from the given values.
    return hnp.arrays(
        dtype=st.sampled_from([np.int8, np.int16, np.int32, np.int64]),
        shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=6),
        elements=st.sampled_from(values),
    )


@given(_arrays((-1, 0, 1)))
def test_paper_round_trip(votes):
    np.testing.assert_array_equal(to_paper(from_paper(votes)), votes)


@given(_arrays((-1, 0, 1)))
def test_internal_round_trip(labels):
    np.testing.assert_array_equal(from_paper(to_paper(labels)), labels)


def test_mapping_values():
    # Paper +1 is class 1, paper -1 is class 0, paper 0 is abstain (-1).
    np.testing.assert_array_equal(from_paper(np.array([1, -1, 0])), [1, 0, -1])
    np.testing.assert_array_equal(to_paper(np.array([1, 0, -1])), [1, -1, 0])


@pytest.mark.parametrize("convert", [from_paper, to_paper])
@pytest.mark.parametrize(
    "values, match",
    [
        (np.array([0, 1, 2, 1]), r"value 2 at \(2,\)"),
        (np.array([[0, 1], [1, -2]]), r"value -2 at \(1, 1\)"),
    ],
)
def test_conversion_names_bad_value_and_position(convert, values, match):
    with pytest.raises(ValueError, match=match):
        convert(values)


@pytest.mark.parametrize(
    "call",
    [
        lambda a: from_paper(a),
        lambda a: to_paper(a),
        lambda a: check_label_matrix(a.reshape(1, -1), 2),
        lambda a: check_gold_labels(a, 2, 3),
    ],
    ids=["from_paper", "to_paper", "check_label_matrix", "check_gold_labels"],
)
def test_float_dtype_rejected(call):
    # Floats hide NaNs and 0.5-votes; only integer arrays are labels.
    with pytest.raises(TypeError, match="float64"):
        call(np.array([1.0, 0.0, -1.0]))


@pytest.mark.parametrize("bad", [-2, 3])
def test_label_matrix_out_of_range(bad):
    L = np.zeros((2, 3), dtype=np.int64)
    L[1, 2] = bad
    with pytest.raises(ValueError, match=rf"value {bad} at row 1, column 2.*0\.\.2"):
        check_label_matrix(L, 3)


def test_label_matrix_accepts_full_range():
    L = np.array([[-1, 0, 1, 2]], dtype=np.int8)
    out = check_label_matrix(L, 3)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, L)


@pytest.mark.parametrize("shape", [(4,), (2, 2, 2)])
def test_label_matrix_must_be_2d(shape):
    with pytest.raises(ValueError, match="2-D"):
        check_label_matrix(np.zeros(shape, dtype=np.int64), 2)


@pytest.mark.parametrize("y, match", [(np.zeros(4, dtype=int), r"shape \(4,\).*\(5,\)"), (np.zeros((5, 1), dtype=int), r"shape \(5, 1\)")])
def test_gold_labels_shape_mismatch(y, match):
    with pytest.raises(ValueError, match=match):
        check_gold_labels(y, 2, 5)


@pytest.mark.parametrize("bad", [-1, 2])
def test_gold_labels_out_of_range(bad):
    # Gold labels never abstain.
    with pytest.raises(ValueError, match=rf"value {bad} at row 1"):
        check_gold_labels(np.array([0, bad, 1]), 2, 3)
