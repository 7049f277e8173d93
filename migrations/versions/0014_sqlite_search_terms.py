"""sqlite search terms: on SQLite too, one row per word and prediction with where the word was
found, so a search reads its words' ranges of one B-tree and nothing else (issue 15: the broad
searches were still 50 to 56 ms in some runs at full size, most of it reading the claims' FTS5
postings three times: to match, then to score the claim and the criteria apart)

SQLite gets PostgreSQL's `search_terms` (migration 0013): for every prediction, each distinct
word (FTS5's porter stem, as in migration 0008) of its claim, its criteria and its shown
comments, with where it was found as bits of `kind`: 1 the claim, 2 the criteria, 4 a shown
comment. The columns are PostgreSQL's (the stem is in `lexeme`), so one query serves both. Its
primary key (lexeme, prediction_id) holds `kind` too (WITHOUT ROWID), so a word's predictions
come out of one range in prediction order, already scored.

The triggers tokenize through migration 0013's scratch FTS5 table (`search_scratch` and its
vocabulary `search_scratch_terms`): a new prediction adds the words of its claim and criteria;
editing either takes those bits off its rows and adds them again from the new text; a new shown
comment adds its words (or the comment bit to words already there); editing, hiding,
restoring, deleting or moving a comment takes the comment bit off its prediction's rows and
adds it again from the shown comments. It is filled from the indexes it replaces: the FTS5 table
of claims and criteria (`search_predictions`, migration 0008), whose entries say which column
a word is in, and `search_comment_terms` (migration 0013). PostgreSQL is unchanged.

Revision ID: 0014_sqlite_search_terms
Revises: 0013_search_terms
"""
import importlib.util
from pathlib import Path

from alembic import op

revision = '0014_sqlite_search_terms'
down_revision = '0013_search_terms'
branch_labels = None
depends_on = None

CLAIM, CRITERIA, COMMENT = 1, 2, 4
SHOWN = "NOT {row}.hidden AND NOT {row}.deleted"
CHANGED = ("OLD.body IS NOT NEW.body OR OLD.hidden IS NOT NEW.hidden "
           "OR OLD.deleted IS NOT NEW.deleted OR OLD.prediction_id IS NOT NEW.prediction_id")

# The words of one text as `kind` for prediction `{prediction}`: the text goes through the
# scratch table's tokenizer, whose vocabulary gives its distinct stems.
ADD_WORDS = """
        INSERT INTO search_scratch (search_scratch) VALUES ('delete-all');
        INSERT INTO search_scratch (rowid, body) {rows};
        INSERT INTO search_terms (lexeme, prediction_id, kind)
        SELECT term, {prediction}, {kind} FROM search_scratch_terms WHERE {where}
        ON CONFLICT (lexeme, prediction_id) DO UPDATE SET kind = kind | excluded.kind;"""


def _own_words(row: str) -> str:
    """The words of the claim and the criteria of prediction `{row}`."""
    return "".join(ADD_WORDS.format(rows=f"VALUES ({row}.id, {row}.{column})",
                                    prediction=f"{row}.id", kind=kind, where="true")
                   for column, kind in (("title", CLAIM), ("criteria", CRITERIA)))


def _drop_bits(prediction: str, bits: int) -> str:
    """Take bits off a prediction's rows, and the rows left with none."""
    return f"""
        UPDATE search_terms SET kind = kind & ~{bits}
        WHERE prediction_id = {prediction} AND kind & {bits};
        DELETE FROM search_terms WHERE prediction_id = {prediction} AND kind = 0;"""


def _comment_words(row: str) -> str:
    """The comment bits of `{row}.prediction_id`, again, from its shown comments (none when
    the prediction is gone: its comments' cascade comes after its own rows were deleted)."""
    prediction = f"{row}.prediction_id"
    return _drop_bits(prediction, COMMENT) + ADD_WORDS.format(
        rows=(f"SELECT id, body FROM comments WHERE prediction_id = {prediction} "
              "AND NOT hidden AND NOT deleted"),
        prediction=prediction, kind=COMMENT,
        where=f"EXISTS (SELECT 1 FROM predictions WHERE id = {prediction})")


# Every prediction's rows from the indexes this replaces (an FTS5 'instance' vocabulary says
# which column each entry of the claims' index is in).
FILL = [
    "CREATE VIRTUAL TABLE search_prediction_entries USING fts5vocab(search_predictions, 'instance')",
    f"""INSERT INTO search_terms (lexeme, prediction_id, kind)
    SELECT term, prediction_id, max(kind & {CLAIM}) | max(kind & {CRITERIA}) | max(kind & {COMMENT})
    FROM (
        SELECT term, doc AS prediction_id,
               CASE col WHEN 'title' THEN {CLAIM} ELSE {CRITERIA} END AS kind
        FROM search_prediction_entries
        UNION ALL
        SELECT term, prediction_id, {COMMENT} FROM search_comment_terms
    ) GROUP BY term, prediction_id""",
    "DROP TABLE search_prediction_entries",
]

