"""What every check returns: its numbers, its flags and the tables a report shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Flag:
    """One finding that needs a human: which check raised it, on which split, and the numbers that did."""

    check: str
    message: str
    numbers: dict[str, Any]
    split: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "split": self.split, "message": self.message, "numbers": self.numbers}


@dataclass(frozen=True)
class Table:
    """Rows (dicts) shown under ``caption`` with ``columns`` in that order."""

    caption: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class CheckResult:
    """A check's outcome. ``skipped`` says why a check did not apply (then numbers and flags are empty)."""

    check: str
    title: str
    numbers: dict[str, Any] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None

    @classmethod
    def skip(cls, check: str, title: str, reason: str) -> "CheckResult":
        return cls(check=check, title=title, skipped=reason)


@dataclass(frozen=True)
class DatasetAudit:
    """All checks of one dataset, with what identifies the data they ran on."""

    dataset: str
    description: str
    config: dict[str, Any]
    fingerprints: dict[str, Any]
    checks: list[CheckResult]

    @property
    def flags(self) -> list[Flag]:
        return [flag for check in self.checks for flag in check.flags]
