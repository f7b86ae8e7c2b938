"""The call queue (CATI): recording outcomes, retries across day parts, callbacks, the
attempt limit, bulk assignment, permissions and back-checks (services/fieldwork.py).

The builders below insert rows directly (draws are another service's business), and are
shared with the fieldwork-day and page tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from db.crypto import encrypt, keyed_hash
from db.models import (
    AuditEntry,
    CallAttempt,
    Caller,
    Campaign,
    CampaignStatus,
    DoNotCall,
    FrameEntry,
    Item,
    PhoneAnswer,
    PhoneCase,
    Role,
    SamplingFrame,
    Scale,
    Unit,
)
from services.errors import NotFound, Refused
from services.fieldwork import (
    ASSIGN_PAGE_SIZE,
    CallOutcome,
    ConfirmationNeeded,
    NoCallOnRecord,
    assign_round_robin,
    backcheck_list,
    caller_queue,
    case_sheet,
    fieldwork_dashboard,
    record_backcheck,
    record_call_outcome,
    search_units,
    start_manual_dial,
)
from services.permissions import CurrentUser, PermissionDenied
from survey.assurance import CHINA_TZ, BackcheckDesign
from tests.db.kit import Clock, MakeUow, add_user, seed_campaign

PHONE_ITEMS = ("p1", "p2", "p3")
ALL_SATISFIED = dict.fromkeys(PHONE_ITEMS, "s")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2026 in China's local time."""
    return datetime(2026, 3, day, hour, minute, tzinfo=CHINA_TZ)


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", "q6Y0m3S1b0cH3m8v5m0x8ZkQmJ2nq3m7a9m5Yk1Vw2c=")


def fieldwork_campaign(
    make_uow: MakeUow, code: str = "c1", *, units: tuple[str, ...] = ("u1", "u2"), toml: str = ""
) -> None:
    """A campaign in fieldwork with three phone questions on the sat3 scale (x: don't know)."""
    seed_campaign(make_uow, code, units=units, status=CampaignStatus.fieldwork)
    with make_uow() as uow:
        s = uow.session
        campaign = s.execute(select(Campaign).where(Campaign.code == code)).scalar_one()
        campaign.method_toml = toml
        scale = s.execute(select(Scale).where(Scale.campaign_id == campaign.id)).scalar_one()
        for position, item in enumerate(PHONE_ITEMS):
            s.add(
                Item(
                    campaign_id=campaign.id,
                    instrument="phone",
                    code=item,
                    scale_id=scale.id,
                    text_zh=f"您对该单位的{('服务态度', '办事效率', '廉洁情况')[position]}是否满意？",
                    text_en=f"Question {item}",
                    position=position,
                )
            )
        uow.commit()


def add_caller(make_uow: MakeUow, username: str) -> CurrentUser:
    """A caller account and its Caller row (code ``caller-<username>``)."""
    user = add_user(make_uow, username, Role.caller)
    with make_uow() as uow:
        uow.session.add(Caller(code=f"caller-{username}", name=username, user_id=user.id))
        uow.commit()
    return user


def add_frame_case(
    make_uow: MakeUow,
    case_code: str,
    unit_code: str = "u1",
    caller: CurrentUser | None = None,
    *,
    campaign_code: str = "c1",
    phone: str = "13812345678",
    name: str = "张伟",
) -> None:
    """A sampled person (encrypted frame entry) and their phone case."""
    with make_uow() as uow:
        s = uow.session
        campaign = s.execute(select(Campaign).where(Campaign.code == campaign_code)).scalar_one()
        frame = s.execute(select(SamplingFrame).where(SamplingFrame.campaign_id == campaign.id)).scalar()
        if frame is None:
            frame = SamplingFrame(campaign_id=campaign.id, name="办件库")
            s.add(frame)
            s.flush()
        unit_id = s.execute(select(Unit.id).where(Unit.code == unit_code)).scalar_one()
        entry = FrameEntry(
            frame_id=frame.id,
            unit_id=unit_id,
            name_enc=encrypt(name),
            phone_enc=encrypt(phone),
            phone_hash=keyed_hash(f"{phone}/{case_code}"),  # unique per case: tests reuse numbers
        )
        s.add(entry)
        s.flush()
        caller_id = None
        if caller is not None:
            caller_id = s.execute(select(Caller.id).where(Caller.user_id == caller.id)).scalar_one()
        s.add(
            PhoneCase(
                campaign_id=campaign.id,
                code=case_code,
                unit_id=unit_id,
                frame_entry_id=entry.id,
                caller_id=caller_id,
            )
        )
        uow.commit()


