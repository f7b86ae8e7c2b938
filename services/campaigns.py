"""A campaign's lifecycle (评议流程): draft → fieldwork → scoring → review → published
(公示期) → final.

Each step is a function ``step(uow, user, campaign_code)`` that checks who may take it
and what must hold, changes the status and writes the audit trail in one transaction.
The backward steps are the ones the work needs: from fieldwork, scoring or review back
to draft (with a recorded reason, to change the method, which fieldwork locks); from
scoring or review back to fieldwork (to extend fieldwork, e.g. for a worst-list unit
whose place is not robust), and from review back to scoring (to score again after a
correction). Nothing leads back out of ``published``: an upheld appeal gives a new
scoring run and a new snapshot (issue 6), not an unpublished campaign.

Publishing takes two admins (separation of duties): one requests it for the latest
scoring run, another approves it.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import func, select

from db import audit
from db.models import (
    Appeal,
    AuditEntry,
    Campaign,
    CampaignStatus,
    CampaignUnit,
    Item,
    PhoneCase,
    Publication,
    RespondentGroup,
    ScoringRun,
    SurveyResponse,
    Unit,
    UnitResult,
)
from db.uow import UnitOfWork
from scoring.params import parse_campaign_toml
from services.clock import Clock, as_utc, utcnow
from services.defects import check_label
from services.errors import InputsFrozen, NotFound, Refused
from services.permissions import CurrentUser, Permission, require

S = CampaignStatus
FROZEN: Final = frozenset({S.published, S.final})
TRANSITION_ACTION: Final = "campaign.transition"
# Transitions after which a new scoring run is required before review.
RESCORE_FROM: Final = frozenset({"start_scoring", "return_to_scoring"})
EDITABLE_FIELDS: Final = ("name", "notice_days", "method_toml")


def load_campaign(uow: UnitOfWork, code: str, *, for_update: bool = False) -> Campaign:
    """The campaign with ``code``; ``for_update`` locks its row (PostgreSQL) so two
    transitions of the same campaign cannot interleave."""
    query = select(Campaign).where(Campaign.code == code)
    if for_update:
        query = query.with_for_update()
    campaign = uow.session.execute(query).scalar()
    if campaign is None:
        raise NotFound(f"no campaign has the code {code!r}")
    return campaign


def assert_inputs_editable(campaign: Campaign) -> None:
    """Refuse any change to a campaign's inputs (units, questionnaires, responses, calls,
    indicators, adjustments, settings) once its result is published: the published
    snapshot must stay what the public can recompute."""
    if S(campaign.status) in FROZEN:
        raise InputsFrozen(
            f"campaign {campaign.code} is {S(campaign.status).value}: its inputs can no longer be changed"
        )


def _expect(campaign: Campaign, *allowed: CampaignStatus, step: str) -> None:
    if S(campaign.status) not in allowed:
        raise Refused(
            f"cannot {step} campaign {campaign.code}: it is {S(campaign.status).value}, "
            f"this step needs {' or '.join(s.value for s in allowed)}"
        )


def _move(
    uow: UnitOfWork, campaign: Campaign, to: CampaignStatus, step: str, **details: Any
) -> CampaignStatus:
    before = S(campaign.status)
    campaign.status = to
    audit.record(
        uow,
        TRANSITION_ACTION,
        "campaign",
        campaign.code,
        {"status": before.value},
        {"status": to.value, "step": step, **details},
    )
    return to


def _max_run_id(uow: UnitOfWork, campaign: Campaign) -> int:
    return (
        uow.session.execute(
            select(func.max(ScoringRun.id)).where(ScoringRun.campaign_id == campaign.id)
        ).scalar()
        or 0
    )


def _latest_run(uow: UnitOfWork, campaign: Campaign) -> ScoringRun | None:
    return uow.session.execute(
        select(ScoringRun)
        .where(ScoringRun.campaign_id == campaign.id)
        .order_by(ScoringRun.id.desc())
        .limit(1)
    ).scalar()


def _pending_publication(uow: UnitOfWork, campaign: Campaign) -> Publication | None:
    return uow.session.execute(
        select(Publication)
        .where(Publication.campaign_id == campaign.id, Publication.approved_by.is_(None))
        .order_by(Publication.id.desc())
        .limit(1)
    ).scalar()


def _cancel_pending_publication(uow: UnitOfWork, campaign: Campaign) -> None:
    pending = _pending_publication(uow, campaign)
    if pending is not None:
        audit.record(
            uow,
            "publication.cancel",
            "publication",
            pending.id,
            {"run_id": pending.run_id, "requested_by": pending.requested_by},
            None,
        )
        uow.session.delete(pending)


def update_campaign(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    *,
    name: str | None = None,
    notice_days: int | None = None,
    method_toml: str | None = None,
) -> None:
    """Change a campaign's settings (admins; not once published)."""
    actor = require(user, Permission.configure_campaign)
    if notice_days is not None and not 1 <= notice_days <= 90:
        raise Refused(f"the notice period must be 1 to 90 days, not {notice_days}")
    changes = {"name": name, "notice_days": notice_days, "method_toml": method_toml}
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for field in EDITABLE_FIELDS:
            value = changes[field]
            if value is not None and value != getattr(campaign, field):
                before[field], after[field] = getattr(campaign, field), value
                setattr(campaign, field, value)
        if after:
            audit.record(uow, "campaign.update", "campaign", campaign.code, before, after)
        uow.commit()


