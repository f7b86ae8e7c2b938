"""The fieldwork bulletin (通报): per respondent group, the units with the most dissatisfied
answers in a week, a month or any date range (definition in :mod:`survey.bulletin`).

Admins (:attr:`Permission.configure_campaign`) see the bulletin of every campaign and
decide, per campaign, whether the public sees it too (``Campaign.public_bulletin``,
audited). Anyone else, signed in or not, sees only the campaigns whose bulletin is
public. The bulletin holds unit names and counts, never a response or a respondent.

A response belongs to the day its ``submitted_at`` stamp names (the stamp's own date,
as written when the answer was stored).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from sqlalchemy import case, func, select

from db import audit
from db.models import (
    Campaign,
    CampaignStatus,
    CampaignUnit,
    Item,
    RespondentGroup,
    ScaleOption,
    SurveyAnswer,
    SurveyResponse,
    Unit,
)
from db.uow import UnitOfWork
from services.campaigns import load_campaign
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, allowed, require
from survey.bulletin import (
    DEFAULT_MIN_ANSWERS,
    DEFAULT_TOP,
    DISSATISFIED_BELOW,
    BulletinRow,
    Tally,
    rank_units,
)

# A draft has no answers yet: it has no bulletin, for anyone.
BULLETIN_STATUSES: Final = frozenset(s for s in CampaignStatus if s != CampaignStatus.draft)
MAX_DAYS: Final = 366


@dataclass(frozen=True, slots=True)
class BulletinCampaign:
    code: str
    name: str
    year: int
    status: CampaignStatus
    public: bool


@dataclass(frozen=True, slots=True)
class GroupBulletin:
    """One respondent group's list, with how many counted responses it had in the period."""

    code: str
    label_zh: str
    label_en: str
    responses: int
    rows: list[BulletinRow]


@dataclass(frozen=True, slots=True)
class Bulletin:
    campaign_code: str
    campaign_name: str
    start: date
    end: date
    min_answers: int
    groups: list[GroupBulletin]


def is_admin(user: CurrentUser | None) -> bool:
    return allowed(user, Permission.configure_campaign)


def bulletin_campaigns(uow: UnitOfWork, user: CurrentUser | None) -> list[BulletinCampaign]:
    """The campaigns whose bulletin ``user`` may see: fieldwork first, then newest year."""
    admin = is_admin(user)
    with uow:
        query = select(
            Campaign.code, Campaign.name, Campaign.year, Campaign.status, Campaign.public_bulletin
        ).where(Campaign.status.in_(sorted(BULLETIN_STATUSES)))
        if not admin:
            query = query.where(Campaign.public_bulletin.is_(True))
        rows = uow.session.execute(query).all()
    found = [
        BulletinCampaign(code, name or code, year, CampaignStatus(status), bool(public))
        for code, name, year, status, public in rows
    ]
    return sorted(found, key=lambda c: (c.status != CampaignStatus.fieldwork, -c.year, c.code))


