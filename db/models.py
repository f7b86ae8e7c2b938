"""The platform's memory: one SQLAlchemy 2 model of the whole appraisal (评议).

Tables follow the domain: units (评议对象) and their history, campaign series and
campaigns (评议活动) with their questionnaires, respondent groups (评议主体), survey
responses, sampling frames and phone cases (第三方电话抽访), indicators (大数据指标),
adjustments (加分、扣分、一票否决), scoring runs and results, publications (公示),
appeals (申诉), rectification items (整改台账), users and the audit log (留痕).

Personal data (respondents' names and phone numbers) is stored only encrypted
(``*_enc`` columns, see :mod:`db.crypto`) or as keyed hashes (``*_hash``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints let Alembic's batch mode (SQLite) alter them later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


def _now() -> Any:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class CampaignStatus(enum.StrEnum):
    """Lifecycle of a campaign: draft → fieldwork → scoring → review → published (公示期) → final."""

    draft = "draft"
    fieldwork = "fieldwork"
    scoring = "scoring"
    review = "review"
    published = "published"
    final = "final"


class Role(enum.StrEnum):
    """Who may do what: organization-department admins, the contractor's supervisors and
    callers, a unit's liaison (联络员), who sees only the own unit, and inspectors (检查人员)
    of inspection rounds."""

    admin = "admin"
    supervisor = "supervisor"
    caller = "caller"
    liaison = "liaison"
    inspector = "inspector"  # records inspection visits (明察暗访) of the rounds assigned to them


def _enum(e: type[enum.Enum], name: str) -> Enum:
    # Stored as text with a CHECK, so SQLite and PostgreSQL hold the same values.
    return Enum(e, name=name, native_enum=False, length=20, values_callable=lambda x: [m.value for m in x])


# ---------------------------------------------------------------- units


class District(Base):
    """A district (区) of the city."""

    __tablename__ = "district"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Unit(Base):
    """An appraised unit (评议对象). ``code`` is the ``unit_id`` of bundles.

    ``successor_id`` points at the unit that continues this one after a renaming or a
    merger, so the two-years-running rule follows a unit across its names.
    """

    __tablename__ = "unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    head_name: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = _now()
    # The register's (评议对象名录) columns beyond the bundle's: the unit's kind (e.g.
    # 行政机关, 事业单位, 国有企业), the department it belongs to (主管部门), the date its
    # head (主要负责人) took post, its liaison (联络员; name and phone are personal data,
    # kept only encrypted) and the date it was retired (撤销, by a merger, a split or by
    # hand; ``active`` is then false).
    kind: Mapped[str] = mapped_column(String(64), default="", server_default="")
    department: Mapped[str] = mapped_column(String(200), default="", server_default="")
    head_since: Mapped[date | None] = mapped_column(Date)
    liaison_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    liaison_phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    retired_on: Mapped[date | None] = mapped_column(Date)

    district: Mapped[District | None] = relationship()
    parent: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    successor: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[successor_id])


class ReorganisationKind(enum.StrEnum):
    """What an institutional reform (机构改革) did to units."""

    rename = "rename"  # 更名: the same unit under a new name
    merge = "merge"  # 合并: several units into one; the principal predecessor's past carries on
    split = "split"  # 拆分: one unit into several; each part carries the unit's past
    move = "move"  # 调整序列: the same unit in another category


class Reorganisation(Base):
    """One reorganisation event with its effective date (生效日期).

    ``details`` keeps what the event changed on the unit itself: for a rename
    ``{"name": [old, new]}``, for a move ``{"category": [old, new]}``. Which units it joined
    or parted is in :class:`ReorganisationLink`.
    """

    __tablename__ = "reorganisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReorganisationKind] = mapped_column(_enum(ReorganisationKind, "reorganisation_kind"))
    effective_on: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime] = _now()

    links: Mapped[list[ReorganisationLink]] = relationship(
        cascade="all, delete-orphan", order_by="ReorganisationLink.id"
    )


class ReorganisationLink(Base):
    """A unit before (``from_unit_id``) and after (``to_unit_id``) a reorganisation.

    rename and move: one link from the unit to itself. merge: one link per predecessor to
    the merged unit, ``principal`` on the predecessor whose past the merged unit takes.
    split: one link from the unit to each part (every part takes its past)."""

    __tablename__ = "reorganisation_link"
    __table_args__ = (UniqueConstraint("reorganisation_id", "from_unit_id", "to_unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    reorganisation_id: Mapped[int] = mapped_column(
        ForeignKey("reorganisation.id", ondelete="CASCADE"), index=True
    )
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    principal: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


# ---------------------------------------------------------------- campaigns


class CampaignSeries(Base):
    """Campaigns of one series (e.g. yearly grassroots appraisals) form each other's history."""

    __tablename__ = "campaign_series"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class Campaign(Base):
    """One yearly appraisal. ``code`` is ``[campaign] id`` of its bundle; ``method_toml``
    holds the method tables of ``campaign.toml`` (weights, rules), kept verbatim."""

    __tablename__ = "campaign"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("campaign_series.id"))
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[CampaignStatus] = mapped_column(_enum(CampaignStatus, "campaign_status"), default="draft")
    method_version: Mapped[str] = mapped_column(String(16), default="1")
    method_toml: Mapped[str] = mapped_column(Text, default="")
    notice_days: Mapped[int] = mapped_column(Integer, default=7)
    # fieldwork dates set in the campaign designer (评议时间), Beijing calendar days
    fieldwork_opens_on: Mapped[date | None] = mapped_column(Date)
    fieldwork_closes_on: Mapped[date | None] = mapped_column(Date)
    # designer settings that are not method (the scorer never reads them), e.g.
    # {"grade_labels": {"excellent": {"zh": "优秀", "en": "Excellent"}}}; carried in the
    # bundle as campaign.toml's [platform] table
    design: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # whether the fieldwork bulletin (通报) is shown to the public as well as to admins
    public_bulletin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notice_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _now()

    series: Mapped[CampaignSeries] = relationship()


