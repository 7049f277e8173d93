"""email and jobs: address verification, pending address changes, deleted accounts, the
per-kind email switches, one delivery row per email, and members' data exports (issue 12)

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

SWITCHES = ('email_replies', 'email_resolutions', 'email_reminders', 'email_digest')


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('pending_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))
        for name in SWITCHES:
            batch_op.add_column(sa.Column(name, sa.Boolean(), server_default=sa.true(),
                                          nullable=False))
    # Accounts made before activation existed keep logging in: their addresses count as
    # verified from the day they joined.
    op.execute('UPDATE users SET email_verified_at = joined_at')

    op.create_table(
        'email_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('recipient', sa.String(length=254), nullable=True),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('dedupe_key', sa.String(length=200), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed', 'skipped')",
                           name=op.f('ck_email_deliveries_status')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_email_deliveries_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_email_deliveries')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_email_deliveries_dedupe_key')),
    )
    op.create_index('ix_email_deliveries_status_due', 'email_deliveries',
                    ['status', 'next_attempt_at'], unique=False)
    op.create_index('ix_email_deliveries_user_created', 'email_deliveries',
                    ['user_id', 'created_at'], unique=False)

    op.create_table(
        'data_exports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('content', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_data_exports_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_exports')),
    )
    op.create_index('ix_data_exports_user_created', 'data_exports', ['user_id', 'created_at'],
                    unique=False)


def downgrade():
    op.drop_index('ix_data_exports_user_created', table_name='data_exports')
    op.drop_table('data_exports')
    op.drop_index('ix_email_deliveries_user_created', table_name='email_deliveries')
    op.drop_index('ix_email_deliveries_status_due', table_name='email_deliveries')
    op.drop_table('email_deliveries')
    op.execute("UPDATE users SET email = username || '@deleted.invalid' WHERE email IS NULL")
    with op.batch_alter_table('users', schema=None) as batch_op:
        for name in reversed(SWITCHES):
            batch_op.drop_column(name)
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('pending_email')
        batch_op.drop_column('email_verified_at')
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
