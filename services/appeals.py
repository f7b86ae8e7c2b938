"""Appeals (申诉) during the public notice period (公示期), and their decisions.

A unit's liaison appeals for their own unit only: against the result as a whole, one
response (``target_ref`` = the response's code) or one indicator value (``target_ref``
= the indicator's code; the value is the unit's own). Admins decide. Every step is
audited.

What an upheld appeal changes (the one audited path that edits a published campaign's
inputs; :func:`services.campaigns.assert_inputs_editable` still refuses every other):

* against a response: the response is withdrawn (``withdrawn``, the decision as its
  review note), so it no longer counts;
* against an indicator value: the deciding admin gives the corrected value with the
  decision (``corrected_value``), and the value is replaced in the same transaction;
* against the result: no input changes; the decision is the record.

Then, in the same transaction, the campaign is scored again (a new scoring run with the
published run's replicates) and republished: a NEW publication row holding the new
snapshot and frozen bundle. The public pages read the newest approved publication, so
the public sees the corrected result; the earlier publication rows stay untouched, so
anyone can still check what was published before. The campaign stays ``published``
and its notice period is not extended.

Republication rule (separation of duties): the first publication already took two
admins (one requested, another approved). A republication does not take a second
request: its ``requested_by`` is ``appeal:<id>`` (it was asked for by the upheld
appeal, whose filing and decision are both in the audit trail) and its ``approved_by``
is the deciding admin. Nothing else can make a publication without two admins.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select

from db import audit
from db.models import (
    Appeal,
    Campaign,
    CampaignStatus,
    CampaignUnit,
    Indicator,
    IndicatorValue,
    Publication,
    RespondentGroup,
    Role,
    ScoringRun,
    SurveyResponse,
    Unit,
)
from db.uow import UnitOfWork
from services.campaigns import load_campaign, results_snapshot
from services.clock import Clock, as_utc, utcnow
from services.errors import NotFound, Refused
from services.permissions import (
    ROLE_PERMISSIONS,
    CurrentUser,
    Permission,
    PermissionDenied,
    allowed,
    require,
    require_role,
)
from services.responses import _campaign_unit_id
from services.scoring import freeze_bundle, score_stored_campaign

TARGETS: Final = frozenset({"result", "response", "indicator_value"})
STATUSES: Final = ("open", "upheld", "rejected")
# Evidence is a scan or a few photos; larger files belong in the unit's own archive.
MAX_EVIDENCE_BYTES: Final = 5 * 1024 * 1024
MAX_EVIDENCE_NAME: Final = 200


def check_evidence(name: str, data: bytes | None) -> tuple[str, bytes | None]:
    """The evidence file's name and bytes as stored; refuses an empty name for a file, an
    empty file and anything above :data:`MAX_EVIDENCE_BYTES` (shared with the ledger)."""
    if data is None:
        return "", None
    if not data:
        raise Refused("the evidence file is empty")
    if len(data) > MAX_EVIDENCE_BYTES:
        raise Refused(
            f"the evidence file is {len(data) / 1024 / 1024:.1f} MB; at most "
            f"{MAX_EVIDENCE_BYTES // 1024 // 1024} MB may be uploaded"
        )
    # Only the last path component: a browser may send a full client path.
    clean = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not clean:
        raise Refused("the evidence file needs a name")
    return clean[:MAX_EVIDENCE_NAME], data


def may_decide(user: CurrentUser | None) -> bool:
    return allowed(user, Permission.decide_appeal)


def may_file(user: CurrentUser | None) -> bool:
    """Whether the user's role files appeals at all (liaisons; for their own unit only)."""
    return user is not None and Permission.file_appeal in ROLE_PERMISSIONS.get(Role(user.role), frozenset())


