"""email deliveries user: ix_email_deliveries_user_created (user_id, created_at) becomes
ix_email_deliveries_user (user_id).

No query reads a member's deliveries by time: the index is there for deleting an account's
rows. A resolution queues an email to every forecaster, nearly every member on a busy
prediction, and so writes into this index at one place per member, as it did into the
notices' (user_id, read_at) before migration 0019; without the timestamp each entry is about a
third of the size, so a table that keeps every email ever queued costs a resolve a third of
the pages (issue 14).

Revision ID: 0020_email_deliveries_user
Revises: 0019_notifications_unread
"""
from alembic import op

revision = '0020_email_deliveries_user'
down_revision = '0019_notifications_unread'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_email_deliveries_user', 'email_deliveries', ['user_id'])
    op.drop_index('ix_email_deliveries_user_created', table_name='email_deliveries')


def downgrade():
    op.create_index('ix_email_deliveries_user_created', 'email_deliveries',
                    ['user_id', 'created_at'])
    op.drop_index('ix_email_deliveries_user', table_name='email_deliveries')
