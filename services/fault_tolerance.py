"""Fault tolerance (容错免责) as a procedure, for one overdue approval (超时办结,
:class:`db.models.OverdueCase`) or one accountability case (问责案件,
:class:`db.models_registries.AccountabilityCase`).

The procedure (domain practice §5): a written application to the discipline inspection
body, after accountability proceedings started and before their decision
(:func:`apply`) → acceptance (受理, :func:`accept`) or not (:func:`not_accept`) →
verification (核实, :func:`verify`: what the facts show, including whether the matter led
to an excluded consequence) → the decision of the body named by the setting
``APPRAISAL_FAULT_TOLERANCE_BODY`` (:func:`decide`: granted or refused, with the decision
document's number).

Fault tolerance applies where the person acted lawfully, diligently and for no private
gain. It never applies where the matter led to a major safety accident, environmental
pollution, a food-safety incident or a mass incident (:data:`EXCLUDED`): such an
application is refused when filed, and once the verification finds one the decision can
only be a refusal.

A grant exempts the case: an overdue case no longer counts in the overtime indicator at
its next computation (:func:`services.indicators.compute_overtime_indicator`); an
accountability case proposes no deduction, a proposed one is withdrawn and a confirmed
one's adjustment (扣分) is removed.

Who: admins (:attr:`Permission.manage_registries`) file on behalf of anyone and take the
steps; a unit's liaison (:attr:`Permission.file_appeal`) files and follows applications
for cases of its own unit and never takes a step. Separation of duties: the decision is
recorded by an admin other than the one who filed, accepted or verified the application
(the same admin may file, accept and verify). Every step is audited (entity
``fault_tolerance_application``, with the values before and after). What a grant does to
the case: :mod:`services.fault_tolerance_exemptions`; the lists, one application's view
with its history and its evidence: :mod:`services.fault_tolerance_views`.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

from sqlalchemy import select

import config
from db import audit
from db.models import AuditEntry, Campaign, OverdueCase
from db.models_registries import AccountabilityCase, FaultToleranceApplication
from db.uow import UnitOfWork
from services.campaigns import assert_inputs_editable
from services.clock import Clock, as_utc, utcnow
from services.errors import NotFound, Refused
from services.fault_tolerance_exemptions import exempt_accountability, exempt_overdue
from services.indicators import GROUND_UNDER_24H
from services.permissions import CurrentUser, Permission, PermissionDenied, allowed, require, require_role

ENTITY: Final = "fault_tolerance_application"
SUBJECTS: Final = ("overdue_case", "accountability_case")
# What the matter led to: none, or a situation that excludes fault tolerance.
EXCLUDED: Final = ("safety_accident", "pollution", "food_safety", "mass_incident")
CONSEQUENCES: Final = ("none", *EXCLUDED)
EXCLUDED_WORDS: Final = {
    "safety_accident": "a major safety accident (重大安全事故)",
    "pollution": "environmental pollution (环境污染)",
    "food_safety": "a food-safety incident (食品安全事故)",
    "mass_incident": "a mass incident (群体性事件)",
}
STATUSES: Final = ("applied", "accepted", "not_accepted", "verified", "granted", "refused")
OPEN: Final = frozenset({"applied", "accepted", "verified"})
CLOSED: Final = frozenset({"not_accepted", "granted", "refused"})
# The procedure's graph: the steps out of each status (final statuses have none).
STEPS: Final[dict[str, tuple[str, ...]]] = {
    "applied": ("accepted", "not_accepted"),
    "accepted": ("verified",),
    "verified": ("granted", "refused"),
    "not_accepted": (),
    "granted": (),
    "refused": (),
}
# Accountability cases past this point are decided: fault tolerance comes before the decision.
CASE_DECIDED: Final = frozenset({"decided", "published"})
MAX_EVIDENCE_BYTES: Final = 10 * 1024 * 1024
MAX_NAME: Final = 200  # evidence_name is String(200)
MAX_APPLICANT: Final = 100
MAX_DOCUMENT: Final = 100


class EvidenceTooLarge(Refused):
    """The evidence file is over :data:`MAX_EVIDENCE_BYTES`."""


class ExcludedConsequence(Refused):
    """The matter led to a consequence that excludes fault tolerance (``consequence``)."""

    def __init__(self, consequence: str, message: str) -> None:
        self.consequence = consequence
        super().__init__(message)


class SameAdmin(Refused):
    """The admin who filed, accepted or verified an application may not record its decision."""


def decision_body() -> str:
    """The body that decides (the setting ``APPRAISAL_FAULT_TOLERANCE_BODY``)."""
    return config.FAULT_TOLERANCE_BODY.get().strip() or config.FAULT_TOLERANCE_BODY.default


def excluded_rule(consequence: str) -> str:
    return (
        f"the matter led to {EXCLUDED_WORDS[consequence]}: fault tolerance never applies where a matter "
        "led to a major safety accident, environmental pollution, a food-safety incident or a mass "
        "incident (容错免责的排除情形)"
    )


# ---------------------------------------------------------------- helpers


def _check_user(user: CurrentUser | None) -> CurrentUser:
    """Admins, or liaisons (for their own unit, checked once the case is known)."""
    if allowed(user, Permission.manage_registries):
        assert user is not None
        return user
    actor = require_role(user, Permission.file_appeal)
    if actor.unit_id is None:
        raise PermissionDenied(f"{actor.username} belongs to no unit: a liaison applies for its own unit")
    return actor


def _check_unit(user: CurrentUser, unit_id: int) -> None:
    if not allowed(user, Permission.manage_registries):
        require(user, Permission.file_appeal, unit_id)


def _overdue_case(uow: UnitOfWork, campaign_code: str, number: str) -> tuple[OverdueCase, Campaign]:
    row = uow.session.execute(
        select(OverdueCase, Campaign)
        .join(Campaign, Campaign.id == OverdueCase.campaign_id)
        .where(Campaign.code == campaign_code, OverdueCase.case_number == number)
    ).first()
    if row is None:
        raise NotFound(f"campaign {campaign_code!r} has no overdue case {number!r}")
    return row[0], row[1]


def _accountability_case(uow: UnitOfWork, number: str) -> AccountabilityCase:
    case = uow.session.execute(select(AccountabilityCase).where(AccountabilityCase.number == number)).scalar()
    if case is None:
        raise NotFound(f"there is no accountability case {number!r}")
    return case


def _hours_late(case: OverdueCase) -> float:
    return (as_utc(case.completed_at) - as_utc(case.promised_at)).total_seconds() / 3600


def _open_application(uow: UnitOfWork, subject: str, case_id: int) -> int | None:
    column = (
        FaultToleranceApplication.overdue_case_id
        if subject == "overdue_case"
        else FaultToleranceApplication.accountability_case_id
    )
    return uow.session.execute(
        select(FaultToleranceApplication.id).where(
            column == case_id, FaultToleranceApplication.status.in_(sorted(OPEN))
        )
    ).scalar()


def _state(app: FaultToleranceApplication) -> dict[str, Any]:
    """What the audit trail keeps of an application (the evidence by name, size and hash)."""
    evidence = app.evidence or b""
    return {
        "subject": app.subject,
        "overdue_case_id": app.overdue_case_id,
        "accountability_case_id": app.accountability_case_id,
        "applicant": app.applicant,
        "reasons": app.reasons,
        "consequence": app.consequence,
        "evidence_name": app.evidence_name,
        "evidence_size": len(evidence),
        "evidence_sha256": hashlib.sha256(evidence).hexdigest() if evidence else "",
        "status": app.status,
        "accepted_by": app.accepted_by,
        "accepted_at": app.accepted_at,
        "acceptance_note": app.acceptance_note,
        "verified_by": app.verified_by,
        "verified_at": app.verified_at,
        "verification_note": app.verification_note,
        "decision_body": app.decision_body,
        "decision_document": app.decision_document,
        "decision_note": app.decision_note,
        "decided_by": app.decided_by,
        "decided_at": app.decided_at,
    }


def _filed_by(uow: UnitOfWork, application_id: int) -> str:
    return (
        uow.session.execute(
            select(AuditEntry.actor)
            .where(
                AuditEntry.entity == ENTITY,
                AuditEntry.entity_id == str(application_id),
                AuditEntry.action == "fault_tolerance.apply",
            )
            .order_by(AuditEntry.id)
            .limit(1)
        ).scalar()
        or ""
    )


def _load(uow: UnitOfWork, application_id: int, *, for_update: bool = False) -> FaultToleranceApplication:
    query = select(FaultToleranceApplication).where(FaultToleranceApplication.id == application_id)
    if for_update:
        query = query.with_for_update()
    app = uow.session.execute(query).scalar()
    if app is None:
        raise NotFound(f"there is no fault-tolerance application {application_id}")
    return app


def _expect(app: FaultToleranceApplication, status: str, step: str) -> None:
    if app.status != status:
        raise Refused(
            f"application {app.id} is {app.status}: it can be {step} only when it is {status} "
            f"(applied → accepted → verified → granted or refused)"
        )


def _note(note: str, what: str, *, required: bool) -> str:
    note = note.strip()
    if required and not note:
        raise Refused(f"give the {what}: it is kept with the application")
    return note


# ---------------------------------------------------------------- the procedure


def apply(
    uow: UnitOfWork,
    user: CurrentUser | None,
    *,
    subject: str,
    reference: str,
    applicant: str,
    reasons: str,
    consequence: str = "none",
    campaign_code: str = "",
    evidence: tuple[str, bytes] | None = None,
    clock: Clock = utcnow,
) -> int:
    """File an application for one case; returns its id (status ``applied``).

    ``reference`` is the overdue case's number in ``campaign_code``, or the accountability
    case's number. Refused: an excluded ``consequence``; empty reasons or applicant; a case
    already exempt, or with an application still open; an accountability case already
    decided or published; an overdue case of a campaign whose inputs can no longer change;
    the common ground :data:`~services.indicators.GROUND_UNDER_24H` for a case 24 hours late
    or more; evidence over 10 MiB. A liaison may apply only for its own unit's cases."""
    actor = _check_user(user)
    if subject not in SUBJECTS:
        raise Refused(f"the subject must be overdue_case or accountability_case, not {subject!r}")
    if consequence not in CONSEQUENCES:
        raise Refused(f"the consequence must be one of {', '.join(CONSEQUENCES)}, not {consequence!r}")
    reference, applicant, reasons = reference.strip(), applicant.strip(), reasons.strip()
    if not reference:
        raise Refused("name the case (its number) the application is for")
    if not applicant:
        raise Refused("name the applicant (the person or office applying)")
    if len(applicant) > MAX_APPLICANT:
        raise Refused(f"the applicant may be at most {MAX_APPLICANT} characters")
    if not reasons:
        raise Refused("give the reasons: why the person acted lawfully, diligently and for no private gain")
    evidence_name, evidence_bytes = "", None
    if evidence is not None:
        evidence_name, evidence_bytes = evidence[0].strip(), evidence[1]
        if len(evidence_bytes) > MAX_EVIDENCE_BYTES:
            raise EvidenceTooLarge(
                f"the evidence file {evidence_name} is {len(evidence_bytes) / 2**20:.1f} MiB; at most "
                f"{MAX_EVIDENCE_BYTES // 2**20} MiB can be stored: send a smaller scan or an extract"
            )
        if not evidence_bytes:
            evidence_name, evidence_bytes = "", None
        elif len(evidence_name) > MAX_NAME:
            stem, dot, suffix = evidence_name.rpartition(".")
            keep = MAX_NAME - len(suffix) - 1
            evidence_name = f"{stem[:keep]}.{suffix}" if dot and keep > 0 else evidence_name[:MAX_NAME]
        elif not evidence_name:
            evidence_name = "evidence"
    with uow:
        uow.actor = actor.username
        if subject == "overdue_case":
            if not campaign_code.strip():
                raise Refused("name the campaign of the overdue case")
            overdue, campaign = _overdue_case(uow, campaign_code.strip(), reference)
            _check_unit(actor, overdue.unit_id)
            if consequence in EXCLUDED:
                raise ExcludedConsequence(
                    consequence, f"overdue case {reference} cannot be exempted: {excluded_rule(consequence)}"
                )
            assert_inputs_editable(campaign)
            if overdue.exempt:
                raise Refused(f"overdue case {reference} is already exempt ({overdue.exempt_reason})")
            if reasons.startswith(GROUND_UNDER_24H) and _hours_late(overdue) >= 24:
                raise Refused(
                    f"overdue case {reference} was {_hours_late(overdue):.1f} hours late: the ground "
                    f"“{GROUND_UNDER_24H}” needs less than 24 hours; give the actual reasons"
                )
            case_id = overdue.id
        else:
            case = _accountability_case(uow, reference)
            _check_unit(actor, case.unit_id)
            if consequence in EXCLUDED:
                raise ExcludedConsequence(
                    consequence,
                    f"accountability case {reference} cannot be exempted: {excluded_rule(consequence)}",
                )
            if case.exempt:
                raise Refused(f"accountability case {reference} is already exempt")
            if case.status in CASE_DECIDED:
                raise Refused(
                    f"accountability case {reference} is already {case.status}: an application must be "
                    "filed after the proceedings start and before their decision"
                )
            case_id = case.id
        pending = _open_application(uow, subject, case_id)
        if pending is not None:
            raise Refused(f"case {reference} already has an open application ({pending}): follow that one")
        app = FaultToleranceApplication(
            subject=subject,
            overdue_case_id=case_id if subject == "overdue_case" else None,
            accountability_case_id=case_id if subject == "accountability_case" else None,
            applicant=applicant,
            reasons=reasons,
            consequence=consequence,
            evidence_name=evidence_name,
            evidence=evidence_bytes,
            status="applied",
            created_at=as_utc(clock()),
        )
        uow.session.add(app)
        uow.session.flush()
        audit.record(
            uow, "fault_tolerance.apply", ENTITY, app.id, None, {**_state(app), "reference": reference}
        )
        uow.commit()
        return app.id


