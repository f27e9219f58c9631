"""Partial indexes so outbox claims stay fast as a campaign's sent rows pile up.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Both SQLite and PostgreSQL support partial indexes; claim() writes the status as a literal.
    op.execute("CREATE INDEX ix_message_queued ON message (id) WHERE status = 'queued'")
    op.execute(
        "CREATE INDEX ix_message_queued_campaign ON message (campaign_id, id) "
        "WHERE status = 'queued'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_message_queued_campaign")
    op.execute("DROP INDEX ix_message_queued")
