"""search terms: one row per word and prediction, read from a B-tree, so a broad search answers
in under 50 ms at full size (issue 15: "number update" took 65 to 110 ms on PostgreSQL through
per-row tsvector matches, and on SQLite read 53,000 comment entries per word)

PostgreSQL: `search_terms` holds, for every prediction, each distinct word (an English
lexeme) of its claim, its criteria and its shown comments, with where it was found as bits of
`kind`: 1 the claim, 2 the criteria, 4 a shown comment. Its primary key (lexeme,
prediction_id) includes `kind`, so a word's predictions come out of the index in prediction
order, already scored; `ix_predictions_search_cover` gives each prediction's board columns in
the same order, so a search is a merge of sorted index ranges that never reads a table row.
Triggers keep it in step: a new prediction adds its words; editing its claim or criteria
rebuilds its rows; a new shown comment adds its words (or the comment bit to words already
there); editing, hiding, restoring, deleting or moving a comment rebuilds the rows of the
predictions concerned. It replaces `search_documents` (migration 0010) and the two GIN
indexes of migration 0008, which no query reads any more. The generated `search_vector`
columns stay: the terms are built from them.

SQLite: `search_comment_terms` holds each distinct word (FTS5's porter stem, as in migration
0008) of each prediction's shown comments, one row per word and prediction instead of one
index entry per comment. SQL can't split text into words, so the triggers hand the text to
`search_scratch`, a contentless FTS5 table with the same tokenizer, and read the stems back
from its vocabulary (`search_scratch_terms`): a new shown comment adds its words; editing,
hiding, restoring, deleting or moving one rebuilds its prediction's words from its shown
comments. It replaces the per-comment index `search_comments`, from whose entries it is
filled. The claims and criteria keep their FTS5 table (`search_predictions`).

Revision ID: 0013_search_terms
Revises: 0012_forecast_user_prediction
"""
import importlib.util
from pathlib import Path

from alembic import op

revision = '0013_search_terms'
down_revision = '0012_forecast_user_prediction'
branch_labels = None
depends_on = None

SHOWN = "NOT {row}.hidden AND NOT {row}.deleted"
CHANGED = ("OLD.body IS DISTINCT FROM NEW.body OR OLD.hidden IS DISTINCT FROM NEW.hidden "
           "OR OLD.deleted IS DISTINCT FROM NEW.deleted "
           "OR OLD.prediction_id IS DISTINCT FROM NEW.prediction_id")
CLAIM, CRITERIA, COMMENT = 1, 2, 4
# The words of predictions (filtered by `{where}`), each with its kind: from the weights the
# generated search_vector gives them (A the claim, B the criteria).
OWN_WORDS = f"""
    SELECT predictions.id AS prediction_id, word.lexeme,
           (CASE WHEN 'A' = ANY (word.weights) THEN {CLAIM} ELSE 0 END
            | CASE WHEN 'B' = ANY (word.weights) THEN {CRITERIA} ELSE 0 END) AS kind
    FROM predictions CROSS JOIN LATERAL unnest(predictions.search_vector) AS word
    WHERE {{where}}"""
COMMENT_WORDS = f"""
    SELECT comments.prediction_id, word.lexeme, {COMMENT} AS kind
    FROM comments CROSS JOIN LATERAL unnest(comments.search_vector) AS word
    WHERE {SHOWN.format(row='comments')} AND {{where}}"""
# Every prediction's rows at once (the migration, and bench.copy_to_postgres after a copy).
FILL = f"""
    INSERT INTO search_terms (lexeme, prediction_id, kind)
    SELECT lexeme, prediction_id, bit_or(kind) FROM (
        {OWN_WORDS.format(where='true')}
        UNION ALL
        {COMMENT_WORDS.format(where='true')}
    ) AS words GROUP BY lexeme, prediction_id"""

