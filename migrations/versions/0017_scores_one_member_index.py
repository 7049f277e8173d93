"""scores one member index: drop ix_scores_user_totals and ix_scores_user_resolved, leaving the
unique (user_id, prediction_id) pair as the one index that leads with the member.

A resolve writes a score row for each forecaster, and the busiest prediction's forecasters are
nearly every member: each index that leads with the member was rewritten nearly whole by one
resolve (2,700 and 2,800 pages at full size; issue 14). No leaderboard reads them (they group
off the member's index: forum.db_hints.leaderboard_group_key); the profile's queries read one
member's rows through the unique pair, a few milliseconds for the member with 2,000 scores.

Revision ID: 0017_scores_one_member_index
Revises: 0016_notification_event_user
"""
from alembic import op

revision = '0017_scores_one_member_index'
down_revision = '0016_notification_event_user'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_scores_user_totals', table_name='scores')
    op.drop_index('ix_scores_user_resolved', table_name='scores')


def downgrade():
    op.create_index('ix_scores_user_resolved', 'scores', ['user_id', 'resolved_at', 'prediction_id'])
    op.create_index('ix_scores_user_totals', 'scores',
                    ['user_id', 'brier', 'relative_brier', 'final_probability', 'outcome'])
