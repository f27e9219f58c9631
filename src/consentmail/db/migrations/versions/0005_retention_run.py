"""Retention log: one row per purge and data class, counts only (issue 5, item 4).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_run",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("class", sa.String(length=32), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_retention_run_ran_at", "retention_run", ["ran_at"])


def downgrade() -> None:
    op.drop_index("ix_retention_run_ran_at", table_name="retention_run")
    op.drop_table("retention_run")