class CampaignUnit(Base):
    """A unit as appraised in one campaign: its name, category and head at the time,
    and its place in the campaign's unit order (the order of ``units.csv``)."""

    __tablename__ = "campaign_unit"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64))
    head_name: Mapped[str] = mapped_column(String(100), default="")
    parent_code: Mapped[str] = mapped_column(String(64), default="")
    # when the head named here took post, so results can say the head changed between years
    head_since: Mapped[date | None] = mapped_column(Date)

    unit: Mapped[Unit] = relationship()


class HistoryEntry(Base):
    """An earlier year's outcome of a unit in the campaign's series (``history.csv``)."""

    __tablename__ = "history_entry"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[int] = mapped_column(Integer)
    unsatisfactory: Mapped[bool] = mapped_column(Boolean)
    # Where a derived entry came from (empty for one imported from history.csv): the earlier
    # campaign whose final published results said it, the unit as appraised then, and the
    # reorganisations it followed (e.g. "merge 2025-03-01 (principal predecessor)").
    source_campaign_code: Mapped[str] = mapped_column(String(64), default="", server_default="")
    source_unit_code: Mapped[str] = mapped_column(String(64), default="", server_default="")
    via: Mapped[str] = mapped_column(String(500), default="", server_default="")


# ---------------------------------------------------------------- questionnaires


class Scale(Base):
    """An answer scale (``scales.csv``); ``sat3`` is 满意/基本满意/不满意/不了解.

    ``builtin`` marks the methodology's own sat3 (not read from a ``scales.csv``), so an
    exported bundle relies on the built-in scale exactly as the imported one did.
    """

    __tablename__ = "scale"
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    builtin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    options: Mapped[list[ScaleOption]] = relationship(order_by="ScaleOption.position")


class ScaleOption(Base):
    """One option of a scale; ``score`` is None for "don't know" (不了解)."""

    __tablename__ = "scale_option"
    __table_args__ = (UniqueConstraint("scale_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[int] = mapped_column(ForeignKey("scale.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    label_zh: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200), default="")
    score: Mapped[float | None] = mapped_column(Float)
    position: Mapped[int] = mapped_column(Integer)


