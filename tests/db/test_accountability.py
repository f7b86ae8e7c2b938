"""The accountability case register (services/accountability.py, accountability_cases.py,
accountability_deductions.py, accountability_counts.py) on SQLite and PostgreSQL: every
refusal, the status flow, names encrypted at rest, masked in views and absent from audit
entries and exported bundles, the deduction rule computed by hand, exempt cases, the counts'
disciplinary/organisational split, the public view."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from db.models import Adjustment, AuditEntry, CampaignStatus, Role
from db.models_registries import AccountabilityCase, AccountabilityPerson
from services import accountability as acc
from services import accountability_cases as lifecycle
from services import accountability_counts as counts_service
from services import accountability_deductions as deductions
from services.adjustments import unit_totals
from services.errors import InputsFrozen, NotFound, Refused
from services.permissions import CurrentUser, PermissionDenied
from services.scoring import freeze_bundle
from tests.db.kit import Clock, MakeUow, add_user, audit_actions, seed_campaign, set_status

KEY = base64.b64encode(hashlib.sha256(b"accountability-test-key").digest()).decode()
NAME = "欧阳明华"
OTHER_NAME = "李建国"


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    seed_campaign(make_uow, "c1")
    return add_user(make_uow, "admin1", Role.admin)


def open_one(
    make_uow: MakeUow,
    admin: CurrentUser,
    number: str = "DT-2025-001",
    *,
    case_type: str = "misconduct",
    subtype: str = "ignoring_procedure",
    unit_code: str = "u1",
    campaign_code: str | None = "c1",
    opened_on: date = date(2026, 1, 5),
) -> acc.CaseView:
    return lifecycle.open_case(
        make_uow(),
        admin,
        number=number,
        unit_code=unit_code,
        case_type=case_type,
        subtype=subtype,
        facts="窗口工作人员违规收取材料费。",
        source="hotline",
        source_ref="12345-0001",
        disciplinary_body="市纪委监委",
        opened_on=opened_on,
        campaign_code=campaign_code,
        clock=Clock(),
    )


def decide(make_uow: MakeUow, admin: CurrentUser, number: str = "DT-2025-001") -> acc.CaseView:
    lifecycle.advance(make_uow(), admin, number, "investigated", date(2026, 1, 20), clock=Clock())
    return lifecycle.advance(
        make_uow(), admin, number, "decided", date(2026, 2, 1), "给予诫勉谈话。", clock=Clock()
    )


# ---------------------------------------------------------------- opening and its refusals


def test_a_case_opens_with_its_unit_and_is_audited(make_uow: MakeUow, admin: CurrentUser) -> None:
    view = open_one(make_uow, admin)
    assert (view.number, view.unit_code, view.unit_name, view.status) == (
        "DT-2025-001",
        "u1",
        "单位u1",
        "opened",
    )
    assert view.campaign_code == "c1" and view.deduction_status == "" and view.deduction_points is None
    assert view.steps[0] == ("opened", date(2026, 1, 5)) and view.steps[1] == ("investigated", None)
    assert ("admin1", "accountability_case.open") in audit_actions(make_uow)
    # a case without a campaign: any unit of the register
    free = open_one(make_uow, admin, "DT-2025-002", campaign_code=None, unit_code="u3")
    assert free.campaign_code is None and free.unit_code == "u3"


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"subtype": "idle"}, Refused, "not a sub-type of misconduct"),
        ({"case_type": "lazy", "subtype": "idle"}, Refused, "case_type: one of"),
        ({"source": "rumour"}, Refused, "source: one of"),
        ({"facts": "  "}, Refused, "facts"),
        ({"number": ""}, Refused, "number"),
        ({"number": "DT 1"}, Refused, "white space"),
        ({"number": "=HYPERLINK(1)"}, Refused, "formula"),
        ({"number": "x" * 65}, Refused, "at most 64"),
        ({"disciplinary_body": "=1+1"}, Refused, "disciplinary_body"),
        ({"opened_on": date(2026, 3, 2)}, Refused, "in the future"),
        ({"unit_code": "nope"}, NotFound, "nope"),
        ({"campaign_code": "nope"}, NotFound, "nope"),
    ],
)
def test_opening_refuses_bad_input(
    make_uow: MakeUow, admin: CurrentUser, changes: dict[str, object], error: type[Exception], match: str
) -> None:
    fields: dict[str, object] = {
        "number": "N1",
        "unit_code": "u1",
        "case_type": "misconduct",
        "subtype": "ignoring_procedure",
        "facts": "事实",
        "source": "media",
        "disciplinary_body": "区纪委",
        "opened_on": date(2026, 1, 5),
        "campaign_code": "c1",
        **changes,
    }
    with pytest.raises(error, match=match):
        lifecycle.open_case(make_uow(), admin, clock=Clock(), **fields)  # type: ignore[arg-type]
    assert counts_service.list_cases(make_uow(), admin) == []


def test_a_number_is_unique_and_a_unit_must_be_the_campaigns(make_uow: MakeUow, admin: CurrentUser) -> None:
    open_one(make_uow, admin)
    with pytest.raises(Refused, match="already exists"):
        open_one(make_uow, admin)
    seed_campaign(make_uow, "c2", units=("u9",))
    with pytest.raises(NotFound, match="not appraised in campaign c1"):
        open_one(make_uow, admin, "N2", unit_code="u9")


def test_a_published_campaign_takes_no_new_case(make_uow: MakeUow, admin: CurrentUser) -> None:
    set_status(make_uow, "c1", CampaignStatus.published)
    with pytest.raises(InputsFrozen):
        open_one(make_uow, admin)


@pytest.mark.parametrize("role", [Role.liaison, Role.caller, Role.supervisor, Role.inspector])
def test_other_roles_are_refused_everything(make_uow: MakeUow, admin: CurrentUser, role: Role) -> None:
    open_one(make_uow, admin)
    person = lifecycle.add_person(
        make_uow(), admin, "DT-2025-001", name=NAME, post="科长", level="科级", sanction="transfer"
    )
    other = add_user(make_uow, "other", role, unit_code="u1" if role is Role.liaison else None)
    calls = [
        lambda: open_one(make_uow, other, "N9"),
        lambda: counts_service.list_cases(make_uow(), other),
        lambda: acc.case_detail(make_uow(), other, "DT-2025-001"),
        lambda: counts_service.counts(make_uow(), other),
        lambda: lifecycle.reveal_name(make_uow(), other, person.id),
        lambda: lifecycle.advance(
            make_uow(), other, "DT-2025-001", "investigated", date(2026, 1, 6), clock=Clock()
        ),
        lambda: deductions.set_rule(make_uow(), other, "c1", deductions.DEFAULT_POINTS),
        lambda: deductions.confirm_deduction(make_uow(), other, "DT-2025-001"),
        lambda: lifecycle.mark_for_publication(make_uow(), other, "DT-2025-001", "摘要"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(PermissionDenied):
        deductions.get_rule(make_uow(), None, "c1")


# ---------------------------------------------------------------- the status flow


def test_the_status_flow_one_step_at_a_time_with_dates_in_order(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    open_one(make_uow, admin)
    number = "DT-2025-001"
    with pytest.raises(Refused, match="next step is investigated"):
        lifecycle.advance(make_uow(), admin, number, "decided", date(2026, 2, 1), "决定", clock=Clock())
    with pytest.raises(Refused, match="before the case was opened"):
        lifecycle.advance(make_uow(), admin, number, "investigated", date(2026, 1, 4), clock=Clock())
    with pytest.raises(Refused, match="in the future"):
        lifecycle.advance(make_uow(), admin, number, "investigated", date(2026, 3, 2), clock=Clock())
    with pytest.raises(Refused, match="to: one of"):
        lifecycle.advance(make_uow(), admin, number, "opened", date(2026, 1, 6), clock=Clock())
    lifecycle.advance(
        make_uow(), admin, number, "investigated", date(2026, 1, 5), clock=Clock()
    )  # same day is fine
    with pytest.raises(Refused, match="give the decision"):
        lifecycle.advance(make_uow(), admin, number, "decided", date(2026, 2, 1), clock=Clock())
    decided = lifecycle.advance(
        make_uow(), admin, number, "decided", date(2026, 2, 1), "诫勉谈话", clock=Clock()
    )
    assert (decided.status, decided.decision, decided.decided_on) == ("decided", "诫勉谈话", date(2026, 2, 1))
    with pytest.raises(Refused, match="not marked for publication"):
        lifecycle.advance(make_uow(), admin, number, "published", date(2026, 2, 2), clock=Clock())
    lifecycle.mark_for_publication(make_uow(), admin, number, "某窗口违规收费，已作处理。")
    published = lifecycle.advance(make_uow(), admin, number, "published", date(2026, 2, 2), clock=Clock())
    assert published.status == "published" and not published.editable
    with pytest.raises(Refused, match="next step is none"):
        lifecycle.advance(make_uow(), admin, number, "published", date(2026, 2, 3), clock=Clock())
    for change in (
        lambda: lifecycle.edit_case(make_uow(), admin, number, facts="新事实"),
        lambda: lifecycle.add_person(
            make_uow(), admin, number, name=NAME, post="p", level="", sanction="transfer"
        ),
        lambda: lifecycle.unmark_for_publication(make_uow(), admin, number),
    ):
        with pytest.raises(Refused, match="is published"):
            change()
    actions = [a for _, a in audit_actions(make_uow)]
    assert actions.count("accountability_case.published") == 1 and "accountability_case.decided" in actions


def test_edits_are_audited_and_type_changes_stop_at_the_decision(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    open_one(make_uow, admin)
    number = "DT-2025-001"
    edited = lifecycle.edit_case(
        make_uow(), admin, number, case_type="slow", subtype="slack_inefficient", facts="改"
    )
    assert (edited.case_type, edited.subtype, edited.facts) == ("slow", "slack_inefficient", "改")
    with pytest.raises(Refused, match="not a sub-type of inaction"):
        lifecycle.edit_case(make_uow(), admin, number, case_type="inaction")
    with pytest.raises(Refused, match="cannot be edited"):
        lifecycle.edit_case(make_uow(), admin, number, status="published")
    with pytest.raises(Refused, match="is not decided"):
        lifecycle.edit_case(make_uow(), admin, number, decision="x")
    decide(make_uow, admin)
    with pytest.raises(Refused, match="type and sub-type can no longer change"):
        lifecycle.edit_case(make_uow(), admin, number, subtype="indifferent_perfunctory")
    assert lifecycle.edit_case(make_uow(), admin, number, decision="通报批评").decision == "通报批评"
    with make_uow() as uow:
        entry = (
            uow.session.execute(
                select(AuditEntry)
                .where(AuditEntry.action == "accountability_case.edit")
                .order_by(AuditEntry.id)
            )
            .scalars()
            .first()
        )
        assert (
            entry is not None
            and entry.before["case_type"] == "misconduct"
            and entry.after["case_type"] == "slow"
        )


# ---------------------------------------------------------------- persons: names encrypted, masked, revealed


def test_names_are_encrypted_at_rest_masked_in_views_and_revealed_only_audited(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    open_one(make_uow, admin)
    person = lifecycle.add_person(
        make_uow(), admin, "DT-2025-001", name=NAME, post="窗口科长", level="科级", sanction="admonition_talk"
    )
    assert person.name_masked == "欧***" and person.category == "organisational"
    with make_uow() as uow:
        raw = uow.session.execute(select(AccountabilityPerson.name_enc)).scalar_one()
    raw = bytes(raw)
    assert NAME.encode("utf-8") not in raw and NAME.encode("gbk") not in raw
    detail = acc.case_detail(make_uow(), admin, "DT-2025-001")
    assert [p.name_masked for p in detail.persons] == ["欧***"]
    assert NAME not in repr(detail) and NAME not in repr(counts_service.list_cases(make_uow(), admin))

    assert lifecycle.reveal_name(make_uow(), admin, person.id) == NAME
    with make_uow() as uow:
        entries = uow.session.execute(select(AuditEntry)).scalars().all()
        reveal = [e for e in entries if e.action == "accountability_person.reveal"]
        assert len(reveal) == 1 and reveal[0].actor == "admin1" and reveal[0].after["case"] == "DT-2025-001"
        assert not any(NAME in json.dumps([e.before, e.after], ensure_ascii=False) for e in entries)
    with pytest.raises(NotFound):
        lifecycle.reveal_name(make_uow(), admin, person.id + 100)


def test_person_refusals_and_removal(make_uow: MakeUow, admin: CurrentUser) -> None:
    open_one(make_uow, admin)
    number = "DT-2025-001"
    with pytest.raises(Refused, match="sanction: one of"):
        lifecycle.add_person(make_uow(), admin, number, name=NAME, post="p", level="", sanction="fine")
    with pytest.raises(Refused, match="name"):
        lifecycle.add_person(make_uow(), admin, number, name=" ", post="p", level="", sanction="transfer")
    with pytest.raises(Refused, match="before the case was opened"):
        lifecycle.add_person(
            make_uow(),
            admin,
            number,
            name=NAME,
            post="p",
            level="",
            sanction="transfer",
            sanctioned_on=date(2026, 1, 1),
        )
    with pytest.raises(NotFound):
        lifecycle.add_person(make_uow(), admin, "nope", name=NAME, post="p", level="", sanction="transfer")
    first = lifecycle.add_person(
        make_uow(), admin, number, name=NAME, post="p", level="", sanction="transfer"
    )
    second = lifecycle.add_person(
        make_uow(), admin, number, name=OTHER_NAME, post="q", level="", sanction="removal"
    )
    assert (first.position, second.position) == (0, 1)
    lifecycle.remove_person(make_uow(), admin, number, first.id)
    assert [p.id for p in acc.case_detail(make_uow(), admin, number).persons] == [second.id]
    with pytest.raises(NotFound):
        lifecycle.remove_person(make_uow(), admin, number, first.id)
    assert ("admin1", "accountability_person.remove") in audit_actions(make_uow)


# ---------------------------------------------------------------- publication


def test_a_public_summary_must_not_name_a_person_handled(make_uow: MakeUow, admin: CurrentUser) -> None:
    open_one(make_uow, admin)
    number = "DT-2025-001"
    lifecycle.add_person(make_uow(), admin, number, name=NAME, post="科长", level="", sanction="transfer")
    for summary in (f"{NAME}违规收费", "欧阳 明华违规收费"):
        with pytest.raises(Refused, match="must not name anyone"):
            lifecycle.mark_for_publication(make_uow(), admin, number, summary)
    with pytest.raises(Refused, match="public_summary"):
        lifecycle.mark_for_publication(make_uow(), admin, number, "  ")
    marked = lifecycle.mark_for_publication(make_uow(), admin, number, "某科长违规收费，已调离。")
    assert marked.for_publication and marked.public_summary == "某科长违规收费，已调离。"
    # a person added later whose name the summary holds is refused too
    lifecycle.mark_for_publication(make_uow(), admin, number, "李建国所在窗口违规收费。")
    with pytest.raises(Refused, match="must not name anyone"):
        lifecycle.add_person(
            make_uow(), admin, number, name=OTHER_NAME, post="p", level="", sanction="transfer"
        )
    unmarked = lifecycle.unmark_for_publication(make_uow(), admin, number)
    assert not unmarked.for_publication


def test_public_cases_show_published_marked_cases_without_names_newest_first(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    for number, day in (("A-1", 2), ("A-2", 10), ("A-3", 5)):
        open_one(make_uow, admin, number)
        lifecycle.add_person(
            make_uow(), admin, number, name=NAME, post="科长", level="科级", sanction="removal"
        )
        decide(make_uow, admin, number)
        if number != "A-3":
            lifecycle.mark_for_publication(make_uow(), admin, number, f"典型问题 {number}")
            lifecycle.advance(make_uow(), admin, number, "published", date(2026, 2, day), clock=Clock())
    shown = counts_service.public_cases(make_uow())
    assert [c.number for c in shown] == ["A-2", "A-1"]
    assert shown[0].unit_name == "单位u1" and shown[0].summary == "典型问题 A-2"
    assert shown[0].persons == (counts_service.PublicPerson("科长", "removal"),)
    assert NAME not in repr(shown) and "欧***" not in repr(shown)


# ---------------------------------------------------------------- the deduction


def test_deciding_proposes_the_rules_points_and_confirming_makes_an_adjustment(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    assert deductions.get_rule(make_uow(), admin, "c1") == {"inaction": 1.0, "slow": 0.5, "misconduct": 2.0}
    open_one(make_uow, admin)
    lifecycle.add_person(
        make_uow(), admin, "DT-2025-001", name=NAME, post="窗口科长", level="科级", sanction="transfer"
    )
    decided = decide(make_uow, admin)
    assert (decided.deduction_points, decided.deduction_status) == (2.0, "proposed")  # misconduct 2.0, cap 10
    outlook = deductions.deduction_outlook(make_uow(), admin, "DT-2025-001")
    assert outlook is not None and (outlook.points, outlook.unit_total, outlook.cap, outlook.after) == (
        2.0,
        0.0,
        10.0,
        2.0,
    )

    adjustment_id = deductions.confirm_deduction(make_uow(), admin, "DT-2025-001")
    with make_uow() as uow:
        adjustment = uow.session.get(Adjustment, adjustment_id)
        assert adjustment is not None
        assert (adjustment.kind, adjustment.points) == ("deduction", 2.0)
        assert adjustment.reason == "问责案件 DT-2025-001: misconduct/ignoring_procedure"
        assert adjustment.source == "accountability_case:DT-2025-001"
        assert adjustment.evidence_name == "accountability-case-DT-2025-001.txt"
        evidence = bytes(adjustment.evidence or b"").decode("utf-8")
        assert "DT-2025-001" in evidence and "窗口科长" in evidence and "给予诫勉谈话" in evidence
        assert NAME not in evidence and "欧***" not in evidence
    view = acc.case_detail(make_uow(), admin, "DT-2025-001")
    assert (view.deduction_status, view.adjustment_id) == ("confirmed", adjustment_id)
    [total] = unit_totals(make_uow(), admin, "c1")
    assert (total.unit_code, total.deduction) == ("u1", 2.0)
    with pytest.raises(Refused, match="no proposed deduction"):
        deductions.confirm_deduction(make_uow(), admin, "DT-2025-001")
    actions = [a for _, a in audit_actions(make_uow)]
    assert "adjustment.add" in actions and "accountability_case.confirm_deduction" in actions


def test_the_rule_is_capped_by_the_method_and_audited(make_uow: MakeUow, admin: CurrentUser) -> None:
    deductions.set_rule(make_uow(), admin, "c1", {"inaction": 12, "slow": 0, "misconduct": 2.5})
    assert deductions.get_rule(make_uow(), admin, "c1") == {"inaction": 12.0, "slow": 0.0, "misconduct": 2.5}
    open_one(make_uow, admin, "I-1", case_type="inaction", subtype="idle")
    assert decide(make_uow, admin, "I-1").deduction_points == 10.0  # 12 points, cap 10 -> 10
    open_one(make_uow, admin, "S-1", case_type="slow", subtype="obstructing_passing")
    slow = decide(make_uow, admin, "S-1")  # 0 points: nothing proposed
    assert (slow.deduction_points, slow.deduction_status) == (None, "")
    for bad, match in (
        ({"inaction": 1, "slow": 1}, "each type"),
        ({"inaction": -1, "slow": 1, "misconduct": 1}, "from 0 to 100"),
        ({"inaction": float("nan"), "slow": 1, "misconduct": 1}, "give a number"),
        ({"inaction": True, "slow": 1, "misconduct": 1}, "give a number"),
    ):
        with pytest.raises(Refused, match=match):
            deductions.set_rule(make_uow(), admin, "c1", bad)  # type: ignore[arg-type]
    with make_uow() as uow:
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "accountability.rule")
        ).scalar_one()
        assert (
            entry.before == {"points": deductions.DEFAULT_POINTS}
            and entry.after["points"]["inaction"] == 12.0
        )
    set_status(make_uow, "c1", CampaignStatus.published)
    with pytest.raises(InputsFrozen):
        deductions.set_rule(make_uow(), admin, "c1", deductions.DEFAULT_POINTS)
    with pytest.raises(InputsFrozen):
        deductions.confirm_deduction(make_uow(), admin, "I-1")


def test_an_exempt_case_proposes_nothing_and_cannot_be_confirmed(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    open_one(make_uow, admin, "E-1")
    # what a granted fault-tolerance application does (services/fault_tolerance_exemptions.py)
    with make_uow() as uow:
        uow.session.execute(
            select(AccountabilityCase).where(AccountabilityCase.number == "E-1")
        ).scalar_one().exempt = True
        uow.commit()
    decided = decide(make_uow, admin, "E-1")
    assert decided.exempt and (decided.deduction_points, decided.deduction_status) == (None, "")
    with pytest.raises(Refused, match="exempt"):
        deductions.confirm_deduction(make_uow(), admin, "E-1")
    # exempted after the proposal: still never confirmed
    open_one(make_uow, admin, "E-2")
    assert decide(make_uow, admin, "E-2").deduction_status == "proposed"
    with make_uow() as uow:
        uow.session.execute(
            select(AccountabilityCase).where(AccountabilityCase.number == "E-2")
        ).scalar_one().exempt = True
        uow.commit()
    with pytest.raises(Refused, match="exempt"):
        deductions.confirm_deduction(make_uow(), admin, "E-2")
    assert counts_service.counts(make_uow(), admin).exempt == 2


def test_declining_needs_a_reason_and_a_case_without_campaign_proposes_nothing(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    open_one(make_uow, admin)
    decide(make_uow, admin)
    with pytest.raises(Refused, match="reason"):
        deductions.decline_deduction(make_uow(), admin, "DT-2025-001", " ")
    declined = deductions.decline_deduction(make_uow(), admin, "DT-2025-001", "已另行扣分")
    assert declined.deduction_status == "declined"
    with pytest.raises(Refused, match="no proposed deduction"):
        deductions.decline_deduction(make_uow(), admin, "DT-2025-001", "again")
    with make_uow() as uow:
        assert uow.session.execute(select(Adjustment)).first() is None
    open_one(make_uow, admin, "F-1", campaign_code=None)
    free = decide(make_uow, admin, "F-1")
    assert (free.deduction_points, free.deduction_status) == (None, "")
    assert deductions.deduction_outlook(make_uow(), admin, "F-1") is None


def test_no_name_reaches_an_exported_bundle(make_uow: MakeUow, admin: CurrentUser) -> None:
    open_one(make_uow, admin)
    lifecycle.add_person(
        make_uow(), admin, "DT-2025-001", name=NAME, post="科长", level="科级", sanction="removal"
    )
    decide(make_uow, admin)
    deductions.confirm_deduction(make_uow(), admin, "DT-2025-001")
    # the rule travels in [platform.design]
    deductions.set_rule(make_uow(), admin, "c1", deductions.DEFAULT_POINTS)
    with make_uow() as uow:
        frozen = freeze_bundle(uow, "c1")
    with zipfile.ZipFile(io.BytesIO(frozen.data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    adjustments = next(data for name, data in files.items() if name.endswith("adjustments.csv"))
    assert "问责案件 DT-2025-001".encode() in adjustments
    for name, data in files.items():
        for form in (NAME, "欧***"):
            assert form.encode("utf-8") not in data, name


# ---------------------------------------------------------------- counts


SEED_SHAPED = [
    # number, type, subtype, unit, sanctions of its persons
    ("K-1", "inaction", "idle", "u1", ["disciplinary_sanction", "admonition_talk"]),
    ("K-2", "inaction", "timid", "u1", ["notified_criticism"]),
    ("K-3", "slow", "slack_inefficient", "u2", ["admonition_talk", "transfer", "written_self_criticism"]),
    ("K-4", "slow", "obstructing_passing", "u2", []),
    ("K-5", "misconduct", "ignoring_law", "u3", ["disciplinary_sanction"]),
    ("K-6", "misconduct", "ignoring_rules", "u1", ["removal", "ordered_apology"]),
]


def test_counts_split_disciplinary_and_organisational_as_the_seed_reports(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    for number, case_type, subtype, unit, sanctions in SEED_SHAPED:
        open_one(make_uow, admin, number, case_type=case_type, subtype=subtype, unit_code=unit)
        for i, sanction in enumerate(sanctions):
            lifecycle.add_person(
                make_uow(),
                admin,
                number,
                name=f"张{i}",
                post="干部",
                level="县处级" if i == 0 else "",
                sanction=sanction,
            )
    found = counts_service.counts(make_uow(), admin)
    assert (found.cases, found.persons) == (6, 9)
    assert found.by_type == {"inaction": 2, "slow": 2, "misconduct": 2}
    assert (
        found.by_subtype["idle"] == 1 and found.by_subtype["self_willed"] == 0 and len(found.by_subtype) == 13
    )
    # disciplinary (党纪政务处分): 2 persons in K-1 and K-5; organisational (组织处理): 4 persons
    # (K-1 诫勉, K-3 诫勉 + 调离, K-6 免职) in 3 cases; other: 3 persons in K-2, K-3, K-6
    assert found.by_category == {
        "disciplinary": counts_service.CategoryCount(cases=2, persons=2),
        "organisational": counts_service.CategoryCount(cases=3, persons=4),
        "other": counts_service.CategoryCount(cases=3, persons=3),
    }
    assert found.by_sanction["admonition_talk"] == 2 and found.by_sanction["suspension"] == 0
    assert found.by_level == {"县处级": 5}
    assert [(u.unit_code, u.cases, u.persons) for u in found.by_unit] == [
        ("u1", 3, 5),
        ("u2", 2, 3),
        ("u3", 1, 1),
    ]
    assert found.by_status["opened"] == 6 and found.by_source["hotline"] == 6
    assert counts_service.counts(make_uow(), admin, year=2025).cases == 0
    assert counts_service.counts(make_uow(), admin, year=2026, campaign_code="c1").persons == 9


def test_the_list_filters_by_type_status_unit_campaign_and_text(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    open_one(make_uow, admin, "A-1", case_type="inaction", subtype="idle", opened_on=date(2026, 1, 1))
    open_one(make_uow, admin, "A-2", unit_code="u2", opened_on=date(2026, 1, 9))
    open_one(make_uow, admin, "B-1", campaign_code=None, opened_on=date(2026, 1, 3))
    decide(make_uow, admin, "A-2")
    numbers = lambda **f: [c.number for c in counts_service.list_cases(make_uow(), admin, **f)]  # noqa: E731
    assert numbers() == ["A-2", "B-1", "A-1"]
    assert numbers(case_type="inaction") == ["A-1"]
    assert numbers(status="decided") == ["A-2"]
    assert numbers(unit_code="u2") == ["A-2"]
    assert numbers(campaign_code="c1") == ["A-2", "A-1"]
    assert numbers(text="b-1") == ["B-1"] and numbers(text="材料费") == ["A-2", "B-1", "A-1"]
    with pytest.raises(Refused, match="status: one of"):
        numbers(status="closed")


CASE_SHAPES = st.lists(
    st.tuples(
        st.sampled_from(acc.CASE_TYPES),
        st.lists(st.sampled_from(sorted(acc.SANCTIONS)), max_size=3),
    ),
    max_size=5,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shapes=CASE_SHAPES)
def test_counts_add_up_whatever_the_cases(make_uow: MakeUow, admin: CurrentUser, shapes: list) -> None:
    with make_uow() as uow:  # each example starts from an empty register
        uow.session.execute(delete(AccountabilityCase))
        uow.commit()
    for i, (case_type, sanctions) in enumerate(shapes):
        number = f"P-{i}"
        open_one(make_uow, admin, number, case_type=case_type, subtype=acc.CASE_SUBTYPES[case_type][0])
        for sanction in sanctions:
            lifecycle.add_person(
                make_uow(), admin, number, name="王五", post="干部", level="", sanction=sanction
            )
    found = counts_service.counts(make_uow(), admin)
    assert found.cases == len(shapes) == sum(found.by_type.values()) == sum(found.by_subtype.values())
    assert found.persons == sum(len(s) for _, s in shapes) == sum(found.by_sanction.values())
    assert sum(c.persons for c in found.by_category.values()) == found.persons
    for category, count in found.by_category.items():
        expected = sum(1 for _, s in shapes if any(acc.SANCTIONS[x] == category for x in s))
        assert count.cases == expected <= found.cases
    assert sum(u.cases for u in found.by_unit) == found.cases