def dialled(
    make_uow: MakeUow,
    who: CurrentUser,
    case_code: str,
    disposition: str,
    *,
    campaign_code: str = "c1",
    clock: Clock | None = None,
    **kw: Any,
) -> CallOutcome:
    """Dial by hand (the number is revealed to the caller), then record the call's outcome:
    an outcome needs a call on record."""
    now = {"clock": clock} if clock is not None else {}
    start_manual_dial(make_uow(), who, campaign_code, case_code, **now)
    return record_call_outcome(make_uow(), who, campaign_code, case_code, disposition, **now, **kw)


def case_row(make_uow: MakeUow, case_code: str, campaign_code: str = "c1") -> PhoneCase:
    with make_uow() as uow:
        s = uow.session
        case = s.execute(
            select(PhoneCase)
            .join(Campaign, Campaign.id == PhoneCase.campaign_id)
            .where(Campaign.code == campaign_code, PhoneCase.code == case_code)
        ).scalar_one()
        uow.commit()  # nothing changed; a rollback would expire the loaded row
        return case


def as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@pytest.fixture
def team(make_uow: MakeUow) -> Iterator[dict[str, CurrentUser]]:
    fieldwork_campaign(make_uow, toml="[fieldwork]\nmax_attempts = 3\n")
    people = {
        "a": add_caller(make_uow, "caller1"),
        "b": add_caller(make_uow, "caller2"),
        "sup": add_user(make_uow, "sup1", Role.supervisor),
        "admin": add_user(make_uow, "admin1", Role.admin),
    }
    add_frame_case(make_uow, "k1", "u1", people["a"])
    add_frame_case(make_uow, "k2", "u1", people["b"])
    yield people


# ---------------------------------------------------------------- recording outcomes


def test_a_complete_records_answers_attempt_and_disposition_together(
    make_uow: MakeUow, team: dict[str, CurrentUser]
) -> None:
    clock = Clock(local(2, 10).astimezone(UTC))
    answers = {"p1": "s", "p2": "b", "p3": "x"}  # don't know is an answer
    out = dialled(make_uow, team["a"], "k1", "1.1", answers=answers, duration_seconds=150.0, clock=clock)
    assert (out.attempts, out.disposition, out.closed) == (1, "1.1", True)
    with make_uow() as uow:
        s = uow.session
        stored = dict(
            s.execute(
                select(Item.code, PhoneAnswer.option_code).join(Item, Item.id == PhoneAnswer.item_id)
            ).all()
        )
        attempt = s.execute(select(CallAttempt)).scalar_one()
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "case.call")).scalar_one()
        uow.commit()
    assert stored == answers
    assert (attempt.disposition, attempt.duration_seconds, attempt.mode) == ("1.1", 150.0, "manual")
    assert (entry.actor, entry.entity_id, entry.after["answers"]) == ("caller1", "c1/k1", answers)


