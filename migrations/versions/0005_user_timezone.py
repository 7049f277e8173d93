"""user time zone: the IANA zone a member reads dates and times in (issue 15), UTC by default

Revision ID: 0005_user_timezone
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_user_timezone'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), server_default='UTC',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
