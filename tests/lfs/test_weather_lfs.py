"""The crowdsourcing tutorial's weather LFs on hand-written inputs: TextBlob thresholds and worker LFs."""

import nltk
import pytest
from textblob import TextBlob

import liger.lfs.weather as weather_lfs
from liger.labels import ABSTAIN
from liger.lfs.apply import apply_lfs
from liger.lfs.sentiment import textblob_sentiment
from liger.lfs.weather import (
    NEGATIVE,
    POSITIVE,
    TEXTBLOB_LFS,
    one_per_worker_lfs,
    positive_negative_worker_lfs,
    worker_answer_lf,
)

TB = {lf.name: lf for lf in TEXTBLOB_LFS}
OTHER_ANSWERS = ("I can't tell", "Neutral / author is just sharing information", "Tweet not related to weather condition")


def test_textblob_names_and_order_are_the_tutorials():
    # The tutorial's polarity_positive, polarity_negative, polarity_negative_2, prefixed with their source.
    assert list(TB) == ["textblob_polarity_positive", "textblob_polarity_negative", "textblob_polarity_negative_2"]


@pytest.mark.parametrize(
    "polarity, expected",
    [
        # (positive, negative, negative_2): > 0.3 positive; < -0.25 negative; <= 0.3 negative.
        (1.0, (POSITIVE, ABSTAIN, ABSTAIN)),
        (0.3000001, (POSITIVE, ABSTAIN, ABSTAIN)),
        (0.3, (ABSTAIN, ABSTAIN, NEGATIVE)),
        (0.0, (ABSTAIN, ABSTAIN, NEGATIVE)),
        (-0.25, (ABSTAIN, ABSTAIN, NEGATIVE)),
        (-0.2500001, (ABSTAIN, NEGATIVE, NEGATIVE)),
        (-1.0, (ABSTAIN, NEGATIVE, NEGATIVE)),
    ],
)
def test_textblob_thresholds_at_the_boundaries(monkeypatch, polarity, expected):
    monkeypatch.setattr(weather_lfs, "textblob_sentiment", lambda text: (polarity, 0.5))
    assert tuple(lf("any tweet") for lf in TEXTBLOB_LFS) == expected


@pytest.mark.parametrize(
    "text, polarity, expected",
    [
        ("colorful", 0.3, (ABSTAIN, ABSTAIN, NEGATIVE)),  # exactly at the positive threshold
        ("anxious", -0.25, (ABSTAIN, ABSTAIN, NEGATIVE)),  # exactly at the negative threshold
        ("nice weather", 0.6, (POSITIVE, ABSTAIN, ABSTAIN)),
        ("terrible", -1.0, (ABSTAIN, NEGATIVE, NEGATIVE)),
        ("", 0.0, (ABSTAIN, ABSTAIN, NEGATIVE)),
    ],
)
def test_textblob_lfs_on_real_scores(text, polarity, expected):
    assert TextBlob(text).sentiment.polarity == polarity  # the library's score, read independently
    assert tuple(lf(text) for lf in TEXTBLOB_LFS) == expected


@pytest.mark.parametrize("polarity", [-1.0, -0.25, 0.0, 0.3, 0.31, 1.0])
def test_textblob_lfs_together_vote_on_every_polarity(monkeypatch, polarity):
    monkeypatch.setattr(weather_lfs, "textblob_sentiment", lambda text: (polarity, 0.5))
    assert any(lf("t") != ABSTAIN for lf in TEXTBLOB_LFS)


def test_textblob_sentiment_needs_no_nltk_corpus(monkeypatch, tmp_path):
    # An empty corpus search path: any corpus lookup would raise LookupError.
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    textblob_sentiment.cache_clear()
    text = "Offline check: lovely sunny day, awful traffic."
    assert textblob_sentiment(text) == (TextBlob(text).sentiment.polarity, TextBlob(text).sentiment.subjectivity)


# --- worker LFs -----------------------------------------------------------------------------------


def _answers(n_positive, n_negative, n_other, *, offset=0):
    """A worker's answers on distinct tweet ids: n Positive, n Negative and n of the other options."""
    answers, tweet = {}, offset
    for answer, n in (("Positive", n_positive), ("Negative", n_negative)):
        for _ in range(n):
            answers[str(tweet)] = answer
            tweet += 1
    for k in range(n_other):
        answers[str(tweet)] = OTHER_ANSWERS[k % 3]
        tweet += 1
    return answers