@pytest.mark.parametrize(
    ("disposition", "answers", "message"),
    [
        ("1.1", {"p1": "s", "p2": "s"}, "missing: p3"),
        ("1.1", {**ALL_SATISFIED, "p9": "s"}, "'p9' is not a phone question"),
        ("1.1", {**ALL_SATISFIED, "p1": "great"}, "'great' is not an answer option of question p1"),
        ("1.1", {"q1": "s", "p2": "s", "p3": "s"}, "'q1' is not a phone question"),  # a survey item
        ("1.2", {}, "at least one answer"),
        ("2.11", {"p1": "s"}, "only with an interview"),
        ("9.9", {}, "not an AAPOR disposition"),
        ("2.21", {}, "needs the time"),
    ],
)
def test_bad_outcomes_are_refused_and_nothing_is_stored(
    make_uow: MakeUow, team: dict[str, CurrentUser], disposition: str, answers: dict[str, str], message: str
) -> None:
    with pytest.raises(Refused, match=message):
        record_call_outcome(make_uow(), team["a"], "c1", "k1", disposition, answers=answers)
    with make_uow() as uow:
        assert uow.session.execute(select(CallAttempt)).first() is None
        assert uow.session.execute(select(PhoneAnswer)).first() is None
    assert case_row(make_uow, "k1").attempts == 0


def test_a_callback_time_must_lie_ahead_and_belongs_only_to_a_callback(
    make_uow: MakeUow, team: dict[str, CurrentUser]
) -> None:
    clock = Clock(local(2, 10).astimezone(UTC))
    with pytest.raises(Refused, match="in the future"):
        record_call_outcome(make_uow(), team["a"], "c1", "k1", "2.21", callback_at=local(2, 9), clock=clock)
    with pytest.raises(Refused, match=r"goes only with 2\.21"):
        record_call_outcome(make_uow(), team["a"], "c1", "k1", "3.13", callback_at=local(2, 19), clock=clock)


def test_the_outcome_goes_on_the_bridge_call_found_by_its_sid(
    make_uow: MakeUow, team: dict[str, CurrentUser]
) -> None:
    k1 = case_row(make_uow, "k1")
    with make_uow() as uow:  # what services.telephony.start_bridge_call leaves behind
        caller_id = uow.session.execute(select(Caller.id).where(Caller.code == "caller-caller1")).scalar_one()
        uow.session.add(
            CallAttempt(
                case_id=k1.id, caller_id=caller_id, call_sid="CA123", mode="bridge", duration_seconds=95.0
            )
        )
        uow.session.get(PhoneCase, k1.id).attempts = 1
        uow.commit()
    out = record_call_outcome(
        make_uow(),
        team["a"],
        "c1",
        "k1",
        "1.1",
        answers=ALL_SATISFIED,
        call_sid="CA123",
        recording_consent=True,
    )
    assert out.attempts == 1  # the bridge call was already counted: not counted twice
    with make_uow() as uow:
        attempt = uow.session.execute(select(CallAttempt)).scalar_one()
        uow.commit()
    assert (attempt.disposition, attempt.duration_seconds, attempt.recording_consent) == ("1.1", 95.0, True)
    with pytest.raises(Refused, match="already closed"):
        record_call_outcome(make_uow(), team["a"], "c1", "k1", "1.1", answers=ALL_SATISFIED, call_sid="CA123")


def test_a_call_sid_of_another_case_is_not_found(make_uow: MakeUow, team: dict[str, CurrentUser]) -> None:
    k2 = case_row(make_uow, "k2")
    with make_uow() as uow:
        uow.session.add(CallAttempt(case_id=k2.id, call_sid="CA999", mode="bridge"))
        uow.commit()
    with pytest.raises(NotFound, match="no call 'CA999' on case k1"):
        record_call_outcome(make_uow(), team["a"], "c1", "k1", "3.13", call_sid="CA999")


# ---------------------------------------------------------------- retries, callbacks, the limit


