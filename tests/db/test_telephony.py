"""Calls and SMS of the phone sampling through the telephony services, on both backends:
click-to-call and automatic questionnaire calls played by the offline simulator, the
AAPOR outcome of each, permissions, replays, provider failures and SMS invitations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from db.crypto import encrypt, generate_key, phone_hash
from db.models import (
    CallAttempt,
    Caller,
    Campaign,
    CampaignStatus,
    DoNotCall,
    FrameEntry,
    Invitation,
    Item,
    PhoneAnswer,
    PhoneCase,
    Role,
    SamplingFrame,
    Scale,
    Unit,
    WebhookReceipt,
)
from scoring.phone import disposition_class
from services import invitations
from services import telephony as service
from services.errors import Refused
from services.permissions import CurrentUser, PermissionDenied
from survey.telephony import BridgeCall, CallEvent, CallStatus, IvrCall, SimulatedTelephony, SmsMessage
from tests.db.kit import MakeUow, add_case, add_user, audit_actions, seed_campaign

CALLER_PHONE = "+8613800000001"
AGENCY = "+862788880000"
PUBLIC = "https://pingyi.example.gov.cn"
PHONE_ITEMS = ("p1", "p2", "p3", "p4")


@pytest.fixture(autouse=True)
def settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", generate_key())
    monkeypatch.setenv("TWILIO_FROM_NUMBER", AGENCY)
    monkeypatch.setenv("APPRAISAL_WEBHOOK_BASE_URL", PUBLIC)
    monkeypatch.delenv("APPRAISAL_TELEPHONY", raising=False)


@dataclass(frozen=True, slots=True)
class Field:
    caller: CurrentUser
    other_caller: CurrentUser
    supervisor: CurrentUser
    admin: CurrentUser


def respondent_number(n: int) -> str:
    return f"+86139{n:08d}"


def seed_fieldwork(
    make_uow: MakeUow, *, entries: int = 3, cases: int = 2, caller_phone: str | None = CALLER_PHONE
) -> Field:
    """A campaign in fieldwork with four phone questions (sat3), a sampling frame of
    ``entries`` people for unit u1, and cases k1.. of the first ones, assigned to caller1."""
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    caller = add_user(make_uow, "caller1", Role.caller)
    other = add_user(make_uow, "caller2", Role.caller)
    supervisor = add_user(make_uow, "super1", Role.supervisor)
    admin = add_user(make_uow, "admin1", Role.admin)
    for n in range(1, cases + 1):
        add_case(make_uow, case_code=f"k{n}", caller_user=caller)
    add_case(make_uow, case_code="other", caller_user=other)
    with make_uow() as uow:
        s = uow.session
        campaign = s.execute(select(Campaign).where(Campaign.code == "c1")).scalar_one()
        scale = s.execute(select(Scale).where(Scale.campaign_id == campaign.id)).scalar_one()
        for position, code in enumerate(PHONE_ITEMS):
            s.add(
                Item(
                    campaign_id=campaign.id,
                    instrument="phone",
                    code=code,
                    scale_id=scale.id,
                    text_zh=f"您对办事的{code}是否满意",
                    position=position,
                )
            )
        frame = SamplingFrame(campaign_id=campaign.id, name="窗口办件")
        s.add(frame)
        s.flush()
        unit_id = s.execute(select(Unit.id).where(Unit.code == "u1")).scalar_one()
        rows = []
        for n in range(1, entries + 1):
            number = respondent_number(n)
            row = FrameEntry(
                frame_id=frame.id, unit_id=unit_id, phone_enc=encrypt(number), phone_hash=phone_hash(number)
            )
            s.add(row)
            rows.append(row)
        s.flush()
        for n, case in enumerate(
            s.execute(select(PhoneCase).where(PhoneCase.code != "other").order_by(PhoneCase.code)).scalars()
        ):
            case.frame_entry_id = rows[n].id
        s.execute(select(PhoneCase).where(PhoneCase.code == "other")).scalar_one().frame_entry_id = rows[0].id
        if caller_phone is not None:
            s.execute(select(Caller).where(Caller.user_id == caller.id)).scalar_one().phone_enc = encrypt(
                caller_phone
            )
        uow.commit()
    return Field(caller, other, supervisor, admin)


def attempts(make_uow: MakeUow, case_code: str = "k1") -> list[CallAttempt]:
    with make_uow() as uow:
        case_id = uow.session.execute(select(PhoneCase.id).where(PhoneCase.code == case_code)).scalar_one()
        rows = list(
            uow.session.execute(
                select(CallAttempt).where(CallAttempt.case_id == case_id).order_by(CallAttempt.id)
            ).scalars()
        )
        uow.session.expunge_all()  # readable after the unit of work rolls back
        return rows


def case_row(make_uow: MakeUow, case_code: str = "k1") -> PhoneCase:
    with make_uow() as uow:
        case = uow.session.execute(select(PhoneCase).where(PhoneCase.code == case_code)).scalar_one()
        uow.session.expunge_all()
        return case


def answers(make_uow: MakeUow, case_code: str = "k1") -> dict[str, str]:
    with make_uow() as uow:
        return dict(
            uow.session.execute(
                select(Item.code, PhoneAnswer.option_code)
                .join(Item, Item.id == PhoneAnswer.item_id)
                .join(PhoneCase, PhoneCase.id == PhoneAnswer.case_id)
                .where(PhoneCase.code == case_code)
            ).all()
        )


def factory(make_uow: MakeUow):  # type: ignore[no-untyped-def]
    return lambda actor: make_uow(actor)


@pytest.fixture
def sim() -> Iterator[SimulatedTelephony]:
    yield SimulatedTelephony()


# ---------------------------------------------------------------- click-to-call


def test_a_bridge_call_rings_the_caller_then_the_respondent_with_the_agency_number(
    make_uow: MakeUow, sim: SimulatedTelephony
) -> None:
    field = seed_fieldwork(make_uow)
    sid = service.start_bridge_call(make_uow(), field.caller, "c1", "k1", record=True, telephony=sim)

    assert sid.startswith("SIM")
    placed = sim.call(sid)
    assert (placed.mode, placed.agent, placed.to, placed.caller_id, placed.record) == (
        "bridge",
        CALLER_PHONE,
        respondent_number(1),
        AGENCY,
        True,
    )
    [attempt] = attempts(make_uow)
    assert (attempt.mode, attempt.call_sid, attempt.provider_status, attempt.recording_consent) == (
        "bridge",
        sid,
        "queued",
        True,
    )
    assert case_row(make_uow).attempts == 1
    assert ("caller1", "case.call.start") in audit_actions(make_uow)


def test_a_played_bridge_call_binds_duration_and_recording_but_leaves_the_disposition_to_the_caller(
    make_uow: MakeUow, sim: SimulatedTelephony
) -> None:
    field = seed_fieldwork(make_uow)
    sid = service.start_bridge_call(make_uow(), field.caller, "c1", "k1", record=True, telephony=sim)
    sim.play_bridge(factory(make_uow), sid, talk_seconds=120.0, recording_url="https://rec.example/RE1")

    [attempt] = attempts(make_uow)
    assert (attempt.provider_status, attempt.duration_seconds, attempt.recording_url) == (
        "completed",
        120.0,
        "https://rec.example/RE1",
    )
    assert attempt.disposition == ""
    assert case_row(make_uow).disposition == ""
    assert ("webhook:simulator", "case.call.status") in audit_actions(make_uow)


@pytest.mark.parametrize(
    ("outcome", "code"),
    [(CallStatus.no_answer, "3.13"), (CallStatus.busy, "3.12"), (CallStatus.failed, "4.31")],
)
def test_an_unreached_respondent_gives_the_attempt_a_temporary_aapor_code(
    make_uow: MakeUow, sim: SimulatedTelephony, outcome: CallStatus, code: str
) -> None:
    field = seed_fieldwork(make_uow)
    sid = service.start_bridge_call(make_uow(), field.caller, "c1", "k1", telephony=sim)
    sim.play_bridge(factory(make_uow), sid, respondent=outcome)

    [attempt] = attempts(make_uow)
    assert (attempt.provider_status, attempt.disposition, attempt.recording_url) == (outcome.value, code, "")
    assert disposition_class(code) is not None
    case = case_row(make_uow)
    assert (case.disposition, case.attempts) == ("", 1)  # still open for another attempt


def test_when_the_callers_own_phone_does_not_answer_the_attempt_does_not_count(
    make_uow: MakeUow, sim: SimulatedTelephony
) -> None:
    field = seed_fieldwork(make_uow)
    sid = service.start_bridge_call(make_uow(), field.caller, "c1", "k1", telephony=sim)
    [attempt] = attempts(make_uow)
    service.record_call_event(
        make_uow(),
        CallEvent(attempt.id, sid, CallStatus.no_answer, 0.0),
        provider="simulator",
        receipt_key="e1",
    )
    [attempt] = attempts(make_uow)
    assert (attempt.provider_status, attempt.disposition) == ("agent-no-answer", "")
    assert case_row(make_uow).attempts == 0


def test_click_to_call_is_refused_outside_the_callers_own_open_cases(
    make_uow: MakeUow, sim: SimulatedTelephony
) -> None:
    field = seed_fieldwork(make_uow)
    with pytest.raises(PermissionDenied):
        service.start_bridge_call(make_uow(), field.caller, "c1", "other", telephony=sim)
    with pytest.raises(PermissionDenied):
        service.start_bridge_call(make_uow(), field.admin, "c1", "k1", telephony=sim)
    with pytest.raises(PermissionDenied):
        service.start_bridge_call(make_uow(), None, "c1", "k1", telephony=sim)
    with make_uow() as uow:
        uow.session.execute(
            select(PhoneCase).where(PhoneCase.code == "k2")
        ).scalar_one().disposition = "2.112"
        uow.commit()
    with pytest.raises(Refused, match="closed"):
        service.start_bridge_call(make_uow(), field.caller, "c1", "k2", telephony=sim)
    assert sim.calls == []
    assert attempts(make_uow) == []


def test_click_to_call_needs_the_callers_phone(make_uow: MakeUow, sim: SimulatedTelephony) -> None:
    field = seed_fieldwork(make_uow, caller_phone=None)
    with pytest.raises(Refused, match="no phone number on record"):
        service.start_bridge_call(make_uow(), field.caller, "c1", "k1", telephony=sim)
    assert sim.calls == []


def test_a_number_on_the_do_not_call_list_is_not_dialled(make_uow: MakeUow, sim: SimulatedTelephony) -> None:
    field = seed_fieldwork(make_uow)
    with make_uow() as uow:
        uow.session.add(DoNotCall(phone_hash=phone_hash(respondent_number(1)), reason="拒访"))
        uow.commit()
    with pytest.raises(Refused, match="do-not-call"):
        service.start_bridge_call(make_uow(), field.caller, "c1", "k1", telephony=sim)
    assert sim.calls == []


def test_a_second_click_while_the_call_is_under_way_does_not_ring_twice(
    make_uow: MakeUow, sim: SimulatedTelephony
) -> None:
    field = seed_fieldwork(make_uow)
    sid = service.start_bridge_call(make_uow(), field.caller, "c1", "k1", telephony=sim)
    with pytest.raises(Refused, match="under way"):
        service.start_bridge_call(make_uow(), field.caller, "c1", "k1", telephony=sim)
    sim.play_bridge(factory(make_uow), sid, respondent=CallStatus.no_answer)
    service.start_bridge_call(make_uow(), field.caller, "c1", "k1", telephony=sim)  # once ended, again
    assert len(sim.calls) == 2
    assert case_row(make_uow).attempts == 2


class Broken(SimulatedTelephony):
    def bridge_call(self, call: BridgeCall) -> str:
        raise OSError("connection refused")

    def ivr_call(self, call: IvrCall) -> str:
        raise OSError("connection refused")

    def send_sms(self, message: SmsMessage) -> str:
        raise OSError("connection refused")


def test_a_provider_failure_is_reported_and_recorded_without_counting_an_attempt(make_uow: MakeUow) -> None:
    field = seed_fieldwork(make_uow)
    with pytest.raises(service.TelephonyUnavailable, match="connection refused"):
        service.start_bridge_call(make_uow(), field.caller, "c1", "k1", telephony=Broken())
    [attempt] = attempts(make_uow)
    assert (attempt.provider_status, attempt.call_sid) == ("error", None)
    assert "connection refused" in attempt.note
    assert case_row(make_uow).attempts == 0
    assert ("caller1", "case.call.error") in audit_actions(make_uow)


def test_twilio_without_a_public_webhook_address_is_refused_before_dialling(
    make_uow: MakeUow, monkeypatch: pytest.MonkeyPatch
) -> None:
    field = seed_fieldwork(make_uow)
    monkeypatch.delenv("APPRAISAL_WEBHOOK_BASE_URL")

    class NamedTwilio(SimulatedTelephony):
        pass

    provider = NamedTwilio(name="twilio")
    with pytest.raises(service.TelephonyUnavailable, match="APPRAISAL_WEBHOOK_BASE_URL"):
        service.start_bridge_call(make_uow(), field.caller, "c1", "k1", telephony=provider)
    assert provider.calls == []


# ---------------------------------------------------------------- automatic questionnaire


def test_an_ivr_call_answering_every_question_completes_the_case(
    make_uow: MakeUow, sim: SimulatedTelephony
) -> None:
    field = seed_fieldwork(make_uow)
    sid = service.start_ivr_call(make_uow(), field.supervisor, "c1", "k1", telephony=sim)
    prompts = sim.play_ivr(factory(make_uow), sid, ["1", "2", "3", "4"])

    assert "单位u1" in prompts[0].intro
    assert [p.question.item_code if p.question else None for p in prompts] == ["p1", "p2", "p3", "p4", None]
    assert prompts[0].question is not None and "满意请按1" in prompts[0].question.text
    assert prompts[-1].closing == service.IVR_DONE
    assert answers(make_uow) == {"p1": "s", "p2": "b", "p3": "u", "p4": "x"}
    [attempt] = attempts(make_uow)
    assert (attempt.mode, attempt.provider_status, attempt.disposition) == ("ivr", "completed", "1.1")
    case = case_row(make_uow)
    assert (case.disposition, case.attempts) == ("1.1", 1)


def test_a_wrong_key_repeats_the_question(make_uow: MakeUow, sim: SimulatedTelephony) -> None:
    field = seed_fieldwork(make_uow)
    sid = service.start_ivr_call(make_uow(), field.caller, "c1", "k1", telephony=sim)
    prompts = sim.play_ivr(factory(make_uow), sid, ["9", "1"])
    assert prompts[1].intro == service.IVR_INVALID_KEY
    assert prompts[1].question is not None and prompts[1].question.item_code == "p1"
    assert answers(make_uow) == {"p1": "s"}


@pytest.mark.parametrize(
    ("keys", "code", "final"), [(["1", "1"], "1.2", True), (["1"], "2.12", False), ([], "2.12", False)]
)
def test_hanging_up_midway_is_a_partial_or_a_break_off(
    make_uow: MakeUow, sim: SimulatedTelephony, keys: list[str], code: str, final: bool
) -> None:
    field = seed_fieldwork(make_uow)
    sid = service.start_ivr_call(make_uow(), field.supervisor, "c1", "k1", telephony=sim)
    sim.play_ivr(factory(make_uow), sid, keys)
    [attempt] = attempts(make_uow)
    assert attempt.disposition == code
    assert case_row(make_uow).disposition == (code if final else "")


def test_an_unanswered_ivr_call_leaves_the_case_open(make_uow: MakeUow, sim: SimulatedTelephony) -> None:
    field = seed_fieldwork(make_uow)
    sid = service.start_ivr_call(make_uow(), field.supervisor, "c1", "k1", telephony=sim)
    sim.play_ivr(factory(make_uow), sid, outcome=CallStatus.busy)
    [attempt] = attempts(make_uow)
    assert (attempt.provider_status, attempt.disposition) == ("busy", "3.12")
    assert case_row(make_uow).disposition == ""


def test_a_later_ivr_call_resumes_at_the_first_unanswered_question(
    make_uow: MakeUow, sim: SimulatedTelephony
) -> None:
    field = seed_fieldwork(make_uow)
    first = service.start_ivr_call(make_uow(), field.supervisor, "c1", "k1", telephony=sim)
    sim.play_ivr(factory(make_uow), first, ["2"])  # break-off after one answer
    second = service.start_ivr_call(make_uow(), field.supervisor, "c1", "k1", telephony=sim)
    prompts = sim.play_ivr(factory(make_uow), second, ["1", "1", "1"])
    assert prompts[0].question is not None and prompts[0].question.item_code == "p2"
    assert answers(make_uow) == {"p1": "b", "p2": "s", "p3": "s", "p4": "s"}
    assert case_row(make_uow).disposition == "1.1"
    assert [a.disposition for a in attempts(make_uow)] == ["2.12", "1.1"]


def test_ivr_calls_belong_to_supervisors_and_the_cases_caller(
    make_uow: MakeUow, sim: SimulatedTelephony
) -> None:
    field = seed_fieldwork(make_uow)
    with pytest.raises(PermissionDenied):
        service.start_ivr_call(make_uow(), field.other_caller, "c1", "k1", telephony=sim)
    with pytest.raises(PermissionDenied):
        service.start_ivr_call(make_uow(), field.admin, "c1", "k1", telephony=sim)
    service.start_ivr_call(make_uow(), field.caller, "c1", "k1", telephony=sim)
    service.start_ivr_call(make_uow(), field.supervisor, "c1", "other", telephony=sim)
    assert len(sim.calls) == 2


# ---------------------------------------------------------------- webhook receipts


def test_a_replayed_event_is_refused_and_changes_nothing(make_uow: MakeUow, sim: SimulatedTelephony) -> None:
    field = seed_fieldwork(make_uow)
    sid = service.start_bridge_call(make_uow(), field.caller, "c1", "k1", telephony=sim)
    [attempt] = attempts(make_uow)
    event = CallEvent(attempt.id, sid, CallStatus.ringing)
    service.record_call_event(make_uow(), event, provider="twilio", receipt_key="t:abc")
    before = len(audit_actions(make_uow))
    with pytest.raises(service.WebhookReplayed):
        service.record_call_event(
            make_uow(),
            CallEvent(attempt.id, sid, CallStatus.completed, 10.0),
            provider="twilio",
            receipt_key="t:abc",
        )
    assert attempts(make_uow)[0].provider_status == "ringing"
    assert len(audit_actions(make_uow)) == before
    with make_uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(WebhookReceipt)).scalar_one() == 1


def test_answering_a_repeated_ivr_turn_writes_nothing(make_uow: MakeUow, sim: SimulatedTelephony) -> None:
    field = seed_fieldwork(make_uow)
    sid = service.start_ivr_call(make_uow(), field.supervisor, "c1", "k1", telephony=sim)
    [attempt] = attempts(make_uow)
    before = len(audit_actions(make_uow))
    turn = {"provider": "twilio", "receipt_key": "r", "attempt_id": attempt.id, "call_sid": sid}
    # Even a turn that would store an answer only works out the prompt.
    prompt = service.ivr_step(make_uow(), **turn, item_code="p1", digits="1", step=1, replayed=True)
    assert prompt.question is not None and prompt.question.item_code == "p2"
    assert answers(make_uow) == {}
    assert len(audit_actions(make_uow)) == before
    with make_uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(WebhookReceipt)).scalar_one() == 0


def test_an_event_for_another_call_is_rejected(make_uow: MakeUow, sim: SimulatedTelephony) -> None:
    field = seed_fieldwork(make_uow)
    service.start_bridge_call(make_uow(), field.caller, "c1", "k1", telephony=sim)
    [attempt] = attempts(make_uow)
    with pytest.raises(service.WebhookRejected):
        service.record_call_event(
            make_uow(),
            CallEvent(attempt.id, "CAother", CallStatus.completed, 5.0),
            provider="twilio",
            receipt_key="k",
        )
    with pytest.raises(service.WebhookRejected):
        service.record_call_event(
            make_uow(),
            CallEvent(attempt.id + 99, "", CallStatus.completed),
            provider="twilio",
            receipt_key="k2",
        )
    assert attempts(make_uow)[0].provider_status == "queued"
    with make_uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(WebhookReceipt)).scalar_one() == 0


def test_late_and_repeated_callbacks_never_move_a_call_backwards(
    make_uow: MakeUow, sim: SimulatedTelephony
) -> None:
    field = seed_fieldwork(make_uow)
    sid = service.start_ivr_call(make_uow(), field.supervisor, "c1", "k1", telephony=sim)
    sim.play_ivr(factory(make_uow), sid, ["1", "1", "1", "1"])
    [attempt] = attempts(make_uow)
    for key, event in enumerate(
        [
            CallEvent(attempt.id, sid, CallStatus.ringing),
            CallEvent(attempt.id, sid, CallStatus.no_answer, 3.0),
        ]
    ):
        service.record_call_event(make_uow(), event, provider="twilio", receipt_key=f"late{key}")
    [after] = attempts(make_uow)
    assert (after.provider_status, after.disposition, after.duration_seconds) == (
        "completed",
        "1.1",
        attempt.duration_seconds,
    )


# ---------------------------------------------------------------- SMS invitations


def test_sms_invitations_send_one_valid_link_per_person_not_yet_invited(
    make_uow: MakeUow, sim: SimulatedTelephony
) -> None:
    field = seed_fieldwork(make_uow, entries=5)
    sent = service.send_sms_invitations(
        make_uow(), field.admin, "c1", "u1", limit=3, base_url=PUBLIC, telephony=sim
    )
    assert sent == 3 and len(sim.messages) == 3
    assert [m.to for m in sim.messages] == [respondent_number(n) for n in (1, 2, 3)]
    for message in sim.messages:
        assert message.sender == AGENCY
        assert "单位u1" in message.body
        token = message.body.split(f"{PUBLIC}/a?t=")[1].split()[0]
        info = invitations.peek(make_uow(), token)
        assert (info.unit_code, info.kind) == ("u1", "sms")

    sent = service.send_sms_invitations(make_uow(), field.admin, "c1", "u1", base_url=PUBLIC, telephony=sim)
    assert sent == 2 and [m.to for m in sim.messages[3:]] == [respondent_number(n) for n in (4, 5)]
    assert (
        service.send_sms_invitations(make_uow(), field.admin, "c1", "u1", base_url=PUBLIC, telephony=sim) == 0
    )
    with make_uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(Invitation)).scalar_one() == 5


def test_sms_invitations_skip_the_do_not_call_list_and_take_a_given_list(
    make_uow: MakeUow, sim: SimulatedTelephony
) -> None:
    field = seed_fieldwork(make_uow, entries=2)
    with make_uow() as uow:
        uow.session.add(DoNotCall(phone_hash=phone_hash(respondent_number(1))))
        uow.commit()
    assert (
        service.send_sms_invitations(make_uow(), field.admin, "c1", "u1", base_url=PUBLIC, telephony=sim) == 1
    )
    sent = service.send_sms_invitations(
        make_uow(),
        field.admin,
        "c1",
        "u2",
        base_url=PUBLIC,
        numbers=["139 0000 0001", "13700000009", "+8613700000009"],
        telephony=sim,
    )
    assert sent == 1  # the do-not-call number is skipped, the repeated one sent once
    assert [m.to for m in sim.messages] == [respondent_number(2), "+8613700000009"]


def test_sms_invitations_are_for_admins_in_fieldwork(make_uow: MakeUow, sim: SimulatedTelephony) -> None:
    field = seed_fieldwork(make_uow)
    with pytest.raises(PermissionDenied):
        service.send_sms_invitations(make_uow(), field.supervisor, "c1", "u1", base_url=PUBLIC, telephony=sim)
    with make_uow() as uow:
        uow.session.execute(
            select(Campaign).where(Campaign.code == "c1")
        ).scalar_one().status = CampaignStatus.draft
        uow.commit()
    with pytest.raises(Refused, match="fieldwork"):
        service.send_sms_invitations(make_uow(), field.admin, "c1", "u1", base_url=PUBLIC, telephony=sim)
    assert sim.messages == []


def test_unsent_sms_invitations_are_withdrawn(make_uow: MakeUow) -> None:
    field = seed_fieldwork(make_uow, entries=2)
    with pytest.raises(service.TelephonyUnavailable):
        service.send_sms_invitations(make_uow(), field.admin, "c1", "u1", base_url=PUBLIC, telephony=Broken())
    with make_uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(Invitation)).scalar_one() == 0
    assert ("admin1", "invitation.sms_send") in audit_actions(make_uow)
