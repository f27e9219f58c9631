"""campaign.segment: a campaign may go to the list's engaged segment only ("engaged:N").

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, no default: every existing campaign keeps going to its whole list.
    op.add_column("campaign", sa.Column("segment", sa.String(length=40), nullable=True))


def downgrade() -> None:
    # SQLite drops a column through a table copy (env.py turns batch mode on for it).
    with op.batch_alter_table("campaign") as batch:
        batch.drop_column("segment")