POSTGRES_UP = [
    """CREATE TABLE search_terms (
        lexeme text NOT NULL,
        prediction_id integer NOT NULL REFERENCES predictions (id) ON DELETE CASCADE,
        kind smallint NOT NULL,
        PRIMARY KEY (lexeme, prediction_id) INCLUDE (kind))""",
    # A prediction's rows, for rebuilding them and for the cascade when it is deleted.
    "CREATE INDEX ix_search_terms_prediction ON search_terms (prediction_id)",
    # One prediction's rows from its claim, criteria and shown comments (none when it is gone).
    f"""CREATE FUNCTION search_terms_rebuild(prediction integer) RETURNS void
    LANGUAGE sql AS $$
        DELETE FROM search_terms WHERE prediction_id = prediction;
        INSERT INTO search_terms (lexeme, prediction_id, kind)
        SELECT lexeme, prediction, bit_or(kind) FROM (
            {OWN_WORDS.format(where='predictions.id = prediction')}
            UNION ALL
            {COMMENT_WORDS.format(where='comments.prediction_id = prediction')}
              AND EXISTS (SELECT 1 FROM predictions WHERE predictions.id = prediction)
        ) AS words GROUP BY lexeme;
    $$""",
    """CREATE FUNCTION search_terms_prediction_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM search_terms_rebuild(NEW.id);
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION search_terms_comment_added() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO search_terms AS term (lexeme, prediction_id, kind)
        SELECT word.lexeme, NEW.prediction_id, {COMMENT}
        FROM unnest(NEW.search_vector) AS word
        ON CONFLICT (lexeme, prediction_id) DO UPDATE SET kind = term.kind | {COMMENT}
        WHERE term.kind & {COMMENT} = 0;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION search_terms_comment_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM search_terms_rebuild(OLD.prediction_id);
        IF TG_OP = 'UPDATE' AND NEW.prediction_id <> OLD.prediction_id THEN
            PERFORM search_terms_rebuild(NEW.prediction_id);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_terms_prediction_insert AFTER INSERT ON predictions
    FOR EACH ROW EXECUTE FUNCTION search_terms_prediction_changed()""",
    """CREATE TRIGGER search_terms_prediction_update
    AFTER UPDATE OF title, criteria ON predictions FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.criteria IS DISTINCT FROM NEW.criteria)
    EXECUTE FUNCTION search_terms_prediction_changed()""",
    f"""CREATE TRIGGER search_terms_comment_insert AFTER INSERT ON comments
    FOR EACH ROW WHEN ({SHOWN.format(row='NEW')})
    EXECUTE FUNCTION search_terms_comment_added()""",
    f"""CREATE TRIGGER search_terms_comment_update
    AFTER UPDATE OF body, hidden, deleted, prediction_id ON comments FOR EACH ROW
    WHEN ({CHANGED}) EXECUTE FUNCTION search_terms_comment_changed()""",
    f"""CREATE TRIGGER search_terms_comment_delete AFTER DELETE ON comments
    FOR EACH ROW WHEN ({SHOWN.format(row='OLD')})
    EXECUTE FUNCTION search_terms_comment_changed()""",
    FILL,
    # The board's columns a search filters and sorts on, in id order, beside each id.
    """CREATE INDEX ix_predictions_search_cover ON predictions (id)
    INCLUDE (article_id, hidden, status, resolution_date, hot_rank)""",
]
# What this replaces, after migration 0010's own way down (upgrade() runs it between).
POSTGRES_RETIRE = [
    "DROP INDEX ix_predictions_search_vector",
    "DROP INDEX ix_comments_search_vector",
    "ANALYZE search_terms",
    "ANALYZE predictions",
]
POSTGRES_DOWN = [
    "CREATE INDEX ix_predictions_search_vector ON predictions USING gin (search_vector)",
    "CREATE INDEX ix_comments_search_vector ON comments USING gin (search_vector)",
    "DROP INDEX ix_predictions_search_cover",
    "DROP TRIGGER search_terms_comment_delete ON comments",
    "DROP TRIGGER search_terms_comment_update ON comments",
    "DROP TRIGGER search_terms_comment_insert ON comments",
    "DROP TRIGGER search_terms_prediction_update ON predictions",
    "DROP TRIGGER search_terms_prediction_insert ON predictions",
    "DROP FUNCTION search_terms_comment_changed()",
    "DROP FUNCTION search_terms_comment_added()",
    "DROP FUNCTION search_terms_prediction_changed()",
    "DROP FUNCTION search_terms_rebuild(integer)",
    "DROP TABLE search_terms",
]