@dataclass(frozen=True, slots=True)
class AppealView:
    """An appeal as listed: everything but the evidence's bytes."""

    id: int
    campaign: str
    unit_code: str
    unit_name: str
    target: str
    target_ref: str
    reasons: str
    evidence_name: str
    evidence_size: int
    status: str
    decision: str
    decided_by: str
    created_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class AppealOutcome:
    """What a decision did: for an upheld appeal the new run and publication, and the
    snapshot's SHA-256 before and after."""

    appeal_id: int
    status: str
    run_id: int | None = None
    publication_id: int | None = None
    snapshot_sha256: str = ""
    previous_snapshot_sha256: str = ""
    change: str = ""  # withdrew response X | corrected indicator X: a → b | ""


@dataclass(frozen=True, slots=True)
class AppealOptions:
    """What a unit may appeal against: its counted responses and its indicator values."""

    unit_code: str
    unit_name: str
    responses: tuple[tuple[str, str, str], ...]  # (code, respondent group, channel)
    indicators: tuple[tuple[str, str, float], ...]  # (code, name, value)
    notice_open: bool
    notice_ends_at: datetime | None


def _notice_open(campaign: Campaign, now: datetime) -> bool:
    return CampaignStatus(campaign.status) == CampaignStatus.published and (
        campaign.notice_ends_at is None or now < as_utc(campaign.notice_ends_at)
    )


def _response(uow: UnitOfWork, campaign_id: int, unit_id: int, code: str) -> SurveyResponse:
    response = uow.session.execute(
        select(SurveyResponse).where(
            SurveyResponse.campaign_id == campaign_id,
            SurveyResponse.code == code,
            SurveyResponse.unit_id == unit_id,
        )
    ).scalar()
    if response is None:
        raise NotFound(f"the unit has no response {code!r} in this campaign")
    return response


def _indicator_value(uow: UnitOfWork, campaign_id: int, unit_id: int, code: str) -> IndicatorValue:
    value = uow.session.execute(
        select(IndicatorValue)
        .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .where(
            Indicator.campaign_id == campaign_id, Indicator.code == code, IndicatorValue.unit_id == unit_id
        )
    ).scalar()
    if value is None:
        raise NotFound(f"the unit has no value of indicator {code!r} in this campaign")
    return value


def _check_target(uow: UnitOfWork, campaign_id: int, unit_id: int, target: str, target_ref: str) -> str:
    """The reference as stored; refuses one that does not name the unit's own counted
    response or indicator value (the decision must know exactly what to change)."""
    if target == "result":
        return ""
    ref = target_ref.strip()
    if not ref:
        raise Refused(f"an appeal against a {target.replace('_', ' ')} must name it (its code)")
    if target == "response":
        response = _response(uow, campaign_id, unit_id, ref)
        if response.status != "valid":
            raise Refused(f"response {ref} does not count ({response.status}): there is nothing to appeal")
    else:
        _indicator_value(uow, campaign_id, unit_id, ref)
    return ref


def file_appeal(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    unit_code: str,
    reasons: str,
    *,
    target: str = "result",
    target_ref: str = "",
    evidence: bytes | None = None,
    evidence_name: str = "",
    clock: Clock = utcnow,
) -> int:
    """Appeal against the unit's result, one response or one indicator value (the unit's
    liaison, during the notice period), with an optional evidence file. Returns the
    appeal's id."""
    actor = require_role(user, Permission.file_appeal)
    if target not in TARGETS:
        raise Refused(f"an appeal is against one of {', '.join(sorted(TARGETS))}, not {target!r}")
    if not reasons.strip():
        raise Refused("an appeal needs its reasons")
    evidence_name, evidence = check_evidence(evidence_name, evidence)
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code)
        unit_id = _campaign_unit_id(uow, campaign.id, unit_code)
        require(actor, Permission.file_appeal, unit_id=unit_id)
        if not _notice_open(campaign, now):
            raise Refused(f"campaign {campaign_code} is not in its public notice period: appeals are closed")
        target_ref = _check_target(uow, campaign.id, unit_id, target, target_ref)
        appeal = Appeal(
            campaign_id=campaign.id,
            unit_id=unit_id,
            target=target,
            target_ref=target_ref,
            reasons=reasons,
            evidence=evidence,
            evidence_name=evidence_name,
            status="open",
            created_at=now,
        )
        uow.session.add(appeal)
        uow.session.flush()
        audit.record(
            uow,
            "appeal.file",
            "appeal",
            appeal.id,
            None,
            {
                "campaign": campaign_code,
                "unit": unit_code,
                "target": target,
                "target_ref": target_ref,
                "reasons": reasons,
                # the file's hash, not its bytes: the trail stays small and still pins the file
                "evidence_name": evidence_name,
                "evidence_sha256": hashlib.sha256(evidence).hexdigest() if evidence else "",
            },
            at=now,
        )
        uow.commit()
        return appeal.id


