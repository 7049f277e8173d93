"""indexes for every list and filter: board sorts with the hidden flag, leaderboard totals,
profile lists (issue 7; measured with `python -m bench.explain`)

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# (table, name, columns) added; the indexes they make redundant are dropped.
ADDED = [
    ('predictions', 'ix_predictions_board_hot', ['article_id', 'hidden', 'hot_rank']),
    ('predictions', 'ix_predictions_board_status_hot',
     ['article_id', 'hidden', 'status', 'hot_rank']),
    ('predictions', 'ix_predictions_board_new', ['article_id', 'hidden', 'created_at']),
    ('predictions', 'ix_predictions_board_top',
     ['article_id', 'hidden', 'vote_score', 'created_at']),
    ('predictions', 'ix_predictions_board_forecasts', ['article_id', 'hidden', 'forecast_count']),
    ('predictions', 'ix_predictions_board_resolving',
     ['article_id', 'hidden', 'resolution_date']),
    ('predictions', 'ix_predictions_board_status_resolving',
     ['article_id', 'hidden', 'status', 'resolution_date']),
    ('predictions', 'ix_predictions_author_created', ['author_id', 'created_at']),
    ('comments', 'ix_comments_author_created', ['author_id', 'created_at']),
    ('scores', 'ix_scores_user_totals',
     ['user_id', 'brier', 'relative_brier', 'final_probability', 'outcome']),
    ('scores', 'ix_scores_user_resolved', ['user_id', 'resolved_at', 'prediction_id']),
    ('scores', 'ix_scores_resolved_totals', ['resolved_at', 'user_id', 'brier', 'relative_brier']),
    ('scores', 'ix_scores_article_totals',
     ['article_id', 'user_id', 'brier', 'relative_brier', 'resolved_at']),
    ('scores', 'ix_scores_article_calibration', ['article_id', 'final_probability', 'outcome']),
]
DROPPED = [
    ('predictions', 'ix_predictions_article_hot', ['article_id', 'hot_rank']),
    ('predictions', 'ix_predictions_article_created', ['article_id', 'created_at']),
    ('predictions', 'ix_predictions_article_resolution_date', ['article_id', 'resolution_date']),
    ('predictions', 'ix_predictions_author_id', ['author_id']),
    ('comments', 'ix_comments_author_id', ['author_id']),
    ('scores', 'ix_scores_resolved_at', ['resolved_at']),
    ('scores', 'ix_scores_article_resolved_at', ['article_id', 'resolved_at']),
]


def upgrade():
    for table, name, columns in ADDED:
        op.create_index(name, table, columns, unique=False)
    for table, name, _ in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade():
    for table, name, columns in DROPPED:
        op.create_index(name, table, columns, unique=False)
    for table, name, _ in ADDED:
        op.drop_index(name, table_name=table)
