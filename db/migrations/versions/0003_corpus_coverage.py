"""corpus coverage: what a partially annotated corpus labels, and where it is silent

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: a complete corpus (every label annotated everywhere), as every corpus before this one was
    with op.batch_alter_table("corpora") as batch:
        batch.add_column(sa.Column("coverage", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("corpora") as batch:
        batch.drop_column("coverage")