def _load_appeal(uow: UnitOfWork, appeal_id: int, *, for_update: bool = False) -> Appeal:
    query = select(Appeal).where(Appeal.id == appeal_id)
    appeal = uow.session.execute(query.with_for_update() if for_update else query).scalar()
    if appeal is None:
        raise NotFound(f"no appeal has the id {appeal_id}")
    return appeal


def attach_evidence(
    uow: UnitOfWork,
    user: CurrentUser | None,
    appeal_id: int,
    evidence_name: str,
    evidence: bytes,
    *,
    clock: Clock = utcnow,
) -> None:
    """Add or replace the evidence file of an open appeal (the unit's liaison)."""
    actor = require_role(user, Permission.file_appeal)
    name, data = check_evidence(evidence_name, evidence)
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        appeal = _load_appeal(uow, appeal_id, for_update=True)
        require(actor, Permission.file_appeal, unit_id=appeal.unit_id)
        if appeal.status != "open":
            raise Refused(f"appeal {appeal_id} was already decided ({appeal.status}): its evidence is closed")
        before = {"evidence_name": appeal.evidence_name}
        appeal.evidence, appeal.evidence_name = data, name
        audit.record(
            uow,
            "appeal.evidence",
            "appeal",
            appeal.id,
            before,
            {"evidence_name": name, "evidence_sha256": hashlib.sha256(data or b"").hexdigest()},
            at=now,
        )
        uow.commit()


def _scope(user: CurrentUser | None) -> int | None:
    """None: every unit (admins); else the liaison's own unit."""
    if may_decide(user):
        return None
    actor = require_role(user, Permission.file_appeal)
    if actor.unit_id is None:
        raise PermissionDenied(f"{actor.username} (liaison) belongs to no unit")
    return actor.unit_id


def list_appeals(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str | None = None,
    *,
    status: str | None = None,
) -> list[AppealView]:
    """Appeals, newest first: admins see all, a liaison those of their own unit."""
    unit_scope = _scope(user)
    with uow:
        query = (
            select(Appeal, Campaign.code, Unit.code, CampaignUnit.name)
            .join(Campaign, Campaign.id == Appeal.campaign_id)
            .join(Unit, Unit.id == Appeal.unit_id)
            .join(
                CampaignUnit,
                (CampaignUnit.campaign_id == Appeal.campaign_id) & (CampaignUnit.unit_id == Appeal.unit_id),
            )
            .order_by(Appeal.id.desc())
        )
        if campaign_code is not None:
            query = query.where(Campaign.code == campaign_code)
        if unit_scope is not None:
            query = query.where(Appeal.unit_id == unit_scope)
        if status is not None:
            query = query.where(Appeal.status == status)
        return [
            AppealView(
                id=a.id,
                campaign=campaign,
                unit_code=unit,
                unit_name=name,
                target=a.target,
                target_ref=a.target_ref,
                reasons=a.reasons,
                evidence_name=a.evidence_name,
                evidence_size=len(a.evidence or b""),
                status=a.status,
                decision=a.decision,
                decided_by=a.decided_by or "",
                created_at=as_utc(a.created_at),
                decided_at=as_utc(a.decided_at) if a.decided_at else None,
            )
            for a, campaign, unit, name in uow.session.execute(query)
        ]


