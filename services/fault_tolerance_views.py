"""Fault tolerance (容错免责), the reading side: the campaigns and the cases one may apply
for, the list of applications, one application with its history (from the audit trail),
its evidence file, the number waiting for a step, and the admin accounts the command line
records a decision as. The procedure itself: :mod:`services.fault_tolerance`.

Admins (:attr:`Permission.manage_registries`) see every application; a unit's liaison
(:attr:`Permission.file_appeal`) only its own unit's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from db.models import AuditEntry, Campaign, CampaignStatus, OverdueCase, Role, Unit, User
from db.models_registries import AccountabilityCase, FaultToleranceApplication
from db.uow import UnitOfWork
from services.clock import as_utc
from services.errors import NotFound, Refused
from services.fault_tolerance import (
    CASE_DECIDED,
    ENTITY,
    OPEN,
    STATUSES,
    STEPS,
    SUBJECTS,
    _check_unit,
    _check_user,
    _hours_late,
    _load,
)
from services.permissions import CurrentUser, Permission, allowed, require

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


def _scope(user: CurrentUser) -> int | None:
    """The unit a user is confined to (None: every unit)."""
    return None if allowed(user, Permission.manage_registries) else user.unit_id


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