def test_no_answers_are_retried_in_other_day_parts_until_the_limit_closes_the_case(
    make_uow: MakeUow, team: dict[str, CurrentUser]
) -> None:
    clock = Clock(local(2, 9, 10).astimezone(UTC))  # morning
    out = dialled(make_uow, team["a"], "k1", "3.13", clock=clock)
    # 09:10 + 3 h = 12:10 is the lunch break; the afternoon (untried) opens at 14:00
    assert (out.closed, out.next_attempt_at) == (False, local(2, 14).astimezone(UTC))

    clock.now = local(2, 14, 5).astimezone(UTC)
    out = dialled(make_uow, team["a"], "k1", "3.12", clock=clock)
    # morning and afternoon tried: 17:05 → the evening opens at 18:00
    assert out.next_attempt_at == local(2, 18).astimezone(UTC)

    clock.now = local(2, 18, 30).astimezone(UTC)
    out = dialled(make_uow, team["a"], "k1", "3.14", clock=clock)
    # max_attempts = 3 (the campaign's [fieldwork]): the last temporary code becomes final
    assert (out.attempts, out.disposition, out.next_attempt_at) == (3, "3.14", None)
    case = case_row(make_uow, "k1")
    assert (case.disposition, case.next_attempt_at, case.callback_at) == ("3.14", None, None)
    assert [e.case_code for e in caller_queue(make_uow(), team["a"], clock=clock)] == []


def test_the_default_limit_is_five_attempts(make_uow: MakeUow) -> None:
    fieldwork_campaign(make_uow)
    caller = add_caller(make_uow, "caller1")
    add_frame_case(make_uow, "k1", "u1", caller)
    clock = Clock(local(2, 9).astimezone(UTC))
    for n in range(1, 6):
        out = dialled(make_uow, caller, "k1", "3.13", clock=clock)
        assert (out.attempts, out.closed) == (n, n == 5)
        clock.now = out.next_attempt_at or clock.now


def test_callbacks_due_come_first_then_retries_then_new_cases(
    make_uow: MakeUow, team: dict[str, CurrentUser]
) -> None:
    a = team["a"]
    for code in ("k3", "k4", "k5"):
        add_frame_case(make_uow, code, "u2", a, phone="13900001111")
    clock = Clock(local(2, 9).astimezone(UTC))
    dialled(make_uow, a, "k3", "3.13", clock=clock)  # retry at 14:00
    dialled(make_uow, a, "k4", "2.21", callback_at=local(2, 15), clock=clock)
    dialled(make_uow, a, "k5", "2.21", callback_at=local(3, 10), clock=clock)

    clock.now = local(2, 10).astimezone(UTC)
    queue = caller_queue(make_uow(), a, clock=clock)
    assert [(e.case_code, e.kind) for e in queue] == [
        ("k1", "new"),
        ("k3", "scheduled"),  # 14:00
        ("k4", "scheduled"),  # 15:00
        ("k5", "scheduled"),  # tomorrow
    ]
    assert queue[0].phone == "138****5678"

    clock.now = local(2, 15, 1).astimezone(UTC)
    queue = caller_queue(make_uow(), a, clock=clock)
    assert [(e.case_code, e.kind) for e in queue] == [
        ("k4", "callback"),
        ("k3", "retry"),
        ("k1", "new"),
        ("k5", "scheduled"),
    ]
    assert queue[1].last_disposition == "3.13"


def test_a_callback_made_on_the_last_attempt_closes_the_case_as_never_available(
    make_uow: MakeUow, team: dict[str, CurrentUser]
) -> None:
    clock = Clock(local(2, 9).astimezone(UTC))
    for _ in range(2):
        out = dialled(make_uow, team["a"], "k1", "3.13", clock=clock)
        clock.now = out.next_attempt_at or clock.now
    out = dialled(make_uow, team["a"], "k1", "2.21", callback_at=local(4, 10), clock=clock)
    assert (out.disposition, out.callback_at) == ("2.21", None)


# ---------------------------------------------------------------- a call on record (issue 10, item 11)


def attempts_and_answers(make_uow: MakeUow) -> tuple[list[tuple[str, str]], int]:
    with make_uow() as uow:
        attempts = [(a.mode, a.disposition) for a in uow.session.execute(select(CallAttempt)).scalars()]
        answers = len(uow.session.execute(select(PhoneAnswer)).all())
    return attempts, answers


