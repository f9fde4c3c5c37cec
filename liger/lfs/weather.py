"""The Snorkel crowdsourcing tutorial's LFs for weather tweets: TextBlob thresholds and crowd workers.

Source: snorkel-team/snorkel-tutorials, ``crowdsourcing/crowdsourcing_tutorial.py``. Classes:
0 = negative, 1 = positive. Two revisions of the tutorial differ in their worker LFs:

- ``positive_negative_worker_lfs``: revisions f7449fb .. 58e6cad (July to 10 August 2019). Workers
  with more than 10 visible answers of any kind (Positive, Negative, I can't tell, Neutral, Not
  related; counted after the tutorial hides the answers of some tweets) each get two LFs:
  ``worker_<id>_positive`` votes positive on a tweet the worker answered Positive, and
  ``worker_<id>_negative`` votes negative on a tweet the worker answered Negative; each abstains on
  any other answer and on tweets the worker did not answer (visibly). Tutorial names:
  ``worker_<id>_f_pos`` / ``worker_<id>_f_neg``; order: all positive LFs, then all negative LFs,
  workers in numeric id order (pandas' groupby order).
- ``one_per_worker_lfs``: revision 8d4fd69 (10 August 2019) to today's master. Every worker with at
  least one visible Positive or Negative answer gets one LF, ``worker_<id>``, voting that answer's
  class and abstaining otherwise.

Both revisions put the three TextBlob LFs first (``TEXTBLOB_LFS``). They threshold TextBlob's
polarity of the raw tweet text (tutorial names without the ``textblob_`` prefix):
``textblob_polarity_positive`` votes positive if polarity > 0.3, ``textblob_polarity_negative``
votes negative if polarity < -0.25, ``textblob_polarity_negative_2`` votes negative if
polarity <= 0.3. Every tweet has polarity > 0.3 or <= 0.3, so together they cover every tweet.

Worker LFs take a tweet id; TextBlob LFs take the tweet text.
"""

from __future__ import annotations

from typing import Mapping

from liger.labels import ABSTAIN
from liger.lfs.apply import LabelingFunction, labeling_function
from liger.lfs.sentiment import textblob_sentiment

NEGATIVE, POSITIVE = 0, 1
# The crowd's answer options; only the first two are a class.
ANSWER_TO_CLASS = {"Negative": NEGATIVE, "Positive": POSITIVE}
CROWD_ANSWERS = (
    "Negative",
    "Positive",
    "I can't tell",
    "Neutral / author is just sharing information",
    "Tweet not related to weather condition",
)
# A worker gets LFs (positive_negative revision) only with more than this many visible answers.
MIN_WORKER_ANSWERS = 10
POSITIVE_THRESHOLD = 0.3
NEGATIVE_THRESHOLD = -0.25

# worker id -> tweet id -> the worker's answer (one of CROWD_ANSWERS)
AnswersByWorker = Mapping[str, Mapping[str, str]]


@labeling_function()
def textblob_polarity_positive(text: str) -> int:
    return POSITIVE if textblob_sentiment(text)[0] > POSITIVE_THRESHOLD else ABSTAIN


@labeling_function()
def textblob_polarity_negative(text: str) -> int:
    return NEGATIVE if textblob_sentiment(text)[0] < NEGATIVE_THRESHOLD else ABSTAIN


@labeling_function()
def textblob_polarity_negative_2(text: str) -> int:
    """Like ``textblob_polarity_negative`` with a looser threshold: more coverage, less precision."""
    return NEGATIVE if textblob_sentiment(text)[0] <= POSITIVE_THRESHOLD else ABSTAIN


TEXTBLOB_LFS: tuple[LabelingFunction, ...] = (
    textblob_polarity_positive,
    textblob_polarity_negative,
    textblob_polarity_negative_2,
)


def worker_answer_lf(name: str, answers: Mapping[str, str], answer: str) -> LabelingFunction:
    """Votes ``answer``'s class on a tweet id the worker answered ``answer``; abstains otherwise."""
    if answer not in ANSWER_TO_CLASS:
        raise ValueError(f"answer is {answer!r}; expected one of {sorted(ANSWER_TO_CLASS)}")
    label = ANSWER_TO_CLASS[answer]

    def vote(tweet_id: str) -> int:
        return label if answers.get(tweet_id) == answer else ABSTAIN

    return LabelingFunction(name, vote)


def worker_class_lf(name: str, answers: Mapping[str, str]) -> LabelingFunction:
    """Votes the class of the worker's answer on a tweet id; abstains on other answers and unanswered tweets."""

    def vote(tweet_id: str) -> int:
        return ANSWER_TO_CLASS.get(answers.get(tweet_id, ""), ABSTAIN)

    return LabelingFunction(name, vote)


def positive_negative_worker_lfs(
    answers: AnswersByWorker, *, min_answers: int = MIN_WORKER_ANSWERS
) -> tuple[LabelingFunction, ...]:
    """The July 2019 tutorial's worker LFs: a positive and a negative LF per worker with > ``min_answers`` answers."""
    _check_answers(answers)
    workers = [w for w in _numeric_order(answers) if len(answers[w]) > min_answers]
    positive = [worker_answer_lf(f"worker_{w}_positive", answers[w], "Positive") for w in workers]
    negative = [worker_answer_lf(f"worker_{w}_negative", answers[w], "Negative") for w in workers]
    return tuple(positive + negative)


def one_per_worker_lfs(answers: AnswersByWorker) -> tuple[LabelingFunction, ...]:
    """Today's tutorial's worker LFs: one per worker with at least one Positive or Negative answer."""
    _check_answers(answers)
    workers = [w for w in _numeric_order(answers) if any(a in ANSWER_TO_CLASS for a in answers[w].values())]
    return tuple(worker_class_lf(f"worker_{w}", answers[w]) for w in workers)


def _numeric_order(answers: AnswersByWorker) -> list[str]:
    return sorted(answers, key=int)


def _check_answers(answers: AnswersByWorker) -> None:
    for worker, by_tweet in answers.items():
        if not str(worker).isdigit():
            raise ValueError(f"worker id {worker!r} is not a non-negative integer; expected CrowdFlower's numeric ids")
        for tweet_id, answer in by_tweet.items():
            if answer not in CROWD_ANSWERS:
                raise ValueError(f"worker {worker} answered {answer!r} on tweet {tweet_id}; expected one of {list(CROWD_ANSWERS)}")
