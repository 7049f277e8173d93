"""forecast user prediction: an index on forecasts (user_id, prediction_id, created_at), so a
member's standing forecast on the few predictions of a page is read directly, not found among
all of their forecasts (issue 14: 70 ms of a busy member's article page at full size)

Revision ID: 0010_forecast_user_prediction
Revises: 0009_cache_versions
"""
from alembic import op

revision = '0010_forecast_user_prediction'
down_revision = '0009_cache_versions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_forecasts_user_prediction', 'forecasts',
                    ['user_id', 'prediction_id', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_forecasts_user_prediction', table_name='forecasts')