def _step(
    uow: UnitOfWork, user: CurrentUser | None, application_id: int
) -> tuple[CurrentUser, FaultToleranceApplication, dict[str, Any]]:
    actor = require(user, Permission.manage_registries)
    uow.actor = actor.username
    app = _load(uow, application_id, for_update=True)
    return actor, app, _state(app)


def accept(
    uow: UnitOfWork, user: CurrentUser | None, application_id: int, note: str = "", *, clock: Clock = utcnow
) -> None:
    """Accept an application for verification (受理): applied → accepted."""
    note = _note(note, "acceptance note", required=False)
    with uow:
        actor, app, before = _step(uow, user, application_id)
        _expect(app, "applied", "accepted")
        app.status, app.accepted_by, app.accepted_at = "accepted", actor.username, as_utc(clock())
        app.acceptance_note = note
        audit.record(uow, "fault_tolerance.accept", ENTITY, app.id, before, _state(app))
        uow.commit()


def not_accept(
    uow: UnitOfWork, user: CurrentUser | None, application_id: int, note: str, *, clock: Clock = utcnow
) -> None:
    """Do not accept an application (不予受理), with the reason: applied → not_accepted (final)."""
    note = _note(note, "reason for not accepting the application", required=True)
    with uow:
        actor, app, before = _step(uow, user, application_id)
        _expect(app, "applied", "not accepted")
        app.status, app.accepted_by, app.accepted_at = "not_accepted", actor.username, as_utc(clock())
        app.acceptance_note = note
        audit.record(uow, "fault_tolerance.not_accept", ENTITY, app.id, before, _state(app))
        uow.commit()