def test_worker_filter_keeps_workers_with_more_than_ten_answers_of_any_kind():
    answers = {
        "100": _answers(1, 1, 9),  # 11 answers, 9 of them not a class: kept
        "9": _answers(5, 5, 0),  # exactly 10: dropped
        "10": _answers(0, 0, 11),  # 11 non-class answers: kept (two LFs that never vote)
        "7": _answers(11, 0, 0),
    }
    names = [lf.name for lf in positive_negative_worker_lfs(answers)]
    # All positive LFs, then all negative LFs; workers in numeric (not string) order.
    assert names == [
        "worker_7_positive", "worker_10_positive", "worker_100_positive",
        "worker_7_negative", "worker_10_negative", "worker_100_negative",
    ]
    assert [lf.name for lf in positive_negative_worker_lfs(answers, min_answers=9)][:4] == [
        "worker_7_positive", "worker_9_positive", "worker_10_positive", "worker_100_positive"
    ]


def test_positive_and_negative_worker_lfs_vote_only_their_answer():
    answers = {"5": {"t_pos": "Positive", "t_neg": "Negative", **{f"t_other{k}": a for k, a in enumerate(OTHER_ANSWERS)}}}
    answers["5"].update({f"filler{k}": "I can't tell" for k in range(8)})  # 13 answers: passes the filter
    positive, negative = positive_negative_worker_lfs(answers)
    tweets = ["t_pos", "t_neg", "t_other0", "t_other1", "t_other2", "unanswered"]
    assert [positive(t) for t in tweets] == [POSITIVE, ABSTAIN, ABSTAIN, ABSTAIN, ABSTAIN, ABSTAIN]
    assert [negative(t) for t in tweets] == [ABSTAIN, NEGATIVE, ABSTAIN, ABSTAIN, ABSTAIN, ABSTAIN]
    L = apply_lfs([positive, negative], tweets, progress=False)
    assert (L != ABSTAIN).sum(axis=1).tolist() == [1, 1, 0, 0, 0, 0]  # never both on one tweet


def test_one_per_worker_lfs_vote_the_answers_class():
    answers = {
        "12": {"a": "Positive", "b": "Negative", "c": "I can't tell"},
        "3": {"a": "Negative"},
        "40": {"a": "Neutral / author is just sharing information", "b": "Tweet not related to weather condition"},
    }
    lfs = one_per_worker_lfs(answers)
    assert [lf.name for lf in lfs] == ["worker_3", "worker_12"]  # 40 never answers a class: no LF
    L = apply_lfs(lfs, ["a", "b", "c", "d"], progress=False)
    assert L.tolist() == [[NEGATIVE, POSITIVE], [ABSTAIN, NEGATIVE], [ABSTAIN, ABSTAIN], [ABSTAIN, ABSTAIN]]


def test_worker_lfs_read_answers_they_were_given_only():
    # A worker LF knows only its own worker's answers: another worker's answer on the tweet is ignored.
    answers = {"1": _answers(11, 0, 0), "2": _answers(0, 11, 0)}
    lfs = {lf.name: lf for lf in positive_negative_worker_lfs(answers)}
    assert lfs["worker_1_positive"]("0") == POSITIVE and lfs["worker_2_positive"]("0") == ABSTAIN
    assert lfs["worker_2_negative"]("0") == NEGATIVE and lfs["worker_1_negative"]("0") == ABSTAIN


@pytest.mark.parametrize(
    "answers, match",
    [
        ({"1": {"t": "positive"}}, "worker 1 answered 'positive' on tweet t"),
        ({"w1": {"t": "Positive"}}, "worker id 'w1' is not a non-negative integer"),
    ],
)
@pytest.mark.parametrize("build", [positive_negative_worker_lfs, one_per_worker_lfs])
def test_bad_answers_raise(build, answers, match):
    with pytest.raises(ValueError, match=match):
        build(answers)


def test_worker_answer_lf_rejects_a_non_class_answer():
    with pytest.raises(ValueError, match="answer is \"I can't tell\""):
        worker_answer_lf("w", {}, "I can't tell")
