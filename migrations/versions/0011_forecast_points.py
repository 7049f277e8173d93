"""forecast points: the index of a prediction's forecasts covers what scoring reads (issue 14)

Resolving the busiest prediction reads its 30,000 forecasts (id, user, probability, time).
With the index on (prediction_id, created_at) alone each of them was a visit to a table row
scattered over the whole table (the rows are in time order across every prediction); with
user_id and probability in the index, the read is one range of it. `id` is listed so the
index still gives the page's order (created_at, id) on PostgreSQL as on SQLite. It replaces
the narrower index, which it serves in full, so a forecast still updates one index of its
prediction.

Revision ID: 0011_forecast_points
Revises: 0010_search_documents
"""
from alembic import op

revision = '0011_forecast_points'
down_revision = '0010_search_documents'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_forecasts_prediction_points', 'forecasts',
                    ['prediction_id', 'created_at', 'id', 'user_id', 'probability'], unique=False)
    op.drop_index('ix_forecasts_prediction_created', table_name='forecasts')


def downgrade():
    op.create_index('ix_forecasts_prediction_created', 'forecasts',
                    ['prediction_id', 'created_at'], unique=False)
    op.drop_index('ix_forecasts_prediction_points', table_name='forecasts')
