"""Word search over a board: the words of a query, in any order and case, found in the claims
and criteria of predictions and in the visible comments under them; ranked; highlighted.

One query function for every caller (the board page and the API's `q`), over each database's
own full-text index, built by migrations 0008 and 0009:
- SQLite: FTS5 tables `search_predictions` (title, criteria) and `search_comments` (body),
  external-content tables kept in step with `predictions` and `comments` by triggers;
- PostgreSQL: a generated `search_vector` tsvector column on `predictions` (the claim weighted
  above the criteria) and on `comments`, each with a GIN index, and `search_documents`: per
  prediction, the words of its shown comments (kept by triggers), so that which predictions
  a word's comments are under is read from one small row each, not from every comment.
A search is one statement: each word an IN set read once from the index, probed per row of
the board; the matches are scored, counted and cut to the page together (forum.board.queries).
Both stem English ("inspectors" finds "inspector"). The query's words are read here, never
passed on as query syntax: quotes, `*`, `-`, `OR`, `NEAR` and brackets are just characters, so
no input reaches the database as an FTS or tsquery expression.

A prediction matches when every word is in its claim, its criteria or one of its comments
that is shown (neither hidden by a moderator nor deleted: forum.visibility.comment_text_shown).
Hidden predictions are left out by the caller with forum.visibility.shown_to.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from markupsafe import Markup, escape
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Table,
    Text,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSVECTOR

from forum.errors import Invalid
from forum.extensions import db
from forum.models import Comment, Prediction
from forum.visibility import comment_text_shown

MAX_WORDS = 12
COMMENT_ID_MASK = 0xFFFFFFFF  # SQLite: a comment's index rowid is (prediction_id << 32) | id
SNIPPET_CHARS = 180
LANGUAGE = "english"

# PostgreSQL's English stop words (tsearch_data/english.stop): dropped on both databases, so a
# query means the same on each and "Kim and Trump" asks for Kim and Trump.
STOP_WORDS = frozenset("""
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
her hers herself it its itself they them their theirs themselves what which who whom this that
these those am is are was were be been being have has had having do does did doing a an the
and but if or because as until while of at by for with about against between into through
during before after above below to from up down in out on off over under again further then
once here there when where why how all any both each few more most other some such no nor not
only own same so than too very s t can will just don should now
""".split())  # noqa: SIM905 (the list as PostgreSQL writes it)

# What both databases' tokenizers treat as one word: letters and digits (`_` separates).
_WORD = re.compile(r"[^\W_]+")

# The search structures the migration builds and the models don't describe (FTS5 tables and
# their shadow tables on SQLite; the tsvector columns and their indexes on PostgreSQL).
SEARCH_TABLE_PREFIX = "search_"
SEARCH_COLUMN = "search_vector"
SEARCH_INDEXES = ("ix_predictions_search_vector", "ix_comments_search_vector",
                  "ix_search_documents_comments")

_fts = MetaData()
_fts_predictions = Table("search_predictions", _fts, Column("rowid", Integer),
                         Column("search_predictions", Text))
_fts_comments = Table("search_comments", _fts, Column("rowid", Integer),
                      Column("search_comments", Text))
_pg_documents = Table("search_documents", _fts, Column("prediction_id", Integer),
                      Column("comments", TSVECTOR))
# The generated column, read on the row a query is already on (the models don't map it).
_PG_VECTOR = literal_column(f"predictions.{SEARCH_COLUMN}", TSVECTOR)


def is_search_object(object_, name: str, type_: str, reflected: bool, compare_to) -> bool:
    """Alembic's include_object: False for the search structures, which exist in the database
    only (so autogenerate never drops them and the drift check compares the rest)."""
    del object_, reflected, compare_to
    if type_ == "table":
        return not name.startswith(SEARCH_TABLE_PREFIX)
    if type_ == "column":
        return name != SEARCH_COLUMN
    if type_ == "index":
        return name not in SEARCH_INDEXES
    return True


@lru_cache(maxsize=8192)
def _fold(word: str) -> str:
    """A word as both indexes compare it: case-folded, without accents ("Kïm" is "kim")."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.casefold())
                   if not unicodedata.combining(c))


