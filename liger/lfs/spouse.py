"""The nine LFs of the Snorkel spouse tutorial (``spouse_demo``), in the tutorial's column order.

Classes: 0 = not spouses, 1 = spouses. Each LF reads one candidate: a tokenised sentence and two
inclusive person spans, person 1 before person 2. The rules follow the tutorial's current version
(which has ``lf_married``; an older version had ``lf_and_married`` in that column), including its
preprocessors' quirks, kept because they define the LFs whose numbers the tutorial publishes:

- "between tokens" are the tokens strictly between the end of person 1 and the start of person 2;
- the "left window" of a person is ``tokens[:start][-4:-1]``: three tokens that skip the token
  right before the name ("his wife Jane Doe" has left window ``[..., "his"]``, not ``"wife"``);
- a name is its tokens joined by spaces; its last name is the last space-separated part, or None
  for a one-part name.

``tests/lfs/test_spouse_lfs.py`` checks these rules against the tutorial's published LF summary on
its 2811-candidate dev set.
"""

from __future__ import annotations

from typing import Iterable, Protocol, Sequence

from liger.labels import ABSTAIN
from liger.lfs.apply import LabelingFunction

NOT_SPOUSE, SPOUSE = 0, 1

SPOUSE_WORDS = frozenset({"spouse", "wife", "husband", "ex-wife", "ex-husband"})
_FAMILY = ("father", "mother", "sister", "brother", "son", "daughter",
           "grandfather", "grandmother", "uncle", "aunt", "cousin")
FAMILY_WORDS = frozenset(_FAMILY + tuple(f"{word}-in-law" for word in _FAMILY))
OTHER_RELATION_WORDS = frozenset({"boyfriend", "girlfriend", "boss", "employee", "secretary", "co-worker"})
LEFT_WINDOW = 3


class Candidate(Protocol):
    """What an LF reads: tokens and two inclusive ``(start, end)`` token spans."""

    tokens: Sequence[str]
    person1_word_idx: Sequence[int]
    person2_word_idx: Sequence[int]


def between_tokens(candidate: Candidate) -> list[str]:
    return list(candidate.tokens[candidate.person1_word_idx[1] + 1 : candidate.person2_word_idx[0]])


def left_window(candidate: Candidate, person: int) -> list[str]:
    """The tutorial's left window of person 1 or 2 (skips the token right before the name)."""
    start = (candidate.person1_word_idx if person == 1 else candidate.person2_word_idx)[0]
    return list(candidate.tokens[:start][-1 - LEFT_WINDOW : -1])


def person_name(candidate: Candidate, person: int) -> str:
    start, end = candidate.person1_word_idx if person == 1 else candidate.person2_word_idx
    return " ".join(candidate.tokens[start : end + 1])


def last_name(name: str) -> str | None:
    parts = name.split(" ")
    return parts[-1] if len(parts) > 1 else None


def _has_any(words: frozenset[str], tokens: Iterable[str]) -> bool:
    return not words.isdisjoint(tokens)


def lf_husband_wife(candidate: Candidate) -> int:
    return SPOUSE if _has_any(SPOUSE_WORDS, between_tokens(candidate)) else ABSTAIN


def lf_husband_wife_left_window(candidate: Candidate) -> int:
    near = left_window(candidate, 1) + left_window(candidate, 2)
    return SPOUSE if _has_any(SPOUSE_WORDS, near) else ABSTAIN


def lf_same_last_name(candidate: Candidate) -> int:
    first, second = last_name(person_name(candidate, 1)), last_name(person_name(candidate, 2))
    return SPOUSE if first and second and first == second else ABSTAIN


def lf_married(candidate: Candidate) -> int:
    return SPOUSE if "married" in between_tokens(candidate) else ABSTAIN


def lf_familial_relationship(candidate: Candidate) -> int:
    return NOT_SPOUSE if _has_any(FAMILY_WORDS, between_tokens(candidate)) else ABSTAIN


def lf_family_left_window(candidate: Candidate) -> int:
    near = left_window(candidate, 1) + left_window(candidate, 2)
    return NOT_SPOUSE if _has_any(FAMILY_WORDS, near) else ABSTAIN


def lf_other_relationship(candidate: Candidate) -> int:
    return NOT_SPOUSE if _has_any(OTHER_RELATION_WORDS, between_tokens(candidate)) else ABSTAIN


def distant_supervision_lf(known_spouses: Iterable[Sequence[str]]) -> LabelingFunction:
    """Spouses when the two names, in either order, are a known spouse pair (exact strings)."""
    pairs = frozenset(tuple(pair) for pair in known_spouses)

    def vote(candidate: Candidate) -> int:
        first, second = person_name(candidate, 1), person_name(candidate, 2)
        return SPOUSE if (first, second) in pairs or (second, first) in pairs else ABSTAIN

    return LabelingFunction("lf_distant_supervision", vote)


def distant_supervision_last_names_lf(known_spouses: Iterable[Sequence[str]]) -> LabelingFunction:
    """Spouses when two different last names, in either order, are a known pair's last names."""
    pairs = frozenset(
        (last_name(a), last_name(b)) for a, b in known_spouses if last_name(a) and last_name(b)
    )

    def vote(candidate: Candidate) -> int:
        first, second = last_name(person_name(candidate, 1)), last_name(person_name(candidate, 2))
        # (None, None) is never a pair: pairs hold only names with a last name.
        differ = first != second
        return SPOUSE if differ and ((first, second) in pairs or (second, first) in pairs) else ABSTAIN

    return LabelingFunction("lf_distant_supervision_last_names", vote)


def spouse_lfs(known_spouses: Iterable[Sequence[str]]) -> tuple[LabelingFunction, ...]:
    """The nine tutorial LFs in the tutorial's order; two of them read the known-spouse pairs."""
    known_spouses = tuple(known_spouses)
    rules = (lf_husband_wife, lf_husband_wife_left_window, lf_same_last_name, lf_married,
             lf_familial_relationship, lf_family_left_window, lf_other_relationship)
    return (
        *(LabelingFunction(rule.__name__, rule) for rule in rules),
        distant_supervision_lf(known_spouses),
        distant_supervision_last_names_lf(known_spouses),
    )