def opening_period(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> tuple[date, date] | None:
    """The days the bulletin of a campaign whose fieldwork is over opens on: its whole
    fieldwork, from the first to the last day with a counted (valid) response, since
    today's week would be empty. None for a campaign in fieldwork (its current week is
    the news) or one without answers. Raises :class:`NotFound` as :func:`fieldwork_bulletin`."""
    with uow:
        campaign = uow.session.execute(select(Campaign).where(Campaign.code == campaign_code)).scalar()
        if (
            campaign is None
            or CampaignStatus(campaign.status) not in BULLETIN_STATUSES
            or not (campaign.public_bulletin or is_admin(user))
        ):
            raise NotFound(f"there is no bulletin of campaign {campaign_code!r} to show")
        if CampaignStatus(campaign.status) == CampaignStatus.fieldwork:
            return None
        first, last = uow.session.execute(
            select(func.min(SurveyResponse.submitted_at), func.max(SurveyResponse.submitted_at)).where(
                SurveyResponse.campaign_id == campaign.id, SurveyResponse.status == "valid"
            )
        ).one()
    if not first or not last:
        return None
    # stamps are ISO text starting with their date (see fieldwork_bulletin)
    return date.fromisoformat(first[:10]), date.fromisoformat(last[:10])


def set_public_bulletin(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, public: bool) -> bool:
    """Show the campaign's bulletin to the public, or to admins only; True when it changed."""
    actor = require(user, Permission.configure_campaign)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        if bool(campaign.public_bulletin) == public:
            return False
        before = {"public_bulletin": bool(campaign.public_bulletin)}
        campaign.public_bulletin = public
        audit.record(
            uow, "campaign.public_bulletin", "campaign", campaign.code, before, {"public_bulletin": public}
        )
        uow.commit()
        return True


def fieldwork_bulletin(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    start: date,
    end: date,
    *,
    min_answers: int = DEFAULT_MIN_ANSWERS,
    top: int = DEFAULT_TOP,
) -> Bulletin:
    """The bulletin of the days ``start`` to ``end`` (both included).

    Raises :class:`NotFound` for a campaign ``user`` may not see (a non-public bulletin
    is not announced to the public), :class:`Refused` for a bad range or minimum."""
    if end < start:
        raise Refused(f"the period ends ({end}) before it starts ({start})")
    if (end - start).days + 1 > MAX_DAYS:
        raise Refused(f"a bulletin covers at most {MAX_DAYS} days")
    if min_answers < 1 or top < 1:
        raise Refused("the minimum number of answers and the length of the list must be at least 1")
    with uow:
        campaign = uow.session.execute(select(Campaign).where(Campaign.code == campaign_code)).scalar()
        if (
            campaign is None
            or CampaignStatus(campaign.status) not in BULLETIN_STATUSES
            or not (campaign.public_bulletin or is_admin(user))
        ):
            raise NotFound(f"there is no bulletin of campaign {campaign_code!r} to show")
        # Stamps are ISO text starting with their date: comparing text selects whole days.
        in_period = (
            SurveyResponse.campaign_id == campaign.id,
            SurveyResponse.status == "valid",
            SurveyResponse.submitted_at >= start.isoformat(),
            SurveyResponse.submitted_at < (end + timedelta(days=1)).isoformat(),
        )
        dissatisfied = func.sum(case((ScaleOption.score < DISSATISFIED_BELOW, 1), else_=0))
        counts = uow.session.execute(
            select(
                SurveyResponse.group_id, SurveyResponse.unit_id, func.count(ScaleOption.score), dissatisfied
            )
            .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
            .join(Item, Item.id == SurveyAnswer.item_id)
            .join(
                ScaleOption,
                (ScaleOption.scale_id == Item.scale_id) & (ScaleOption.code == SurveyAnswer.option_code),
            )
            .where(*in_period, Item.instrument == "survey", ScaleOption.score.is_not(None))
            .group_by(SurveyResponse.group_id, SurveyResponse.unit_id)
        ).all()
        responses = dict(
            uow.session.execute(
                select(SurveyResponse.group_id, func.count())
                .where(*in_period)
                .group_by(SurveyResponse.group_id)
            ).all()
        )
        groups = uow.session.execute(
            select(
                RespondentGroup.id, RespondentGroup.code, RespondentGroup.label_zh, RespondentGroup.label_en
            )
            .where(RespondentGroup.campaign_id == campaign.id)
            .order_by(RespondentGroup.id)
        ).all()
        units = {
            uid: (code, name)
            for uid, code, name in uow.session.execute(
                select(Unit.id, Unit.code, CampaignUnit.name)
                .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
                .where(CampaignUnit.campaign_id == campaign.id)
            )
        }
        group_code = {gid: code for gid, code, _, _ in groups}
        ranked = rank_units(
            (
                Tally(group_code[gid], *units.get(uid, (str(uid), str(uid))), int(scored), int(unhappy or 0))
                for gid, uid, scored, unhappy in counts
                if gid in group_code
            ),
            min_answers=min_answers,
            top=top,
        )
        return Bulletin(
            campaign_code=campaign.code,
            campaign_name=campaign.name or campaign.code,
            start=start,
            end=end,
            min_answers=min_answers,
            groups=[
                GroupBulletin(
                    code=code,
                    label_zh=label_zh or code,
                    label_en=label_en or label_zh or code,
                    responses=int(responses.get(gid, 0)),
                    rows=ranked.get(code, []),
                )
                for gid, code, label_zh, label_en in groups
            ],
        )
