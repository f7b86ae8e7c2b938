"""Publication.bundle: the published input bundle (zip, no personal data) and its SHA-256

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 21:53:26.986659
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bundle", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column("bundle_sha256", sa.String(length=64), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.drop_column("bundle_sha256")
        batch_op.drop_column("bundle")