@pytest.mark.parametrize(
    ("disposition", "answers"),
    [("1.1", ALL_SATISFIED), ("1.2", {"p1": "s"}), ("2.11", {}), ("3.13", {})],
)
def test_an_outcome_without_a_call_on_record_is_refused_and_changes_nothing(
    make_uow: MakeUow, team: dict[str, CurrentUser], disposition: str, answers: dict[str, str]
) -> None:
    with pytest.raises(NoCallOnRecord, match="k1 has no call on record"):
        record_call_outcome(make_uow(), team["a"], "c1", "k1", disposition, answers=answers)
    assert attempts_and_answers(make_uow) == ([], 0)
    case = case_row(make_uow, "k1")
    assert (case.disposition, case.attempts) == ("", 0)
    with make_uow() as uow:
        assert not uow.session.execute(select(AuditEntry).where(AuditEntry.action == "case.call")).first()


def test_a_call_whose_outcome_is_recorded_does_not_carry_a_second_outcome(
    make_uow: MakeUow, team: dict[str, CurrentUser]
) -> None:
    dialled(make_uow, team["a"], "k1", "3.13")
    # "1.1 complete" typed in afterwards, with no new call: refused
    with pytest.raises(NoCallOnRecord):
        record_call_outcome(make_uow(), team["a"], "c1", "k1", "1.1", answers=ALL_SATISFIED)
    assert attempts_and_answers(make_uow) == ([("manual", "3.13")], 0)


def test_a_manual_dial_reveals_the_number_to_its_caller_for_that_case_and_audits_without_it(
    make_uow: MakeUow, team: dict[str, CurrentUser]
) -> None:
    a, b = team["a"], team["b"]
    add_frame_case(make_uow, "k3", "u2", a, phone="13900001111")
    clock = Clock(local(2, 10).astimezone(UTC))
    dial = start_manual_dial(make_uow(), a, "c1", "k1", clock=clock)
    assert (dial.national, dial.attempts) == ("13812345678", 1)
    assert "13812345678" not in repr(dial) and "5678" not in repr(dial)
    assert attempts_and_answers(make_uow) == ([("manual", "")], 0)
    # the caller's other case and every sheet stay masked
    assert case_sheet(make_uow(), a, "c1", "k3").phone == "139****1111"
    sheet = case_sheet(make_uow(), a, "c1", "k1")
    assert (sheet.phone, sheet.manual_dial_open) == ("138****5678", True)
    assert not case_sheet(make_uow(), a, "c1", "k3").manual_dial_open
    # another caller, a supervisor and an admin never get it
    with pytest.raises(PermissionDenied, match="case k1 is not assigned to caller2"):
        start_manual_dial(make_uow(), b, "c1", "k1")
    for who in ("sup", "admin"):
        with pytest.raises(PermissionDenied, match="may not record_calls"):
            start_manual_dial(make_uow(), team[who], "c1", "k1")

    again = start_manual_dial(make_uow(), a, "c1", "k1", clock=clock)  # shown again: same call, counted once
    assert (again.attempt_id, again.attempts) == (dial.attempt_id, 1)
    out = record_call_outcome(
        make_uow(), a, "c1", "k1", "1.1", answers=ALL_SATISFIED, duration_seconds=300.0, clock=clock
    )
    assert (out.attempts, out.disposition) == (1, "1.1")
    assert attempts_and_answers(make_uow) == ([("manual", "1.1")], 3)
    with pytest.raises(Refused, match="already closed"):
        start_manual_dial(make_uow(), a, "c1", "k1")

    with make_uow() as uow:
        reveals = [
            (e.actor, e.entity_id, as_utc(e.at), e.after, repr((e.before, e.after)))
            for e in uow.session.execute(
                select(AuditEntry).where(AuditEntry.action == "case.call.manual").order_by(AuditEntry.id)
            ).scalars()
        ]
    assert [(who, case, at) for who, case, at, _, _ in reveals] == [("caller1", "c1/k1", clock.now)] * 2
    assert [after["again"] for _, _, _, after, _ in reveals] == [False, True]
    assert all("5678" not in text and "+86" not in text for *_, text in reveals)