class Item(Base):
    """A question of the survey or the phone instrument (``items.csv``)."""

    __tablename__ = "item"
    __table_args__ = (UniqueConstraint("campaign_id", "instrument", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    instrument: Mapped[str] = mapped_column(String(16))  # survey | phone
    code: Mapped[str] = mapped_column(String(64))
    scale_id: Mapped[int] = mapped_column(ForeignKey("scale.id"))
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    position: Mapped[int] = mapped_column(Integer)
    # item sets (题组): the unit categories and respondent groups this item is asked of;
    # empty = all of them
    unit_categories: Mapped[list[str]] = mapped_column(default=list)
    respondent_groups: Mapped[list[str]] = mapped_column(default=list)

    scale: Mapped[Scale] = relationship()


class RespondentGroup(Base):
    """A respondent group (评议主体): citizens 群众, service recipients 服务对象, deputies..."""

    __tablename__ = "respondent_group"
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    label_zh: Mapped[str] = mapped_column(String(100), default="")
    label_en: Mapped[str] = mapped_column(String(100), default="")


# ---------------------------------------------------------------- surveys


class Invitation(Base):
    """A single-use invitation (window ticket, hotline case) to rate one unit (一事一评).

    Only a hash of the token is kept; the token itself is printed or sent once."""

    __tablename__ = "invitation"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="ticket")  # ticket | hotline | sms
    reference: Mapped[str] = mapped_column(String(100), default="")  # ticket or case number
    created_at: Mapped[datetime] = _now()
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SurveyResponse(Base):
    """One person's answer sheet about one unit. ``code`` is ``response_id`` of bundles;
    ``attributes`` holds respondent variables used for raking (age_band, sex, district).
    ``respondent_hash`` (keyed hash of a verified number) keeps one answer per person
    per unit per campaign."""

    __tablename__ = "survey_response"
    __table_args__ = (
        UniqueConstraint("campaign_id", "code"),
        UniqueConstraint("campaign_id", "unit_id", "respondent_hash"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("respondent_group.id"))
    channel: Mapped[str] = mapped_column(String(32), default="")
    submitted_at: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(16), default="valid")
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id"), unique=True)
    respondent_hash: Mapped[str | None] = mapped_column(String(64))
    respondent_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    device_hash: Mapped[str | None] = mapped_column(String(64))
    network_hash: Mapped[str | None] = mapped_column(String(64))
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    problem_types: Mapped[list[str]] = mapped_column(default=list)
    quality_flags: Mapped[list[str]] = mapped_column(default=list)
    review_note: Mapped[str] = mapped_column(Text, default="")

    answers: Mapped[list[SurveyAnswer]] = relationship(cascade="all, delete-orphan")


class SurveyAnswer(Base):
    """An answered item: the option code chosen."""

    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("response_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    option_code: Mapped[str] = mapped_column(String(64))


# ---------------------------------------------------------------- phone sampling


class Caller(Base):
    """A third-party interviewer (第三方调查员); ``code`` is ``caller_id`` of bundles."""

    __tablename__ = "caller"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # the third-party company (第三方调查公司) the interviewer works for
    contractor: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # the caller's own phone, which click-to-call rings first (encrypted)
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)


class SamplingFrame(Base):
    """People who dealt with the units, imported from an administrative system."""

    __tablename__ = "sampling_frame"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(200), default="")
    imported_at: Mapped[datetime] = _now()


