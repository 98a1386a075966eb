"""a checksum on each cached prediction

Revision ID: 0002
Revises: 0001

Rows cached before this revision have no checksum; the store treats them as unverified and
recomputes them once, on their next use.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("predictions") as batch:
        batch.add_column(sa.Column("checksum", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("predictions") as batch:
        batch.drop_column("checksum")