def appeal_evidence(uow: UnitOfWork, user: CurrentUser | None, appeal_id: int) -> tuple[str, bytes]:
    """The appeal's evidence file (admins; the liaison of its unit)."""
    unit_scope = _scope(user)
    with uow:
        appeal = _load_appeal(uow, appeal_id)
        if unit_scope is not None and appeal.unit_id != unit_scope:
            raise PermissionDenied("a liaison sees only the appeals of their own unit")
        if appeal.evidence is None:
            raise NotFound(f"appeal {appeal_id} has no evidence file")
        return appeal.evidence_name, appeal.evidence


def appeal_options(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, *, clock: Clock = utcnow
) -> AppealOptions:
    """For the liaison's own unit: the responses and indicator values an appeal may name,
    and whether the notice period is open."""
    actor = require_role(user, Permission.file_appeal)
    if actor.unit_id is None:
        raise PermissionDenied(f"{actor.username} (liaison) belongs to no unit")
    now = as_utc(clock())
    with uow:
        session = uow.session
        campaign = load_campaign(uow, campaign_code)
        unit = session.execute(
            select(Unit.code, CampaignUnit.name)
            .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
            .where(CampaignUnit.campaign_id == campaign.id, Unit.id == actor.unit_id)
        ).first()
        if unit is None:
            raise NotFound(f"the liaison's unit is not appraised in {campaign_code}")
        responses = session.execute(
            select(SurveyResponse.code, RespondentGroup.code, SurveyResponse.channel)
            .join(RespondentGroup, RespondentGroup.id == SurveyResponse.group_id)
            .where(
                SurveyResponse.campaign_id == campaign.id,
                SurveyResponse.unit_id == actor.unit_id,
                SurveyResponse.status == "valid",
            )
            .order_by(SurveyResponse.code)
        ).all()
        indicators = session.execute(
            select(Indicator.code, Indicator.name, IndicatorValue.value)
            .join(IndicatorValue, IndicatorValue.indicator_id == Indicator.id)
            .where(Indicator.campaign_id == campaign.id, IndicatorValue.unit_id == actor.unit_id)
            .order_by(Indicator.position)
        ).all()
        return AppealOptions(
            unit_code=unit[0],
            unit_name=unit[1],
            responses=tuple((c, g, ch) for c, g, ch in responses),
            indicators=tuple((c, n, float(v)) for c, n, v in indicators),
            notice_open=_notice_open(campaign, now),
            notice_ends_at=as_utc(campaign.notice_ends_at) if campaign.notice_ends_at else None,
        )


def _current_publication(uow: UnitOfWork, campaign: Campaign) -> Publication:
    publication = uow.session.execute(
        select(Publication)
        .where(Publication.campaign_id == campaign.id, Publication.approved_by.is_not(None))
        .order_by(Publication.id.desc())
        .limit(1)
    ).scalar()
    if publication is None:
        raise Refused(f"campaign {campaign.code} has no publication to correct")
    return publication


def _apply_correction(
    uow: UnitOfWork, campaign: Campaign, appeal: Appeal, decision: str, corrected_value: float | None
) -> str:
    """Change the input the upheld appeal names (audited); returns what changed."""
    if appeal.target == "response":
        response = _response(uow, campaign.id, appeal.unit_id, appeal.target_ref)
        before = {"status": response.status, "review_note": response.review_note}
        note = f"申诉 #{appeal.id} 成立：{decision}"
        response.status, response.review_note = "withdrawn", note
        audit.record(
            uow,
            "appeal.withdraw_response",
            "survey_response",
            response.code,
            before,
            {"status": "withdrawn", "review_note": note, "appeal_id": appeal.id},
        )
        return f"withdrew response {response.code}"
    if appeal.target == "indicator_value":
        value = _indicator_value(uow, campaign.id, appeal.unit_id, appeal.target_ref)
        assert corrected_value is not None  # checked before the transaction
        old = value.value
        value.value = corrected_value
        audit.record(
            uow,
            "appeal.correct_indicator",
            "indicator_value",
            value.id,
            {"indicator": appeal.target_ref, "value": old},
            {"indicator": appeal.target_ref, "value": corrected_value, "appeal_id": appeal.id},
        )
        return f"corrected indicator {appeal.target_ref}: {old:g} → {corrected_value:g}"
    return ""


