"""suspension end: a suspension may end by itself at a set time; members choose whether
moderators' decisions about them are emailed; a prediction its author withdrew (issue 13)

Revision ID: 0007_suspension_end
Revises: 0006_user_timezone
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_suspension_end'
down_revision = '0006_user_timezone'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('email_moderation', sa.Boolean(),
                                      server_default=sa.true(), nullable=False))
    with op.batch_alter_table('predictions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('predictions', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_moderation')
        batch_op.drop_column('suspended_until')
