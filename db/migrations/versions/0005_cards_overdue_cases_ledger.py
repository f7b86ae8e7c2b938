"""Card cases (红黄牌), overdue approval cases (超时办结) with exemptions, ledger links, public bulletin flag

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 22:02:39.268549
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "card_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("color", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("check_note", sa.Text(), nullable=False),
        sa.Column("head_removal_recommended", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_card_case_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_card_case_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_case")),
        sa.UniqueConstraint("campaign_id", "unit_id", name=op.f("uq_card_case_campaign_id_unit_id")),
    )
    with op.batch_alter_table("card_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_card_case_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_card_case_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "overdue_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=100), nullable=False),
        sa.Column("promised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_system", sa.String(length=100), nullable=False),
        sa.Column("exempt", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("exempt_reason", sa.Text(), nullable=False),
        sa.Column("exempted_by", sa.String(length=100), nullable=True),
        sa.Column("exempted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_overdue_case_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_overdue_case_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overdue_case")),
        sa.UniqueConstraint(
            "campaign_id", "case_number", name=op.f("uq_overdue_case_campaign_id_case_number")
        ),
    )
    with op.batch_alter_table("overdue_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_overdue_case_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_overdue_case_unit_id"), ["unit_id"], unique=False)

    with op.batch_alter_table("appeal", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("evidence_name", sa.String(length=200), server_default="", nullable=False)
        )

    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("public_bulletin", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("rectification_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_ref", sa.String(length=64), server_default="", nullable=False))
        batch_op.add_column(sa.Column("card_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("evidence_name", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("progress_note", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_rectification_item_card_id_card_case"), "card_case", ["card_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("rectification_item", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_rectification_item_card_id_card_case"), type_="foreignkey")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("progress_note")
        batch_op.drop_column("evidence_name")
        batch_op.drop_column("card_id")
        batch_op.drop_column("source_ref")

    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("public_bulletin")

    with op.batch_alter_table("appeal", schema=None) as batch_op:
        batch_op.drop_column("evidence_name")

    with op.batch_alter_table("overdue_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_overdue_case_unit_id"))
        batch_op.drop_index(batch_op.f("ix_overdue_case_campaign_id"))

    op.drop_table("overdue_case")
    with op.batch_alter_table("card_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_case_unit_id"))
        batch_op.drop_index(batch_op.f("ix_card_case_campaign_id"))

    op.drop_table("card_case")
