"""cache versions: one counter per scope (the site, the articles, each prediction, the
scores), raised explicitly by the services that write (issue 14); the single generation that
every write bumped goes

Revision ID: 0009_cache_versions
Revises: 0008_search
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_cache_versions'
down_revision = '0008_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cache_versions',
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('scope', name=op.f('pk_cache_versions')),
    )
    op.drop_table('cache_generation')


def downgrade():
    table = op.create_table(
        'cache_generation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cache_generation')),
    )
    op.bulk_insert(table, [{'id': 1, 'value': 0}])
    op.drop_table('cache_versions')
