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
``fault_tolerance_application``, with the values before and after).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, select

import config
from db import audit
from db.models import Adjustment, AuditEntry, Campaign, CampaignStatus, OverdueCase, Role, Unit, User
from db.models_registries import AccountabilityCase, FaultToleranceApplication
from db.uow import UnitOfWork
from services.campaigns import assert_inputs_editable
from services.clock import Clock, as_utc, utcnow
from services.errors import NotFound, Refused
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
EXEMPT_PREFIX: Final = "容错免责"


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


# ---------------------------------------------------------------- what callers see


@dataclass(frozen=True, slots=True)
class CampaignOption:
    code: str
    name: str
    year: int
    editable: bool


@dataclass(frozen=True, slots=True)
class CaseChoice:
    """A case one may apply for: an overdue case not exempt, or an open accountability case."""

    subject: str
    reference: str
    campaign_code: str
    unit_code: str
    unit_name: str
    hours_late: float | None  # overdue cases
    case_type: str  # accountability cases: inaction | slow | misconduct
    status: str  # accountability cases: opened | investigated


@dataclass(frozen=True, slots=True)
class ApplicationRow:
    id: int
    subject: str
    reference: str
    campaign_code: str
    unit_code: str
    unit_name: str
    applicant: str
    consequence: str
    status: str
    created_at: datetime
    decision_document: str
    evidence_name: str


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str  # apply | accept | not_accept | verify | decide
    status: str  # the status after the step
    note: str


@dataclass(frozen=True, slots=True)
class ApplicationView:
    row: ApplicationRow
    reasons: str
    declared_consequence: str
    filed_by: str
    evidence_size: int
    accepted_by: str | None
    accepted_at: datetime | None
    acceptance_note: str
    verified_by: str | None
    verified_at: datetime | None
    verification_note: str
    decision_body: str
    decision_note: str
    decided_by: str | None
    decided_at: datetime | None
    case_exempt: bool
    history: list[HistoryEntry]

    @property
    def next_steps(self) -> tuple[str, ...]:
        return STEPS[self.row.status]


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


def _scope(user: CurrentUser) -> int | None:
    """The unit a user is confined to (None: every unit)."""
    return None if allowed(user, Permission.manage_registries) else user.unit_id


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


# ---------------------------------------------------------------- lists


def campaigns(uow: UnitOfWork, user: CurrentUser | None) -> list[CampaignOption]:
    """Every campaign, the newest year first (those whose inputs can still change first)."""
    _check_user(user)
    with uow:
        rows = uow.session.execute(select(Campaign.code, Campaign.name, Campaign.year, Campaign.status)).all()
    frozen = (CampaignStatus.published, CampaignStatus.final)
    found = [
        CampaignOption(code, name or code, year, CampaignStatus(status) not in frozen)
        for code, name, year, status in rows
    ]
    return sorted(found, key=lambda c: (not c.editable, -c.year, c.code))


def candidate_cases(
    uow: UnitOfWork, user: CurrentUser | None, subject: str, campaign_code: str = ""
) -> list[CaseChoice]:
    """The cases one may apply for: the campaign's overdue cases not exempt, or the open
    (not yet decided) accountability cases not exempt (of the campaign, or of none); without
    those that already have an open application. A liaison sees its own unit's only."""
    actor = _check_user(user)
    if subject not in SUBJECTS:
        raise Refused(f"the subject must be overdue_case or accountability_case, not {subject!r}")
    scope = _scope(actor)
    with uow:
        if subject == "overdue_case":
            pending = select(FaultToleranceApplication.overdue_case_id).where(
                FaultToleranceApplication.status.in_(sorted(OPEN)),
                FaultToleranceApplication.overdue_case_id.is_not(None),
            )
            query = (
                select(OverdueCase, Unit.code, Unit.name, Campaign.code)
                .join(Campaign, Campaign.id == OverdueCase.campaign_id)
                .join(Unit, Unit.id == OverdueCase.unit_id)
                .where(
                    Campaign.code == campaign_code,
                    OverdueCase.exempt.is_(False),
                    OverdueCase.id.not_in(pending),
                )
                .order_by(Unit.code, OverdueCase.case_number)
            )
            if scope is not None:
                query = query.where(OverdueCase.unit_id == scope)
            return [
                CaseChoice(
                    "overdue_case", case.case_number, code, unit_code, unit_name, _hours_late(case), "", ""
                )
                for case, unit_code, unit_name, code in uow.session.execute(query).all()
            ]
        pending = select(FaultToleranceApplication.accountability_case_id).where(
            FaultToleranceApplication.status.in_(sorted(OPEN)),
            FaultToleranceApplication.accountability_case_id.is_not(None),
        )
        query = (
            select(AccountabilityCase, Unit.code, Unit.name, Campaign.code)
            .join(Unit, Unit.id == AccountabilityCase.unit_id)
            .outerjoin(Campaign, Campaign.id == AccountabilityCase.campaign_id)
            .where(
                AccountabilityCase.status.not_in(sorted(CASE_DECIDED)),
                AccountabilityCase.exempt.is_(False),
                AccountabilityCase.id.not_in(pending),
            )
            .order_by(AccountabilityCase.number)
        )
        if campaign_code:
            query = query.where((Campaign.code == campaign_code) | AccountabilityCase.campaign_id.is_(None))
        if scope is not None:
            query = query.where(AccountabilityCase.unit_id == scope)
        return [
            CaseChoice(
                "accountability_case",
                case.number,
                code or "",
                unit_code,
                unit_name,
                None,
                case.case_type,
                case.status,
            )
            for case, unit_code, unit_name, code in uow.session.execute(query).all()
        ]


