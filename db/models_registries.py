"""The seeds' registries: inspections (明察暗访), accountability cases (问责案件), the
fault-tolerance procedure (容错免责) and what was done about a unit's head (主要负责人).

Kept beside :mod:`db.models` (which imports this module at its end, so ``Base.metadata``
always holds these tables) to keep each file readable in one sitting.

Personal data: the names of persons handled in a case are stored only encrypted
(``name_enc``, see :mod:`db.crypto`); photos are stored after their location metadata
was stripped (the service does it before anything is written).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models import Base, _now

# ---------------------------------------------------------------- inspections (明察暗访)


class InspectionRound(Base):
    """A planned round of inspections (检查轮次) of a campaign's units over a period.

    ``mode`` is ``open`` (明察, announced) or ``covert`` (暗访, unannounced); ``status``
    moves planned → active → closed. Its units and inspectors are in
    :class:`InspectionRoundUnit` and :class:`InspectionRoundInspector`."""

    __tablename__ = "inspection_round"
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    mode: Mapped[str] = mapped_column(String(16))  # open | covert
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned | active | closed
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = _now()

    units: Mapped[list[InspectionRoundUnit]] = relationship(
        cascade="all, delete-orphan", order_by="InspectionRoundUnit.id"
    )
    inspectors: Mapped[list[InspectionRoundInspector]] = relationship(
        cascade="all, delete-orphan", order_by="InspectionRoundInspector.id"
    )


class InspectionRoundUnit(Base):
    """A unit to be visited in a round."""

    __tablename__ = "inspection_round_unit"
    __table_args__ = (UniqueConstraint("round_id", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("inspection_round.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))


class InspectionRoundInspector(Base):
    """An inspector's account (role ``inspector``) assigned to a round."""

    __tablename__ = "inspection_round_inspector"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("inspection_round.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))


class InspectionVisit(Base):
    """One visit to a unit (一次检查), recorded on the inspector's phone.

    Head counts give the three rates (三率): present (到岗) ÷ expected, on post (在岗) ÷
    expected, attending to their work (专注, not to phones or games) ÷ expected. ``status``:
    ``recorded`` by the inspector, then ``verified`` or ``rejected`` by an admin; only
    verified visits count."""

    __tablename__ = "inspection_visit"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("inspection_round.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    inspector: Mapped[str] = mapped_column(String(100))  # username
    visited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    staff_expected: Mapped[int] = mapped_column(Integer)
    staff_present: Mapped[int] = mapped_column(Integer)  # 到岗
    staff_on_post: Mapped[int] = mapped_column(Integer)  # 在岗
    staff_focused: Mapped[int] = mapped_column(Integer)  # 专注
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="recorded")  # recorded | verified | rejected
    verified_by: Mapped[str | None] = mapped_column(String(100))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verify_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = _now()

    findings: Mapped[list[InspectionFinding]] = relationship(
        cascade="all, delete-orphan", order_by="InspectionFinding.id"
    )
    photos: Mapped[list[InspectionPhoto]] = relationship(
        cascade="all, delete-orphan", order_by="InspectionPhoto.id"
    )


class InspectionFinding(Base):
    """A problem seen on a visit, typed with one of the twelve harms (十二害:
    冷硬推、等靠要、庸懒散、假慢拖, one character each)."""

    __tablename__ = "inspection_finding"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("inspection_visit.id", ondelete="CASCADE"), index=True)
    harm: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")


class InspectionPhoto(Base):
    """A photo taken on a visit, size-limited and stored without location metadata."""

    __tablename__ = "inspection_photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("inspection_visit.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = _now()


# ---------------------------------------------------------------- accountability cases (问责案件)


