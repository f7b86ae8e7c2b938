"""Scale.builtin: the methodology's own sat3, not read from a scales.csv

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:37:37.443600
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scale", schema=None) as batch_op:
        batch_op.add_column(sa.Column("builtin", sa.Boolean(), server_default=sa.false(), nullable=False))
    # Imports made before this revision marked the built-in sat3 by negative option
    # positions (-4..-1); carry that over to the flag and renumber from 0.
    op.execute(
        "UPDATE scale SET builtin = TRUE WHERE id IN (SELECT scale_id FROM scale_option WHERE position < 0)"
    )
    op.execute("UPDATE scale_option SET position = position + 4 WHERE position < 0")


def downgrade() -> None:
    op.execute(
        "UPDATE scale_option SET position = position - 4 "
        "WHERE scale_id IN (SELECT id FROM scale WHERE builtin = TRUE)"
    )
    with op.batch_alter_table("scale", schema=None) as batch_op:
        batch_op.drop_column("builtin")
