"""scores article by period: drop ix_scores_article_totals; ix_scores_resolved_totals
(resolved_at, user_id, brier, relative_brier) gains article_id and serves the article's
leaderboard and scorecard too.

The article's index led with the article, and one article holds every member's scores, so a
resolve wrote into it at one place per forecaster: 4,000 pages at full size, the largest index
a resolve touched after migration 0017 (issue 14). The period index takes a resolve's rows at
its end. Reading an article's standings through it scans every article's scores (the same
work as the all-time leaderboard's): measured 15-20 % slower for the one article today, kept
per scores version (forum.leaderboard.scorecards) like the rest of the leaderboard.

Revision ID: 0018_scores_article_by_period
Revises: 0017_scores_one_member_index
"""
from alembic import op

revision = '0018_scores_article_by_period'
down_revision = '0017_scores_one_member_index'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_scores_article_totals', table_name='scores')
    op.drop_index('ix_scores_resolved_totals', table_name='scores')
    op.create_index('ix_scores_resolved_totals', 'scores',
                    ['resolved_at', 'user_id', 'brier', 'relative_brier', 'article_id'])


def downgrade():
    op.drop_index('ix_scores_resolved_totals', table_name='scores')
    op.create_index('ix_scores_resolved_totals', 'scores',
                    ['resolved_at', 'user_id', 'brier', 'relative_brier'])
    op.create_index('ix_scores_article_totals', 'scores',
                    ['article_id', 'user_id', 'brier', 'relative_brier', 'resolved_at'])
