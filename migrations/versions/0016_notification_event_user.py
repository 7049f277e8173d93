"""notification event user: the unique index of notifications on (user_id, event_key) becomes
(event_key, user_id). A resolution notifies every forecaster under one event key: with the
key first their rows go into the index side by side instead of one place per member (issue
14: a sixth of the notices' insert when resolving a prediction with 5,000 forecasters). No
query reads the index by user alone; (user_id, read_at) serves those.

Revision ID: 0016_notification_event_user
Revises: 0015_running_totals
"""
from alembic import op

revision = '0016_notification_event_user'
down_revision = '0015_running_totals'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('uq_notifications_event_user', 'notifications', ['event_key', 'user_id'],
                    unique=True)
    op.drop_index('uq_notifications_user_event', table_name='notifications')


def downgrade():
    op.create_index('uq_notifications_user_event', 'notifications', ['user_id', 'event_key'],
                    unique=True)
    op.drop_index('uq_notifications_event_user', table_name='notifications')
