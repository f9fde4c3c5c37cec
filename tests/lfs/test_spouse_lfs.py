"""The nine spouse LFs: hand-built candidates, and the tutorial's published LF summary on its dev set."""

import json
from dataclasses import dataclass

import numpy as np
import pytest

from liger.data.spouse import read_candidates
from liger.labels import ABSTAIN
from liger.lfs.apply import apply_lfs
from liger.data.spouse import load_known_spouses
from liger.lfs.spouse import NOT_SPOUSE, SPOUSE, spouse_lfs

KNOWN = (("Barack Obama", "Michelle Obama"), ("Tom Hanks", "Rita Wilson"), ("Joan Burton", "Roland Burton"), ("Cher", "Sonny Bono"))
LF = {lf.name: lf for lf in spouse_lfs(KNOWN)}


@dataclass(frozen=True)
class Cand:
    tokens: tuple[str, ...]
    person1_word_idx: tuple[int, int]
    person2_word_idx: tuple[int, int]


def cand(text: str, first: str, second: str) -> Cand:
    """A candidate over ``text``'s space-separated tokens; each person is the first match of its words."""
    tokens = tuple(text.split(" "))

    def span(name: str, after: int) -> tuple[int, int]:
        words = name.split(" ")
        for start in range(after, len(tokens) - len(words) + 1):
            if list(tokens[start : start + len(words)]) == words:
                return start, start + len(words) - 1
        raise AssertionError(f"{name!r} not in {text!r}")

    p1 = span(first, 0)
    return Cand(tokens, p1, span(second, p1[1] + 1))


def test_names_and_order_are_the_tutorials():
    assert list(LF) == [
        "lf_husband_wife", "lf_husband_wife_left_window", "lf_same_last_name", "lf_married",
        "lf_familial_relationship", "lf_family_left_window", "lf_other_relationship",
        "lf_distant_supervision", "lf_distant_supervision_last_names",
    ]


@pytest.mark.parametrize(
    "name, text, first, second, expected",
    [
        # Spouse words between the two people.
        ("lf_husband_wife", "Jane Roe and her husband John Doe met", "Jane Roe", "John Doe", SPOUSE),
        ("lf_husband_wife", "Jane Roe , ex-wife of John Doe", "Jane Roe", "John Doe", SPOUSE),
        ("lf_husband_wife", "Jane Roe met John Doe and her husband", "Jane Roe", "John Doe", ABSTAIN),  # after, not between
        ("lf_husband_wife", "Jane Roe wrote on husbandry with John Doe", "Jane Roe", "John Doe", ABSTAIN),  # token, not substring
        ("lf_husband_wife", "Jane Roe and her Husband John Doe", "Jane Roe", "John Doe", ABSTAIN),  # case-sensitive
        # Left window: tokens[start-4 : start-1], skipping the token just before the name.
        ("lf_husband_wife_left_window", "the wife of his Jane met John", "Jane", "John", SPOUSE),
        ("lf_husband_wife_left_window", "his wife Jane met with a friend John", "Jane", "John", ABSTAIN),  # right before
        ("lf_husband_wife_left_window", "Jane met the spouse of a John", "Jane", "John", SPOUSE),  # person 2's window
        ("lf_husband_wife_left_window", "husband and wife Jane met John", "Jane", "John", SPOUSE),
        ("lf_husband_wife_left_window", "his wife Jane met John", "Jane", "John", SPOUSE),  # in person 2's window
        ("lf_husband_wife_left_window", "a husband of x y z Jane met John", "Jane", "John", ABSTAIN),  # too far left
        # Same last name: the last space-separated part, only for names of two or more parts.
        ("lf_same_last_name", "Jane Doe met John Doe", "Jane Doe", "John Doe", SPOUSE),
        ("lf_same_last_name", "Jane Mary Doe met John Doe", "Jane Mary Doe", "John Doe", SPOUSE),
        ("lf_same_last_name", "Doe met Doe", "Doe", "Doe", ABSTAIN),
        ("lf_same_last_name", "Jane Roe met John Doe", "Jane Roe", "John Doe", ABSTAIN),
        ("lf_married", "Jane and John married in May", "Jane", "John", ABSTAIN),  # after person 2
        ("lf_married", "Jane married John", "Jane", "John", SPOUSE),
        ("lf_married", "Jane , who Married John", "Jane", "John", ABSTAIN),
        ("lf_married", "Jane remarried John", "Jane", "John", ABSTAIN),
        ("lf_familial_relationship", "Jane and her daughter Ann", "Jane", "Ann", NOT_SPOUSE),
        ("lf_familial_relationship", "Jane and her sister-in-law Ann", "Jane", "Ann", NOT_SPOUSE),
        ("lf_familial_relationship", "Jane and her sisters Ann", "Jane", "Ann", ABSTAIN),
        ("lf_familial_relationship", "Jane met Ann , her daughter", "Jane", "Ann", ABSTAIN),
        ("lf_family_left_window", "the mother of his Jane met Ann", "Jane", "Ann", NOT_SPOUSE),
        ("lf_family_left_window", "her mother Jane met with a friend Ann", "Jane", "Ann", ABSTAIN),
        ("lf_family_left_window", "Jane met the cousin-in-law of the Ann", "Jane", "Ann", NOT_SPOUSE),
        ("lf_other_relationship", "Jane and her boyfriend Ann", "Jane", "Ann", NOT_SPOUSE),
        ("lf_other_relationship", "Jane and her girlfriend Ann", "Jane", "Ann", NOT_SPOUSE),
        ("lf_other_relationship", "Jane , the boss of Ann", "Jane", "Ann", NOT_SPOUSE),
        ("lf_other_relationship", "Jane and her friend Ann", "Jane", "Ann", ABSTAIN),
        # Known pairs, either order, exact strings.
        ("lf_distant_supervision", "Michelle Obama and Barack Obama", "Michelle Obama", "Barack Obama", SPOUSE),
        ("lf_distant_supervision", "Barack Obama and Michelle Obama", "Barack Obama", "Michelle Obama", SPOUSE),
        ("lf_distant_supervision", "Barack and Michelle Obama", "Barack", "Michelle Obama", ABSTAIN),
        ("lf_distant_supervision", "Tom Hanks and Michelle Obama", "Tom Hanks", "Michelle Obama", ABSTAIN),
        ("lf_distant_supervision", "Cher and Sonny Bono", "Cher", "Sonny Bono", SPOUSE),
        # Known pairs' last names, which must differ.
        ("lf_distant_supervision_last_names", "Colin Hanks met Ann Wilson", "Colin Hanks", "Ann Wilson", SPOUSE),
        ("lf_distant_supervision_last_names", "Ann Wilson met Colin Hanks", "Ann Wilson", "Colin Hanks", SPOUSE),
        ("lf_distant_supervision_last_names", "Al Burton met Bo Burton", "Al Burton", "Bo Burton", ABSTAIN),  # equal
        ("lf_distant_supervision_last_names", "Hanks met Wilson", "Hanks", "Wilson", ABSTAIN),  # no last names
        ("lf_distant_supervision_last_names", "Al Cher met Bo Bono", "Al Cher", "Bo Bono", ABSTAIN),  # "Cher" has none
    ],
)
def test_lf_on_hand_built_candidates(name, text, first, second, expected):
    assert LF[name](cand(text, first, second)) == expected