class FrameEntry(Base):
    """One person in a sampling frame; name and number only encrypted, the number's keyed
    hash for de-duplication and the do-not-call list."""

    __tablename__ = "frame_entry"
    __table_args__ = (UniqueConstraint("frame_id", "unit_id", "phone_hash"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    frame_id: Mapped[int] = mapped_column(ForeignKey("sampling_frame.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_enc: Mapped[bytes] = mapped_column(LargeBinary)
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    service_date: Mapped[date | None] = mapped_column(Date)
    case_number: Mapped[str] = mapped_column(String(100), default="")
    respondent_group: Mapped[str] = mapped_column(String(64), default="", server_default="")


class DoNotCall(Base):
    """A number that must not be called (拒访名单), kept only as its keyed hash."""

    __tablename__ = "do_not_call"
    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = _now()


class PhoneSample(Base):
    """One draw of a phone sample: the design (target margin of error, expected response
    rate, sizes per unit, quotas), the seed that makes it reproducible, and who drew it."""

    __tablename__ = "phone_sample"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    seed: Mapped[int] = mapped_column(BigInteger)
    design: Mapped[dict[str, Any]] = mapped_column(default=dict)
    drawn_by: Mapped[str] = mapped_column(String(100), default="")
    drawn_at: Mapped[datetime] = _now()


class PhoneCase(Base):
    """A sampled person to be interviewed about a unit; ``code`` is ``case_id`` of bundles,
    ``disposition`` its final AAPOR code once closed."""

    __tablename__ = "phone_case"
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    frame_entry_id: Mapped[int | None] = mapped_column(ForeignKey("frame_entry.id"))
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("caller.id"))
    disposition: Mapped[str] = mapped_column(String(16), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    callback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    batch: Mapped[int] = mapped_column(Integer, default=1)
    respondent_group: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # when the case may be dialled again (retries at another time of day)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    answers: Mapped[list[PhoneAnswer]] = relationship(cascade="all, delete-orphan")


class CallAttempt(Base):
    """One dialling of a case, with its temporary disposition and the call's provider id."""

    __tablename__ = "call_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("phone_case.id", ondelete="CASCADE"), index=True)
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("caller.id"))
    started_at: Mapped[datetime] = _now()
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    disposition: Mapped[str] = mapped_column(String(16), default="")
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    recording_url: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # manual (dialled by hand), bridge (click-to-call) or ivr (automatic questionnaire)
    mode: Mapped[str] = mapped_column(String(16), default="manual", server_default="manual")
    provider_status: Mapped[str] = mapped_column(String(32), default="", server_default="")
    recording_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class WebhookReceipt(Base):
    """A telephony webhook already handled, keyed by a digest of what its signature covers
    (signed URL and parameters): a retry or replay of it is recognised and changes nothing."""

    __tablename__ = "webhook_receipt"
    __table_args__ = (UniqueConstraint("provider", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = _now()


class PhoneAnswer(Base):
    __tablename__ = "phone_answer"
    __table_args__ = (UniqueConstraint("case_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("phone_case.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    option_code: Mapped[str] = mapped_column(String(64))


# ---------------------------------------------------------------- indicators and adjustments


class Indicator(Base):
    """A big-data indicator (大数据指标) with its direction, weight and method; values
    cannot change after ``freeze_date`` without an audited correction."""

    __tablename__ = "indicator"
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    direction: Mapped[str] = mapped_column(String(8))  # higher | lower
    weight: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(16), default="minmax")
    floor: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    source_system: Mapped[str] = mapped_column(String(100), default="")
    freeze_date: Mapped[date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer)


class IndicatorValue(Base):
    __tablename__ = "indicator_value"
    __table_args__ = (UniqueConstraint("indicator_id", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    value: Mapped[float] = mapped_column(Float)
    source_system: Mapped[str] = mapped_column(String(100), default="")
    # how a computed value came about, e.g. "computed from 3 visits between 2025-03-02 and
    # 2025-03-28" (明察暗访); empty for an imported or typed value
    provenance: Mapped[str] = mapped_column(Text, default="", server_default="")


class OverdueCase(Base):
    """An online approval finished after its promised time (超时办结), imported case by case;
    it becomes exempt (容错免责) only when a fault-tolerance application for it is granted
    (services/fault_tolerance.py). The overtime indicator counts the cases not exempted."""

    __tablename__ = "overdue_case"
    __table_args__ = (UniqueConstraint("campaign_id", "case_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    case_number: Mapped[str] = mapped_column(String(100))
    promised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source_system: Mapped[str] = mapped_column(String(100), default="")
    exempt: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    exempt_reason: Mapped[str] = mapped_column(Text, default="")
    exempted_by: Mapped[str | None] = mapped_column(String(100))
    exempted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Adjustment(Base):
    """Bonus (加分), deduction (扣分) or veto (一票否决), with its reason and evidence."""

    __tablename__ = "adjustment"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    kind: Mapped[str] = mapped_column(String(16))  # bonus | deduction | veto
    points: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    evidence_name: Mapped[str] = mapped_column(String(200), default="")
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # what produced an entry that a rule proposed, e.g. "accountability_case:DT-2025-001" or
    # "inspections:2025": a rule's rerun finds and replaces its own entries; empty when typed
    source: Mapped[str] = mapped_column(String(64), default="", server_default="")


# ---------------------------------------------------------------- results and what follows


class ScoringRun(Base):
    """One run of the engine on a campaign: method version, the SHA-256 of its input
    bundle, and who ran it."""

    __tablename__ = "scoring_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    method_version: Mapped[str] = mapped_column(String(16))
    input_sha256: Mapped[str] = mapped_column(String(64))
    replicates: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = _now()

    results: Mapped[list[UnitResult]] = relationship(cascade="all, delete-orphan")


class UnitResult(Base):
    """One unit's row of ``results.csv`` in a scoring run; the headline fields are
    typed columns for queries, ``row`` holds every column as written."""

    __tablename__ = "unit_result"
    __table_args__ = (UniqueConstraint("run_id", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scoring_run.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    final_score: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
    ranking_group: Mapped[str] = mapped_column(String(64))
    list_name: Mapped[str] = mapped_column(String(8), default="")  # best | worst | ""
    card: Mapped[str] = mapped_column(String(8), default="")  # red | yellow | ""
    grade: Mapped[str] = mapped_column(String(32), default="")
    consecutive_unsatisfactory: Mapped[bool] = mapped_column(Boolean, default=False)
    row: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Publication(Base):
    """A published result (公示): the approved run, a frozen snapshot and its SHA-256.
    Publishing needs a second admin's approval (``approved_by`` ≠ ``requested_by``)."""

    __tablename__ = "publication"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scoring_run.id"))
    requested_by: Mapped[str] = mapped_column(String(100))
    approved_by: Mapped[str | None] = mapped_column(String(100))
    snapshot: Mapped[bytes | None] = mapped_column(LargeBinary)
    snapshot_sha256: Mapped[str] = mapped_column(String(64), default="")
    # the run's input bundle as published (a zip without personal data), so that anyone can
    # recompute the snapshot with ``python -m scoring score``
    bundle: Mapped[bytes | None] = mapped_column(LargeBinary)
    bundle_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Appeal(Base):
    """An appeal (申诉) by a unit against its result, a response or an indicator value."""

    __tablename__ = "appeal"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    target: Mapped[str] = mapped_column(String(32), default="result")  # result | response | indicator_value
    target_ref: Mapped[str] = mapped_column(String(64), default="")
    reasons: Mapped[str] = mapped_column(Text)
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | upheld | rejected
    evidence_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    decision: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = _now()
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CardCase(Base):
    """A red or yellow card (红黄牌) as a case: issued → rectification plan → follow-up
    check → lifted, or escalated (a second year: a red card and the recommendation to
    remove the head). ``status`` is the current step; every step is audited."""

    __tablename__ = "card_case"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    color: Mapped[str] = mapped_column(String(8))  # red | yellow
    reason: Mapped[str] = mapped_column(Text, default="")
    # issued|plan|check|lifted|escalated|closed (an escalated card closes once its head action is recorded)
    status: Mapped[str] = mapped_column(String(16), default="issued")
    plan: Mapped[str] = mapped_column(Text, default="")
    check_note: Mapped[str] = mapped_column(Text, default="")
    head_removal_recommended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RectificationItem(Base):
    """A ledger item (整改台账): a problem a unit must fix, with deadline and evidence."""

    __tablename__ = "rectification_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))  # survey | call | appeal | card
    description: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date | None] = mapped_column(Date)
    # open | in_progress | done; "overdue" is computed (deadline passed, not done), not stored
    status: Mapped[str] = mapped_column(String(16), default="open")
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = _now()
    # what raised it (a response, case or appeal code) and the card it belongs to, if any
    source_ref: Mapped[str] = mapped_column(String(64), default="", server_default="")
    card_id: Mapped[int | None] = mapped_column(ForeignKey("card_case.id"))
    evidence_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    progress_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# ---------------------------------------------------------------- people and the log


class User(Base):
    """A staff account; passwords only as Argon2 hashes. A liaison belongs to one unit."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = _now()
    # set by an admin's password reset (a one-time password): the next sign-in must change it
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class LoginSession(Base):
    """A browser session after login; only the token's hash is stored."""

    __tablename__ = "login_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = _now()
    last_seen_at: Mapped[datetime] = _now()
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ThrottleEvent(Base):
    """One counted attempt (a failed login, a verification code sent) or, with ``lock``, a
    lockout until ``expires_at``, per scope and key (db/throttle.py). Kept in the database so
    that every app process behind a load balancer counts the same attempts."""

    __tablename__ = "throttle_event"
    __table_args__ = (Index("ix_throttle_event_scope_key_at", "scope", "key", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # when the row stops counting (or locking) and may be deleted
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    lock: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class VerificationCode(Base):
    """A pending phone verification (手机号验证码), shared by every app process: the
    number only as its keyed hash, our own code only as an HMAC (the offline simulator also
    keeps it encrypted, to show the simulated SMS), the wrong tries counted."""

    __tablename__ = "verification_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # None when the provider (Twilio Verify) makes and checks the code
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_at: Mapped[datetime] = _now()


class AuditEntry(Base):
    """An append-only log entry (留痕): who changed what, when, before and after.

    ``entry_hash`` = SHA-256 over the previous entry's hash and this entry's canonical
    content, so editing or deleting an entry breaks the chain (``python -m db verify-audit``).
    """

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


# The seeds' registries (inspections, accountability cases, fault tolerance, heads) live in
# their own module; importing it here puts their tables in ``Base.metadata`` wherever the
# model is loaded (Alembic, ``create_all`` in tests).
from db import models_registries as models_registries  # noqa: E402