def test_a_number_on_the_do_not_call_list_is_never_revealed(
    make_uow: MakeUow, team: dict[str, CurrentUser]
) -> None:
    with make_uow() as uow:
        entry = uow.session.execute(
            select(FrameEntry)
            .join(PhoneCase, PhoneCase.frame_entry_id == FrameEntry.id)
            .where(PhoneCase.code == "k1")
        ).scalar_one()
        uow.session.add(DoNotCall(phone_hash=entry.phone_hash))
        uow.commit()
    with pytest.raises(Refused, match="do-not-call"):
        start_manual_dial(make_uow(), team["a"], "c1", "k1")
    assert attempts_and_answers(make_uow) == ([], 0)


# ---------------------------------------------------------------- permissions


def test_a_caller_cannot_touch_another_callers_case_and_admins_cannot_record_calls(
    make_uow: MakeUow, team: dict[str, CurrentUser]
) -> None:
    with pytest.raises(PermissionDenied, match="case k2 is not assigned to caller1"):
        record_call_outcome(make_uow(), team["a"], "c1", "k2", "3.13")
    with pytest.raises(PermissionDenied, match="case k2 is not assigned to caller1"):
        case_sheet(make_uow(), team["a"], "c1", "k2")
    for who in ("admin", "sup"):
        with pytest.raises(PermissionDenied, match="may not record_calls"):
            record_call_outcome(make_uow(), team[who], "c1", "k1", "3.13")
        with pytest.raises(PermissionDenied, match="may not record_calls"):
            caller_queue(make_uow(), team[who])
    with pytest.raises(PermissionDenied, match="may not assign_cases"):
        assign_round_robin(make_uow(), team["admin"], "c1", ["u1"], ["caller-caller1"])
    with pytest.raises(PermissionDenied, match="may not assign_cases"):
        record_backcheck(make_uow(), team["admin"], "c1", "k1", True)
    with make_uow() as uow:
        assert uow.session.execute(select(CallAttempt)).first() is None


def test_no_calls_outside_fieldwork(make_uow: MakeUow, team: dict[str, CurrentUser]) -> None:
    with make_uow() as uow:
        uow.session.execute(select(Campaign)).scalar_one().status = CampaignStatus.scoring
        uow.commit()
    with pytest.raises(Refused, match="not in fieldwork"):
        record_call_outcome(make_uow(), team["a"], "c1", "k1", "3.13")
    assert caller_queue(make_uow(), team["a"]) == []


def test_the_case_sheet_masks_the_person_and_carries_script_and_questions(
    make_uow: MakeUow, team: dict[str, CurrentUser]
) -> None:
    sheet = case_sheet(make_uow(), team["a"], "c1", "k1")
    assert (sheet.phone, sheet.name, sheet.max_attempts) == ("138****5678", "张*", 3)
    assert "13812345678" not in repr(sheet) and "张伟" not in repr(sheet)
    assert (
        "市委组织部" in sheet.script_intro and "单位u1" in sheet.script_intro and "录音" in sheet.script_intro
    )
    assert [q.code for q in sheet.questions] == list(PHONE_ITEMS)
    assert [o.dont_know for o in sheet.questions[0].options] == [False, False, False, True]
    assert sheet.min_seconds > 20


# ---------------------------------------------------------------- bulk assignment


