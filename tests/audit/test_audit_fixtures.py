"""The audit flags the two defects as found (miniature reproductions), and nothing on their clean versions."""

from __future__ import annotations

import pytest
from audit_fixtures import make_trec

from liger.audit import audit_dataset


def flags_of(dataset, check=None):
    return [f for f in audit_dataset(dataset).flags if check is None or f.check == check]


@pytest.mark.parametrize("fixture", ["trec_clean", "sms_clean"])
def test_clean_fixtures_raise_no_flag_at_all(fixture, request):
    assert flags_of(request.getfixturevalue(fixture)) == []


def test_trec_leak_as_found_is_flagged_on_test_first_token(trec_leaky):
    leaks = [f for f in flags_of(trec_leaky, "label_tokens") if f.numbers["position"] == "first"]
    assert [f.split for f in leaks] == ["test"]
    assert leaks[0].numbers["coverage"] == 1.0
    # The leaked tokens are the fine labels, not the class names.
    assert {t["token"] for t in leaks[0].numbers["tokens"]} == {"dist", "city", "ind", "manner"}
    assert {(t["token"], t["class"]) for t in leaks[0].numbers["tokens"]} >= {("dist", "NUM"), ("ind", "HUM")}


def test_trec_leak_as_found_is_flagged_for_casing_against_train_and_dev(trec_leaky):
    pairs = sorted(tuple(f.numbers["splits"]) for f in flags_of(trec_leaky, "text_casing"))
    assert pairs == [("dev", "test"), ("train", "test")]


def test_trec_prefix_alone_and_casing_alone_are_each_caught():
    assert {f.check for f in flags_of(make_trec(prefixed=("test",)))} == {"label_tokens"}
    # Kept casing also changes the class of the first character (lower -> upper): a format flag too.
    assert {f.check for f in flags_of(make_trec(cased=("test",)))} == {"text_casing", "text_format"}


def test_the_same_prefix_on_every_split_is_not_a_leak():
    """A fine-label first token that predicts the label on every split is a feature of the data, not a leak."""
    assert flags_of(make_trec(prefixed=("train", "dev", "test"))) == []


def test_sms_votes_of_other_texts_are_flagged_on_test_only(sms_shifted):
    flags = flags_of(sms_shifted, "lf_consistency")
    assert [f.split for f in flags] == ["test"]
    pooled = flags[0].numbers["pooled"]
    assert pooled["share"] <= 0.25 and pooled["expected_share"] == 1.0
    assert set(flags[0].numbers["lfs"]) == {"lf_free", "lf_prize", "lf_love", "lf_home"}
