"""The 73 sms rules: the shipped train votes reproduced, the rule semantics on hand-written strings."""

import json
import re

import numpy as np
import pytest

from liger.labels import ABSTAIN
from liger.lfs.apply import apply_lfs
from liger.lfs.sms import HAM, SMS_LFS, SMS_RULES, SPAM, regex_lf, rule_regex
from liger.data.files import read_text

LF = {lf.name: lf for lf in SMS_LFS}
SPLIT_FILES = ("train.json", "valid.json", "test.json")


def _records(data_dir, file_name):
    return list(json.loads(read_text(data_dir / "wrench" / "sms" / file_name)).values())


def test_rule_table():
    names = [name for name, _, _ in SMS_RULES]
    assert len(SMS_RULES) == len(SMS_LFS) == 73
    assert len(set(names)) == 73 and all(name.isidentifier() for name in names)
    assert [lf.name for lf in SMS_LFS] == names
    # A name starts with the class it votes, so a column's polarity can be read off its name.
    assert all(name.startswith({HAM: "ham_", SPAM: "spam_"}[label]) for name, label, _ in SMS_RULES)


# --- the shipped train votes ------------------------------------------------------------------


@pytest.fixture(scope="module")
def train(data_dir):
    records = _records(data_dir, "train.json")
    texts = [r["data"]["text"] for r in records]
    return texts, np.array([r["weak_labels"] for r in records]), apply_lfs(SMS_LFS, texts, progress=False)


def test_train_votes_reproduced(train):
    _, shipped, ours = train
    row_agreement = float(np.mean((ours == shipped).all(axis=1)))
    disagreements = (ours != shipped).sum(axis=0)
    print(f"\nsms train: {row_agreement:.4f} of {len(shipped)} rows agree on all 73 votes")
    for (name, _, rule), n_rows, fired in zip(SMS_RULES, disagreements, (shipped != ABSTAIN).sum(axis=0)):
        print(f"  {name:32s} {rule:45s} fires {fired:5d}  disagrees on {n_rows} rows")
    failing = {SMS_RULES[j][0]: int(n) for j, n in enumerate(disagreements) if n}
    assert row_agreement >= 0.98, f"only {row_agreement:.4f} of train rows agree; LFs that disagree: {failing}"


def test_column_polarity_matches_shipped(train):
    _, shipped, _ = train
    for j, (name, label, _) in enumerate(SMS_RULES):
        votes = set(np.unique(shipped[:, j])) - {ABSTAIN}
        assert votes == {label}, f"shipped column {j} votes {sorted(votes)}; rule {name} votes {label}"


@pytest.mark.parametrize("file_name", SPLIT_FILES)
def test_keyword_filter_never_changes_a_vote(data_dir, file_name):
    # The LFs skip the regex when a slot's words are absent; the plain regex is the reference.
    texts = [r["data"]["text"] for r in _records(data_dir, file_name)] + list(HANDWRITTEN)
    for lf, (name, label, rule) in zip(SMS_LFS, SMS_RULES):
        pattern = re.compile(rule_regex(rule))
        reference = [label if pattern.search(t.strip().lower()) else ABSTAIN for t in texts]
        assert [lf(t) for t in texts] == reference, name


# --- rule semantics on hand-written strings -------------------------------------------------


CASES = [
    # Keywords start the text or follow a space, and end it or meet a space after any punctuation.
    ("spam_credits", "credits", SPAM),
    ("spam_credits", "use your credits!! now", SPAM),
    ("spam_credits", "  USE YOUR CREDITS  ", SPAM),  # lower-cased and stripped first
    ("spam_credits", "creditsx", ABSTAIN),
    ("spam_credits", "xcredits", ABSTAIN),
    ("spam_credits", "(credits)", ABSTAIN),  # punctuation before a keyword is not a boundary
    ("spam_credits", "credits.com", ABSTAIN),  # nor is punctuation followed by a word character
    ("ham_thanks", "thanks :-) see you", HAM),  # the punctuation run may include spaces
    ("ham_thanks", "thanks,bye", ABSTAIN),
    ("ham_thanks", "thanksgiving", ABSTAIN),
    # "_": at most one word, made of word characters only.
    ("ham_thats_nice", "thats nice", HAM),
    ("ham_thats_nice", "well, thats really nice.", HAM),
    ("ham_thats_nice", "thats, really nice", HAM),
    ("ham_thats_nice", "thats really very nice", ABSTAIN),
    ("ham_thats_nice", "thats so-so nice", ABSTAIN),
    ("ham_thats_nice", "nice thats", ABSTAIN),  # slots keep their order
    # "...": any number of words, separated by single spaces.
    ("spam_won_cash", "won cash", SPAM),
    ("spam_won_cash", "you have won a ??1000 cash prize", SPAM),
    ("spam_won_cash", "won!!  cash", SPAM),  # a keyword's punctuation run absorbs extra spaces
    ("spam_won_cash", "won a  cash", ABSTAIN),  # a double space inside the gap breaks it, as in the source
    ("spam_won_cash", "cash won", ABSTAIN),
    ("spam_won_cash_prize", "won the cash and a prize!", SPAM),
    ("spam_won_cash_prize", "won the prize and cash", ABSTAIN),
    # A slot's alternatives.
    ("spam_call_free", "ringtone for free", SPAM),
    ("spam_call_free", "call me, its free", SPAM),
    ("spam_call_free", "free call", ABSTAIN),
    ("ham_i_use_to", "i used to", HAM),
    ("ham_i_use_to", "i never use to", HAM),
    # Keywords with punctuation inside are matched literally.
    ("ham_praying", "keep praying.will talk later", HAM),
    ("ham_praying", "keep praying.tonight", ABSTAIN),
    ("spam_pounds500", "win ??500 now", SPAM),
    ("spam_pounds500", "win 500 now", ABSTAIN),
    ("spam_pounds1_50", "cost ??1.50/msg", ABSTAIN),  # "/" then "m": not a boundary
    ("spam_pounds1_50", "cost ??1.50 per msg", SPAM),
]
HANDWRITTEN = tuple(text for _, text, _ in CASES)


@pytest.mark.parametrize("name, text, expected", CASES)
def test_rule_on_handwritten_text(name, text, expected):
    assert LF[name](text) == expected


def test_regex_has_the_source_form():
    # rule.txt's "( |^)(thats|thats)[^\w]* (\w+ ){0,1}(nice\.|nice)[^\w]*( |$)" without its redundant alternatives.
    assert rule_regex("thats _ nice") == r"( |^)(thats)[^\w]* (\w+ ){0,1}(nice)[^\w]*( |$)"
    assert rule_regex("call|ringtone ... free") == r"( |^)(call|ringtone)[^\w]* ([^\s]+ )*(free)[^\w]*( |$)"


def test_regex_lf_votes_its_label():
    lf = regex_lf("ham_hello", "hello ... world", HAM)
    assert lf.name == "ham_hello"
    assert (lf("hello big world"), lf("world hello")) == (HAM, ABSTAIN)


@pytest.mark.parametrize("rule", ["", "won cash", "won ...", "... won", "won .. cash", "won  cash", "won|| ... cash", "|won"])
def test_malformed_rule_raises(rule):
    with pytest.raises(ValueError, match=re.escape(repr(rule))):
        rule_regex(rule)
