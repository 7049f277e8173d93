"""forecast user prediction: an index on forecasts (user_id, prediction_id, created_at), so a
member's standing forecast on the few predictions of a page is read directly, not found among
all of their forecasts (issue 14: 70 ms of a busy member's article page at full size)

Revision ID: 0012_forecast_user_prediction
Revises: 0011_forecast_points
"""
from alembic import op

revision = '0012_forecast_user_prediction'
down_revision = '0011_forecast_points'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_forecasts_user_prediction', 'forecasts',
                    ['user_id', 'prediction_id', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_forecasts_user_prediction', table_name='forecasts')