def _rows(uow: UnitOfWork, query: Any) -> list[ApplicationRow]:
    apps = list(uow.session.execute(query).scalars())
    overdue_ids = {a.overdue_case_id for a in apps if a.overdue_case_id is not None}
    case_ids = {a.accountability_case_id for a in apps if a.accountability_case_id is not None}
    overdue = {
        cid: (number, ccode, ucode, uname)
        for cid, number, ccode, ucode, uname in uow.session.execute(
            select(OverdueCase.id, OverdueCase.case_number, Campaign.code, Unit.code, Unit.name)
            .join(Campaign, Campaign.id == OverdueCase.campaign_id)
            .join(Unit, Unit.id == OverdueCase.unit_id)
            .where(OverdueCase.id.in_(overdue_ids))
        ).all()
    }
    cases = {
        cid: (number, ccode or "", ucode, uname)
        for cid, number, ccode, ucode, uname in uow.session.execute(
            select(AccountabilityCase.id, AccountabilityCase.number, Campaign.code, Unit.code, Unit.name)
            .join(Unit, Unit.id == AccountabilityCase.unit_id)
            .outerjoin(Campaign, Campaign.id == AccountabilityCase.campaign_id)
            .where(AccountabilityCase.id.in_(case_ids))
        ).all()
    }
    rows = []
    for app in apps:
        if app.subject == "overdue_case":
            reference, ccode, ucode, uname = overdue[app.overdue_case_id]  # type: ignore[index]
        else:
            reference, ccode, ucode, uname = cases[app.accountability_case_id]  # type: ignore[index]
        rows.append(
            ApplicationRow(
                id=app.id,
                subject=app.subject,
                reference=reference,
                campaign_code=ccode,
                unit_code=ucode,
                unit_name=uname,
                applicant=app.applicant,
                consequence=app.consequence,
                status=app.status,
                created_at=as_utc(app.created_at),
                decision_document=app.decision_document or "",
                evidence_name=app.evidence_name or "",
            )
        )
    return rows


def _unit_filter(query: Any, unit_id: int) -> Any:
    return query.where(
        FaultToleranceApplication.overdue_case_id.in_(
            select(OverdueCase.id).where(OverdueCase.unit_id == unit_id)
        )
        | FaultToleranceApplication.accountability_case_id.in_(
            select(AccountabilityCase.id).where(AccountabilityCase.unit_id == unit_id)
        )
    )


