"""Builders for service tests: a small campaign, staff accounts, a scoring run, phone cases.

Rows are inserted directly (not through the services under test), so a broken service
cannot make its own test setup pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

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


# ---------------------------------------------------------------- history (H3, issue 11)


def add_year_campaign(
    make_uow: MakeUow,
    code: str,
    year: int,
    units: Sequence[str],
    *,
    worst: Sequence[str] = (),
    status: CampaignStatus = CampaignStatus.final,
    heads: Mapping[str, tuple[str, date | None]] | None = None,
    consecutive: Sequence[str] = (),
    series: str = "s",
) -> None:
    """A campaign of ``series`` in ``year`` with ``units`` (created when new; heads as
    ``{code: (name, since)}``). Published or final: with a scoring run whose worst list is
    ``worst`` (and consecutive units ``consecutive``) and an approved publication."""
    from db.models import Publication  # here: the kit's own imports stay as they were

    heads = heads or {}
    with make_uow() as uow:
        s = uow.session
        found = s.execute(select(CampaignSeries).where(CampaignSeries.code == series)).scalar()
        if found is None:
            found = CampaignSeries(code=series, name=series)
            s.add(found)
            s.flush()
        campaign = Campaign(code=code, series_id=found.id, year=year, name=code, status=status)
        s.add(campaign)
        s.flush()
        ids = []
        for position, unit_code in enumerate(units):
            unit = s.execute(select(Unit).where(Unit.code == unit_code)).scalar()
            if unit is None:
                unit = Unit(code=unit_code, name=f"单位{unit_code}", category="grassroots")
                s.add(unit)
                s.flush()
            ids.append(unit.id)
            name, since = heads.get(unit_code, ("", None))
            s.add(
                CampaignUnit(
                    campaign_id=campaign.id,
                    unit_id=unit.id,
                    position=position,
                    name=f"{unit.name}（{year}）",
                    category="grassroots",
                    head_name=name,
                    head_since=since,
                )
            )
        if status in (CampaignStatus.published, CampaignStatus.final):
            run = ScoringRun(
                campaign_id=campaign.id, method_version="1", input_sha256="0" * 64, replicates=0, seed=1
            )
            s.add(run)
            s.flush()
            for unit_code, unit_id in zip(units, ids, strict=True):
                s.add(
                    UnitResult(
                        run_id=run.id,
                        unit_id=unit_id,
                        ranking_group="grassroots",
                        list_name="worst" if unit_code in worst else "",
                        card="red" if unit_code in consecutive else "yellow" if unit_code in worst else "",
                        consecutive_unsatisfactory=unit_code in consecutive,
                        row={"unit_id": unit_code},
                    )
                )
            s.add(Publication(campaign_id=campaign.id, run_id=run.id, requested_by="a1", approved_by="a2"))
        uow.commit()


def add_reorganisation(
    make_uow: MakeUow,
    kind: str,
    effective_on: date,
    links: Sequence[tuple[str, str] | tuple[str, str, bool]],
    *,
    successor: bool = False,
) -> None:
    """A reorganisation with links ``(from code, to code[, principal])``, units created when
    new; ``successor`` also points each predecessor's ``successor_id`` at its successor."""
    from db.models import Reorganisation, ReorganisationKind, ReorganisationLink

    with make_uow() as uow:
        s = uow.session

        def unit(code: str) -> Unit:
            found = s.execute(select(Unit).where(Unit.code == code)).scalar()
            if found is None:
                found = Unit(code=code, name=f"单位{code}", category="grassroots")
                s.add(found)
                s.flush()
            return found

        event = Reorganisation(kind=ReorganisationKind(kind), effective_on=effective_on)
        s.add(event)
        s.flush()
        for link in links:
            before, after = unit(link[0]), unit(link[1])
            principal = bool(link[2]) if len(link) > 2 else False  # type: ignore[misc]
            s.add(
                ReorganisationLink(
                    reorganisation_id=event.id,
                    from_unit_id=before.id,
                    to_unit_id=after.id,
                    principal=principal,
                )
            )
            if successor and before.id != after.id:
                before.successor_id = after.id
        uow.commit()


# ---------------------------------------------------------------- issue 11: register and designer (H4)


def add_register_unit(
    make_uow: MakeUow,
    code: str,
    category: str = "站所",
    *,
    name: str = "",
    district: str = "",
    kind: str = "",
    head_name: str = "",
    active: bool = True,
) -> None:
    """A unit of the register (评议对象名录), with its district created if new."""
    from db.models import District

    with make_uow() as uow:
        s = uow.session
        district_id = None
        if district:
            row = s.execute(select(District).where(District.name == district)).scalar()
            if row is None:
                row = District(name=district)
                s.add(row)
                s.flush()
            district_id = row.id
        s.add(
            Unit(
                code=code,
                name=name or f"单位{code}",
                category=category,
                district_id=district_id,
                kind=kind,
                head_name=head_name,
                active=active,
            )
        )
        uow.commit()


def ready_to_open(make_uow: MakeUow, campaign_code: str = "c1") -> None:
    """Give a :func:`seed_campaign` campaign what opening fieldwork also needs: fieldwork
    dates and a method the bundle reader accepts (its groups weighted equally)."""
    from datetime import date

    with make_uow() as uow:
        s = uow.session
        campaign = s.execute(select(Campaign).where(Campaign.code == campaign_code)).scalar_one()
        query = select(RespondentGroup.code).where(RespondentGroup.campaign_id == campaign.id)
        groups = list(s.execute(query).scalars())
        weights = "".join(f"{g} = {1 / len(groups)!r}\n" for g in groups) if groups else "x = 1.0\n"
        campaign.method_toml = (
            f'[campaign]\nid = "{campaign_code}"\nyear = {campaign.year}\n\n[weights.groups]\n{weights}'
        )
        campaign.fieldwork_opens_on = date(2026, 5, 1)
        campaign.fieldwork_closes_on = date(2026, 6, 30)
        uow.commit()


def retire_units(make_uow: MakeUow, codes: Sequence[str]) -> None:
    """Make the units inactive, as the register does after a merger or split (撤销)."""
    with make_uow() as uow:
        for unit in uow.session.execute(select(Unit).where(Unit.code.in_(list(codes)))).scalars():
            unit.active = False
        uow.commit()