def _republish(
    uow: UnitOfWork, campaign: Campaign, appeal: Appeal, actor: CurrentUser, now: datetime
) -> tuple[ScoringRun, Publication, Publication]:
    previous = _current_publication(uow, campaign)
    published_run = uow.session.get(ScoringRun, previous.run_id)
    replicates = published_run.replicates if published_run is not None else None
    run = score_stored_campaign(uow, campaign.code, replicates=replicates)
    bundle = freeze_bundle(uow, campaign.code)
    snapshot = results_snapshot(uow, campaign, run)
    publication = Publication(
        campaign_id=campaign.id,
        run_id=run.id,
        requested_by=f"appeal:{appeal.id}",
        approved_by=actor.username,
        snapshot=snapshot,
        snapshot_sha256=hashlib.sha256(snapshot).hexdigest(),
        bundle=bundle.data,
        bundle_sha256=bundle.sha256,
        published_at=now,
    )
    uow.session.add(publication)
    uow.session.flush()
    audit.record(
        uow,
        "publication.republish",
        "publication",
        publication.id,
        {"publication_id": previous.id, "snapshot_sha256": previous.snapshot_sha256},
        {
            "campaign": campaign.code,
            "appeal_id": appeal.id,
            "run_id": run.id,
            "approved_by": actor.username,
            "snapshot_sha256": publication.snapshot_sha256,
            "bundle_sha256": publication.bundle_sha256,
        },
        at=now,
    )
    return run, publication, previous


def decide_appeal(
    uow: UnitOfWork,
    user: CurrentUser | None,
    appeal_id: int,
    upheld: bool,
    decision: str,
    *,
    corrected_value: float | None = None,
    clock: Clock = utcnow,
) -> AppealOutcome:
    """Uphold or reject an open appeal, with the reasons for the decision (admins).

    Upholding an appeal against an indicator value needs ``corrected_value``. An upheld
    appeal changes the input it names, scores the campaign again and republishes it
    (see the module's notes), all in one transaction: if scoring fails, nothing changes.
    """
    actor = require(user, Permission.decide_appeal)
    if not decision.strip():
        raise Refused("a decision needs its reasons")
    now = as_utc(clock())
    with uow:
        uow.actor = actor.username
        appeal = _load_appeal(uow, appeal_id, for_update=True)
        if appeal.status != "open":
            raise Refused(f"appeal {appeal_id} was already decided ({appeal.status})")
        # Lock the campaign too: two upheld appeals must not republish side by side.
        campaign = uow.session.execute(
            select(Campaign).where(Campaign.id == appeal.campaign_id).with_for_update()
        ).scalar_one()
        if CampaignStatus(campaign.status) != CampaignStatus.published:
            raise Refused(
                f"campaign {campaign.code} is {campaign.status}: appeals are decided while published"
            )
        if upheld and appeal.target == "indicator_value" and corrected_value is None:
            raise Refused(
                f"upholding an appeal against indicator {appeal.target_ref} needs the corrected value"
            )
        if corrected_value is not None and not (upheld and appeal.target == "indicator_value"):
            raise Refused("a corrected value belongs only to an upheld appeal against an indicator value")
        appeal.status = "upheld" if upheld else "rejected"
        appeal.decision, appeal.decided_by, appeal.decided_at = decision, actor.username, now
        audit.record(
            uow,
            "appeal.decide",
            "appeal",
            appeal.id,
            {"status": "open"},
            {"status": appeal.status, "decision": decision},
            at=now,
        )
        outcome = AppealOutcome(appeal.id, appeal.status)
        if upheld:
            change = _apply_correction(uow, campaign, appeal, decision, corrected_value)
            run, publication, previous = _republish(uow, campaign, appeal, actor, now)
            outcome = AppealOutcome(
                appeal.id,
                appeal.status,
                run_id=run.id,
                publication_id=publication.id,
                snapshot_sha256=publication.snapshot_sha256,
                previous_snapshot_sha256=previous.snapshot_sha256,
                change=change,
            )
        uow.commit()
        return outcome
