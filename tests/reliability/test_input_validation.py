"""Issue 6, item 1, case by case: each bad input fed to the real function that receives it.

A bad input must raise an error whose message names the bad value (and where it is) and what was
expected; where a fallback exists (all-abstain rows get the class prior, a part without dev points
gets the global balance), the fallback must happen and be recorded. The cases live in
``reliability.input_faults`` so that ``scripts/reliability_report.py`` reports exactly these.

Known gaps are strict xfails: when one gets fixed, its test fails until the ``gap`` mark is removed.
"""

from __future__ import annotations

import pytest

from reliability.faults import FaultMissed, expect_error, run_fault
from reliability.input_faults import input_faults

#: The issue's list, word for word as the faults name them.
ISSUE_ITEMS = (
    "label values out of range",
    "L and embeddings with different row counts or misaligned ids",
    "NaN, inf or all-zero embedding rows",
    "wrong dtypes",
    "empty splits",
    "an LF that never votes",
    "rows where every LF abstains",
    "a single class",
    "fewer than three LFs for the triplet method",
    "a part of the partition with no dev labels",
    "thresholds outside [-1, 1]",
    "a config value of the wrong type",
)
FAULTS = input_faults()


class StillMissed(Exception):
    """A fault not handled as expected (for known gaps: the expected failure)."""


def _param(fault):
    marks = [pytest.mark.xfail(strict=True, raises=StillMissed, reason=fault.gap)] if fault.gap else []
    return pytest.param(fault, id=fault.id, marks=marks)


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("fault", [_param(f) for f in FAULTS])
def test_bad_input(fault, tmp_path):
    outcome = run_fault(fault, tmp_path)
    if outcome.broken:
        pytest.fail(f"the injection itself failed: {outcome.observed}")
    if not outcome.handled:
        raise StillMissed(f"{fault.where}: expected {fault.expected}; got {outcome.observed}")


def test_every_item_of_the_issue_has_a_handled_case():
    items = {fault.item for fault in FAULTS}
    assert items == set(ISSUE_ITEMS)
    for item in ISSUE_ITEMS:
        assert any(f.item == item and f.gap is None for f in FAULTS), f"{item!r} has only known gaps"


def test_case_ids_are_unique():
    ids = [fault.id for fault in FAULTS]
    assert len(ids) == len(set(ids))


# -- the checker itself must be able to fail -------------------------------------------------------
def _raise(error):
    def call():
        raise error

    return call


@pytest.mark.parametrize(
    "call, match",
    [
        (_raise(ValueError("L is bad; expected 0..1")), "not naming the bad value"),
        (_raise(ValueError("L has value 7 at row 2")), "not naming what was expected"),
        (_raise(IndexError("L has value 7 at row 2; expected 0..1")), "IndexError instead of ValueError"),
        (lambda: None, "accepted without an error"),
    ],
    ids=["no_value", "no_expectation", "wrong_type", "no_error"],
)
def test_expect_error_rejects_vague_or_missing_errors(call, match):
    with pytest.raises(FaultMissed, match=match):
        expect_error(call, ValueError, value="value 7 at row 2", expected="expected 0..1")


def test_expect_error_returns_the_message():
    observed = expect_error(_raise(ValueError("L has value 7 at row 2; expected 0..1")), ValueError,
                            value="value 7 at row 2", expected="expected 0..1")
    assert observed == "ValueError: L has value 7 at row 2; expected 0..1"
