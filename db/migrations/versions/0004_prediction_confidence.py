"""prediction confidence: each cached span's probability under its model

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # one probability per cached span, in the order of ``spans``; NULL for rows cached before
    # (their spans are served without a confidence)
    with op.batch_alter_table("predictions") as batch:
        batch.add_column(sa.Column("confidences", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("predictions") as batch:
        batch.drop_column("confidences")