def test_left_window_at_sentence_start():
    # tokens[:1][-4:-1] is empty; tokens[:2][-4:-1] is the first token. Person 2 is far enough
    # that its own window (three of "went home and later met") holds no spouse word.
    assert LF["lf_husband_wife_left_window"](cand("wife Jane went home and later met John", "Jane", "John")) == ABSTAIN
    assert LF["lf_husband_wife_left_window"](cand("wife x Jane went home and later met John", "Jane", "John")) == SPOUSE


def test_every_lf_is_one_signed():
    positive = {"lf_husband_wife", "lf_husband_wife_left_window", "lf_same_last_name", "lf_married",
                "lf_distant_supervision", "lf_distant_supervision_last_names"}
    rows = [cand(t, a, b) for t, a, b in [
        ("Jane Doe , wife of his husband married John Doe", "Jane Doe", "John Doe"),
        ("mother of x Jane and daughter boss Ann", "Jane", "Ann"),
        ("Tom Hanks married Rita Wilson", "Tom Hanks", "Rita Wilson"),
    ]]
    L = apply_lfs(tuple(LF.values()), rows, progress=False)
    for j, name in enumerate(LF):
        votes = set(L[:, j].tolist()) - {ABSTAIN}
        assert votes <= ({SPOUSE} if name in positive else {NOT_SPOUSE}), name
        assert votes, f"{name} never voted on rows built to trigger it"


def test_load_known_spouses_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "none.json")):
        load_known_spouses(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([["A", "B"], ["C"]]))
    with pytest.raises(ValueError, match=r"entry 1 is \['C'\]; expected a pair"):
        load_known_spouses(bad)


# --- the tutorial's published LF summary -------------------------------------------------------

# LFAnalysis(L_dev, lfs).lf_summary(Y_dev) in the Snorkel spouse tutorial (snorkel.org, spouse_demo):
# (correct, incorrect) on its 2811-candidate dev set, which is shared/data/spouse/dev.jsonl.
PUBLISHED = {
    "lf_husband_wife": (93, 159),
    "lf_husband_wife_left_window": (30, 41),
    "lf_same_last_name": (19, 95),
    "lf_married": (22, 32),
    "lf_familial_relationship": (310, 15),
    "lf_family_left_window": (114, 2),
    "lf_other_relationship": (33, 6),
    "lf_distant_supervision": (2, 1),
    "lf_distant_supervision_last_names": (0, 3),
}


@pytest.mark.shared_data
def test_lf_summary_matches_the_tutorials_published_numbers(shared_data):
    folder = shared_data / "spouse"
    lfs = spouse_lfs(load_known_spouses(folder / "dbpedia_known_spouses.json"))
    rows = read_candidates(folder / "dev.jsonl")
    L = apply_lfs(lfs, rows, progress=False)
    # The tutorial's labels, (1 + y) // 2 of the raw file's 1 / -1 / 0.
    raw = [json.loads(line)["label"] for line in open(folder / "dev.jsonl", encoding="utf-8")]
    y = (1 + np.array(raw)) // 2
    ours = {}
    for j, lf in enumerate(lfs):
        voted = L[:, j] != ABSTAIN
        correct = int((L[voted, j] == y[voted]).sum())
        ours[lf.name] = (correct, int(voted.sum()) - correct)
    assert ours == PUBLISHED
