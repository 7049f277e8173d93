"""Is a new claim one that is already open on the board? (issue 13 item 10)

Two claims are compared after folding them as quotes are (forum.board.citations: NFKC,
curly and straight quotes, dashes, spaces), lower-cased and cut into words. They *match*
when they say the same thing in another order, with other little words or with a typo:

- they name the same numbers (2027 is not 2028), are both negated or both not ("will not"
  is not "will") and hold the same qualifiers ("before" is not "after"): otherwise they
  never match;
- their content words (without little words like "the", "will", "a") overlap by Jaccard
  ≥ 0.75, a word counting as shared when the other claim has it or has it with one typo
  (one letter added, dropped, changed or two swapped; two typos in words of 8 letters or more).

Only open predictions of the same article that everyone can see are compared; the page shows
the closest few and lets the author post anyway."""

import math
import re
from dataclasses import dataclass

from sqlalchemy import or_, select

from forum import clock
from forum.board.citations import fold_text
from forum.extensions import db
from forum.lifecycle import open_clause
from forum.models import Article, Prediction

WORDS_AT_LEAST = 0.75
SHOWN = 3

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_NUMBER = re.compile(r"\d")
_NEGATIONS = frozenset({"not", "no", "never", "nor", "none", "nobody", "nothing", "without",
                        "won't", "can't", "cannot", "isn't", "aren't", "wasn't", "weren't",
                        "doesn't", "don't", "didn't", "hasn't", "haven't", "hadn't",
                        "wouldn't", "shouldn't", "couldn't"})
# Words that turn a claim around: "before 2027" is not "after 2027"; both claims must hold
# the same ones.
_QUALIFIERS = frozenset({"before", "after", "until", "since", "more", "less", "fewer", "over",
                         "under", "above", "below", "least", "most", "higher", "lower", "first",
                         "last"})
_LITTLE = frozenset({"a", "an", "the", "will", "be", "by", "in", "on", "of", "to", "and", "or",
                     "at", "for", "with", "its", "it", "is", "are", "was", "this", "that",
                     "from", "as", "into", "has", "have", "had", "shall", "would", "which",
                     "who"})


@dataclass(frozen=True)
class Claim:
    """A claim as it is compared."""

    words: frozenset[str]
    numbers: frozenset[str]
    negated: bool
    qualifiers: frozenset[str]

    @classmethod
    def of(cls, text: str) -> "Claim":
        tokens = _WORD.findall(fold_text(text).casefold())
        return cls(
            words=frozenset(t for t in tokens if t not in _LITTLE and t not in _NEGATIONS),
            numbers=frozenset(t for t in tokens if _NUMBER.search(t)),
            negated=any(t in _NEGATIONS or t.endswith("n't") for t in tokens),
            qualifiers=frozenset(t for t in tokens if t in _QUALIFIERS),
        )

    def stems(self) -> list[str]:
        """Pieces of text every matching claim holds at least one of (a filter the database
        applies before any claim is compared; empty: no filter). A match shares at least
        three quarters of these n words, so it has one of any n - ceil(3n/4) + 1 of them (the
        longest are taken); a typo spoils only one end of a word, so the word's first or last
        four letters are there."""
        missing = len(self.words) - math.ceil(WORDS_AT_LEAST * len(self.words))
        words = sorted((w for w in self.words if w.isalnum()), key=lambda w: (-len(w), w))
        if len(words) <= missing:
            return []
        return sorted({piece for w in words[:missing + 1] for piece in (w[:4], w[-4:])})


def _typos(one: str, other: str, most: int) -> int:
    """The edit distance (with swaps of neighbours) of two words, or most + 1 when larger."""
    if abs(len(one) - len(other)) > most:
        return most + 1
    previous2, previous = None, list(range(len(other) + 1))
    for i, a in enumerate(one, 1):
        current = [i]
        for j, b in enumerate(other, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b))
            if i > 1 and j > 1 and a == other[j - 2] and one[i - 2] == b:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        if min(current) > most:
            return most + 1
        previous2, previous = previous, current
    return previous[-1]


def _near(word: str, others: frozenset[str]) -> bool:
    """`others` holds the word, or (for words of 4 letters or more, not numbers) the word
    with one typo; two in words of 8 letters or more."""
    if word in others:
        return True
    if len(word) < 4 or _NUMBER.search(word):
        return False
    most = 2 if len(word) >= 8 else 1
    return any(len(other) >= 4 and _typos(word, other, most) <= most for other in others)


def overlap(one: Claim, other: Claim) -> float:
    """How far two claims say the same thing, 0 to 1: 0 when they differ in a number or a
    negation, else the Jaccard index of their content words, near words counting as one."""
    if (one.numbers != other.numbers or one.negated != other.negated
            or one.qualifiers != other.qualifiers):
        return 0.0
    if not one.words and not other.words:
        return 1.0
    shared = sum(1 for word in one.words if _near(word, other.words))
    return shared / (len(one.words) + len(other.words) - shared)


def matches(one: Claim, other: Claim) -> bool:
    return overlap(one, other) >= WORDS_AT_LEAST


def is_duplicate(title: str, other_title: str) -> bool:
    """The two claims say the same thing (the rule of this module)."""
    return matches(Claim.of(title), Claim.of(other_title))


def open_matches(article: Article, title: str, limit: int = SHOWN) -> list[Prediction]:
    """The article's open, visible predictions whose claim matches `title`, closest first.

    The database first keeps the claims that hold one of the new claim's stems (a LIKE
    scan of the open titles); only those are compared here."""
    claim = Claim.of(title)
    found: list[tuple[float, int]] = []
    stems = claim.stems()
    conditions = [Prediction.article_id == article.id, Prediction.hidden.is_(False),
                  open_clause(Prediction, clock.today())]
    if stems:
        conditions.append(or_(*(Prediction.title.ilike(f"%{stem}%") for stem in stems)))
    rows = db.session.execute(select(Prediction.id, Prediction.title).where(*conditions))
    for prediction_id, other_title in rows:
        if (score := overlap(claim, Claim.of(other_title))) >= WORDS_AT_LEAST:
            found.append((score, prediction_id))
    found.sort(key=lambda pair: (-pair[0], -pair[1]))
    ids = [prediction_id for _, prediction_id in found[:limit]]
    if not ids:
        return []
    by_id = {p.id: p for p in db.session.scalars(select(Prediction).where(Prediction.id.in_(ids)))}
    return [by_id[i] for i in ids]
