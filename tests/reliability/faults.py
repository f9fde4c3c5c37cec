"""Fault injection: bad inputs, hostile files, damaged caches and killed processes, with what should happen.

Each ``Fault`` feeds one fault to the real code in a scratch folder and returns what it observed,
or raises ``FaultMissed`` when the outcome is not the expected one. The tests
(``tests/reliability/test_input_validation.py``, ``test_crash_safety.py``) and
``scripts/reliability_report.py`` run the same faults, so the report shows what the tests check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

#: Report sections, in order.
CATEGORIES = ("input", "pickle", "cache", "crash")


class FaultMissed(AssertionError):
    """The fault was not handled as expected; the message is what happened instead."""


@dataclass(frozen=True)
class Fault:
    """One fault: ``inject(scratch)`` runs it and returns the observed outcome (raises ``FaultMissed``).

    ``gap`` marks a known gap: the reason it is not handled yet. Such a fault is expected to be
    missed; one that passes means the gap was fixed and the mark should go.
    """

    category: str
    item: str  # the wording of what is tried, e.g. "label values out of range"
    name: str
    where: str
    expected: str
    inject: Callable[[Path], str]
    gap: str | None = None

    @property
    def id(self) -> str:
        return re.sub(r"[^a-z0-9]+", "_", f"{self.item} {self.name}".lower()).strip("_")


@dataclass(frozen=True)
class Outcome:
    """What injecting a fault did: ``handled`` as expected, or not; ``broken`` when the injection itself failed."""

    fault: Fault
    observed: str
    handled: bool
    broken: bool = False

    @property
    def status(self) -> str:
        """"pass"; "fail"; "known gap"; "gap closed" (a gap that now passes: remove its mark); or
        "error" (the injection could not run, e.g. a precondition did not hold)."""
        if self.broken:
            return "error"
        if self.fault.gap is None:
            return "pass" if self.handled else "fail"
        return "gap closed" if self.handled else "known gap"

    @property
    def as_expected(self) -> bool:
        """Passed, or a known gap still missed."""
        return self.status in ("pass", "known gap")


def run_fault(fault: Fault, scratch: Path) -> Outcome:
    """Inject ``fault`` in its own folder under ``scratch``; never raises for a missed fault."""
    folder = Path(scratch) / fault.id
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return Outcome(fault, fault.inject(folder), True)
    except FaultMissed as missed:
        return Outcome(fault, str(missed), False)
    except Exception as error:  # a broken injection is reported, not a reason to stop the report
        return Outcome(fault, f"injection failed: {type(error).__name__}: {error}", False, broken=True)


def expect_error(call: Callable[[], object], error: type[Exception], *, value: str, expected: str) -> str:
    """Run ``call``; it must raise ``error`` whose message contains ``value`` (the bad value, where it
    is) and ``expected`` (what was expected). Returns "<Error>: <message>"."""
    try:
        call()
    except error as raised:
        message = str(raised)
        missing = [what for what, text in (("the bad value", value), ("what was expected", expected)) if text not in message]
        if missing:
            raise FaultMissed(f"{type(raised).__name__} not naming {' or '.join(missing)}: {message}") from raised
        return f"{type(raised).__name__}: {message}"
    except Exception as other:
        raise FaultMissed(f"{type(other).__name__} instead of {error.__name__}: {other}") from other
    raise FaultMissed("accepted without an error")


def error_fault(item: str, name: str, where: str, call: Callable[[], object], error: type[Exception], *,
                value: str, expected: str, gap: str | None = None) -> Fault:
    """A bad input that must be refused by ``error`` naming ``value`` and ``expected``."""
    return Fault(
        "input", item, name, where, f"{error.__name__} naming `{value}` and `{expected}`",
        lambda scratch: expect_error(call, error, value=value, expected=expected), gap,
    )


def require(condition: bool, observed: str) -> None:
    """Raise ``FaultMissed(observed)`` unless ``condition`` holds."""
    if not condition:
        raise FaultMissed(observed)


def all_faults(*, include_crash: bool = True) -> list[Fault]:
    """Every fault the report runs; the crash faults start subprocesses and take about a minute."""
    from reliability import crash_faults, file_faults, input_faults  # they import this module

    faults = input_faults.input_faults() + file_faults.pickle_faults() + file_faults.cache_faults()
    faults += crash_faults.crash_faults() if include_crash else []
    repeated = sorted({f.id for f in faults if [g.id for g in faults].count(f.id) > 1})
    if repeated:
        raise ValueError(f"fault ids {repeated} repeat; expected one id per fault")
    return faults