def test_round_robin_deals_unassigned_open_cases_of_the_chosen_units(
    make_uow: MakeUow, team: dict[str, CurrentUser]
) -> None:
    for code, unit in [("n1", "u1"), ("n2", "u1"), ("n3", "u1"), ("n4", "u2"), ("n5", "u2")]:
        add_frame_case(make_uow, code, unit)
    add_frame_case(make_uow, "n6", "u2")
    with make_uow() as uow:  # a closed unassigned case is left alone
        next(
            c for c in uow.session.execute(select(PhoneCase)).scalars() if c.code == "n6"
        ).disposition = "4.31"
        uow.commit()
    dealt = assign_round_robin(
        make_uow(), team["sup"], "c1", ["u1", "u2"], ["caller-caller1", "caller-caller2"]
    )
    assert dealt == {"caller-caller1": ["n1", "n3", "n5"], "caller-caller2": ["n2", "n4"]}
    assert case_row(make_uow, "n6").caller_id is None
    # nothing is left to deal
    assert assign_round_robin(make_uow(), team["sup"], "c1", ["u1"], ["caller-caller2"]) == {
        "caller-caller2": []
    }
    with pytest.raises(NotFound, match="nobody"):
        assign_round_robin(make_uow(), team["sup"], "c1", ["u1"], ["nobody"])


def add_unassigned_cases(make_uow: MakeUow, unit_code: str, n: int, prefix: str) -> None:
    """``n`` open, unassigned cases of a unit, in one transaction (a drawn sample's worth)."""
    with make_uow() as uow:
        s = uow.session
        campaign_id = s.execute(select(Campaign.id).where(Campaign.code == "c1")).scalar_one()
        unit_id = s.execute(select(Unit.id).where(Unit.code == unit_code)).scalar_one()
        s.add_all(
            PhoneCase(campaign_id=campaign_id, code=f"{prefix}{i:04d}", unit_id=unit_id) for i in range(n)
        )
        uow.commit()


def unassigned(make_uow: MakeUow) -> int:
    with make_uow() as uow:
        return len(uow.session.execute(select(PhoneCase.id).where(PhoneCase.caller_id.is_(None))).all())


def test_a_deal_of_more_than_a_page_of_cases_needs_its_count_confirmed(
    make_uow: MakeUow, team: dict[str, CurrentUser]
) -> None:
    sup, callers = team["sup"], ["caller-caller1", "caller-caller2"]
    add_unassigned_cases(make_uow, "u1", ASSIGN_PAGE_SIZE, "a")
    add_unassigned_cases(make_uow, "u2", 1, "b")
    for confirmed in (None, ASSIGN_PAGE_SIZE):  # unconfirmed, or confirmed with a stale count
        with pytest.raises(
            ConfirmationNeeded, match=f"this would assign {ASSIGN_PAGE_SIZE + 1} cases"
        ) as asked:
            assign_round_robin(make_uow(), sup, "c1", ["u1", "u2"], callers, confirmed_count=confirmed)
        assert asked.value.count == ASSIGN_PAGE_SIZE + 1
    assert unassigned(make_uow) == ASSIGN_PAGE_SIZE + 1  # nothing was assigned, nothing audited
    with make_uow() as uow:
        assert not uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "case.assign_bulk")
        ).first()

    dealt = assign_round_robin(
        make_uow(), sup, "c1", ["u1", "u2"], callers, confirmed_count=ASSIGN_PAGE_SIZE + 1
    )
    assert sum(len(v) for v in dealt.values()) == ASSIGN_PAGE_SIZE + 1 and unassigned(make_uow) == 0
    # a page of cases or fewer goes at once
    add_unassigned_cases(make_uow, "u2", ASSIGN_PAGE_SIZE, "c")
    dealt = assign_round_robin(make_uow(), sup, "c1", ["u2"], callers)
    assert sum(len(v) for v in dealt.values()) == ASSIGN_PAGE_SIZE and unassigned(make_uow) == 0


# ---------------------------------------------------------------- the dashboard's day chart and search


