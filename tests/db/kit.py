"""Builders for service tests: a small campaign, staff accounts, a scoring run, phone cases.

Rows are inserted directly (not through the services under test), so a broken service
cannot make its own test setup pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import func, select

from db.models import (
    AuditEntry,
    Caller,
    Campaign,
    CampaignSeries,
    CampaignStatus,
    CampaignUnit,
    Item,
    PhoneCase,
    RespondentGroup,
    Role,
    Scale,
    ScaleOption,
    ScoringRun,
    Unit,
    UnitResult,
    User,
)
from db.uow import UnitOfWork
from services.permissions import CurrentUser
from services.scoring import freeze_bundle

MakeUow = Callable[..., UnitOfWork]
PASSWORD = "correct horse battery"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
# Cheap Argon2 parameters for accounts made by the kit (the services' own hasher is untouched).
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class Clock:
    """A settable clock for ``clock=`` parameters."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def seed_campaign(
    make_uow: MakeUow,
    code: str = "c1",
    *,
    units: Sequence[str] = ("u1", "u2", "u3"),
    items: bool = True,
    groups: bool = True,
    status: CampaignStatus = CampaignStatus.draft,
    notice_days: int = 7,
) -> None:
    """A campaign with units, a sat3 scale, two survey questions and two respondent groups."""
    with make_uow() as uow:
        s = uow.session
        series = s.execute(select(CampaignSeries).where(CampaignSeries.code == "s")).scalar()
        if series is None:
            series = CampaignSeries(code="s", name="基层单位")
            s.add(series)
            s.flush()
        campaign = Campaign(
            code=code, series_id=series.id, year=2026, name="测试评议", status=status, notice_days=notice_days
        )
        s.add(campaign)
        s.flush()
        for position, unit_code in enumerate(units):
            unit = s.execute(select(Unit).where(Unit.code == unit_code)).scalar()
            if unit is None:
                unit = Unit(code=unit_code, name=f"单位{unit_code}", category="站所")
                s.add(unit)
                s.flush()
            s.add(
                CampaignUnit(
                    campaign_id=campaign.id,
                    unit_id=unit.id,
                    position=position,
                    name=unit.name,
                    category="站所",
                )
            )
        if items:
            scale = Scale(campaign_id=campaign.id, code="sat3")
            s.add(scale)
            s.flush()
            for position, (option, label, score) in enumerate(
                [("s", "满意", 100.0), ("b", "基本满意", 60.0), ("u", "不满意", 0.0), ("x", "不了解", None)]
            ):
                s.add(
                    ScaleOption(
                        scale_id=scale.id, code=option, label_zh=label, score=score, position=position
                    )
                )
            for position, item in enumerate(["q1", "q2"]):
                s.add(
                    Item(
                        campaign_id=campaign.id,
                        instrument="survey",
                        code=item,
                        scale_id=scale.id,
                        text_zh=f"问题{item}",
                        position=position,
                    )
                )
        if groups:
            s.add(RespondentGroup(campaign_id=campaign.id, code="public", label_zh="群众"))
            s.add(RespondentGroup(campaign_id=campaign.id, code="client", label_zh="服务对象"))
        uow.commit()


def add_user(make_uow: MakeUow, username: str, role: Role, unit_code: str | None = None) -> CurrentUser:
    """An active account with password :data:`PASSWORD`."""
    with make_uow() as uow:
        s = uow.session
        unit_id = s.execute(select(Unit.id).where(Unit.code == unit_code)).scalar() if unit_code else None
        user = User(
            username=username,
            password_hash=FAST_HASHER.hash(PASSWORD),
            role=role,
            unit_id=unit_id,
            active=True,
        )
        s.add(user)
        uow.commit()
        return CurrentUser(id=user.id, username=username, role=role, unit_id=unit_id)


def add_run(make_uow: MakeUow, campaign_code: str = "c1") -> int:
    """A scoring run with a result row per unit (made-up scores) on the current inputs;
    returns its id."""
    with make_uow() as uow:
        s = uow.session
        campaign = s.execute(select(Campaign).where(Campaign.code == campaign_code)).scalar_one()
        # the hash of the inputs as they are now, as a real run records it: publication
        # checks that the bundle it freezes is what the run scored
        inputs = freeze_bundle(uow, campaign_code).input_sha256
        run = ScoringRun(
            campaign_id=campaign.id, method_version="1", input_sha256=inputs, replicates=0, seed=1
        )
        s.add(run)
        s.flush()
        unit_ids = s.execute(
            select(CampaignUnit.unit_id)
            .where(CampaignUnit.campaign_id == campaign.id)
            .order_by(CampaignUnit.position)
        ).scalars()
        for rank, unit_id in enumerate(unit_ids, start=1):
            s.add(
                UnitResult(
                    run_id=run.id,
                    unit_id=unit_id,
                    final_score=90.0 - rank,
                    rank=rank,
                    ranking_group="站所",
                    row={"final_score": f"{90.0 - rank:.2f}", "rank": str(rank)},
                )
            )
        uow.commit()
        return run.id


def add_case(
    make_uow: MakeUow,
    campaign_code: str = "c1",
    case_code: str = "k1",
    unit_code: str = "u1",
    caller_user: CurrentUser | None = None,
    *,
    attempts: int = 0,
    disposition: str = "",
) -> None:
    """A phone case, assigned to ``caller_user``'s caller row when given."""
    with make_uow() as uow:
        s = uow.session
        campaign = s.execute(select(Campaign).where(Campaign.code == campaign_code)).scalar_one()
        unit_id = s.execute(select(Unit.id).where(Unit.code == unit_code)).scalar_one()
        caller_id = None
        if caller_user is not None:
            caller = s.execute(select(Caller).where(Caller.user_id == caller_user.id)).scalar()
            if caller is None:
                caller = Caller(
                    code=f"caller-{caller_user.username}", name=caller_user.username, user_id=caller_user.id
                )
                s.add(caller)
                s.flush()
            caller_id = caller.id
        s.add(
            PhoneCase(
                campaign_id=campaign.id,
                code=case_code,
                unit_id=unit_id,
                caller_id=caller_id,
                attempts=attempts,
                disposition=disposition,
            )
        )
        uow.commit()


def set_status(make_uow: MakeUow, campaign_code: str, status: CampaignStatus, **fields: object) -> None:
    with make_uow() as uow:
        campaign = uow.session.execute(select(Campaign).where(Campaign.code == campaign_code)).scalar_one()
        campaign.status = status
        for name, value in fields.items():
            setattr(campaign, name, value)
        uow.commit()


def campaign_status(make_uow: MakeUow, campaign_code: str = "c1") -> CampaignStatus:
    with make_uow() as uow:
        status = uow.session.execute(
            select(Campaign.status).where(Campaign.code == campaign_code)
        ).scalar_one()
        return CampaignStatus(status)


def audit_actions(make_uow: MakeUow) -> list[tuple[str, str]]:
    """(actor, action) of every audit entry, oldest first."""
    with make_uow() as uow:
        return [
            (actor, action)
            for actor, action in uow.session.execute(
                select(AuditEntry.actor, AuditEntry.action).order_by(AuditEntry.id)
            )
        ]


def audit_count(make_uow: MakeUow) -> int:
    with make_uow() as uow:
        return uow.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
