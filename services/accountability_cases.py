"""The life of an accountability case (问责案件): opening, correcting and advancing it, the
persons handled and its publication as a typical case (典型问题通报).

* A case is opened (:func:`open_case`) against a unit (of the register; of the campaign
  when it names one) with its type and sub-type, the facts, where it came from and the
  disciplinary body handling it. It moves opened → investigated → decided → published
  (:func:`advance`), one step at a time, each step dated no earlier than the one before
  and not in the future; deciding needs the decision's text and proposes the case's
  deduction (:func:`services.accountability_deductions.propose_deduction`), publishing
  needs the case marked for publication with a public summary (:func:`mark_for_publication`).
* Persons handled (:func:`add_person`) are personal data: their names are stored only
  encrypted (:func:`db.crypto.encrypt`) and shown masked (张*); an admin may reveal one
  name (:func:`reveal_name`), which the audit trail records as a read. Names never leave
  the platform: public summaries that contain one are refused, and the public view
  (:func:`services.accountability_counts.public_cases`) gives each person's post and
  sanction only.

Every change is audited with its before and after values. Permission:
:attr:`Permission.manage_registries` (admins). The vocabularies, views and shared checks
are in :mod:`services.accountability`.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from sqlalchemy import select

from db import audit, crypto
from db.models import Unit
from db.models_registries import AccountabilityCase, AccountabilityPerson
from db.uow import UnitOfWork
from services.accountability import (
    MAX_BODY,
    MAX_LEVEL,
    MAX_NAME,
    MAX_POST,
    MAX_SOURCE_REF,
    MAX_TEXT,
    SANCTIONS,
    STATUSES,
    CaseView,
    PersonView,
    _case,
    _check_date,
    _names,
    _person_state,
    _person_view,
    _refuse_names_in,
    _refuse_published,
    _state,
    _text,
    _touch,
    _view,
    check_number,
    check_source,
    check_type,
)
from services.accountability_deductions import propose_deduction
from services.adjustments import appraised_unit
from services.campaigns import assert_inputs_editable, load_campaign
from services.clock import Clock, utcnow
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require

# ---------------------------------------------------------------- cases


def open_case(
    uow: UnitOfWork,
    user: CurrentUser | None,
    *,
    number: str,
    unit_code: str,
    case_type: str,
    subtype: str,
    facts: str,
    source: str,
    source_ref: str = "",
    disciplinary_body: str,
    opened_on: date,
    campaign_code: str | None = None,
    clock: Clock = utcnow,
) -> CaseView:
    """Open a case (status ``opened``). Refused: a number in use, an unknown unit (or one
    the campaign does not appraise), a sub-type of another type, an unknown source, no
    facts, a date in the future, a campaign whose inputs are frozen."""
    actor = require(user, Permission.manage_registries)
    number = check_number(number)
    check_type(case_type, subtype)
    check_source(source)
    facts = _text("facts", facts, MAX_TEXT, required=True)
    source_ref = _text("source_ref", source_ref, MAX_SOURCE_REF, label=True)
    disciplinary_body = _text("disciplinary_body", disciplinary_body, MAX_BODY, label=True)
    _check_date("opened_on", opened_on, clock)
    with uow:
        uow.actor = actor.username
        session = uow.session
        if session.execute(select(AccountabilityCase.id).where(AccountabilityCase.number == number)).first():
            raise Refused(f"number: case {number} already exists")
        campaign_id = None
        if campaign_code:
            campaign = load_campaign(uow, campaign_code, for_update=True)
            assert_inputs_editable(campaign)
            unit_id, _ = appraised_unit(uow, campaign, unit_code)
            campaign_id = campaign.id
        else:
            unit_id = session.execute(select(Unit.id).where(Unit.code == unit_code)).scalar()
            if unit_id is None:
                raise NotFound(f"unit_code: no unit has the code {unit_code!r}")
        case = AccountabilityCase(
            number=number,
            campaign_id=campaign_id,
            unit_id=unit_id,
            case_type=case_type,
            subtype=subtype,
            facts=facts,
            source=source,
            source_ref=source_ref,
            disciplinary_body=disciplinary_body,
            status="opened",
            opened_on=opened_on,
            deduction_status="",
            created_by=actor.username,
            created_at=clock(),
        )
        session.add(case)
        session.flush()
        audit.record(uow, "accountability_case.open", "accountability_case", number, None, _state(case))
        view = _view(uow, case)
        uow.commit()
        return view


EDITABLE: Final = ("facts", "source", "source_ref", "disciplinary_body", "case_type", "subtype", "decision")


def edit_case(
    uow: UnitOfWork, user: CurrentUser | None, number: str, *, clock: Clock = utcnow, **changes: Any
) -> CaseView:
    """Correct a case that is not published: ``facts``, ``source``, ``source_ref``,
    ``disciplinary_body``; ``case_type`` and ``subtype`` until it is decided (its
    deduction follows from them); ``decision`` once decided."""
    actor = require(user, Permission.manage_registries)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Refused(f"{', '.join(sorted(unknown))}: cannot be edited; editable: {', '.join(EDITABLE)}")
    with uow:
        uow.actor = actor.username
        case = _case(uow, number, for_update=True)
        _refuse_published(case, "its details")
        before = _state(case)
        wanted = {k: v for k, v in changes.items() if v is not None}
        if "case_type" in wanted or "subtype" in wanted:
            if case.status in ("decided", "published"):
                raise Refused(f"case {case.number} is decided: its type and sub-type can no longer change")
            check_type(wanted.get("case_type", case.case_type), wanted.get("subtype", case.subtype))
        if "source" in wanted:
            check_source(wanted["source"])
        if "facts" in wanted:
            wanted["facts"] = _text("facts", wanted["facts"], MAX_TEXT, required=True)
        if "source_ref" in wanted:
            wanted["source_ref"] = _text("source_ref", wanted["source_ref"], MAX_SOURCE_REF, label=True)
        if "disciplinary_body" in wanted:
            wanted["disciplinary_body"] = _text(
                "disciplinary_body", wanted["disciplinary_body"], MAX_BODY, label=True
            )
        if "decision" in wanted:
            if case.status != "decided":
                raise Refused(
                    f"decision: case {case.number} is not decided; advance it to decided with the decision"
                )
            wanted["decision"] = _text("decision", wanted["decision"], MAX_TEXT, required=True)
        for key, value in wanted.items():
            setattr(case, key, value)
        after = _state(case)
        if after != before:
            _touch(case, clock)
            audit.record(uow, "accountability_case.edit", "accountability_case", case.number, before, after)
        view = _view(uow, case)
        uow.commit()
        return view


def advance(
    uow: UnitOfWork,
    user: CurrentUser | None,
    number: str,
    to: str,
    on: date,
    note: str = "",
    *,
    clock: Clock = utcnow,
) -> CaseView:
    """Move a case one step: opened → investigated → decided → published, on ``on`` (not
    before the previous step's date, not in the future). For ``decided`` the ``note`` is
    the decision (处理决定) and is required; the case then proposes its deduction. For
    ``published`` the case must be marked for publication with a summary naming nobody."""
    actor = require(user, Permission.manage_registries)
    if to not in STATUSES[1:]:
        raise Refused(f"to: one of {', '.join(STATUSES[1:])}, not {to!r}")
    _check_date("on", on, clock)
    note = _text("note", note, MAX_TEXT)
    with uow:
        uow.actor = actor.username
        case = _case(uow, number, for_update=True)
        current = STATUSES.index(case.status)
        wanted = STATUSES.index(to)
        if wanted != current + 1:
            raise Refused(
                f"to: case {case.number} is {case.status}; the next step is "
                + (STATUSES[current + 1] if current + 1 < len(STATUSES) else "none (it is published)")
            )
        previous = [d for _, d in _view_steps(case)[: current + 1] if d is not None][-1]
        if on < previous:
            raise Refused(
                f"on: {on.isoformat()} is before the case was {case.status} ({previous.isoformat()})"
            )
        before = _state(case)
        if to == "investigated":
            case.investigated_on = on
        elif to == "decided":
            if not note:
                raise Refused(f"note: give the decision (处理决定) of case {case.number}")
            case.decision = note
            case.decided_on = on
            propose_deduction(uow, case)
        else:
            if not case.for_publication or not case.public_summary.strip():
                raise Refused(
                    f"case {case.number} is not marked for publication: mark it with a public summary first"
                )
            _refuse_names_in(case.public_summary, _names(case), case.number)
            case.published_on = on
        case.status = to
        _touch(case, clock)
        audit.record(
            uow,
            f"accountability_case.{to}",
            "accountability_case",
            case.number,
            before,
            {**_state(case), "note": note},
        )
        view = _view(uow, case)
        uow.commit()
        return view


def _view_steps(case: AccountabilityCase) -> list[tuple[str, date | None]]:
    return [
        ("opened", case.opened_on),
        ("investigated", case.investigated_on),
        ("decided", case.decided_on),
        ("published", case.published_on),
    ]


# ---------------------------------------------------------------- persons handled


def add_person(
    uow: UnitOfWork,
    user: CurrentUser | None,
    number: str,
    *,
    name: str,
    post: str,
    level: str,
    sanction: str,
    sanctioned_on: date | None = None,
    clock: Clock = utcnow,
) -> PersonView:
    """Record a person handled in a case; the name is stored only encrypted."""
    actor = require(user, Permission.manage_registries)
    name = _text("name", name, MAX_NAME, required=True)
    post = _text("post", post, MAX_POST, label=True)
    level = _text("level", level, MAX_LEVEL, label=True)
    if sanction not in SANCTIONS:
        raise Refused(f"sanction: one of {', '.join(SANCTIONS)}, not {sanction!r}")
    if sanctioned_on is not None:
        _check_date("sanctioned_on", sanctioned_on, clock)
    with uow:
        uow.actor = actor.username
        case = _case(uow, number, for_update=True)
        _refuse_published(case, "the persons handled")
        if sanctioned_on is not None and sanctioned_on < case.opened_on:
            raise Refused(
                f"sanctioned_on: {sanctioned_on.isoformat()} is before the case was opened "
                f"({case.opened_on.isoformat()})"
            )
        if case.for_publication:
            _refuse_names_in(case.public_summary, [name], case.number)
        position = max((p.position for p in case.persons), default=-1) + 1
        person = AccountabilityPerson(
            case_id=case.id,
            position=position,
            name_enc=crypto.encrypt(name),
            post=post,
            level=level,
            sanction=sanction,
            sanctioned_on=sanctioned_on,
        )
        uow.session.add(person)
        uow.session.flush()
        _touch(case, clock)
        audit.record(
            uow,
            "accountability_person.add",
            "accountability_person",
            person.id,
            None,
            _person_state(person, case.number),
        )
        view = _person_view(person)
        uow.commit()
        return view


def _person(uow: UnitOfWork, case: AccountabilityCase, person_id: int) -> AccountabilityPerson:
    for person in case.persons:
        if person.id == person_id:
            return person
    raise NotFound(f"case {case.number} has no person {person_id}")


def remove_person(
    uow: UnitOfWork, user: CurrentUser | None, number: str, person_id: int, *, clock: Clock = utcnow
) -> None:
    """Remove a person recorded by mistake (while the case is not published)."""
    actor = require(user, Permission.manage_registries)
    with uow:
        uow.actor = actor.username
        case = _case(uow, number, for_update=True)
        _refuse_published(case, "the persons handled")
        person = _person(uow, case, person_id)
        before = _person_state(person, case.number)
        case.persons.remove(person)
        _touch(case, clock)
        audit.record(uow, "accountability_person.remove", "accountability_person", person_id, before, None)
        uow.commit()


def reveal_name(uow: UnitOfWork, user: CurrentUser | None, person_id: int) -> str:
    """The full name of a person handled, for an admin who asks; audited as a read (who,
    when, which person; never the name)."""
    actor = require(user, Permission.manage_registries)
    with uow:
        uow.actor = actor.username
        person = uow.session.get(AccountabilityPerson, person_id)
        if person is None:
            raise NotFound(f"no person handled has the id {person_id}")
        case = uow.session.get(AccountabilityCase, person.case_id)
        try:
            name = crypto.decrypt(person.name_enc)
        except crypto.DecryptionError as exc:
            raise Refused(f"person {person_id}: the name cannot be read with this platform's key") from exc
        audit.record(
            uow,
            "accountability_person.reveal",
            "accountability_person",
            person_id,
            None,
            {"case": case.number if case is not None else None, "read": "name"},
        )
        uow.commit()
        return name


# ---------------------------------------------------------------- publication


def mark_for_publication(
    uow: UnitOfWork, user: CurrentUser | None, number: str, summary: str, *, clock: Clock = utcnow
) -> CaseView:
    """Mark a case for publication as a typical case (典型问题通报) with its public summary,
    which must not contain the name of a person handled."""
    actor = require(user, Permission.manage_registries)
    summary = _text("public_summary", summary, MAX_TEXT, required=True)
    with uow:
        uow.actor = actor.username
        case = _case(uow, number, for_update=True)
        _refuse_published(case, "its publication")
        _refuse_names_in(summary, _names(case), case.number)
        before = _state(case)
        case.for_publication = True
        case.public_summary = summary
        _touch(case, clock)
        audit.record(
            uow, "accountability_case.mark", "accountability_case", case.number, before, _state(case)
        )
        view = _view(uow, case)
        uow.commit()
        return view


def unmark_for_publication(
    uow: UnitOfWork, user: CurrentUser | None, number: str, *, clock: Clock = utcnow
) -> CaseView:
    """Take a case off the publication list (before it is published); the summary is kept."""
    actor = require(user, Permission.manage_registries)
    with uow:
        uow.actor = actor.username
        case = _case(uow, number, for_update=True)
        _refuse_published(case, "its publication")
        before = _state(case)
        case.for_publication = False
        _touch(case, clock)
        audit.record(
            uow, "accountability_case.unmark", "accountability_case", case.number, before, _state(case)
        )
        view = _view(uow, case)
        uow.commit()
        return view
