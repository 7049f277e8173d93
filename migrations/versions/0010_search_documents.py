"""search documents: on PostgreSQL, the words of each prediction's shown comments in one row
(issue 15), so a search reads one index entry per prediction instead of fetching every
matching comment (50,000 rows for a common word) to learn which prediction it is under

`search_documents` holds, per prediction with a shown comment, the distinct lexemes of its
shown comments (a stripped tsvector: no positions, so it stays the size of the vocabulary)
with a GIN index. Triggers keep it in step: a new shown comment adds its lexemes (the row is
only rewritten when it brings new ones); editing, hiding, restoring, deleting or moving a
comment rebuilds the rows of the predictions concerned from their shown comments. SQLite is
unchanged: its FTS5 comment index already answers from the index alone (migration 0008).

Revision ID: 0010_search_documents
Revises: 0009_cache_versions
"""
from alembic import op

revision = '0010_search_documents'
down_revision = '0009_cache_versions'
branch_labels = None
depends_on = None

SHOWN = "NOT {row}.hidden AND NOT {row}.deleted"

POSTGRES_UP = [
    """CREATE TABLE search_documents (
        prediction_id integer PRIMARY KEY REFERENCES predictions (id) ON DELETE CASCADE,
        comments tsvector NOT NULL)""",
    "CREATE INDEX ix_search_documents_comments ON search_documents USING gin (comments)",
    # One prediction's row from its shown comments (none: no row).
    f"""CREATE FUNCTION search_documents_rebuild(prediction integer) RETURNS void
    LANGUAGE sql AS $$
        DELETE FROM search_documents WHERE prediction_id = prediction;
        INSERT INTO search_documents (prediction_id, comments)
        SELECT prediction, array_to_tsvector(array_agg(DISTINCT word.lexeme))
        FROM comments CROSS JOIN LATERAL unnest(comments.search_vector) AS word
        WHERE comments.prediction_id = prediction AND {SHOWN.format(row='comments')}
          AND EXISTS (SELECT 1 FROM predictions WHERE predictions.id = prediction)
        HAVING count(*) > 0;
    $$""",
    """CREATE FUNCTION search_documents_comment_added() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO search_documents AS document (prediction_id, comments)
        VALUES (NEW.prediction_id, strip(NEW.search_vector))
        ON CONFLICT (prediction_id) DO UPDATE
        SET comments = document.comments || excluded.comments
        WHERE NOT tsvector_to_array(excluded.comments) <@ tsvector_to_array(document.comments);
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION search_documents_comment_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            PERFORM search_documents_rebuild(OLD.prediction_id);
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.prediction_id <> OLD.prediction_id THEN
            PERFORM search_documents_rebuild(NEW.prediction_id);
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER search_documents_insert AFTER INSERT ON comments
    FOR EACH ROW WHEN ({SHOWN.format(row='NEW')})
    EXECUTE FUNCTION search_documents_comment_added()""",
    """CREATE TRIGGER search_documents_update
    AFTER UPDATE OF body, hidden, deleted, prediction_id ON comments FOR EACH ROW
    WHEN (OLD.body IS DISTINCT FROM NEW.body OR OLD.hidden IS DISTINCT FROM NEW.hidden
          OR OLD.deleted IS DISTINCT FROM NEW.deleted
          OR OLD.prediction_id IS DISTINCT FROM NEW.prediction_id)
    EXECUTE FUNCTION search_documents_comment_changed()""",
    f"""CREATE TRIGGER search_documents_delete AFTER DELETE ON comments
    FOR EACH ROW WHEN ({SHOWN.format(row='OLD')})
    EXECUTE FUNCTION search_documents_comment_changed()""",
    f"""INSERT INTO search_documents (prediction_id, comments)
    SELECT comments.prediction_id, array_to_tsvector(array_agg(DISTINCT word.lexeme))
    FROM comments CROSS JOIN LATERAL unnest(comments.search_vector) AS word
    WHERE {SHOWN.format(row='comments')}
    GROUP BY comments.prediction_id""",
    "ANALYZE search_documents",
]
POSTGRES_DOWN = [
    "DROP TRIGGER search_documents_delete ON comments",
    "DROP TRIGGER search_documents_update ON comments",
    "DROP TRIGGER search_documents_insert ON comments",
    "DROP FUNCTION search_documents_comment_changed()",
    "DROP FUNCTION search_documents_comment_added()",
    "DROP FUNCTION search_documents_rebuild(integer)",
    "DROP TABLE search_documents",
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_UP:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_DOWN:
            op.execute(statement)