@lru_cache(maxsize=8192)  # a board's words are few: each is stemmed once
def _stem(word: str) -> str:
    """A light English stem for highlighting ("inspectors" and "inspector" look alike)."""
    word = _fold(word)
    for ending in ("ing", "ies", "es", "ed", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


@dataclass(frozen=True)
class Query:
    """The words of a search, lower-cased, without repeats or stop words."""

    words: tuple[str, ...]

    @property
    def stems(self) -> frozenset[str]:
        return frozenset(_stem(word) for word in self.words)


def parse(text: str) -> Query:
    """The words to look for in what a reader typed; Invalid (with a message to show) when
    there is nothing to look for or too much."""
    words: list[str] = []
    for word in map(_fold, _WORD.findall(text)):
        if word not in STOP_WORDS and word not in words:
            words.append(word)
    if not words:
        message = ("Search for words: those are all very common." if _WORD.search(text)
                   else "Search for words: letters or digits, not only punctuation.")
        raise Invalid({"q": [message]}, message=message)
    if len(words) > MAX_WORDS:
        message = f"Search for at most {MAX_WORDS} words."
        raise Invalid({"q": [message]}, message=message)
    return Query(tuple(words))


def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _fts_phrase(word: str) -> str:
    """One word as an FTS5 string: quoted, so `or`, `near` and `not` are words too."""
    return '"' + word.replace('"', '""') + '"'


TITLE_SCORE, CRITERIA_SCORE = 4, 1  # a word in the claim counts four times one in the criteria


def _postgres_word(word: str):
    return func.plainto_tsquery(LANGUAGE, word)


def _in_comments(word: str):
    """SELECT of the prediction ids with a shown comment holding the word (repeats and all:
    the caller reads it as a set)."""
    if _postgres():  # one row per prediction: its shown comments' words (migration 0009)
        return select(_pg_documents.c.prediction_id).where(
            _pg_documents.c.comments.op("@@")(_postgres_word(word)))
    # Only shown comments are in the index (the migration's triggers apply
    # comment_text_shown), and each entry's rowid carries its prediction's id.
    return select(_fts_comments.c.rowid.op(">>")(32)).where(
        _fts_comments.c.search_comments.match(_fts_phrase(word)))


def _in_own_text(word: str, column: str):
    """SQL on Prediction: the word is in its claim ("title") or its criteria ("criteria")."""
    if _postgres():  # read from the row itself: the claim's words carry weight A, the criteria's B
        weighted = func.quote_literal(word).op("||")(":" + {"title": "A", "criteria": "B"}[column])
        return _PG_VECTOR.op("@@")(func.to_tsquery(literal_column(f"'{LANGUAGE}'::regconfig"),
                                                   weighted))
    return Prediction.id.in_(select(_fts_predictions.c.rowid).where(
        _fts_predictions.c.search_predictions.match(f"{{{column}}} : " + _fts_phrase(word))))


def matching(query: Query) -> list:
    """SQL conditions on Prediction, one per word: the word is in its claim, its criteria or
    one of its shown comments. Each is an IN over one pass of the indexes for that word, which
    the database reads once into a set and probes per row: grouping every hit (a word in
    50,000 comments is 50,000 hits) cost more than all the rest of a search."""
    if _postgres():  # the row's own vector, or its prediction in the comments' set
        return [or_(_PG_VECTOR.op("@@")(_postgres_word(word)),
                    Prediction.id.in_(_in_comments(word))) for word in query.words]
    # `id + 0`: not a column SQLite can look rows up by, so it reads the board's index
    # (article, hidden, hot rank: the columns a ranking needs) and probes the sets, instead
    # of looking up each of 15,000 rows in the table (15 % less time on broad searches).
    return [(Prediction.id + 0).in_(union_all(
        select(_fts_predictions.c.rowid).where(
            _fts_predictions.c.search_predictions.match(_fts_phrase(word))),
        _in_comments(word))) for word in query.words]


def relevance(query: Query):
    """SQL on Prediction: how well it matches, higher first: TITLE_SCORE for each word in the
    claim, CRITERIA_SCORE for each in the criteria, nothing for one only in comments. It
    reads which column holds a word from the index (SQLite) or from the weights in the row's
    own vector (PostgreSQL): bm25() or ts_rank() for every match cost more than the rest of a
    search (50 ms for 15,000 matches), and ts_filter() a third more than the weights."""
    score = literal(0)
    for word in query.words:
        score = (score
                 + case((_in_own_text(word, "title"), TITLE_SCORE), else_=0)
                 + case((_in_own_text(word, "criteria"), CRITERIA_SCORE), else_=0))
    return score


def _any_word_postgres(query: Query):
    wanted = func.plainto_tsquery(LANGUAGE, query.words[0])
    for word in query.words[1:]:
        wanted = wanted.op("||")(func.plainto_tsquery(LANGUAGE, word))
    return wanted


def _any_word_sqlite(query: Query) -> str:
    return " OR ".join(_fts_phrase(word) for word in query.words)


class Snippet(NamedTuple):
    """Where a match was found, for a result that doesn't show every word in its claim."""

    where: str  # "criteria" or "comment"
    text: str


def _plain(markdown: str) -> str:
    """Markdown source as one line of plain text for a snippet."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)  # [text](link): the text
    text = re.sub(r"(?m)^\s*(?:[>#]+|[-*+]|\d+\.)\s+", "", text)  # quotes, headings, lists
    text = re.sub(r"[*_`]+", "", text)
    return " ".join(text.split())


def _excerpt(text: str, stems: frozenset[str]) -> str:
    """About SNIPPET_CHARS characters of the text around its first matching word."""
    start = 0
    for match in _WORD.finditer(text):
        if _stem(match.group().casefold()) in stems:
            start = max(0, match.start() - 40)
            break
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    excerpt = text[start:start + SNIPPET_CHARS]
    cut = excerpt.rfind(" ") if start + SNIPPET_CHARS < len(text) else -1
    if cut > SNIPPET_CHARS // 2:
        excerpt = excerpt[:cut]
    return ("… " if start else "") + excerpt + (" …" if start + len(excerpt) < len(text) else "")


def _found_in(text: str, stems: frozenset[str]) -> set[str]:
    return {stem for word in _WORD.findall(text.casefold()) if (stem := _stem(word)) in stems}


def snippets(query: Query, predictions) -> dict[int, Snippet]:
    """For each prediction whose claim lacks some word: the criteria, or else the first shown
    comment, that holds one of the missing words (one query, for this page's rows only)."""
    stems = query.stems
    snippets: dict[int, Snippet] = {}
    wanting: dict[int, set[str]] = {}
    for prediction in predictions:
        missing = stems - _found_in(prediction.title, stems)
        if not missing:
            continue
        criteria = _plain(prediction.criteria)
        if _found_in(criteria, missing):
            snippets[prediction.id] = Snippet("criteria", _excerpt(criteria, missing))
        else:
            wanting[prediction.id] = missing
    if wanting:
        hits = _word_hits_in_comments(query, list(wanting))
        for prediction_id, body in hits:
            if prediction_id in snippets:
                continue
            text = _plain(body)
            if _found_in(text, wanting[prediction_id]):
                snippets[prediction_id] = Snippet("comment", _excerpt(text, wanting[prediction_id]))
    return snippets


def _word_hits_in_comments(query: Query, prediction_ids: list[int]):
    """(prediction_id, body) of the shown comments on these predictions holding any word,
    oldest first."""
    if _postgres():
        matching = literal_column("comments.search_vector").op("@@")(
            _any_word_postgres(query))
    else:
        # The first match under each prediction, from its range of index rowids: one arm per
        # prediction, written as text (building 20 arms as constructs cost 10 ms a search).
        arms = " UNION ALL ".join(
            f"SELECT id FROM (SELECT rowid & {COMMENT_ID_MASK} AS id FROM search_comments "
            f"WHERE search_comments MATCH :words AND rowid BETWEEN :low_{n} AND :high_{n} "
            "ORDER BY rowid LIMIT 1)" for n in range(len(prediction_ids)))
        bounds = {}
        for n, prediction_id in enumerate(prediction_ids):
            bounds[f"low_{n}"] = prediction_id << 32
            bounds[f"high_{n}"] = (prediction_id << 32) | COMMENT_ID_MASK
        matching = Comment.id.in_(text(arms).bindparams(words=_any_word_sqlite(query),
                                                        **bounds).columns(id=Integer))
    return db.session.execute(
        select(Comment.prediction_id, Comment.body)
        .where(Comment.prediction_id.in_(prediction_ids), comment_text_shown(), matching)
        .order_by(Comment.prediction_id, Comment.id)
    ).all()


def highlight(text: str | None, query: Query | None) -> Markup:
    """The text, escaped, with each word of the query wrapped in <mark>. The markup is added to
    escaped text, so nothing stored is ever trusted as HTML."""
    text = text or ""
    if not query:
        return escape(text)
    stems, parts, last = query.stems, [], 0
    for match in _WORD.finditer(text):
        if _stem(match.group().casefold()) in stems:
            parts += [escape(text[last:match.start()]), Markup("<mark>"),
                      escape(match.group()), Markup("</mark>")]
            last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)
