"""Fixtures: the miniature datasets of ``audit_fixtures`` (the two defects as found, and their clean versions)."""

from __future__ import annotations

import pytest
from audit_fixtures import make_sms, make_trec

from liger.data.dataset import Dataset


@pytest.fixture(scope="session")
def trec_clean() -> Dataset:
    return make_trec()


@pytest.fixture(scope="session")
def trec_leaky() -> Dataset:
    return make_trec(prefixed=("test",), cased=("test",))


@pytest.fixture(scope="session")
def sms_clean() -> Dataset:
    return make_sms(shifted_test_votes=False)


@pytest.fixture(scope="session")
def sms_shifted() -> Dataset:
    return make_sms(shifted_test_votes=True)
