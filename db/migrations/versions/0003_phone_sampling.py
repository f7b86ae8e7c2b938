"""Phone sampling: do-not-call list, sample draws, webhook receipts, call modes, quota groups

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 21:49:12.493673
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "do_not_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_do_not_call")),
        sa.UniqueConstraint("phone_hash", name=op.f("uq_do_not_call_phone_hash")),
    )
    op.create_table(
        "webhook_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_receipt")),
        sa.UniqueConstraint("provider", "key", name=op.f("uq_webhook_receipt_provider_key")),
    )
    op.create_table(
        "phone_sample",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("design", sa.JSON(), nullable=False),
        sa.Column("drawn_by", sa.String(length=100), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_phone_sample_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_sample")),
    )
    with op.batch_alter_table("phone_sample", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phone_sample_campaign_id"), ["campaign_id"], unique=False)

    with op.batch_alter_table("call_attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mode", sa.String(length=16), server_default="manual", nullable=False))
        batch_op.add_column(
            sa.Column("provider_status", sa.String(length=32), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("recording_consent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("caller", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_enc", sa.LargeBinary(), nullable=True))

    with op.batch_alter_table("frame_entry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("respondent_group", sa.String(length=64), server_default="", nullable=False)
        )

    with op.batch_alter_table("phone_case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("respondent_group", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("phone_case", schema=None) as batch_op:
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("respondent_group")

    with op.batch_alter_table("frame_entry", schema=None) as batch_op:
        batch_op.drop_column("respondent_group")

    with op.batch_alter_table("caller", schema=None) as batch_op:
        batch_op.drop_column("phone_enc")

    with op.batch_alter_table("call_attempt", schema=None) as batch_op:
        batch_op.drop_column("recording_consent")
        batch_op.drop_column("provider_status")
        batch_op.drop_column("mode")

    with op.batch_alter_table("phone_sample", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_sample_campaign_id"))

    op.drop_table("phone_sample")
    op.drop_table("webhook_receipt")
    op.drop_table("do_not_call")
