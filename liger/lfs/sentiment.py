"""TextBlob's sentiment scores, computed once per text (several tutorial LFs threshold them)."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def textblob_sentiment(text: str) -> tuple[float, float]:
    """(polarity in [-1, 1], subjectivity in [0, 1]) of TextBlob's default PatternAnalyzer on the raw text.

    The analyzer reads the lexicon bundled with textblob; it needs no NLTK corpus download.
    """
    from textblob import TextBlob

    sentiment = TextBlob(text).sentiment
    return float(sentiment.polarity), float(sentiment.subjectivity)