def list_applications(
    uow: UnitOfWork,
    user: CurrentUser | None,
    *,
    status: str = "",
    subject: str = "",
    campaign_code: str = "",
    unit_code: str = "",
) -> list[ApplicationRow]:
    """Applications, newest first, filtered by status, subject, campaign and unit (empty: any).
    A liaison sees only its own unit's."""
    actor = _check_user(user)
    if status and status not in STATUSES:
        raise Refused(f"the status must be one of {', '.join(STATUSES)}, not {status!r}")
    if subject and subject not in SUBJECTS:
        raise Refused(f"the subject must be overdue_case or accountability_case, not {subject!r}")
    with uow:
        query = select(FaultToleranceApplication).order_by(FaultToleranceApplication.id.desc())
        if status:
            query = query.where(FaultToleranceApplication.status == status)
        if subject:
            query = query.where(FaultToleranceApplication.subject == subject)
        scope = _scope(actor)
        if scope is not None:
            query = _unit_filter(query, scope)
        if unit_code:
            unit_id = uow.session.execute(select(Unit.id).where(Unit.code == unit_code)).scalar()
            if unit_id is None:
                raise NotFound(f"there is no unit {unit_code!r}")
            query = _unit_filter(query, unit_id)
        rows = _rows(uow, query)
    if campaign_code:
        rows = [r for r in rows if r.campaign_code == campaign_code]
    return rows


def _case_unit_and_exempt(uow: UnitOfWork, app: FaultToleranceApplication) -> tuple[int, bool]:
    if app.subject == "overdue_case":
        case = uow.session.get(OverdueCase, app.overdue_case_id)
    else:
        case = uow.session.get(AccountabilityCase, app.accountability_case_id)
    assert case is not None  # the foreign keys cascade: an application never outlives its case
    return case.unit_id, bool(case.exempt)


def application(uow: UnitOfWork, user: CurrentUser | None, application_id: int) -> ApplicationView:
    """One application with its history (from the audit trail). A liaison: its own unit's only."""
    actor = _check_user(user)
    with uow:
        app = _load(uow, application_id)
        unit_id, exempt = _case_unit_and_exempt(uow, app)
        _check_unit(actor, unit_id)
        (row,) = _rows(uow, select(FaultToleranceApplication).where(FaultToleranceApplication.id == app.id))
        entries = list(
            uow.session.execute(
                select(AuditEntry)
                .where(AuditEntry.entity == ENTITY, AuditEntry.entity_id == str(app.id))
                .order_by(AuditEntry.id)
            ).scalars()
        )
        history = []
        declared = app.consequence
        filed_by = ""
        for entry in entries:
            after = entry.after or {}
            step = entry.action.removeprefix("fault_tolerance.")
            if step == "apply":
                declared = after.get("consequence", declared)
                filed_by = entry.actor
            note = {
                "apply": after.get("reasons", ""),
                "accept": after.get("acceptance_note", ""),
                "not_accept": after.get("acceptance_note", ""),
                "verify": after.get("verification_note", ""),
                "decide": " ".join(
                    part
                    for part in (after.get("decision_document", ""), after.get("decision_note", ""))
                    if part
                ),
            }.get(step, "")
            history.append(
                HistoryEntry(as_utc(entry.at), entry.actor, step, str(after.get("status", "")), str(note))
            )
        return ApplicationView(
            row=row,
            reasons=app.reasons,
            declared_consequence=str(declared),
            filed_by=filed_by,
            evidence_size=len(app.evidence or b""),
            accepted_by=app.accepted_by,
            accepted_at=None if app.accepted_at is None else as_utc(app.accepted_at),
            acceptance_note=app.acceptance_note or "",
            verified_by=app.verified_by,
            verified_at=None if app.verified_at is None else as_utc(app.verified_at),
            verification_note=app.verification_note or "",
            decision_body=app.decision_body or "",
            decision_note=app.decision_note or "",
            decided_by=app.decided_by,
            decided_at=None if app.decided_at is None else as_utc(app.decided_at),
            case_exempt=exempt,
            history=history,
        )


def evidence(uow: UnitOfWork, user: CurrentUser | None, application_id: int) -> tuple[str, bytes]:
    """The evidence file of an application: its name and bytes."""
    actor = _check_user(user)
    with uow:
        app = _load(uow, application_id)
        unit_id, _ = _case_unit_and_exempt(uow, app)
        _check_unit(actor, unit_id)
        if not app.evidence:
            raise NotFound(f"application {application_id} has no evidence file stored")
        return app.evidence_name or f"evidence-{application_id}", bytes(app.evidence)