NEW = [
    """CREATE TABLE search_terms (
        lexeme TEXT NOT NULL, prediction_id INTEGER NOT NULL, kind INTEGER NOT NULL,
        PRIMARY KEY (lexeme, prediction_id)) WITHOUT ROWID""",
    # A prediction's rows, for changing them and for deleting them with it.
    "CREATE INDEX ix_search_terms_prediction ON search_terms (prediction_id)",
]
TRIGGERS = [
    f"""CREATE TRIGGER search_terms_prediction_insert AFTER INSERT ON predictions
    BEGIN{_own_words('new')}
    END""",
    f"""CREATE TRIGGER search_terms_prediction_update AFTER UPDATE OF title, criteria ON predictions
    WHEN old.title IS NOT new.title OR old.criteria IS NOT new.criteria
    BEGIN{_drop_bits('new.id', CLAIM | CRITERIA)}{_own_words('new')}
    END""",
    """CREATE TRIGGER search_terms_prediction_delete AFTER DELETE ON predictions BEGIN
        DELETE FROM search_terms WHERE prediction_id = old.id;
    END""",
    f"""CREATE TRIGGER search_terms_comment_insert AFTER INSERT ON comments
    WHEN {SHOWN.format(row='new')}
    BEGIN{ADD_WORDS.format(rows='VALUES (new.id, new.body)', prediction='new.prediction_id',
                           kind=COMMENT, where='true')}
    END""",
    f"""CREATE TRIGGER search_terms_comment_update
    AFTER UPDATE OF body, hidden, deleted, prediction_id ON comments
    WHEN {CHANGED} BEGIN{_comment_words('old')}
    END""",
    f"""CREATE TRIGGER search_terms_comment_move AFTER UPDATE OF prediction_id ON comments
    WHEN new.prediction_id IS NOT old.prediction_id BEGIN{_comment_words('new')}
    END""",
    f"""CREATE TRIGGER search_terms_comment_delete AFTER DELETE ON comments
    WHEN {SHOWN.format(row='old')} BEGIN{_comment_words('old')}
    END""",
]
# What this replaces (built again on the way down by the statements of 0008 and 0013).
RETIRE = [
    "DROP TRIGGER search_predictions_update",
    "DROP TRIGGER search_predictions_delete",
    "DROP TRIGGER search_predictions_insert",
    "DROP TABLE search_predictions",
    "DROP TRIGGER search_comment_terms_delete",
    "DROP TRIGGER search_comment_terms_move",
    "DROP TRIGGER search_comment_terms_update",
    "DROP TRIGGER search_comment_terms_insert",
    "DROP TABLE search_comment_terms",
]
DROP_NEW = [
    "DROP TRIGGER search_terms_comment_delete",
    "DROP TRIGGER search_terms_comment_move",
    "DROP TRIGGER search_terms_comment_update",
    "DROP TRIGGER search_terms_comment_insert",
    "DROP TRIGGER search_terms_prediction_delete",
    "DROP TRIGGER search_terms_prediction_update",
    "DROP TRIGGER search_terms_prediction_insert",
    "DROP TABLE search_terms",
]


def _earlier(name: str, statements: str) -> list[str]:
    """An earlier migration's statements (by their list's name)."""
    path = Path(__file__).with_name(name)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, statements)


def _replaced() -> tuple[list[str], list[str]]:
    """What this replaces, as the earlier migrations make it: the claims' FTS5 table with its
    triggers and filling (0008), and the comment words' table with its index and triggers
    (0013, without its filling from the per-comment index, which is gone)."""
    claims = [s for s in _earlier("0008_search.py", "SQLITE_UP") if "search_predictions" in s]
    comments = [s for s in _earlier("0013_search_terms.py", "SQLITE_UP")
                if "search_comment_terms" in s and "search_comment_entries" not in s]
    return claims, comments


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in NEW + FILL + RETIRE + TRIGGERS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    claims, comments = _replaced()
    keep_comments = f"""INSERT INTO search_comment_terms (term, prediction_id)
        SELECT lexeme, prediction_id FROM search_terms WHERE kind & {COMMENT}"""
    for statement in [*comments, keep_comments, *claims, *DROP_NEW]:
        op.execute(statement)
