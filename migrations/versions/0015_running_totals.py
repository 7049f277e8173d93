"""running totals: each prediction's scoring sweep kept as its forecasts arrive
(running_totals) and each forecaster's window in it (running_windows), so a resolve reads
one row per forecaster instead of sweeping every forecast (issue 14: resolving 30,000
forecasts from 5,000 forecasters). Empty after the upgrade: forum.running builds a
prediction's totals at its next forecast, and a resolve without them sweeps as before.

Revision ID: 0015_running_totals
Revises: 0014_sqlite_search_terms
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_running_totals'
down_revision = '0014_sqlite_search_terms'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'running_totals',
        sa.Column('prediction_id', sa.Integer(), nullable=False),
        sa.Column('forecasts', sa.Integer(), nullable=False),
        sa.Column('moment', sa.BigInteger(), nullable=False),
        sa.Column('last_id', sa.Integer(), nullable=False),
        sa.Column('crowd', sa.Float(), nullable=False),
        sa.Column('crowd_yes', sa.Float(), nullable=False),
        sa.Column('crowd_no', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['prediction_id'], ['predictions.id'],
                                name=op.f('fk_running_totals_prediction_id_predictions'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('prediction_id', name=op.f('pk_running_totals')),
    )
    op.create_table(
        'running_windows',
        sa.Column('prediction_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('first', sa.BigInteger(), nullable=False),
        sa.Column('crowd_before_yes', sa.Float(), nullable=False),
        sa.Column('crowd_before_no', sa.Float(), nullable=False),
        sa.Column('probability', sa.Float(), nullable=False),
        sa.Column('since', sa.BigInteger(), nullable=False),
        sa.Column('own_yes', sa.Float(), nullable=False),
        sa.Column('own_no', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['prediction_id'], ['predictions.id'],
                                name=op.f('fk_running_windows_prediction_id_predictions'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_running_windows_user_id_users')),
        sa.PrimaryKeyConstraint('prediction_id', 'user_id', name=op.f('pk_running_windows')),
    )


def downgrade():
    op.drop_table('running_windows')
    op.drop_table('running_totals')
