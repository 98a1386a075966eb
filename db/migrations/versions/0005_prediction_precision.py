"""prediction precision: a cached prediction belongs to the model and the precision it ran at

Revision ID: 0005
Revises: 0004

Rows cached before this revision do not say whether they ran in fp32 or bf16 (``auto`` chose bf16
on CPUs with bf16 instructions), so they cannot be served to either: they are deleted and
recomputed on their next use. The unique key becomes (model, precision, note).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM predictions"))
    with op.batch_alter_table("predictions") as batch:
        batch.drop_constraint("uq_predictions_model_id", type_="unique")
        batch.add_column(sa.Column("precision", sa.String(length=8), nullable=False))
        batch.create_unique_constraint("uq_predictions_model_id", ["model_id", "precision", "text_sha256"])


def downgrade() -> None:
    # rows of one note at two precisions would break the older key: keep none
    op.execute(sa.text("DELETE FROM predictions"))
    with op.batch_alter_table("predictions") as batch:
        batch.drop_constraint("uq_predictions_model_id", type_="unique")
        batch.drop_column("precision")
        batch.create_unique_constraint("uq_predictions_model_id", ["model_id", "text_sha256"])
