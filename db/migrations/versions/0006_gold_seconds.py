"""gold editing time: how long a person spent on each revision saved in the app

Revision ID: 0006
Revises: 0005

NULL for every revision saved before, and for imports and revisions saved by code: their time
was never measured.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("gold_revisions") as batch:
        batch.add_column(sa.Column("seconds", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gold_revisions") as batch:
        batch.drop_column("seconds")
