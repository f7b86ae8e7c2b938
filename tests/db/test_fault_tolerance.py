"""The fault-tolerance procedure (services.fault_tolerance, the lists and views of
services.fault_tolerance_views, a grant's effect in services.fault_tolerance_exemptions):
applied → accepted → verified → granted or refused, for overdue approvals and accountability
cases, with its refusals, its effect on the overtime indicator and on deductions, and its
audit trail.

Every test runs on SQLite and on PostgreSQL (tests/conftest.py).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from db.models import Adjustment, AuditEntry, Campaign, CampaignStatus, OverdueCase, Role, Unit
from db.models_registries import AccountabilityCase, FaultToleranceApplication
from services import fault_tolerance as ft
from services import fault_tolerance_views as ftv
from services.errors import InputsFrozen, NotFound, Refused
from services.indicators import GROUND_UNDER_24H, IndicatorSpec, compute_overtime_indicator, indicator_values
from services.indicators import save_indicator as save_spec
from services.permissions import CurrentUser, PermissionDenied
from tests.db.kit import Clock, MakeUow, add_user, seed_campaign, set_status

T = Clock(datetime(2026, 4, 1, 2, 0, tzinfo=UTC))
PROMISED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Staff:
    def __init__(self, make_uow: MakeUow) -> None:
        seed_campaign(make_uow, status=CampaignStatus.fieldwork)
        self.admin1 = add_user(make_uow, "admin1", Role.admin)
        self.admin2 = add_user(make_uow, "admin2", Role.admin)
        self.liaison1 = add_user(make_uow, "liaison1", Role.liaison, "u1")
        self.liaison2 = add_user(make_uow, "liaison2", Role.liaison, "u2")


@pytest.fixture
def staff(make_uow: MakeUow) -> Staff:
    found = Staff(make_uow)
    add_overdue(make_uow, "OD-1", "u1", 16)
    add_overdue(make_uow, "OD-2", "u1", 89)
    add_overdue(make_uow, "OD-3", "u2", 1.5)
    add_accountability(make_uow, "DT-1", "u1")
    add_accountability(make_uow, "DT-2", "u1", status="investigated", deduction="proposed")
    add_accountability(make_uow, "DT-3", "u2", status="decided")
    add_accountability(make_uow, "DT-4", "u2", status="published")
    return found


def unit_id(make_uow: MakeUow, code: str) -> int:
    with make_uow() as uow:
        return uow.session.execute(select(Unit.id).where(Unit.code == code)).scalar_one()


def add_overdue(make_uow: MakeUow, number: str, unit: str, hours: float, campaign: str = "c1") -> None:
    uid = unit_id(make_uow, unit)
    with make_uow() as uow:
        cid = uow.session.execute(select(Campaign.id).where(Campaign.code == campaign)).scalar_one()
        uow.session.add(
            OverdueCase(
                campaign_id=cid,
                unit_id=uid,
                case_number=number,
                promised_at=PROMISED,
                completed_at=PROMISED + timedelta(hours=hours),
                source_system="行政审批电子监察系统",
            )
        )
        uow.commit()


def add_accountability(
    make_uow: MakeUow, number: str, unit: str, *, status: str = "opened", deduction: str = ""
) -> None:
    uid = unit_id(make_uow, unit)
    with make_uow() as uow:
        cid = uow.session.execute(select(Campaign.id).where(Campaign.code == "c1")).scalar_one()
        uow.session.add(
            AccountabilityCase(
                number=number,
                campaign_id=cid,
                unit_id=uid,
                case_type="slow",
                subtype="slow_approval",
                facts="审批超时",
                source="hotline",
                status=status,
                opened_on=date(2026, 3, 1),
                deduction_points=1.0 if deduction else None,
                deduction_status=deduction,
            )
        )
        uow.commit()


def confirm_deduction(make_uow: MakeUow, number: str) -> int:
    """What the accountability service does when the case is decided and its deduction confirmed."""
    with make_uow() as uow:
        case = uow.session.execute(
            select(AccountabilityCase).where(AccountabilityCase.number == number)
        ).scalar_one()
        adjustment = Adjustment(
            campaign_id=case.campaign_id,
            unit_id=case.unit_id,
            kind="deduction",
            points=1.0,
            reason=f"问责案件 {number}",
            evidence_name="decision.pdf",
            evidence=b"%PDF decision",
            source=f"accountability_case:{number}",
        )
        uow.session.add(adjustment)
        uow.session.flush()
        case.status, case.decided_on = "decided", date(2026, 3, 20)
        case.deduction_status, case.adjustment_id = "confirmed", adjustment.id
        uow.commit()
        return adjustment.id


def overdue(make_uow: MakeUow, number: str) -> OverdueCase:
    with make_uow() as uow:
        case = uow.session.execute(select(OverdueCase).where(OverdueCase.case_number == number)).scalar_one()
        uow.session.expunge(case)
        return case


def accountability(make_uow: MakeUow, number: str) -> AccountabilityCase:
    with make_uow() as uow:
        case = uow.session.execute(
            select(AccountabilityCase).where(AccountabilityCase.number == number)
        ).scalar_one()
        uow.session.expunge(case)
        return case


def audits(make_uow: MakeUow, **where: str) -> list[AuditEntry]:
    with make_uow() as uow:
        query = select(AuditEntry).order_by(AuditEntry.id)
        for name, value in where.items():
            query = query.where(getattr(AuditEntry, name) == value)
        entries = list(uow.session.execute(query).scalars())
        uow.session.expunge_all()
        return entries


def file_overdue(make_uow: MakeUow, user: CurrentUser, number: str = "OD-1", **kwargs: object) -> int:
    fields: dict[str, object] = {
        "subject": "overdue_case",
        "campaign_code": "c1",
        "reference": number,
        "applicant": "审批科",
        "reasons": "省平台系统故障，次日补办",
        "consequence": "none",
        **kwargs,
    }
    return ft.apply(make_uow(), user, **fields)  # type: ignore[arg-type]


def file_case(make_uow: MakeUow, user: CurrentUser, number: str = "DT-1", **kwargs: object) -> int:
    fields: dict[str, object] = {
        "subject": "accountability_case",
        "reference": number,
        "applicant": "张科长",
        "reasons": "依法依规推进改革试点，未谋私利",
        **kwargs,
    }
    return ft.apply(make_uow(), user, **fields)  # type: ignore[arg-type]


def through_verification(make_uow: MakeUow, staff: Staff, app_id: int, found: str = "none") -> None:
    ft.accept(make_uow(), staff.admin1, app_id, "材料齐全", clock=T)
    ft.verify(make_uow(), staff.admin1, app_id, note="经核实属实", consequence_found=found, clock=T)


def status(make_uow: MakeUow, app_id: int) -> str:
    with make_uow() as uow:
        return uow.session.get(FaultToleranceApplication, app_id).status  # type: ignore[union-attr]


# ---------------------------------------------------------------- the full paths


def test_an_overdue_case_granted_stops_counting_in_the_overtime_indicator(
    make_uow: MakeUow, staff: Staff
) -> None:
    save_spec(make_uow(), staff.admin1, "c1", IndicatorSpec("overtime", "超时办结", direction="lower"))
    compute_overtime_indicator(make_uow(), staff.admin1, "c1")
    counted = {r.unit_code: r.value for r in indicator_values(make_uow(), staff.admin1, "c1", "overtime")}
    assert counted == {"u1": 2.0, "u2": 1.0, "u3": 0.0}

    app_id = file_overdue(
        make_uow, staff.liaison1, reasons=f"{GROUND_UNDER_24H}：省平台故障", evidence=("证明.pdf", b"%PDF")
    )
    assert [c.reference for c in ftv.candidate_cases(make_uow(), staff.admin1, "overdue_case", "c1")] == [
        "OD-2",
        "OD-3",
    ]
    through_verification(make_uow, staff, app_id)
    with pytest.raises(ft.SameAdmin):
        ft.decide(make_uow(), staff.admin1, app_id, grant=True, document="纪容决〔2026〕3号")
    ft.decide(
        make_uow(), staff.admin2, app_id, grant=True, document="纪容决〔2026〕3号", note="同意", clock=T
    )

    case = overdue(make_uow, "OD-1")
    assert (case.exempt, case.exempt_reason, case.exempted_by) == (
        True,
        "容错免责 纪容决〔2026〕3号",
        "admin2",
    )
    # counted again at the next computation, not before
    compute_overtime_indicator(make_uow(), staff.admin1, "c1")
    counted = {r.unit_code: r.value for r in indicator_values(make_uow(), staff.admin1, "c1", "overtime")}
    assert counted == {"u1": 1.0, "u2": 1.0, "u3": 0.0}

    view = ftv.application(make_uow(), staff.liaison1, app_id)
    assert view.row.status == "granted" and view.case_exempt
    assert (view.decision_body, view.decided_by, view.filed_by) == ("市纪委监委", "admin2", "liaison1")
    assert [(h.action, h.actor, h.status) for h in view.history] == [
        ("apply", "liaison1", "applied"),
        ("accept", "admin1", "accepted"),
        ("verify", "admin1", "verified"),
        ("decide", "admin2", "granted"),
    ]
    assert ftv.evidence(make_uow(), staff.liaison1, app_id) == ("证明.pdf", b"%PDF")
    entries = audits(make_uow, entity="fault_tolerance_application", entity_id=str(app_id))
    assert [(e.action, (e.before or {}).get("status"), e.after["status"]) for e in entries] == [
        ("fault_tolerance.apply", None, "applied"),
        ("fault_tolerance.accept", "applied", "accepted"),
        ("fault_tolerance.verify", "accepted", "verified"),
        ("fault_tolerance.decide", "verified", "granted"),
    ]
    assert entries[0].after["evidence_size"] == 4 and "evidence" not in entries[0].after
    (exempted,) = audits(make_uow, action="overdue_case.exempt")
    assert (exempted.entity_id, exempted.before["exempt"], exempted.after["exempt"]) == (
        "c1/OD-1",
        False,
        True,
    )
    assert exempted.after["application"] == app_id


def test_an_accountability_case_granted_withdraws_its_proposed_deduction(
    make_uow: MakeUow, staff: Staff
) -> None:
    app_id = file_case(make_uow, staff.admin1, "DT-2")
    through_verification(make_uow, staff, app_id)
    ft.decide(make_uow(), staff.admin2, app_id, grant=True, document="纪容决〔2026〕5号")
    case = accountability(make_uow, "DT-2")
    assert (case.exempt, case.deduction_status, case.adjustment_id) == (True, "exempted", None)
    (entry,) = audits(make_uow, action="accountability_case.exempt")
    assert (entry.before["deduction_status"], entry.after["deduction_status"]) == ("proposed", "exempted")
    assert not audits(make_uow, action="adjustment.remove")


def test_a_granted_case_loses_its_confirmed_deduction(make_uow: MakeUow, staff: Staff) -> None:
    app_id = file_case(make_uow, staff.liaison1, "DT-2")
    through_verification(make_uow, staff, app_id)
    # meanwhile the case was decided and its deduction confirmed (an adjustment)
    adjustment_id = confirm_deduction(make_uow, "DT-2")
    ft.decide(make_uow(), staff.admin2, app_id, grant=True, document="纪容决〔2026〕6号")
    with make_uow() as uow:
        assert uow.session.get(Adjustment, adjustment_id) is None
    case = accountability(make_uow, "DT-2")
    assert (case.exempt, case.deduction_status, case.adjustment_id) == (True, "exempted", None)
    (removed,) = audits(make_uow, action="adjustment.remove")
    assert removed.entity_id == str(adjustment_id)
    assert (removed.before["kind"], removed.before["points"], removed.before["source"]) == (
        "deduction",
        1.0,
        "accountability_case:DT-2",
    )
    assert "纪容决〔2026〕6号" in removed.after["reason"]


def test_a_confirmed_deduction_of_a_published_campaign_cannot_be_removed(
    make_uow: MakeUow, staff: Staff
) -> None:
    app_id = file_case(make_uow, staff.admin1, "DT-2")
    through_verification(make_uow, staff, app_id)
    adjustment_id = confirm_deduction(make_uow, "DT-2")
    set_status(make_uow, "c1", CampaignStatus.published)
    with pytest.raises(InputsFrozen):
        ft.decide(make_uow(), staff.admin2, app_id, grant=True, document="纪容决〔2026〕7号")
    assert status(make_uow, app_id) == "verified"
    with make_uow() as uow:
        assert uow.session.get(Adjustment, adjustment_id) is not None
    # a refusal changes no input: it can be recorded
    ft.decide(make_uow(), staff.admin2, app_id, grant=False, document="纪容决〔2026〕7号")
    assert status(make_uow, app_id) == "refused"


def test_a_refusal_or_non_acceptance_leaves_the_case_counted_and_allows_a_new_application(
    make_uow: MakeUow, staff: Staff
) -> None:
    first = file_overdue(make_uow, staff.admin1)
    with pytest.raises(Refused, match="reason for not accepting"):
        ft.not_accept(make_uow(), staff.admin2, first, "  ")
    ft.not_accept(make_uow(), staff.admin2, first, "不属于受理范围")
    assert status(make_uow, first) == "not_accepted"
    second = file_overdue(make_uow, staff.admin1)
    through_verification(make_uow, staff, second)
    ft.decide(make_uow(), staff.admin2, second, grant=False, document="纪容决〔2026〕8号", note="未尽职")
    assert status(make_uow, second) == "refused"
    assert not overdue(make_uow, "OD-1").exempt
    assert [r.id for r in ftv.list_applications(make_uow(), staff.admin1, status="refused")] == [second]
    assert [r.id for r in ftv.list_applications(make_uow(), staff.admin1, subject="overdue_case")] == [
        second,
        first,
    ]
    assert ftv.list_applications(make_uow(), staff.admin1, subject="accountability_case") == []


def test_the_decision_states_the_configured_body(
    make_uow: MakeUow, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPRAISAL_FAULT_TOLERANCE_BODY", "区纪委监委")
    app_id = file_case(make_uow, staff.admin1)
    through_verification(make_uow, staff, app_id)
    ft.decide(make_uow(), staff.admin2, app_id, grant=True, document="区纪容〔2026〕1号")
    assert ftv.application(make_uow(), staff.admin1, app_id).decision_body == "区纪委监委"


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("consequence", ft.EXCLUDED)
def test_every_excluded_consequence_is_refused_for_both_subjects(
    make_uow: MakeUow, staff: Staff, consequence: str
) -> None:
    with pytest.raises(ft.ExcludedConsequence, match=consequence.split("_")[0]) as refused:
        file_overdue(make_uow, staff.admin1, consequence=consequence)
    assert refused.value.consequence == consequence
    assert "fault tolerance never applies" in str(refused.value)
    with pytest.raises(ft.ExcludedConsequence):
        file_case(make_uow, staff.liaison1, consequence=consequence)
    assert ftv.list_applications(make_uow(), staff.admin1) == []


@pytest.mark.parametrize("consequence", ft.EXCLUDED)
def test_an_excluded_consequence_found_by_verification_allows_only_a_refusal(
    make_uow: MakeUow, staff: Staff, consequence: str
) -> None:
    app_id = file_case(make_uow, staff.admin1)
    through_verification(make_uow, staff, app_id, found=consequence)
    with pytest.raises(ft.ExcludedConsequence, match="can only be refused"):
        ft.decide(make_uow(), staff.admin2, app_id, grant=True, document="纪容决〔2026〕9号")
    assert not accountability(make_uow, "DT-1").exempt
    ft.decide(make_uow(), staff.admin2, app_id, grant=False, document="纪容决〔2026〕9号")
    view = ftv.application(make_uow(), staff.admin1, app_id)
    assert (view.row.status, view.row.consequence, view.declared_consequence) == (
        "refused",
        consequence,
        "none",
    )


def test_applications_are_refused_for_what_the_procedure_excludes(make_uow: MakeUow, staff: Staff) -> None:
    with pytest.raises(Refused, match="reasons"):
        file_overdue(make_uow, staff.admin1, reasons="   ")
    with pytest.raises(Refused, match="applicant"):
        file_overdue(make_uow, staff.admin1, applicant="")
    with pytest.raises(Refused, match="24 hours"):
        file_overdue(make_uow, staff.admin1, "OD-2", reasons=GROUND_UNDER_24H)  # 89 hours late
    with pytest.raises(ft.EvidenceTooLarge, match="10 MiB"):
        file_overdue(make_uow, staff.admin1, evidence=("scan.pdf", b"x" * (10 * 2**20 + 1)))
    with pytest.raises(Refused, match="subject"):
        file_overdue(make_uow, staff.admin1, subject="appeal")
    with pytest.raises(NotFound):
        file_overdue(make_uow, staff.admin1, "OD-404")
    with pytest.raises(NotFound):
        file_case(make_uow, staff.admin1, "DT-404")
    for number, case_status in (("DT-3", "decided"), ("DT-4", "published")):
        with pytest.raises(Refused, match=f"already {case_status}.*before their decision"):
            file_case(make_uow, staff.admin1, number)
    # one open application per case
    file_overdue(make_uow, staff.admin1)
    with pytest.raises(Refused, match="already has an open application"):
        file_overdue(make_uow, staff.liaison1)
    assert len(ftv.list_applications(make_uow(), staff.admin1)) == 1


def test_an_exempt_case_or_a_published_campaign_takes_no_application(make_uow: MakeUow, staff: Staff) -> None:
    app_id = file_overdue(make_uow, staff.admin1, "OD-3")
    through_verification(make_uow, staff, app_id)
    ft.decide(make_uow(), staff.admin2, app_id, grant=True, document="纪容决〔2026〕10号")
    with pytest.raises(Refused, match="already exempt"):
        file_overdue(make_uow, staff.admin1, "OD-3")
    case_app = file_case(make_uow, staff.admin1)
    through_verification(make_uow, staff, case_app)
    ft.decide(make_uow(), staff.admin2, case_app, grant=True, document="纪容决〔2026〕11号")
    with pytest.raises(Refused, match="already exempt"):
        file_case(make_uow, staff.admin1)

    pending = file_overdue(make_uow, staff.admin1, "OD-1")
    through_verification(make_uow, staff, pending)
    set_status(make_uow, "c1", CampaignStatus.final)
    with pytest.raises(InputsFrozen):
        file_overdue(make_uow, staff.admin1, "OD-2")
    with pytest.raises(InputsFrozen):
        ft.decide(make_uow(), staff.admin2, pending, grant=True, document="纪容决〔2026〕12号")
    assert not overdue(make_uow, "OD-1").exempt and status(make_uow, pending) == "verified"


def test_steps_out_of_order_are_refused(make_uow: MakeUow, staff: Staff) -> None:
    app_id = file_overdue(make_uow, staff.admin1)
    with pytest.raises(Refused, match="only when it is accepted"):
        ft.verify(make_uow(), staff.admin1, app_id, note="核实", consequence_found="none")
    with pytest.raises(Refused, match="only when it is verified"):
        ft.decide(make_uow(), staff.admin2, app_id, grant=True, document="纪容决〔2026〕1号")
    ft.accept(make_uow(), staff.admin1, app_id)
    with pytest.raises(Refused, match="only when it is applied"):
        ft.accept(make_uow(), staff.admin1, app_id)
    with pytest.raises(Refused, match="only when it is applied"):
        ft.not_accept(make_uow(), staff.admin1, app_id, "不予受理")
    with pytest.raises(Refused, match="verification findings"):
        ft.verify(make_uow(), staff.admin1, app_id, note="", consequence_found="none")
    with pytest.raises(Refused, match="consequence found"):
        ft.verify(make_uow(), staff.admin1, app_id, note="核实", consequence_found="fire")
    ft.verify(make_uow(), staff.admin1, app_id, note="核实", consequence_found="none")
    with pytest.raises(Refused, match="document"):
        ft.decide(make_uow(), staff.admin2, app_id, grant=True, document=" ")
    ft.decide(make_uow(), staff.admin2, app_id, grant=True, document="纪容决〔2026〕2号")
    with pytest.raises(Refused, match="is granted"):
        ft.decide(make_uow(), staff.admin2, app_id, grant=False, document="纪容决〔2026〕2号")
    assert status(make_uow, app_id) == "granted"


def test_the_admin_who_filed_accepted_or_verified_does_not_decide(make_uow: MakeUow, staff: Staff) -> None:
    filed_by_2 = file_overdue(make_uow, staff.admin2)
    through_verification(make_uow, staff, filed_by_2)  # accepted and verified by admin1
    for admin in (staff.admin1, staff.admin2):
        with pytest.raises(ft.SameAdmin, match="another admin"):
            ft.decide(make_uow(), admin, filed_by_2, grant=True, document="纪容决〔2026〕4号")
    admin3 = add_user(make_uow, "admin3", Role.admin)
    ft.decide(make_uow(), admin3, filed_by_2, grant=True, document="纪容决〔2026〕4号")
    assert status(make_uow, filed_by_2) == "granted"


def test_a_liaison_files_for_its_own_unit_only_and_never_takes_a_step(
    make_uow: MakeUow, staff: Staff
) -> None:
    with pytest.raises(PermissionDenied, match="own unit"):
        file_overdue(make_uow, staff.liaison2, "OD-1")
    with pytest.raises(PermissionDenied, match="own unit"):
        file_case(make_uow, staff.liaison2, "DT-1")
    own = file_overdue(make_uow, staff.liaison1)
    other = file_overdue(make_uow, staff.liaison2, "OD-3")
    assert [r.id for r in ftv.list_applications(make_uow(), staff.liaison1)] == [own]
    assert [r.id for r in ftv.list_applications(make_uow(), staff.liaison2)] == [other]
    assert [r.id for r in ftv.list_applications(make_uow(), staff.admin1)] == [other, own]
    assert [c.reference for c in ftv.candidate_cases(make_uow(), staff.liaison1, "overdue_case", "c1")] == [
        "OD-2"
    ]
    assert [c.reference for c in ftv.candidate_cases(make_uow(), staff.liaison1, "accountability_case")] == [
        "DT-1",
        "DT-2",
    ]
    with pytest.raises(PermissionDenied):
        ftv.application(make_uow(), staff.liaison2, own)
    with pytest.raises(PermissionDenied):
        ftv.evidence(make_uow(), staff.liaison2, own)
    for step in (
        lambda: ft.accept(make_uow(), staff.liaison1, own),
        lambda: ft.not_accept(make_uow(), staff.liaison1, own, "不予受理"),
        lambda: ft.verify(make_uow(), staff.liaison1, own, note="核实", consequence_found="none"),
        lambda: ft.decide(make_uow(), staff.liaison1, own, grant=True, document="纪容决"),
    ):
        with pytest.raises(PermissionDenied):
            step()
    through_verification(make_uow, staff, own)
    with pytest.raises(PermissionDenied):
        ft.decide(make_uow(), staff.liaison1, own, grant=True, document="纪容决〔2026〕1号")
    assert status(make_uow, own) == "verified"
    other_roles = add_user(make_uow, "caller1", Role.caller)
    with pytest.raises(PermissionDenied):
        ftv.list_applications(make_uow(), other_roles)
    with pytest.raises(PermissionDenied):
        file_overdue(make_uow, other_roles, "OD-2")


# ---------------------------------------------------------------- the procedure's graph, whatever is called


REACHABLE = {"applied", "accepted", "not_accepted", "verified", "granted", "refused"}
OPS = st.lists(
    st.tuples(
        # weighted towards progress: a non-acceptance ends most walks at once
        st.sampled_from(
            ["accept", "accept", "not_accept", "verify", "verify", "decide_grant", "decide_refuse"]
        ),
        st.sampled_from(["admin1", "admin2", "liaison1"]),
        st.sampled_from(["none", "mass_incident"]),
    ),
    min_size=2,
    max_size=8,
)
NUMBERS = itertools.count()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
@example(ops=[("accept", "admin1", ""), ("verify", "admin1", "none"), ("decide_grant", "admin1", "")])
@example(ops=[("accept", "admin2", ""), ("verify", "admin2", "none"), ("decide_grant", "admin2", "")])
@example(
    ops=[("accept", "admin1", ""), ("verify", "admin1", "mass_incident"), ("decide_grant", "admin2", "")]
)
@example(ops=[("accept", "liaison1", ""), ("not_accept", "admin2", ""), ("accept", "admin1", "")])
@example(ops=[("verify", "admin1", "none"), ("decide_refuse", "admin2", ""), ("accept", "admin2", "")])
def test_any_sequence_of_steps_follows_the_procedures_graph(
    make_uow: MakeUow, ops: list[tuple[str, str, str]]
) -> None:
    """Steps in any order, by anyone: each one that succeeds is an edge of the procedure's graph
    taken by an admin allowed to take it, and the case is exempt exactly when granted."""
    with make_uow() as uow:
        ready = uow.session.execute(select(Campaign.id).where(Campaign.code == "c1")).scalar() is not None
    if not ready:
        Staff(make_uow)
    users = {
        "admin1": CurrentUser(id=0, username="admin1", role=Role.admin),
        "admin2": CurrentUser(id=0, username="admin2", role=Role.admin),
        "liaison1": CurrentUser(
            id=0, username="liaison1", role=Role.liaison, unit_id=unit_id(make_uow, "u1")
        ),
    }
    number = f"P-{next(NUMBERS)}"
    add_overdue(make_uow, number, "u1", 5)
    app_id = file_overdue(make_uow, users["admin1"], number)  # admin1 filed: admin1 never decides
    model, found, involved = "applied", "none", {"admin1"}
    for op, who, consequence in ops:
        expected = model
        try:
            if op == "accept":
                ft.accept(make_uow(), users[who], app_id)
            elif op == "not_accept":
                ft.not_accept(make_uow(), users[who], app_id, "不予受理")
            elif op == "verify":
                ft.verify(make_uow(), users[who], app_id, note="核实", consequence_found=consequence)
            else:
                ft.decide(make_uow(), users[who], app_id, grant=op == "decide_grant", document="纪容决")
        except (Refused, PermissionDenied):
            pass
        else:
            assert who != "liaison1", "a liaison took a step"
            if op == "accept":
                expected = "accepted"
            elif op == "not_accept":
                expected = "not_accepted"
            elif op == "verify":
                expected, found = "verified", consequence
            else:
                assert who not in involved, f"{who} filed, accepted or verified, and decided"
                assert not (op == "decide_grant" and found in ft.EXCLUDED), "granted an excluded case"
                expected = "granted" if op == "decide_grant" else "refused"
            assert expected in ft.STEPS[model], f"{model} → {expected} is not a step of the procedure"
            involved.add(who)
        model = expected
        assert status(make_uow, app_id) == model
    assert model in REACHABLE
    assert overdue(make_uow, number).exempt == (model == "granted")
    entries = audits(make_uow, entity="fault_tolerance_application", entity_id=str(app_id))
    assert entries[-1].after["status"] == model
    assert [e.after["status"] for e in entries[1:]] == [
        s for s in _path(entries[0].after["status"], [e.after["status"] for e in entries[1:]])
    ]


def _path(start: str, statuses: list[str]) -> list[str]:
    """``statuses`` checked to be a walk along the graph from ``start``."""
    current = start
    for step in statuses:
        assert step in ft.STEPS[current]
        current = step
    return statuses
