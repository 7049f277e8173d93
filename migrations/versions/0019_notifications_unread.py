"""notifications unread: ix_notifications_user_read (user_id, read_at) becomes two slimmer
indexes, ix_notifications_user (user_id) and the partial ix_notifications_unread (user_id)
WHERE read_at IS NULL.

A resolution notifies every forecaster, nearly every member on a busy prediction, so it wrote
into the (user_id, read_at) index at one place per member: 5,200 pages at full size, each entry
carrying a timestamp (issue 14). The member's index holds only the id, and the unread one only
the notices not read yet (a fifth of them in the demo data): 1,500 and 270 pages. The inbox
sorted every notice of the member by created_at before, and still does; the unread count and
"mark all read" read the partial index.

Revision ID: 0019_notifications_unread
Revises: 0018_scores_article_by_period
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_notifications_unread'
down_revision = '0018_scores_article_by_period'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_notifications_user', 'notifications', ['user_id'])
    op.create_index('ix_notifications_unread', 'notifications', ['user_id'],
                    sqlite_where=sa.text('read_at IS NULL'),
                    postgresql_where=sa.text('read_at IS NULL'))
    op.drop_index('ix_notifications_user_read', table_name='notifications')


def downgrade():
    op.create_index('ix_notifications_user_read', 'notifications', ['user_id', 'read_at'])
    op.drop_index('ix_notifications_unread', table_name='notifications')
    op.drop_index('ix_notifications_user', table_name='notifications')
