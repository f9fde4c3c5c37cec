"""The ten spam LFs of the Snorkel tutorial, in the column order of the reference code's matrix.

Classes: 0 = ham, 1 = spam. Nine follow the tutorial's rules exactly. The tutorial's
``has_person_nlp`` used spaCy's English NER, whose model is not installable here from a
trustworthy source; ``has_person_name`` is a documented substitute (see its docstring), and its
agreement with the official column is measured in ``tests/lfs/test_spam_lfs.py``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from liger.labels import ABSTAIN
from liger.lfs.apply import LabelingFunction, labeling_function
from liger.lfs.sentiment import textblob_sentiment

HAM, SPAM = 0, 1


def keyword_lf(name: str, keywords: tuple[str, ...], label: int) -> LabelingFunction:
    """Votes ``label`` when any keyword is a substring of the lower-cased text (the tutorial's rule)."""

    def vote(text: str) -> int:
        lowered = text.lower()
        return label if any(word in lowered for word in keywords) else ABSTAIN

    return LabelingFunction(name, vote)


@labeling_function()
def regex_check_out(text: str) -> int:
    return SPAM if re.search(r"check.*out", text, flags=re.I) else ABSTAIN


@labeling_function()
def short_comment(text: str) -> int:
    return HAM if len(text.split()) < 5 else ABSTAIN


@lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    """US Census 1990 first names (male and female) shipped by the ``names`` package."""
    from pathlib import Path

    import names

    folder = Path(names.__file__).parent
    found: set[str] = set()
    for file_name in ("dist.male.first", "dist.female.first"):
        with open(folder / file_name, encoding="utf-8") as handle:
            found.update(line.split()[0].lower() for line in handle if line.strip())
    return frozenset(found)


_TOKEN = re.compile(r"\w+|[^\w\s]")
_CAPITALISED = re.compile(r"^[A-Z][a-z]+$")


@labeling_function()
def has_person_name(text: str) -> int:
    """Substitute for spaCy NER: a short text (< 20 tokens) with a capitalised census first name.

    Rule kept close to the tutorial's ``len(doc) < 20 and any PERSON entity``: tokens are words
    and punctuation marks as spaCy splits them, and a person is a capitalised word (``Katy``)
    that is a US Census first name. It misses surname-only mentions and flags capitalised common
    words that are also names (``Will``); its agreement with the official column is reported.
    """
    tokens = _TOKEN.findall(text)
    if len(tokens) >= 20:
        return ABSTAIN
    first_names = _first_names()
    return HAM if any(_CAPITALISED.match(t) and t.lower() in first_names for t in tokens) else ABSTAIN


@labeling_function()
def textblob_polarity(text: str) -> int:
    return HAM if textblob_sentiment(text)[0] > 0.9 else ABSTAIN


@labeling_function()
def textblob_subjectivity(text: str) -> int:
    return HAM if textblob_sentiment(text)[1] >= 0.5 else ABSTAIN


SPAM_LFS: tuple[LabelingFunction, ...] = (
    keyword_lf("keyword_my", ("my",), SPAM),
    keyword_lf("keyword_subscribe", ("subscribe",), SPAM),
    keyword_lf("keyword_http", ("http",), SPAM),
    keyword_lf("keyword_please", ("please", "plz"), SPAM),
    keyword_lf("keyword_song", ("song",), HAM),
    regex_check_out,
    short_comment,
    has_person_name,
    textblob_polarity,
    textblob_subjectivity,
)
