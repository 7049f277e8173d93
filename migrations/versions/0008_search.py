"""search: full-text indexes over claims, criteria and comments (issue 15), built from the
rows already stored; API tokens get a name and the time they were last used

SQLite: FTS5 tables over `predictions` (title, criteria) and `comments` (body), with external
content and triggers that keep them in step; PostgreSQL: a generated `search_vector` tsvector
column on each table with a GIN index. forum/search.py reads them; the models don't describe
them (forum.search.is_search_object keeps them out of autogenerate and the drift check).

Revision ID: 0008_search
Revises: 0007_suspension_end
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_search'
down_revision = '0007_suspension_end'
branch_labels = None
depends_on = None

TOKENIZE = "porter unicode61 remove_diacritics 2"
SHOWN = "NOT {row}.hidden AND NOT {row}.deleted"
KEY = "(({row}.prediction_id << 32) | {row}.id)"

SQLITE_UP = [
    f"""CREATE VIRTUAL TABLE search_predictions USING fts5(
        title, criteria, content='predictions', content_rowid='id', tokenize='{TOKENIZE}')""",
    """CREATE TRIGGER search_predictions_insert AFTER INSERT ON predictions BEGIN
        INSERT INTO search_predictions (rowid, title, criteria)
        VALUES (new.id, new.title, new.criteria);
    END""",
    """CREATE TRIGGER search_predictions_delete AFTER DELETE ON predictions BEGIN
        INSERT INTO search_predictions (search_predictions, rowid, title, criteria)
        VALUES ('delete', old.id, old.title, old.criteria);
    END""",
    """CREATE TRIGGER search_predictions_update AFTER UPDATE OF title, criteria ON predictions
    BEGIN
        INSERT INTO search_predictions (search_predictions, rowid, title, criteria)
        VALUES ('delete', old.id, old.title, old.criteria);
        INSERT INTO search_predictions (rowid, title, criteria)
        VALUES (new.id, new.title, new.criteria);
    END""",
    "INSERT INTO search_predictions (search_predictions) VALUES ('rebuild')",
    # Comments: only those whose text is shown (forum.visibility.comment_text_shown), in a
    # contentless table whose rowid is (prediction_id << 32) | comment id, so a search reads
    # the predictions it found from the index alone, with no look-up in `comments`. The
    # trigger on UPDATE takes the old entry out before putting the new one in.
    f"""CREATE VIRTUAL TABLE search_comments USING fts5(
        body, content='', tokenize='{TOKENIZE}')""",
    f"""CREATE TRIGGER search_comments_insert AFTER INSERT ON comments
    WHEN {SHOWN.format(row='new')} BEGIN
        INSERT INTO search_comments (rowid, body) VALUES ({KEY.format(row='new')}, new.body);
    END""",
    f"""CREATE TRIGGER search_comments_delete AFTER DELETE ON comments
    WHEN {SHOWN.format(row='old')} BEGIN
        INSERT INTO search_comments (search_comments, rowid, body)
        VALUES ('delete', {KEY.format(row='old')}, old.body);
    END""",
    f"""CREATE TRIGGER search_comments_update
    AFTER UPDATE OF body, hidden, deleted, prediction_id ON comments BEGIN
        INSERT INTO search_comments (search_comments, rowid, body)
        SELECT 'delete', {KEY.format(row='old')}, old.body WHERE {SHOWN.format(row='old')};
        INSERT INTO search_comments (rowid, body)
        SELECT {KEY.format(row='new')}, new.body WHERE {SHOWN.format(row='new')};
    END""",
    f"""INSERT INTO search_comments (rowid, body)
    SELECT {KEY.format(row='comments')}, body FROM comments
    WHERE {SHOWN.format(row='comments')}""",
]
SQLITE_DOWN = [
    "DROP TRIGGER search_comments_update",
    "DROP TRIGGER search_comments_delete",
    "DROP TRIGGER search_comments_insert",
    "DROP TABLE search_comments",
    "DROP TRIGGER search_predictions_update",
    "DROP TRIGGER search_predictions_delete",
    "DROP TRIGGER search_predictions_insert",
    "DROP TABLE search_predictions",
]

# Adding a stored generated column rewrites the table, which fills it for every existing row.
POSTGRES_UP = [
    """ALTER TABLE predictions ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, criteria), 'B')) STORED""",
    "CREATE INDEX ix_predictions_search_vector ON predictions USING gin (search_vector)",
    """ALTER TABLE comments ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('english'::regconfig, body)) STORED""",
    "CREATE INDEX ix_comments_search_vector ON comments USING gin (search_vector)",
    # Statistics for the new column at once, so the first searches are planned well.
    "ANALYZE predictions",
    "ANALYZE comments",
]
POSTGRES_DOWN = [
    "DROP INDEX ix_comments_search_vector",
    "ALTER TABLE comments DROP COLUMN search_vector",
    "DROP INDEX ix_predictions_search_vector",
    "ALTER TABLE predictions DROP COLUMN search_vector",
]


def _statements(up: bool) -> list[str]:
    if op.get_bind().dialect.name == "postgresql":
        return POSTGRES_UP if up else POSTGRES_DOWN
    return SQLITE_UP if up else SQLITE_DOWN


def upgrade():
    for statement in _statements(up=True):
        op.execute(statement)
    op.add_column('api_tokens', sa.Column('name', sa.String(length=60), server_default='',
                                          nullable=False))
    op.add_column('api_tokens', sa.Column('last_used_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('name')
    for statement in _statements(up=False):
        op.execute(statement)
