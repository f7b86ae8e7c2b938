"""Each role tries each action it may not take, against the real service functions.

Every service below is called as each role (and signed out): a role without the
permission gets :class:`PermissionDenied` and the database does not change; a role
with it gets past the check (the call may still be refused for the campaign's state).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from db.models import CallAttempt, CampaignStatus, PhoneCase, Role, SurveyResponse
from db.uow import UnitOfWork
from services import accountability_cases, auth, campaigns, inspection_rounds, inspections
from services.appeals import decide_appeal, file_appeal
from services.errors import ServiceError
from services.fieldwork import NoCallOnRecord, assign_case, fieldwork_progress, record_call_outcome
from services.permissions import ROLE_PERMISSIONS, CurrentUser, Permission, PermissionDenied, allowed, require
from services.responses import set_response_status, submit_response, unit_responses
from tests.db.kit import PASSWORD, MakeUow, add_case, add_user, audit_count, campaign_status, seed_campaign

Call = Callable[[UnitOfWork, CurrentUser | None], object]


@dataclass(frozen=True)
class Action:
    name: str
    permission: Permission
    call: Call


ACTIONS = [
    Action(
        "create a user",
        Permission.manage_users,
        lambda uow, u: auth.create_user(uow, u, "newbie", PASSWORD, "caller"),
    ),
    Action(
        "disable a user",
        Permission.manage_users,
        lambda uow, u: auth.set_user_active(uow, u, "caller2", False),
    ),
    Action(
        "change campaign settings",
        Permission.configure_campaign,
        lambda uow, u: campaigns.update_campaign(uow, u, "c1", name="改名"),
    ),
    Action(
        "open fieldwork", Permission.configure_campaign, lambda uow, u: campaigns.open_fieldwork(uow, u, "c1")
    ),
    Action(
        "reopen fieldwork",
        Permission.configure_campaign,
        lambda uow, u: campaigns.reopen_fieldwork(uow, u, "c1"),
    ),
    Action(
        "review a response",
        Permission.configure_campaign,
        lambda uow, u: set_response_status(uow, u, "c1", "r1", "quarantined", "重复"),
    ),
    Action(
        "close fieldwork and start scoring",
        Permission.score,
        lambda uow, u: campaigns.start_scoring(uow, u, "c1"),
    ),
    Action("start review", Permission.score, lambda uow, u: campaigns.start_review(uow, u, "c1")),
    Action("return to scoring", Permission.score, lambda uow, u: campaigns.return_to_scoring(uow, u, "c1")),
    Action(
        "request publication", Permission.publish, lambda uow, u: campaigns.request_publication(uow, u, "c1")
    ),
    Action(
        "approve publication", Permission.publish, lambda uow, u: campaigns.approve_publication(uow, u, "c1")
    ),
    Action("finalize", Permission.publish, lambda uow, u: campaigns.finalize(uow, u, "c1")),
    Action(
        "decide an appeal", Permission.decide_appeal, lambda uow, u: decide_appeal(uow, u, 1, True, "成立")
    ),
    Action("watch fieldwork", Permission.watch_fieldwork, lambda uow, u: fieldwork_progress(uow, u, "c1")),
    Action(
        "assign a case",
        Permission.assign_cases,
        lambda uow, u: assign_case(uow, u, "c1", "k1", "caller-caller2"),
    ),
    Action(
        "record a call",
        Permission.record_calls,
        lambda uow, u: record_call_outcome(uow, u, "c1", "k1", "2.11"),
    ),
    Action(
        "see a unit's responses",
        Permission.view_unit_detail,
        lambda uow, u: unit_responses(uow, u, "c1", "u1"),
    ),
    Action("appeal", Permission.file_appeal, lambda uow, u: file_appeal(uow, u, "c1", "u1", "样本有误")),
    Action(
        "plan an inspection round",
        Permission.manage_registries,
        lambda uow, u: inspection_rounds.plan_round(
            uow,
            u,
            "c1",
            code="R1",
            name="",
            mode="covert",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 1, 31),
            unit_codes=["u1"],
            inspector_usernames=["inspector1"],
        ),
    ),
    Action(
        "open an accountability case",
        Permission.manage_registries,
        lambda uow, u: accountability_cases.open_case(
            uow,
            u,
            number="A1",
            unit_code="u1",
            case_type="slow",
            subtype="slack_inefficient",
            facts="推诿",
            source="hotline",
            disciplinary_body="市纪委监委",
            opened_on=date(2026, 1, 5),
        ),
    ),
    Action("see one's inspection rounds", Permission.record_inspections, inspections.my_assignments),
]

ROLES = [Role.admin, Role.supervisor, Role.caller, Role.liaison, Role.inspector]


@pytest.fixture
def people(make_uow: MakeUow) -> dict[str, CurrentUser]:
    """Campaign c1 in fieldwork with one response; one account per role; case k1 is caller1's."""
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    submit_response(make_uow(), "c1", "u1", "public", {"q1": "s"})
    with make_uow() as uow:
        uow.session.execute(select(SurveyResponse)).scalar_one().code = "r1"
        uow.commit()
    people = {
        Role.admin: add_user(make_uow, "admin1", Role.admin),
        Role.supervisor: add_user(make_uow, "sup1", Role.supervisor),
        Role.caller: add_user(make_uow, "caller1", Role.caller),
        Role.liaison: add_user(make_uow, "lianluo1", Role.liaison, unit_code="u1"),
        "caller2": add_user(make_uow, "caller2", Role.caller),
        "liaison2": add_user(make_uow, "lianluo2", Role.liaison, unit_code="u2"),
        Role.inspector: add_user(make_uow, "inspector1", Role.inspector),
    }
    add_case(make_uow, case_code="k1", caller_user=people[Role.caller])
    add_case(make_uow, case_code="k2", caller_user=people["caller2"])
    add_case(make_uow, case_code="k3")
    return people