TOKENIZE = "porter unicode61 remove_diacritics 2"  # search_predictions' (migration 0008)
# One prediction's comment words from its shown comments, in a trigger on `{row}`.
SQLITE_REBUILD = """
        DELETE FROM search_comment_terms WHERE prediction_id = {row}.prediction_id;
        INSERT INTO search_scratch (search_scratch) VALUES ('delete-all');
        INSERT INTO search_scratch (rowid, body)
        SELECT id, body FROM comments
        WHERE prediction_id = {row}.prediction_id AND NOT hidden AND NOT deleted;
        INSERT OR IGNORE INTO search_comment_terms (term, prediction_id)
        SELECT term, {row}.prediction_id FROM search_scratch_terms
        WHERE EXISTS (SELECT 1 FROM predictions WHERE id = {row}.prediction_id);"""
SQLITE_UP = [
    f"CREATE VIRTUAL TABLE search_scratch USING fts5(body, content='', tokenize='{TOKENIZE}')",
    "CREATE VIRTUAL TABLE search_scratch_terms USING fts5vocab(search_scratch, 'row')",
    """CREATE TABLE search_comment_terms (
        term TEXT NOT NULL, prediction_id INTEGER NOT NULL,
        PRIMARY KEY (term, prediction_id)) WITHOUT ROWID""",
    "CREATE INDEX ix_search_comment_terms_prediction ON search_comment_terms (prediction_id)",
    # Filled from the per-comment index's own entries: (stem, comment) becomes (stem, prediction).
    "CREATE VIRTUAL TABLE search_comment_entries USING fts5vocab(search_comments, 'instance')",
    """INSERT OR IGNORE INTO search_comment_terms (term, prediction_id)
    SELECT term, doc >> 32 FROM search_comment_entries""",
    "DROP TABLE search_comment_entries",
    "DROP TRIGGER search_comments_update",
    "DROP TRIGGER search_comments_delete",
    "DROP TRIGGER search_comments_insert",
    "DROP TABLE search_comments",
    f"""CREATE TRIGGER search_comment_terms_insert AFTER INSERT ON comments
    WHEN {SHOWN.format(row='new')} BEGIN
        INSERT INTO search_scratch (search_scratch) VALUES ('delete-all');
        INSERT INTO search_scratch (rowid, body) VALUES (new.id, new.body);
        INSERT OR IGNORE INTO search_comment_terms (term, prediction_id)
        SELECT term, new.prediction_id FROM search_scratch_terms;
    END""",
    f"""CREATE TRIGGER search_comment_terms_update
    AFTER UPDATE OF body, hidden, deleted, prediction_id ON comments
    WHEN {CHANGED.replace("IS DISTINCT FROM", "IS NOT")} BEGIN{SQLITE_REBUILD.format(row='old')}
    END""",
    f"""CREATE TRIGGER search_comment_terms_move AFTER UPDATE OF prediction_id ON comments
    WHEN new.prediction_id IS NOT old.prediction_id BEGIN{SQLITE_REBUILD.format(row='new')}
    END""",
    f"""CREATE TRIGGER search_comment_terms_delete AFTER DELETE ON comments
    WHEN {SHOWN.format(row='old')} BEGIN{SQLITE_REBUILD.format(row='old')}
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER search_comment_terms_delete",
    "DROP TRIGGER search_comment_terms_move",
    "DROP TRIGGER search_comment_terms_update",
    "DROP TRIGGER search_comment_terms_insert",
    "DROP TABLE search_comment_terms",
    "DROP TABLE search_scratch_terms",
    "DROP TABLE search_scratch",
]


def _earlier(name: str, statements: str) -> list[str]:
    """An earlier migration's statements (by their list's name), which build what this one
    replaced again on the way down."""
    path = Path(__file__).with_name(name)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, statements)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        statements = (POSTGRES_UP + _earlier("0010_search_documents.py", "POSTGRES_DOWN")
                      + POSTGRES_RETIRE)
    else:
        statements = SQLITE_UP
    for statement in statements:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        statements = POSTGRES_DOWN + _earlier("0010_search_documents.py", "POSTGRES_UP")
    else:  # migration 0008's per-comment index, its triggers and its filling
        statements = SQLITE_DOWN + [
            statement for statement in _earlier("0008_search.py", "SQLITE_UP")
            if "search_comments" in statement]
    for statement in statements:
        op.execute(statement)