def admin_account(uow: UnitOfWork, user: CurrentUser | None, username: str) -> CurrentUser:
    """The active admin account ``username``, for the command line's ``--as`` (the decision
    must be recorded by another admin than the one who accepted or verified)."""
    require(user, Permission.manage_registries)
    with uow:
        found = uow.session.execute(select(User).where(User.username == username)).scalar()
        if found is None or not found.active or Role(found.role) != Role.admin:
            raise NotFound(f"{username!r} is not an active admin account")
        return CurrentUser(
            id=found.id,
            username=found.username,
            role=Role.admin,
            unit_id=found.unit_id,
            display_name=found.display_name,
        )


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


def _exempt_overdue(
    uow: UnitOfWork, app: FaultToleranceApplication, actor: CurrentUser, at: datetime
) -> None:
    case = uow.session.get(OverdueCase, app.overdue_case_id)
    assert case is not None
    campaign = uow.session.get(Campaign, case.campaign_id)
    assert campaign is not None
    assert_inputs_editable(campaign)
    if case.exempt:
        raise Refused(f"overdue case {case.case_number} is already exempt ({case.exempt_reason})")

    def state() -> dict[str, Any]:
        return {
            "exempt": bool(case.exempt),
            "exempt_reason": case.exempt_reason or "",
            "exempted_by": case.exempted_by,
            "exempted_at": case.exempted_at,
        }

    before = state()
    case.exempt, case.exempt_reason = True, f"{EXEMPT_PREFIX} {app.decision_document}"
    case.exempted_by, case.exempted_at = actor.username, at
    audit.record(
        uow,
        "overdue_case.exempt",
        "overdue_case",
        f"{campaign.code}/{case.case_number}",
        before,
        {**state(), "application": app.id},
    )


def _exempt_accountability(uow: UnitOfWork, app: FaultToleranceApplication) -> None:
    case = uow.session.get(AccountabilityCase, app.accountability_case_id, with_for_update=True)
    assert case is not None
    if case.exempt:
        raise Refused(f"accountability case {case.number} is already exempt")

    def state() -> dict[str, Any]:
        return {
            "exempt": bool(case.exempt),
            "deduction_points": case.deduction_points,
            "deduction_status": case.deduction_status,
            "adjustment_id": case.adjustment_id,
        }

    before = state()
    if case.deduction_status == "confirmed" and case.adjustment_id is not None:
        adjustment = uow.session.get(Adjustment, case.adjustment_id)
        if adjustment is not None:
            campaign = uow.session.get(Campaign, adjustment.campaign_id)
            assert campaign is not None
            assert_inputs_editable(campaign)
            unit_code = uow.session.execute(select(Unit.code).where(Unit.id == adjustment.unit_id)).scalar()
            evidence = adjustment.evidence or b""
            removed = {
                "unit": unit_code,
                "kind": adjustment.kind,
                "points": adjustment.points,
                "reason": adjustment.reason,
                "evidence_name": adjustment.evidence_name,
                "evidence_size": len(evidence),
                "evidence_sha256": hashlib.sha256(evidence).hexdigest() if evidence else "",
                "source": adjustment.source,
            }
            adjustment_id = adjustment.id
            uow.session.delete(adjustment)
            uow.session.flush()
            audit.record(
                uow,
                "adjustment.remove",
                "adjustment",
                adjustment_id,
                removed,
                {
                    "reason": f"{EXEMPT_PREFIX} {app.decision_document}: accountability case {case.number}",
                    "application": app.id,
                },
            )
    if case.deduction_status in ("proposed", "confirmed"):
        case.deduction_status, case.adjustment_id = "exempted", None
    case.exempt = True
    audit.record(
        uow,
        "accountability_case.exempt",
        "accountability_case",
        case.number,
        before,
        {**state(), "application": app.id, "decision_document": app.decision_document},
    )


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
                _exempt_overdue(uow, app, actor, at)
            else:
                _exempt_accountability(uow, app)
        audit.record(uow, "fault_tolerance.decide", ENTITY, app.id, before, _state(app))
        uow.commit()


def count_open(uow: UnitOfWork, user: CurrentUser | None) -> int:
    """How many applications wait for a step (in the user's scope)."""
    actor = _check_user(user)
    with uow:
        query = select(func.count()).select_from(FaultToleranceApplication)
        query = query.where(FaultToleranceApplication.status.in_(sorted(OPEN)))
        scope = _scope(actor)
        if scope is not None:
            query = _unit_filter(query, scope)
        return int(uow.session.execute(query).scalar_one())
