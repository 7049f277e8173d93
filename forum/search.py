"""Word search over a board: the words of a query, in any order and case, found in the claims
and criteria of predictions and in the visible comments under them; ranked; highlighted.

One query function for every caller (the board page and the API's `q`), over each database's
own index, built by migrations:
`search_terms`, one row per word and prediction with where the word was found (`kind`'s bits:
the claim, the criteria, a shown comment). Its primary key (lexeme, prediction_id) holds that
`kind` too, so each word of a search is one sorted range of one B-tree, joined with the others
and with the board's columns: no posting list and no tsvector is read to match, score, count
and page. Triggers keep it in step on each database:
- SQLite (migration 0014): they hand the text to a scratch FTS5 table and read its porter
  stems back from its vocabulary (SQL can't split words); a query's words are stemmed the same
  way, in the connection's temporary schema;
- PostgreSQL (migration 0013): they read the generated `search_vector` columns (English
  lexemes); the board's columns have a covering index in id order
  (`ix_predictions_search_cover`), so a search is a merge of index ranges that reads no table
  row.
The matches are scored, counted and cut to the page together (forum.board.queries).
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
    ColumnElement,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    case,
    event,
    false,
    func,
    literal,
    literal_column,
    select,
    text,
)

from forum.errors import Invalid
from forum.extensions import db
from forum.models import Comment, Prediction
from forum.visibility import comment_text_shown

MAX_WORDS = 12
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

# The search structures the migrations build and the models don't describe (`search_terms` on
# both; the scratch FTS5 table and its shadow tables on SQLite; the tsvector columns and the
# board's covering index on PostgreSQL).
SEARCH_TABLE_PREFIX = "search_"
SEARCH_COLUMN = "search_vector"
SEARCH_INDEXES = ("ix_predictions_search_cover", "ix_search_terms_prediction")
# SQLite stems a query's words with the tokenizer of its index (migrations 0008, 0013, 0014),
# in a contentless FTS5 table of the connection's own temporary schema.
SQLITE_TOKENIZE = "porter unicode61 remove_diacritics 2"

_terms = Table("search_terms", MetaData(), Column("lexeme", Text),
               Column("prediction_id", Integer), Column("kind", SmallInteger))
IN_CLAIM, IN_CRITERIA = 1, 2  # search_terms.kind's bits (4: in a shown comment)


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


TITLE_SCORE, CRITERIA_SCORE = 4, 1  # a word in the claim counts four times one in the criteria


@dataclass(frozen=True)
class Match:
    """A search as SQL on Prediction: the conditions a match meets (one or more per word) and
    its relevance, higher first: TITLE_SCORE for each word in the claim, CRITERIA_SCORE for
    each in the criteria, nothing for one only in comments. Each database reads where a word
    is from its index: bm25() or ts_rank() for every match cost more than the rest of a search
    (50 ms for 15,000 matches)."""

    conditions: list
    score: ColumnElement


def match(query: Query) -> Match:
    """The search on this database: each word's stems as its index holds them (read first),
    then each stem joins its own range of `search_terms` to the prediction
    (`term.prediction_id = predictions.id AND term.lexeme = :stem`); a word's relevance is read
    from the kind bits of its first stem's row. The ranges come out of the primary key in
    prediction order, so the database merges or probes them by the board's columns without
    reading a posting list, a tsvector or (on PostgreSQL) a table row."""
    terms: dict[str, object] = {}
    conditions: list = []
    score = literal(0)
    for stems in _postgres_lexemes(query) if _postgres() else _sqlite_stems(query):
        if not stems:  # nothing of the word is indexed, so nothing holds it
            return Match([false()], literal(0))
        for stem in stems:
            if stem not in terms:
                term = terms[stem] = _terms.alias(f"term_{len(terms)}")
                conditions += [term.c.prediction_id == Prediction.id, term.c.lexeme == stem]
        kind = terms[stems[0]].c.kind
        score = (score + case((kind.op("&")(IN_CLAIM) != 0, TITLE_SCORE), else_=0)
                 + case((kind.op("&")(IN_CRITERIA) != 0, CRITERIA_SCORE), else_=0))
    return Match(conditions, score)


# A contentless FTS5 table of each connection's temporary schema, with the tokenizer of the
# indexes, and its vocabulary: what SQLite's indexes make of a query's words.
_SQLITE_QUERY_TABLES = (
    ("CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_query "
     f"USING fts5(word, content='', tokenize='{SQLITE_TOKENIZE}')"),
    ("CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_query_stems "
     "USING fts5vocab(temp, search_query, 'instance')"),
)


def install(engine) -> None:
    """Make the query-stemming tables on each new SQLite connection, outside any transaction
    (a search that made them itself would lose them with its request's rollback)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        for statement in _SQLITE_QUERY_TABLES:
            dbapi_connection.execute(statement)


def _sqlite_stems(query: Query) -> list[list[str]]:
    """Each word's stems as SQLite's indexes hold them (almost always one): the words go into
    the connection's temporary FTS5 table, whose vocabulary gives back what the tokenizer made
    of each. Nothing is written to the database itself."""
    connection = db.session.connection()  # its tables were made on connecting (install)
    connection.exec_driver_sql(
        "INSERT INTO temp.search_query (search_query) VALUES ('delete-all')")
    connection.execute(text("INSERT INTO temp.search_query (rowid, word) VALUES (:n, :word)"),
                       [{"n": n, "word": word} for n, word in enumerate(query.words)])
    stems: list[list[str]] = [[] for _ in query.words]
    for n, term in connection.exec_driver_sql(
            "SELECT doc, term FROM temp.search_query_stems ORDER BY doc, offset"):
        stems[n].append(term)
    return stems


def _postgres_lexemes(query: Query) -> list[list[str]]:
    """Each word's English lexemes as PostgreSQL stems them (almost always one; none for a
    word the dictionary drops), read in one statement."""
    config = literal_column(f"'{LANGUAGE}'::regconfig")
    row = db.session.execute(select(*(
        func.tsvector_to_array(func.to_tsvector(config, word)) for word in query.words))).one()
    return [list(lexemes) for lexemes in row]


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
    comment, that holds one of the missing words (one query, for this page's rows only).

    Words are found here as the highlighting finds them (the same stems), on both databases:
    the page's comments are read by the index on their prediction, and most are ruled out by
    a substring test before any is split into words. Asking the full-text index instead cost
    9 to 15 ms a page on SQLite (an OR of words under each of 20 predictions)."""
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
    if not wanting:
        return snippets
    comments = db.session.execute(
        select(Comment.prediction_id, Comment.body)
        .where(Comment.prediction_id.in_(list(wanting)), comment_text_shown())
        .order_by(Comment.prediction_id, Comment.id))
    for prediction_id, body in comments:
        missing = wanting.get(prediction_id)
        if missing is None or prediction_id in snippets:
            continue
        # A stem is the start of each word it comes from, so ASCII text without it as a
        # substring holds none of those words (other text is folded word by word below).
        if body.isascii() and not any(stem in body.lower() for stem in missing):
            continue
        text = _plain(body)
        if _found_in(text, missing):
            snippets[prediction_id] = Snippet("comment", _excerpt(text, missing))
    return snippets


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
