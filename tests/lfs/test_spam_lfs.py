import numpy as np
import pytest

import liger.lfs.spam as spam_lfs
from liger.labels import ABSTAIN, to_paper
from liger.lfs.apply import LabelingFunction, apply_lfs, labeling_function
from liger.lfs.spam import HAM, SPAM, SPAM_LFS
from liger.data.files import load_npy

LF = {lf.name: lf for lf in SPAM_LFS}
PERSON_COLUMN = 7
EXACT_COLUMNS = [j for j in range(10) if j != PERSON_COLUMN]
SPLITS = ("train", "dev", "test")


def _official(data_dir, split):
    return load_npy(data_dir / "spam" / "liger_split" / f"{split}_L_official.npy")


def test_column_order_matches_reference():
    # The official matrices' documented column order (shared/data/README.md).
    assert [lf.name for lf in SPAM_LFS] == [
        "keyword_my", "keyword_subscribe", "keyword_http", "keyword_please", "keyword_song",
        "regex_check_out", "short_comment", "has_person_name", "textblob_polarity", "textblob_subjectivity",
    ]


@pytest.mark.parametrize("column", EXACT_COLUMNS)
@pytest.mark.parametrize("split", SPLITS)
def test_lf_column_equals_official(data_dir, spam, split, column):
    official = _official(data_dir, split)[:, column]
    ours = to_paper(spam[split].L[:, column])
    mismatched = np.flatnonzero(ours != official)
    assert mismatched.size == 0, f"LF {SPAM_LFS[column].name} differs on {split} rows {mismatched[:10].tolist()}"


@pytest.mark.parametrize("split", SPLITS)
def test_person_name_agreement(data_dir, spam, split):
    # has_person_name substitutes spaCy NER, so it only has to agree mostly (0.932/0.86/0.884 measured).
    official = _official(data_dir, split)[:, PERSON_COLUMN]
    agreement = float(np.mean(to_paper(spam[split].L[:, PERSON_COLUMN]) == official))
    print(f"has_person_name agreement on {split}: {agreement:.3f}")
    assert agreement >= 0.85, f"has_person_name agrees with spaCy on only {agreement:.3f} of {split}"


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("keyword_my", "what a mystery", SPAM),  # substring, not word, match
        ("keyword_my", "Visit MY channel", SPAM),
        ("keyword_my", "nice video", ABSTAIN),
        ("keyword_subscribe", "SUBSCRIBED already", SPAM),
        ("keyword_subscribe", "nice video", ABSTAIN),
        ("keyword_http", "see HTTPS://x.y", SPAM),
        ("keyword_http", "see www.x.y", ABSTAIN),
        ("keyword_please", "Plz watch", SPAM),
        ("keyword_please", "PLEASE watch", SPAM),
        ("keyword_please", "pls watch", ABSTAIN),
        ("keyword_song", "Great SONG", HAM),
        ("keyword_song", "great tune", ABSTAIN),
        ("regex_check_out", "CHECK my channel OUT", SPAM),
        ("regex_check_out", "Checkout this", SPAM),
        ("regex_check_out", "out, then check", ABSTAIN),  # order matters
        ("short_comment", "one two three four", HAM),
        ("short_comment", "one  two\tthree\nfour", HAM),  # any whitespace separates words
        ("short_comment", "one two three four five", ABSTAIN),
        ("short_comment", "", HAM),
        ("has_person_name", "Katy is great", HAM),
        ("has_person_name", "katy is great", ABSTAIN),  # names must be capitalised
        ("has_person_name", "Zxqv is great", ABSTAIN),  # not a census first name
        ("has_person_name", "Katy " + "la " * 18, HAM),  # 19 tokens
        ("has_person_name", "Katy " + "la " * 19, ABSTAIN),  # 20 tokens
        ("has_person_name", "Katy " + "la " * 24, ABSTAIN),  # 25 tokens
        ("has_person_name", "Katy" + "!" * 18, HAM),  # punctuation marks are tokens: 19
        ("has_person_name", "Katy" + "!" * 19, ABSTAIN),  # 20
    ],
)
def test_lf_on_handcrafted_text(name, text, expected):
    assert LF[name](text) == expected


@pytest.mark.parametrize(
    "name, sentiment, expected",
    [
        ("textblob_polarity", (0.9, 0.0), ABSTAIN),  # strictly above 0.9
        ("textblob_polarity", (0.95, 0.0), HAM),
        ("textblob_subjectivity", (0.0, 0.5), HAM),  # at least 0.5
        ("textblob_subjectivity", (0.0, 0.49), ABSTAIN),
    ],
)
def test_textblob_thresholds(monkeypatch, name, sentiment, expected):
    # Thresholds only; the TextBlob scores themselves are checked against the official columns.
    monkeypatch.setattr(spam_lfs, "textblob_sentiment", lambda text: sentiment)
    assert LF[name]("anything") == expected


def test_apply_lfs_builds_matrix():
    is_long = LabelingFunction("is_long", lambda t: 1 if len(t) > 3 else ABSTAIN)

    @labeling_function()
    def starts_a(text):
        return 0 if text.startswith("a") else np.int64(1)  # numpy integers are valid votes

    L = apply_lfs([is_long, starts_a], ["abcd", "b", "ab"], progress=False)
    assert starts_a.name == "starts_a" and L.dtype == np.int64
    np.testing.assert_array_equal(L, [[1, 0], [-1, 1], [-1, 0]])


@pytest.mark.parametrize("bad", ["x", -2, 1.0, None])
def test_apply_lfs_rejects_bad_vote(bad):
    flaky = LabelingFunction("flaky_lf", lambda row: bad if row == "second" else 0)
    with pytest.raises(ValueError, match=rf"LF 'flaky_lf' returned {bad!r} on row 1"):
        apply_lfs([flaky], ["first", "second"], progress=False)
