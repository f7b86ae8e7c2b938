"""Phone fieldwork from end to end through the services, on SQLite and PostgreSQL: a
supervisor imports a frame and draws a sample, deals it to a caller, the caller works the
queue by click-to-call through the offline simulator (its webhooks played back through
the same service functions Twilio's would reach), records outcomes, and the dashboard's
AAPOR rates equal the hand count."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import CallAttempt, PhoneAnswer, PhoneCase, Role
from services import fieldwork, sampling, telephony
from services.auth import CLI_OPERATOR, create_user
from survey.sampling import DesignParams
from survey.telephony import CallStatus, SimulatedTelephony
from tests.db.kit import MakeUow, add_user
from tests.db.test_cati import PHONE_ITEMS, fieldwork_campaign

PEOPLE = 20  # per unit in the frame


def frame_csv() -> bytes:
    lines = ["unit_id,name,phone,service_date,case_number"]
    for u, unit in enumerate(("u1", "u2")):
        for i in range(PEOPLE):
            lines.append(f"{unit},市民{u}{i:02d},1390013{u}{i:03d},2026-02-{i % 28 + 1:02d},BJ{u}{i:04d}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_a_sample_is_drawn_called_through_the_simulator_and_counted(make_uow: MakeUow) -> None:
    fieldwork_campaign(make_uow)
    supervisor = add_user(make_uow, "sup1", Role.supervisor)
    caller = create_user(
        make_uow(), CLI_OPERATOR, "li", "correct horse battery", "caller", phone="13800138000"
    )

    report = sampling.import_frame(make_uow(), supervisor, "c1", frame_csv(), "frame.csv")
    assert not report.defects
    design = DesignParams(fixed_completes=2, response_rate=0.5)
    drawn = sampling.draw_sample(make_uow(), supervisor, "c1", design, seed=20260301)
    assert drawn.cases == 8  # 2 completes / 0.5 response rate = 4 people per unit
    dealt = fieldwork.assign_round_robin(make_uow(), supervisor, "c1", ["u1", "u2"], ["li"])
    assert len(dealt["li"]) == 8

    provider = SimulatedTelephony()
    queue = fieldwork.caller_queue(make_uow(), caller)
    assert len(queue) == 8 and all("****" in entry.phone for entry in queue)
    first, second, third = (entry.case_code for entry in queue[:3])

    # 1. answered: a complete interview, recorded on the bridge call's attempt
    sid = telephony.start_bridge_call(make_uow(), caller, "c1", first, record=True, telephony=provider)
    provider.play_bridge(make_uow, sid, talk_seconds=240.0)
    answers = dict.fromkeys(PHONE_ITEMS, "s") | {PHONE_ITEMS[-1]: "x"}
    outcome = fieldwork.record_call_outcome(
        make_uow(), caller, "c1", first, "1.1", answers=answers, call_sid=sid, recording_consent=True
    )
    assert outcome.closed and outcome.attempts == 1

    # 2. nobody answers: the status callback alone records it, the case comes back later
    sid = telephony.start_bridge_call(make_uow(), caller, "c1", second, telephony=provider)
    provider.play_bridge(make_uow, sid, respondent=CallStatus.no_answer)
    outcome = fieldwork.record_call_outcome(make_uow(), caller, "c1", second, "3.13", call_sid=sid)
    assert not outcome.closed and outcome.next_attempt_at is not None

    # 3. a refusal, dialled by hand (the number is revealed to the caller for the call)
    fieldwork.start_manual_dial(make_uow(), caller, "c1", third)
    fieldwork.record_call_outcome(make_uow(), caller, "c1", third, "2.11", duration_seconds=20.0)

    with make_uow() as uow:
        cases = {c.code: c for c in uow.session.scalars(select(PhoneCase))}
        assert (cases[first].disposition, cases[second].disposition, cases[third].disposition) == (
            "1.1",
            "",
            "2.11",
        )
        attempts = {a.call_sid: a for a in uow.session.scalars(select(CallAttempt)) if a.call_sid}
        assert len(attempts) == 2 and all(a.mode == "bridge" for a in attempts.values())
        answered = [a for a in attempts.values() if a.disposition == "1.1"]
        assert answered and answered[0].duration_seconds == pytest.approx(240.0)
        assert sorted(
            uow.session.scalars(select(PhoneAnswer.option_code).where(PhoneAnswer.case_id == cases[first].id))
        ) == ["s", "s", "x"]

    # Hand count over the 8 cases: I = 1 (1.1); R = 1 (2.11); unknown eligibility
    # UH = 6 (3.13 once, five never dialled: 3.11). RR1 = I / (I + R + UH) = 1/8;
    # COOP1 = I / (I + R) = 1/2; REF1 = R / (I + R + UH) = 1/8; CON1 = (I + R) / 8 = 2/8.
    dashboard = fieldwork.fieldwork_dashboard(make_uow(), supervisor, "c1")
    rates = dashboard.contractor.rates
    assert rates["RR1"] == pytest.approx(1 / 8)
    assert rates["COOP1"] == pytest.approx(1 / 2)
    assert rates["REF1"] == pytest.approx(1 / 8)
    assert rates["CON1"] == pytest.approx(2 / 8)
    assert [(u.code, u.target) for u in dashboard.units] == [("u1", 2), ("u2", 2)]
    assert sum(u.completes for u in dashboard.units) == 1