class AccountabilityCase(Base):
    """A case of inaction, slowness or misconduct (不作为、慢作为、乱作为) against a unit.

    ``case_type`` is ``inaction`` | ``slow`` | ``misconduct`` and ``subtype`` one of the
    thirteen situations of the Datong campaign; ``source`` is where it came from
    (``survey_comment``, ``hotline``, ``inspection``, ``appeal``, ``media``). ``status``
    moves opened → investigated → decided → published (典型问题通报); only cases marked
    ``for_publication`` are published, with ``public_summary`` (no names).

    A decided case proposes a deduction (``deduction_points`` under the campaign's rule per
    type; ``deduction_status`` ``proposed``); an admin confirms it (an :class:`~db.models.Adjustment`
    with the case as evidence, ``adjustment_id``) or declines it. ``exempt`` is set by a
    granted fault-tolerance application (容错免责): no deduction is then proposed."""

    __tablename__ = "accountability_case"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    case_type: Mapped[str] = mapped_column(String(16))
    subtype: Mapped[str] = mapped_column(String(32))
    facts: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str] = mapped_column(String(64), default="")
    disciplinary_body: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16), default="opened")
    opened_on: Mapped[date] = mapped_column(Date)
    investigated_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(Text, default="")
    for_publication: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    public_summary: Mapped[str] = mapped_column(Text, default="")
    exempt: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    deduction_points: Mapped[float | None] = mapped_column(Float)
    deduction_status: Mapped[str] = mapped_column(
        String(16), default=""
    )  # "" | proposed | confirmed | declined
    adjustment_id: Mapped[int | None] = mapped_column(ForeignKey("adjustment.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    persons: Mapped[list[AccountabilityPerson]] = relationship(
        cascade="all, delete-orphan", order_by="AccountabilityPerson.position"
    )


class AccountabilityPerson(Base):
    """A person handled in a case (处理人员), with post and sanction (诫勉谈话、通报批评、
    书面检查、党纪政务处分、调离、免职 …). The name is personal data: only ``name_enc``."""

    __tablename__ = "accountability_person"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("accountability_case.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name_enc: Mapped[bytes] = mapped_column(LargeBinary)
    post: Mapped[str] = mapped_column(String(100), default="")
    level: Mapped[str] = mapped_column(String(32), default="")  # e.g. 县处级
    sanction: Mapped[str] = mapped_column(String(32))
    sanctioned_on: Mapped[date | None] = mapped_column(Date)


# ---------------------------------------------------------------- fault tolerance (容错免责)


class FaultToleranceApplication(Base):
    """An application for exemption from blame (容错免责申请) for one overdue approval or
    one accountability case: applied → accepted (受理) or not accepted → verified (核实) →
    granted or refused by the body named in settings. ``consequence`` is what the applicant
    declares the matter led to (``none`` or an excluded situation: ``safety_accident``,
    ``pollution``, ``food_safety``, ``mass_incident``); an excluded one is refused."""

    __tablename__ = "fault_tolerance_application"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(24))  # overdue_case | accountability_case
    overdue_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("overdue_case.id", ondelete="CASCADE"), index=True
    )
    accountability_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("accountability_case.id", ondelete="CASCADE"), index=True
    )
    applicant: Mapped[str] = mapped_column(String(100))
    reasons: Mapped[str] = mapped_column(Text)
    consequence: Mapped[str] = mapped_column(String(24), default="none")
    evidence_name: Mapped[str] = mapped_column(String(200), default="")
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary)
    # applied | accepted | not_accepted | verified | granted | refused
    status: Mapped[str] = mapped_column(String(16), default="applied")
    accepted_by: Mapped[str | None] = mapped_column(String(100))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acceptance_note: Mapped[str] = mapped_column(Text, default="")
    verified_by: Mapped[str | None] = mapped_column(String(100))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verification_note: Mapped[str] = mapped_column(Text, default="")
    decision_body: Mapped[str] = mapped_column(String(100), default="")
    decision_document: Mapped[str] = mapped_column(String(100), default="")
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _now()


# ---------------------------------------------------------------- heads (主要负责人)


class HeadAction(Base):
    """What was done about the head of a unit unsatisfactory two years running, recorded
    on its red card: ``removed`` (免职) on a date by a decision with its document number,
    or ``not_removed`` with the reason. A removal can name the new head, which the unit
    register then carries (with the date they took post)."""

    __tablename__ = "head_action"
    __table_args__ = (UniqueConstraint("card_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("card_case.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # removed | not_removed
    head_name: Mapped[str] = mapped_column(String(100), default="")
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision_body: Mapped[str] = mapped_column(String(100), default="")
    document_number: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    new_head_name: Mapped[str] = mapped_column(String(100), default="")
    new_head_since: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime] = _now()
