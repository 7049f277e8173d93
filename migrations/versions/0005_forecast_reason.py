"""forecast reason: a forecast may carry a short reason, shown in the discussion (issue 13)

Revision ID: 0005_forecast_reason
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0005_forecast_reason'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('forecasts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=280), nullable=True))


def downgrade():
    with op.batch_alter_table('forecasts', schema=None) as batch_op:
        batch_op.drop_column('reason')