def open_fieldwork(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> CampaignStatus:
    """draft → fieldwork: needs units to appraise, a survey questionnaire, respondent
    groups, fieldwork dates and a method the bundle reader accepts; the refusal names
    everything that is missing. From here the method, units and questionnaire are locked."""
    actor = require(user, Permission.configure_campaign)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        _expect(campaign, S.draft, step="open fieldwork for")
        session = uow.session
        counts = {
            "units": select(func.count()).where(CampaignUnit.campaign_id == campaign.id),
            "survey items": select(func.count()).where(
                Item.campaign_id == campaign.id, Item.instrument == "survey"
            ),
            "respondent groups": select(func.count()).where(RespondentGroup.campaign_id == campaign.id),
        }
        missing = [f"no {what}" for what, query in counts.items() if not session.execute(query).scalar()]
        missing += _not_ready(campaign)
        missing += _item_sets_astray(uow, campaign)
        if missing:
            raise Refused(f"cannot open fieldwork for campaign {campaign.code}: it has {', '.join(missing)}")
        status = _move(uow, campaign, S.fieldwork, "open_fieldwork")
        uow.commit()
        return status


def _not_ready(campaign: Campaign) -> list[str]:
    """What besides units, items and groups keeps a draft from fieldwork: its dates, and a
    method the bundle reader refuses (each defect by key)."""
    missing: list[str] = []
    if campaign.fieldwork_opens_on is None or campaign.fieldwork_closes_on is None:
        missing.append("no fieldwork dates")
    elif campaign.fieldwork_closes_on < campaign.fieldwork_opens_on:
        missing.append("fieldwork dates that close before they open")
    _info, _params, defects = parse_campaign_toml(campaign.method_toml or "")
    if defects:
        shown = "; ".join(f"{d.column or 'campaign.toml'}: {d.message}" for d in defects[:5])
        missing.append(f"a method that does not parse ({shown})")
    return missing


def _item_sets_astray(uow: UnitOfWork, campaign: Campaign) -> list[str]:
    """Item sets (题组) naming a category no unit of the campaign has, or a group it does
    not survey: the questionnaire designer allows them while units are still being chosen,
    but the exported bundle would be refused (bundle.md, items.csv), and nobody would be
    asked such an item."""
    session = uow.session
    categories = set(
        session.scalars(select(CampaignUnit.category).where(CampaignUnit.campaign_id == campaign.id))
    )
    groups = set(
        session.scalars(select(RespondentGroup.code).where(RespondentGroup.campaign_id == campaign.id))
    )
    astray: list[str] = []
    for instrument, code, item_categories, item_groups in session.execute(
        select(Item.instrument, Item.code, Item.unit_categories, Item.respondent_groups)
        .where(Item.campaign_id == campaign.id)
        .order_by(Item.instrument, Item.position, Item.code)
    ):
        unknown = sorted(set(item_categories or ()) - categories) + sorted(set(item_groups or ()) - groups)
        if unknown:
            astray.append(
                f"{instrument} item {code} asked of {', '.join(unknown)}, which the campaign does not have"
            )
    return astray


RETURN_TO_DRAFT_FROM: Final = (S.fieldwork, S.scoring, S.review)
REASON_WIDTH: Final = 500


def return_to_draft(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, reason: str
) -> CampaignStatus:
    """fieldwork, scoring or review → draft (退回草稿), to change the method, the units or
    the questionnaire; the reason is required and recorded in the audit trail, and a
    pending publication request lapses. Answers and runs already made are kept (the
    campaign must be scored again). Never from published or final: a published result
    stays what the public can recompute."""
    actor = require(user, Permission.configure_campaign)
    reason = (reason or "").strip()
    if not reason:
        raise Refused(
            "give the reason for returning the campaign to draft: it is recorded in the audit trail"
        )
    if len(reason) > REASON_WIDTH:
        raise Refused(f"the reason is {len(reason):,} characters long; at most {REASON_WIDTH} are kept")
    check_label("reason", reason)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        _expect(campaign, *RETURN_TO_DRAFT_FROM, step="return to draft")
        _cancel_pending_publication(uow, campaign)
        status = _move(uow, campaign, S.draft, "return_to_draft", reason=reason)
        uow.commit()
        return status


def start_scoring(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> CampaignStatus:
    """fieldwork → scoring (closes fieldwork): needs survey responses, and no phone case
    still being worked (called but without a final disposition)."""
    actor = require(user, Permission.score)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        _expect(campaign, S.fieldwork, step="start scoring")
        session = uow.session
        responses = session.execute(
            select(func.count()).where(SurveyResponse.campaign_id == campaign.id)
        ).scalar()
        if not responses:
            raise Refused(f"cannot start scoring campaign {campaign.code}: it has no survey responses")
        open_cases = session.execute(
            select(func.count()).where(
                PhoneCase.campaign_id == campaign.id, PhoneCase.attempts > 0, PhoneCase.disposition == ""
            )
        ).scalar()
        if open_cases:
            raise Refused(
                f"cannot start scoring campaign {campaign.code}: {open_cases} phone case(s) were called "
                "but have no final disposition; close them (e.g. as non-contact) first"
            )
        status = _move(uow, campaign, S.scoring, "start_scoring", runs_before=_max_run_id(uow, campaign))
        uow.commit()
        return status


def reopen_fieldwork(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> CampaignStatus:
    """scoring or review → fieldwork, to collect more answers; a pending publication request lapses."""
    actor = require(user, Permission.configure_campaign)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        _expect(campaign, S.scoring, S.review, step="reopen fieldwork for")
        _cancel_pending_publication(uow, campaign)
        status = _move(uow, campaign, S.fieldwork, "reopen_fieldwork")
        uow.commit()
        return status


def _runs_before_rescore(uow: UnitOfWork, campaign: Campaign) -> int:
    """Newest scoring run id when the campaign last entered ``scoring`` (from the audit trail)."""
    entries = uow.session.execute(
        select(AuditEntry.after)
        .where(
            AuditEntry.entity == "campaign",
            AuditEntry.entity_id == campaign.code,
            AuditEntry.action == TRANSITION_ACTION,
        )
        .order_by(AuditEntry.id.desc())
    ).scalars()
    for after in entries:
        if isinstance(after, dict) and after.get("step") in RESCORE_FROM:
            return int(after.get("runs_before") or 0)
    return 0


def start_review(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> CampaignStatus:
    """scoring → review: needs a scoring run made since the campaign entered scoring."""
    actor = require(user, Permission.score)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        _expect(campaign, S.scoring, step="start review of")
        latest = _latest_run(uow, campaign)
        if latest is None or latest.id <= _runs_before_rescore(uow, campaign):
            raise Refused(
                f"cannot start review of campaign {campaign.code}: score it first "
                "(no scoring run since it entered scoring)"
            )
        status = _move(uow, campaign, S.review, "start_review", run_id=latest.id)
        uow.commit()
        return status


def return_to_scoring(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> CampaignStatus:
    """review → scoring, to score again; review then needs the new run, and a pending
    publication request lapses."""
    actor = require(user, Permission.score)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        _expect(campaign, S.review, step="return to scoring")
        _cancel_pending_publication(uow, campaign)
        status = _move(uow, campaign, S.scoring, "return_to_scoring", runs_before=_max_run_id(uow, campaign))
        uow.commit()
        return status


def request_publication(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> int:
    """First admin: ask to publish the latest scoring run (in review). Returns the request's id."""
    actor = require(user, Permission.publish)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        _expect(campaign, S.review, step="request publication of")
        pending = _pending_publication(uow, campaign)
        if pending is not None:
            raise Refused(
                f"publication of campaign {campaign.code} was already requested by {pending.requested_by} "
                "and waits for a second admin's approval"
            )
        latest = _latest_run(uow, campaign)
        if latest is None:
            raise Refused(f"cannot request publication of campaign {campaign.code}: it has no scoring run")
        publication = Publication(campaign_id=campaign.id, run_id=latest.id, requested_by=actor.username)
        uow.session.add(publication)
        uow.session.flush()
        audit.record(
            uow,
            "publication.request",
            "publication",
            publication.id,
            None,
            {"campaign": campaign.code, "run_id": latest.id, "requested_by": actor.username},
        )
        uow.commit()
        return publication.id


def results_snapshot(uow: UnitOfWork, campaign: Campaign, run: ScoringRun) -> bytes:
    """The published form of a run's results: canonical JSON of every unit's results.csv
    row with the run's method version and input hash (what a publication freezes and its
    SHA-256 is taken of)."""
    rows = uow.session.execute(
        select(Unit.code, UnitResult.row)
        .join(Unit, Unit.id == UnitResult.unit_id)
        .where(UnitResult.run_id == run.id)
        .order_by(Unit.code)
    ).all()
    document = {
        "campaign": campaign.code,
        "run_id": run.id,
        "method_version": run.method_version,
        "input_sha256": run.input_sha256,
        "results": [{"unit_id": code, **row} for code, row in rows],
    }
    return audit.canonical_json(audit.jsonable(document)).encode("utf-8")


def approve_publication(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, *, clock: Clock = utcnow
) -> CampaignStatus:
    """Second admin: review → published. Freezes a snapshot of the run's results, sets
    ``published_at`` and opens the notice period (公示期) of ``notice_days``."""
    actor = require(user, Permission.publish)
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        _expect(campaign, S.review, step="publish")
        pending = _pending_publication(uow, campaign)
        if pending is None:
            raise Refused(f"cannot publish campaign {campaign.code}: no admin has requested its publication")
        if pending.requested_by == actor.username:
            raise Refused(
                f"{actor.username} requested this publication and cannot also approve it: "
                "publishing needs a second admin"
            )
        latest = _latest_run(uow, campaign)
        if latest is None or latest.id != pending.run_id:
            raise Refused(
                f"campaign {campaign.code} was scored again after the request: "
                "request publication of the new run"
            )
        # imported here: services.scoring pulls in the bundle reader (pyarrow), which only
        # publishing needs, while every page imports this module
        from services.scoring import freeze_bundle

        bundle = freeze_bundle(uow, campaign.code)
        if bundle.input_sha256 != latest.input_sha256:
            # The inputs were edited after the run (a review decision, an indicator value):
            # publishing this run with today's bundle would publish numbers nobody can recompute.
            raise Refused(
                f"the inputs of campaign {campaign.code} changed after scoring run {latest.id}; "
                "score it again and request publication of the new run"
            )
        snapshot = results_snapshot(uow, campaign, latest)
        pending.bundle = bundle.data
        pending.bundle_sha256 = bundle.sha256
        pending.approved_by = actor.username
        pending.snapshot = snapshot
        pending.snapshot_sha256 = hashlib.sha256(snapshot).hexdigest()
        pending.published_at = now
        campaign.published_at = now
        campaign.notice_ends_at = now + timedelta(days=campaign.notice_days)
        audit.record(
            uow,
            "publication.approve",
            "publication",
            pending.id,
            {"requested_by": pending.requested_by},
            {
                "approved_by": actor.username,
                "snapshot_sha256": pending.snapshot_sha256,
                "bundle_sha256": pending.bundle_sha256,
            },
            at=now,
        )
        status = _move(
            uow,
            campaign,
            S.published,
            "approve_publication",
            run_id=latest.id,
            published_at=now,
            notice_ends_at=campaign.notice_ends_at,
        )
        uow.commit()
        return status


def finalize(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, *, clock: Clock = utcnow
) -> CampaignStatus:
    """published → final: only after the notice period has ended and every appeal is decided."""
    actor = require(user, Permission.publish)
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        _expect(campaign, S.published, step="finalize")
        if campaign.notice_ends_at is None or now < as_utc(campaign.notice_ends_at):
            ends = as_utc(campaign.notice_ends_at).isoformat() if campaign.notice_ends_at else "unknown"
            raise Refused(f"cannot finalize campaign {campaign.code}: its notice period runs until {ends}")
        open_appeals = uow.session.execute(
            select(func.count()).where(Appeal.campaign_id == campaign.id, Appeal.status == "open")
        ).scalar()
        if open_appeals:
            raise Refused(f"cannot finalize campaign {campaign.code}: {open_appeals} appeal(s) are undecided")
        status = _move(uow, campaign, S.final, "finalize")
        uow.commit()
        return status
