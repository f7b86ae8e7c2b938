"""Set-up from the app: unit register columns, reorganisations (机构改革), campaign designer
fields, item sets, history sources, callers' contractor, one-time passwords

Revision ID: 0007_register_designer
Revises: 0006_hardening
Create Date: 2026-12-03 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_register_designer"
down_revision = "0006_hardening"
branch_labels = None
depends_on = None

_KINDS = ("rename", "merge", "split", "move")


def upgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=64), server_default="", nullable=False))
        batch_op.add_column(sa.Column("department", sa.String(length=200), server_default="", nullable=False))
        batch_op.add_column(sa.Column("head_since", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("liaison_name_enc", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("liaison_phone_enc", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("retired_on", sa.Date(), nullable=True))

    op.create_table(
        "reorganisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*_KINDS, name="reorganisation_kind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reorganisation")),
    )
    with op.batch_alter_table("reorganisation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reorganisation_effective_on"), ["effective_on"], unique=False)

    op.create_table(
        "reorganisation_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reorganisation_id", sa.Integer(), nullable=False),
        sa.Column("from_unit_id", sa.Integer(), nullable=False),
        sa.Column("to_unit_id", sa.Integer(), nullable=False),
        sa.Column("principal", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reorganisation_id"],
            ["reorganisation.id"],
            name=op.f("fk_reorganisation_link_reorganisation_id_reorganisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_unit_id"], ["unit.id"], name=op.f("fk_reorganisation_link_from_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(["to_unit_id"], ["unit.id"], name=op.f("fk_reorganisation_link_to_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reorganisation_link")),
        sa.UniqueConstraint(
            "reorganisation_id",
            "from_unit_id",
            "to_unit_id",
            name=op.f("uq_reorganisation_link_reorganisation_id_from_unit_id_to_unit_id"),
        ),
    )
    with op.batch_alter_table("reorganisation_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reorganisation_link_reorganisation_id"), ["reorganisation_id"])
        batch_op.create_index(batch_op.f("ix_reorganisation_link_from_unit_id"), ["from_unit_id"])
        batch_op.create_index(batch_op.f("ix_reorganisation_link_to_unit_id"), ["to_unit_id"])

    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fieldwork_opens_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("fieldwork_closes_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("design", sa.JSON(), server_default="{}", nullable=False))
    with op.batch_alter_table("campaign_unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("head_since", sa.Date(), nullable=True))
    with op.batch_alter_table("history_entry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source_campaign_code", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("source_unit_code", sa.String(length=64), server_default="", nullable=False))
        batch_op.add_column(sa.Column("via", sa.String(length=500), server_default="", nullable=False))
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_categories", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("respondent_groups", sa.JSON(), server_default="[]", nullable=False))
    with op.batch_alter_table("caller", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contractor", sa.String(length=200), server_default="", nullable=False))
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
    with op.batch_alter_table("caller", schema=None) as batch_op:
        batch_op.drop_column("contractor")
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_column("respondent_groups")
        batch_op.drop_column("unit_categories")
    with op.batch_alter_table("history_entry", schema=None) as batch_op:
        batch_op.drop_column("via")
        batch_op.drop_column("source_unit_code")
        batch_op.drop_column("source_campaign_code")
    with op.batch_alter_table("campaign_unit", schema=None) as batch_op:
        batch_op.drop_column("head_since")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("design")
        batch_op.drop_column("fieldwork_closes_on")
        batch_op.drop_column("fieldwork_opens_on")
    op.drop_table("reorganisation_link")
    op.drop_table("reorganisation")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_column("retired_on")
        batch_op.drop_column("liaison_phone_enc")
        batch_op.drop_column("liaison_name_enc")
        batch_op.drop_column("head_since")
        batch_op.drop_column("department")
        batch_op.drop_column("kind")
