"""pending_signup: hosted-form signups waiting for their double opt-in (capture flows).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "pending_signup",
        sa.Column("id", _ID, nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("contact_id", _ID, nullable=False),
        sa.Column("list_id", _ID, nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("notices", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ip_truncated", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["list_id"], ["contact_list.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    op.create_index("ix_pending_signup_contact_list", "pending_signup", ["contact_id", "list_id"])


def downgrade() -> None:
    op.drop_index("ix_pending_signup_contact_list", table_name="pending_signup")
    op.drop_table("pending_signup")