def verify(
    uow: UnitOfWork,
    user: CurrentUser | None,
    application_id: int,
    *,
    note: str,
    consequence_found: str,
    clock: Clock = utcnow,
) -> None:
    """Record the verification (核实): what it found, and the consequence the matter actually
    led to (which replaces the declared one; the declared one stays in the audit trail).
    accepted → verified. Found excluded, the decision can only be a refusal."""
    note = _note(note, "verification findings", required=True)
    if consequence_found not in CONSEQUENCES:
        raise Refused(
            f"the consequence found must be one of {', '.join(CONSEQUENCES)}, not {consequence_found!r}"
        )
    with uow:
        actor, app, before = _step(uow, user, application_id)
        _expect(app, "accepted", "verified")
        app.status, app.verified_by, app.verified_at = "verified", actor.username, as_utc(clock())
        app.verification_note, app.consequence = note, consequence_found
        audit.record(uow, "fault_tolerance.verify", ENTITY, app.id, before, _state(app))
        uow.commit()


def decide(
    uow: UnitOfWork,
    user: CurrentUser | None,
    application_id: int,
    *,
    grant: bool,
    document: str,
    note: str = "",
    clock: Clock = utcnow,
) -> None:
    """Record the decision of the body named by ``APPRAISAL_FAULT_TOLERANCE_BODY``, with its
    document number: verified → granted or refused. Refused to the admin who filed, accepted or
    verified the application; a grant is refused when the verification found an excluded
    consequence. A grant exempts the case (see the module's description)."""
    document, note = document.strip(), note.strip()
    if not document:
        raise Refused("give the decision document's number (决定文书编号)")
    if len(document) > MAX_DOCUMENT:
        raise Refused(f"the decision document's number may be at most {MAX_DOCUMENT} characters")
    with uow:
        actor, app, before = _step(uow, user, application_id)
        _expect(app, "verified", "decided")
        involved = {app.accepted_by, app.verified_by, _filed_by(uow, app.id)}
        if actor.username in involved:
            raise SameAdmin(
                f"{actor.username} filed, accepted or verified application {app.id}: another admin must "
                "record the decision"
            )
        if grant and app.consequence in EXCLUDED:
            raise ExcludedConsequence(
                app.consequence, f"application {app.id} can only be refused: {excluded_rule(app.consequence)}"
            )
        at = as_utc(clock())
        app.status = "granted" if grant else "refused"
        app.decision_body, app.decision_document, app.decision_note = decision_body(), document, note
        app.decided_by, app.decided_at = actor.username, at
        if grant:
            if app.subject == "overdue_case":
                exempt_overdue(uow, app, actor, at)
            else:
                exempt_accountability(uow, app)
        audit.record(uow, "fault_tolerance.decide", ENTITY, app.id, before, _state(app))
        uow.commit()