def bridge_call(make_uow: MakeUow, case_code: str) -> str:
    """A call on record for the case, as the click-to-call bridge leaves it; its call SID."""
    with make_uow() as uow:
        case = uow.session.execute(select(PhoneCase).where(PhoneCase.code == case_code)).scalar_one()
        n = len(uow.session.execute(select(CallAttempt).where(CallAttempt.case_id == case.id)).all())
        sid = f"CA-{case_code}-{n + 1}"
        uow.session.add(CallAttempt(case_id=case.id, caller_id=case.caller_id, call_sid=sid, mode="bridge"))
        uow.commit()
    return sid


def test_every_permission_is_exercised_by_some_action() -> None:
    assert {a.permission for a in ACTIONS} == set(Permission)


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_each_role_without_the_permission_is_refused_and_nothing_changes(
    make_uow: MakeUow, people: dict[str, CurrentUser], action: Action
) -> None:
    forbidden = [role for role in ROLES if action.permission not in ROLE_PERMISSIONS[role]]
    permitted = [role for role in ROLES if action.permission in ROLE_PERMISSIONS[role]]
    assert permitted, f"no role may {action.name}"
    entries = audit_count(make_uow)

    for who in [*forbidden, None]:
        user = people[who] if who else None
        with pytest.raises(PermissionDenied) as refused:
            action.call(make_uow(who or "anonymous"), user)
        assert action.permission.value in str(refused.value), f"{who}: unclear message {refused.value}"

    assert audit_count(make_uow) == entries
    assert campaign_status(make_uow) == CampaignStatus.fieldwork

    for who in permitted:
        try:
            action.call(make_uow(who), people[who])
        except PermissionDenied as exc:
            pytest.fail(f"{who} may {action.name} but was refused: {exc}")
        except ServiceError:
            pass  # past the permission check; refused for the campaign's state, which is fine here


def test_the_message_names_the_user_the_action_and_who_may_do_it(people: dict[str, CurrentUser]) -> None:
    with pytest.raises(PermissionDenied, match=r"caller1 \(caller\) may not publish; allowed roles: admin"):
        require(people[Role.caller], Permission.publish)
    with pytest.raises(PermissionDenied, match="sign in first"):
        require(None, Permission.watch_fieldwork)


def test_a_liaison_sees_and_appeals_only_for_its_own_unit(
    make_uow: MakeUow, people: dict[str, CurrentUser]
) -> None:
    liaison = people[Role.liaison]  # unit u1

    assert [r["response_id"] for r in unit_responses(make_uow(), liaison, "c1", "u1")] == ["r1"]
    with pytest.raises(PermissionDenied, match="only for their own unit"):
        unit_responses(make_uow(), liaison, "c1", "u2")
    with pytest.raises(PermissionDenied, match="only for their own unit"):
        file_appeal(make_uow(), liaison, "c1", "u2", "不是我们单位的")
    with pytest.raises(PermissionDenied, match="only for their own unit"):
        unit_responses(make_uow(), people["liaison2"], "c1", "u1")
    assert not allowed(liaison, Permission.view_unit_detail)  # no unit named: not allowed either


def test_a_caller_records_calls_only_on_its_own_cases(
    make_uow: MakeUow, people: dict[str, CurrentUser]
) -> None:
    caller = people[Role.caller]

    assert record_call_outcome(
        make_uow(), caller, "c1", "k1", "2.11", call_sid=bridge_call(make_uow, "k1")
    ).closed
    for case in ("k2", "k3"):  # another caller's case; an unassigned one
        with pytest.raises(PermissionDenied, match=f"case {case} is not assigned to caller1"):
            record_call_outcome(make_uow(), caller, "c1", case, "2.11", call_sid=bridge_call(make_uow, case))
    # past the permission check, an outcome still needs a call on record
    with pytest.raises(NoCallOnRecord):
        record_call_outcome(make_uow(), people["caller2"], "c1", "k2", "2.11")


def test_a_supervisor_reassigns_a_case_to_another_caller(
    make_uow: MakeUow, people: dict[str, CurrentUser]
) -> None:
    assign_case(make_uow(), people[Role.supervisor], "c1", "k1", "caller-caller2")

    sid = bridge_call(make_uow, "k1")  # placed by the case's caller now, caller2
    with pytest.raises(PermissionDenied):
        record_call_outcome(make_uow(), people[Role.caller], "c1", "k1", "3.13", call_sid=sid)
    assert record_call_outcome(make_uow(), people["caller2"], "c1", "k1", "3.13", call_sid=sid).attempts == 1
    progress = {row["unit_id"]: row for row in fieldwork_progress(make_uow(), people[Role.supervisor], "c1")}
    assert (progress["u1"]["responses"], progress["u1"]["cases"], progress["u1"]["called"]) == (1, 3, 1)