def test_completes_per_day_follow_the_beijing_date_and_the_caller_who_interviewed(
    make_uow: MakeUow, team: dict[str, CurrentUser]
) -> None:
    add_frame_case(make_uow, "k3", "u2", team["a"])
    # 07:30 in Beijing on 3 March is still 2 March in UTC
    dialled(
        make_uow, team["a"], "k1", "1.1", answers=ALL_SATISFIED, clock=Clock(local(3, 7, 30).astimezone(UTC))
    )
    dialled(
        make_uow, team["b"], "k2", "1.1", answers=ALL_SATISFIED, clock=Clock(local(2, 20).astimezone(UTC))
    )
    dialled(
        make_uow, team["a"], "k3", "1.1", answers=ALL_SATISFIED, clock=Clock(local(3, 19).astimezone(UTC))
    )
    board = fieldwork_dashboard(make_uow(), team["sup"], "c1")
    assert [(d.day, d.caller_code, d.caller_name, d.completes) for d in board.daily] == [
        (date(2026, 3, 2), "caller-caller2", "caller2", 1),
        (date(2026, 3, 3), "caller-caller1", "caller1", 2),
    ]


def test_units_are_found_by_any_part_of_their_name_or_code(
    make_uow: MakeUow, team: dict[str, CurrentUser]
) -> None:
    units = fieldwork_dashboard(make_uow(), team["sup"], "c1").units  # 单位u1, 单位u2
    assert [u.code for u in search_units(units, "")] == ["u1", "u2"]
    assert [u.code for u in search_units(units, "  U2 ")] == ["u2"]  # case and spaces ignored
    assert [u.code for u in search_units(units, "单位 ｕ1")] == ["u1"]  # every word, full-width too
    assert search_units(units, "公安") == []


# ---------------------------------------------------------------- back-checks


def test_backchecks_are_drawn_from_completes_and_their_outcome_is_audited(
    make_uow: MakeUow, team: dict[str, CurrentUser]
) -> None:
    dialled(make_uow, team["a"], "k1", "1.1", answers=ALL_SATISFIED, duration_seconds=120)
    dialled(make_uow, team["b"], "k2", "2.11")
    sample = backcheck_list(make_uow(), team["admin"], "c1", BackcheckDesign(rate=0.1, seed=1))
    assert [(e.case_code, e.caller_code, e.phone, e.outcome) for e in sample] == [
        ("k1", "caller-caller1", "138****5678", "")
    ]
    with pytest.raises(Refused, match="say what was found"):
        record_backcheck(make_uow(), team["sup"], "c1", "k1", False)
    with pytest.raises(Refused, match="not a completed interview"):
        record_backcheck(make_uow(), team["sup"], "c1", "k2", True)
    record_backcheck(make_uow(), team["sup"], "c1", "k1", True)
    record_backcheck(make_uow(), team["sup"], "c1", "k1", False, "受访者称未接到电话")
    (entry,) = backcheck_list(make_uow(), team["sup"], "c1")
    assert (entry.outcome, entry.note, entry.checked_by) == ("not_confirmed", "受访者称未接到电话", "sup1")
    with make_uow() as uow:
        trail = [
            (e.actor, e.before, e.after)
            for e in uow.session.execute(
                select(AuditEntry).where(AuditEntry.action == "case.backcheck").order_by(AuditEntry.id)
            ).scalars()
        ]
    assert trail == [
        ("sup1", None, {"outcome": "confirmed", "note": ""}),
        (
            "sup1",
            {"outcome": "confirmed", "note": ""},
            {"outcome": "not_confirmed", "note": "受访者称未接到电话"},
        ),
    ]


def test_timestamps_are_stored_in_utc(make_uow: MakeUow, team: dict[str, CurrentUser]) -> None:
    clock = Clock(local(2, 9).astimezone(UTC))
    dialled(make_uow, team["a"], "k1", "2.21", callback_at=local(2, 19), clock=clock)
    case = case_row(make_uow, "k1")
    assert as_utc(case.callback_at) == local(2, 19).astimezone(UTC) == as_utc(case.next_attempt_at)
    assert local(2, 19).astimezone(UTC) - clock.now == timedelta(hours=10)
