"""The seeds' registries: inspection rounds, visits, findings and photos (明察暗访),
accountability cases and persons handled (问责案件), fault-tolerance applications (容错免责)
and what was done about a unit's head (head_action); the inspector role needs no DDL
(roles are stored as text)

Revision ID: 0008_registries
Revises: 0007_register_designer
Create Date: 2026-12-03 19:24:52.492990
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_registries"
down_revision = "0007_register_designer"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provenance", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("adjustment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=64), server_default="", nullable=False))
    op.create_table(
        "inspection_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_inspection_round_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_round")),
        sa.UniqueConstraint("campaign_id", "code", name=op.f("uq_inspection_round_campaign_id_code")),
    )
    with op.batch_alter_table("inspection_round", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_round_campaign_id"), ["campaign_id"], unique=False)

    op.create_table(
        "accountability_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("case_type", sa.String(length=16), nullable=False),
        sa.Column("subtype", sa.String(length=32), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=64), nullable=False),
        sa.Column("disciplinary_body", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("investigated_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("for_publication", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("public_summary", sa.Text(), nullable=False),
        sa.Column("exempt", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deduction_points", sa.Float(), nullable=True),
        sa.Column("deduction_status", sa.String(length=16), nullable=False),
        sa.Column("adjustment_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["adjustment_id"],
            ["adjustment.id"],
            name=op.f("fk_accountability_case_adjustment_id_adjustment"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_accountability_case_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_accountability_case_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accountability_case")),
        sa.UniqueConstraint("number", name=op.f("uq_accountability_case_number")),
    )
    with op.batch_alter_table("accountability_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accountability_case_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_accountability_case_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "head_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("head_name", sa.String(length=100), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision_body", sa.String(length=100), nullable=False),
        sa.Column("document_number", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("new_head_name", sa.String(length=100), nullable=False),
        sa.Column("new_head_since", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["card_case.id"], name=op.f("fk_head_action_card_id_card_case"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_head_action_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_head_action")),
        sa.UniqueConstraint("card_id", name=op.f("uq_head_action_card_id")),
    )
    with op.batch_alter_table("head_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_head_action_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "inspection_round_inspector",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["inspection_round.id"],
            name=op.f("fk_inspection_round_inspector_round_id_inspection_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_inspection_round_inspector_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_round_inspector")),
        sa.UniqueConstraint(
            "round_id", "user_id", name=op.f("uq_inspection_round_inspector_round_id_user_id")
        ),
    )
    with op.batch_alter_table("inspection_round_inspector", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_round_inspector_round_id"), ["round_id"], unique=False
        )

    op.create_table(
        "inspection_round_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["inspection_round.id"],
            name=op.f("fk_inspection_round_unit_round_id_inspection_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_inspection_round_unit_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_round_unit")),
        sa.UniqueConstraint("round_id", "unit_id", name=op.f("uq_inspection_round_unit_round_id_unit_id")),
    )
    with op.batch_alter_table("inspection_round_unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_round_unit_round_id"), ["round_id"], unique=False)

    op.create_table(
        "inspection_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("inspector", sa.String(length=100), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_expected", sa.Integer(), nullable=False),
        sa.Column("staff_present", sa.Integer(), nullable=False),
        sa.Column("staff_on_post", sa.Integer(), nullable=False),
        sa.Column("staff_focused", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("verified_by", sa.String(length=100), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verify_note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["inspection_round.id"],
            name=op.f("fk_inspection_visit_round_id_inspection_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_inspection_visit_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_visit")),
    )
    with op.batch_alter_table("inspection_visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_visit_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspection_visit_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "accountability_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name_enc", sa.LargeBinary(), nullable=False),
        sa.Column("post", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("sanction", sa.String(length=32), nullable=False),
        sa.Column("sanctioned_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["accountability_case.id"],
            name=op.f("fk_accountability_person_case_id_accountability_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accountability_person")),
    )
    with op.batch_alter_table("accountability_person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accountability_person_case_id"), ["case_id"], unique=False)

    op.create_table(
        "fault_tolerance_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=24), nullable=False),
        sa.Column("overdue_case_id", sa.Integer(), nullable=True),
        sa.Column("accountability_case_id", sa.Integer(), nullable=True),
        sa.Column("applicant", sa.String(length=100), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("consequence", sa.String(length=24), nullable=False),
        sa.Column("evidence_name", sa.String(length=200), nullable=False),
        sa.Column("evidence", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("accepted_by", sa.String(length=100), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acceptance_note", sa.Text(), nullable=False),
        sa.Column("verified_by", sa.String(length=100), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verification_note", sa.Text(), nullable=False),
        sa.Column("decision_body", sa.String(length=100), nullable=False),
        sa.Column("decision_document", sa.String(length=100), nullable=False),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["accountability_case_id"],
            ["accountability_case.id"],
            name=op.f("fk_fault_tolerance_application_accountability_case_id_accountability_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["overdue_case_id"],
            ["overdue_case.id"],
            name=op.f("fk_fault_tolerance_application_overdue_case_id_overdue_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fault_tolerance_application")),
    )
    with op.batch_alter_table("fault_tolerance_application", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fault_tolerance_application_accountability_case_id"),
            ["accountability_case_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_fault_tolerance_application_overdue_case_id"), ["overdue_case_id"], unique=False
        )

    op.create_table(
        "inspection_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("harm", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["inspection_visit.id"],
            name=op.f("fk_inspection_finding_visit_id_inspection_visit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_finding")),
    )
    with op.batch_alter_table("inspection_finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_finding_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "inspection_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["inspection_visit.id"],
            name=op.f("fk_inspection_photo_visit_id_inspection_visit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_photo")),
    )
    with op.batch_alter_table("inspection_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_photo_visit_id"), ["visit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inspection_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_photo_visit_id"))

    op.drop_table("inspection_photo")
    with op.batch_alter_table("inspection_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_finding_visit_id"))

    op.drop_table("inspection_finding")
    with op.batch_alter_table("fault_tolerance_application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fault_tolerance_application_overdue_case_id"))
        batch_op.drop_index(batch_op.f("ix_fault_tolerance_application_accountability_case_id"))

    op.drop_table("fault_tolerance_application")
    with op.batch_alter_table("accountability_person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accountability_person_case_id"))

    op.drop_table("accountability_person")
    with op.batch_alter_table("inspection_visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_visit_unit_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_visit_round_id"))

    op.drop_table("inspection_visit")
    with op.batch_alter_table("inspection_round_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_round_unit_round_id"))

    op.drop_table("inspection_round_unit")
    with op.batch_alter_table("inspection_round_inspector", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_round_inspector_round_id"))

    op.drop_table("inspection_round_inspector")
    with op.batch_alter_table("head_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_head_action_unit_id"))

    op.drop_table("head_action")
    with op.batch_alter_table("accountability_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accountability_case_unit_id"))
        batch_op.drop_index(batch_op.f("ix_accountability_case_campaign_id"))

    op.drop_table("accountability_case")
    with op.batch_alter_table("inspection_round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_round_campaign_id"))

    op.drop_table("inspection_round")
    with op.batch_alter_table("adjustment", schema=None) as batch_op:
        batch_op.drop_column("source")
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.drop_column("provenance")
