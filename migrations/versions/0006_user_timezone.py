"""user time zone: the IANA zone a member reads dates and times in (issue 15), UTC by default

Revision ID: 0006_user_timezone
Revises: 0005_forecast_reason
"""
import sqlalchemy as sa
from alembic import op

revision = '0006_user_timezone'
down_revision = '0005_forecast_reason'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), server_default='UTC',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
