"""A whole simulated fieldwork day: two callers work fourteen cases of two units through
the services, and the dashboard's AAPOR rates equal the hand counts below.

Cases (unit / caller → what happens → AAPOR class at the end of the day):

    u1 / A: a1 complete (20 s: too short)  I     u2 / A: a5 break-off 2.12       R
            a2 no answer ×2, then complete  I             a6 not target 4.70      NE
            a3 refusal 2.11                 R             a7 voicemail ×3 (limit) UH (3.14 final)
            a4 empty number 4.31            NE    u2 / B: b4 complete             I
    u1 / B: b1 callback, then partial 1.2   P             b5 language 2.33        O
            b2 busy, retry pending          UH            b6 callback tomorrow    NC (2.21 temporary)
            b3 never called                 UH (3.11) u2 / -: k0 unassigned      UH (3.11)
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from db.models import Campaign, PhoneSample
from services.fieldwork import caller_queue, fieldwork_dashboard
from services.permissions import CurrentUser
from tests.db.kit import Clock, MakeUow, add_user
from tests.db.test_cati import ALL_SATISFIED, add_caller, add_frame_case, dialled, fieldwork_campaign, local

RATES = ("RR1", "RR2", "RR3", "RR4", "COOP1", "REF1", "CON1")

# ---- hand counts (AAPOR 10th ed.; e = eligible / (eligible + NE))
# u1: I=2 P=1 R=1 NC=0 O=0 UH=2 NE=1 → E=4, U=2, e=4/5
#     RR1 2/6  RR2 3/6  RR3 2/(4+.8·2)=2/5.6  RR4 3/5.6  COOP1 2/(2+1+1)  REF1 1/6  CON1 4/6
U1 = (2 / 6, 3 / 6, 2 / 5.6, 3 / 5.6, 2 / 4, 1 / 6, 4 / 6)
# u2: I=1 P=0 R=1 NC=1 O=1 UH=2 NE=1 → E=4, U=2, e=4/5
#     RR1 1/6  RR2 1/6  RR3 1/5.6  RR4 1/5.6  COOP1 1/(1+1+1)  REF1 1/6  CON1 3/6
U2 = (1 / 6, 1 / 6, 1 / 5.6, 1 / 5.6, 1 / 3, 1 / 6, 3 / 6)
# caller A: I=2 R=2 UH=1 NE=2 → E=4, U=1, e=4/6
#     RR1 2/5  RR2 2/5  RR3 2/(4+2/3)=3/7  RR4 3/7  COOP1 2/4  REF1 2/5  CON1 4/5
A = (2 / 5, 2 / 5, 3 / 7, 3 / 7, 2 / 4, 2 / 5, 4 / 5)
# caller B: I=1 P=1 NC=1 O=1 UH=2 NE=0 → E=4, U=2, e=1
#     RR1 1/6  RR2 2/6  RR3 1/6  RR4 2/6  COOP1 1/(1+1+1)  REF1 0  CON1 3/6
B = (1 / 6, 2 / 6, 1 / 6, 2 / 6, 1 / 3, 0.0, 3 / 6)
# contractor (14 cases): I=3 P=1 R=2 NC=1 O=1 UH=4 NE=2 → E=8, U=4, e=8/10
#     RR1 3/12  RR2 4/12  RR3 3/(8+3.2)  RR4 4/11.2  COOP1 3/7  REF1 2/12  CON1 7/12
ALL = (3 / 12, 4 / 12, 3 / 11.2, 4 / 11.2, 3 / 7, 2 / 12, 7 / 12)


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", "q6Y0m3S1b0cH3m8v5m0x8ZkQmJ2nq3m7a9m5Yk1Vw2c=")


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def test_a_fieldwork_day_gives_the_hand_counted_rates(make_uow: MakeUow) -> None:
    fieldwork_campaign(make_uow, toml="[fieldwork]\nmax_attempts = 3\n\n[eligibility]\nmin_phone = 3\n")
    a, b = add_caller(make_uow, "callerA"), add_caller(make_uow, "callerB")
    sup = add_user(make_uow, "sup1", "supervisor")  # type: ignore[arg-type]
    for code, unit, who in [
        ("a1", "u1", a), ("a2", "u1", a), ("a3", "u1", a), ("a4", "u1", a),
        ("b1", "u1", b), ("b2", "u1", b), ("b3", "u1", b),
        ("a5", "u2", a), ("a6", "u2", a), ("a7", "u2", a),
        ("b4", "u2", b), ("b5", "u2", b), ("b6", "u2", b), ("k0", "u2", None),
    ]:  # fmt: skip
        add_frame_case(make_uow, code, unit, who)
    with make_uow() as uow:  # the draw's design names a target for u1 only
        campaign = uow.session.execute(select(Campaign)).scalar_one()
        uow.session.add(PhoneSample(campaign_id=campaign.id, seed=1, design={"units": {"u1": {"target": 4}}}))
        uow.commit()

    clock = Clock(utc(local(2, 9)))

    def call(who: CurrentUser, case: str, disposition: str, at: datetime, **kw: object) -> None:
        clock.now = utc(at)
        dialled(make_uow, who, case, disposition, clock=clock, **kw)

    # ---- morning
    call(a, "a1", "1.1", local(2, 9, 5), answers=ALL_SATISFIED, duration_seconds=20.0)
    call(a, "a2", "3.13", local(2, 9, 10))
    call(a, "a7", "3.14", local(2, 9, 15))
    call(a, "a3", "2.11", local(2, 9, 20))
    call(a, "a4", "4.31", local(2, 9, 25))
    call(a, "a5", "2.12", local(2, 9, 30))
    call(a, "a6", "4.70", local(2, 9, 35))
    call(b, "b1", "2.21", local(2, 9, 20), callback_at=local(2, 19))
    call(b, "b2", "3.12", local(2, 9, 30))
    call(b, "b4", "1.1", local(2, 9, 40), answers={"p1": "s", "p2": "b", "p3": "u"}, duration_seconds=240.0)
    call(b, "b5", "2.33", local(2, 9, 50))
    call(b, "b6", "2.21", local(2, 10), callback_at=local(3, 10))

    clock.now = utc(local(2, 13))  # lunch: nothing of A's is due
    assert [e.kind for e in caller_queue(make_uow(), a, clock=clock)] == ["scheduled", "scheduled"]

    # ---- afternoon: the retries come due at 14:00
    clock.now = utc(local(2, 14))
    assert [(e.case_code, e.kind) for e in caller_queue(make_uow(), a, clock=clock)] == [
        ("a2", "retry"),
        ("a7", "retry"),
    ]
    call(a, "a2", "3.13", local(2, 14))
    call(a, "a7", "3.14", local(2, 14, 5))

    # ---- evening
    call(a, "a2", "1.1", local(2, 18, 5), answers={"p1": "b", "p2": "x", "p3": "s"}, duration_seconds=200.0)
    call(a, "a7", "3.14", local(2, 18, 10))  # third attempt: closes as 3.14
    clock.now = utc(local(2, 19))
    assert [(e.case_code, e.kind) for e in caller_queue(make_uow(), b, clock=clock)] == [
        ("b1", "callback"),
        ("b2", "retry"),
        ("b3", "new"),
        ("b6", "scheduled"),
    ]
    call(b, "b1", "1.2", local(2, 19), answers={"p1": "s"}, duration_seconds=60.0)

    board = fieldwork_dashboard(make_uow(), sup, "c1")
    units = {u.code: u for u in board.units}
    callers = {c.code: c for c in board.callers}
    for got, expected in [
        (units["u1"].rates, U1),
        (units["u2"].rates, U2),
        (callers["caller-callerA"].rates, A),
        (callers["caller-callerB"].rates, B),
        (board.contractor, ALL),
    ]:
        assert [got.rates[r] for r in RATES] == pytest.approx(expected), got.code
    assert board.contractor.counts == {"I": 3, "P": 1, "R": 2, "NC": 1, "O": 1, "UH": 4, "UO": 0, "NE": 2}

    # progress toward the targets: u1 from the drawn sample's design, u2 from min_phone
    assert [(u.code, u.completes, u.target, u.cases, u.called, u.closed) for u in board.units] == [
        ("u1", 2, 4, 7, 6, 5),
        ("u2", 1, 3, 7, 6, 5),
    ]
    assert (units["u1"].share, board.target_source) == (0.5, "sample")

    # calls per hour: A made 11 calls (7 at 9:xx, 2 at 14:xx, 2 at 18:xx) in 3 clock hours
    ca, cb = callers["caller-callerA"], callers["caller-callerB"]
    assert (ca.attempts, ca.by_hour[9], ca.by_hour[14], ca.by_hour[18]) == (11, 7, 2, 2)
    assert (ca.hours_worked, ca.calls_per_hour) == (3, pytest.approx(11 / 3))
    assert (cb.attempts, cb.hours_worked) == (6, 3)  # 9:xx ×4, 10:00, 19:00

    # a1's 20 s cannot hold the script read at 4 characters a second
    assert [(s.case_code, s.caller_code) for s in board.short] == [("a1", "caller-callerA")]
    assert board.short[0].min_seconds > 40
    assert (ca.short, cb.short) == (1, 0)
    assert not any(c.flagged for c in board.callers)  # far too few answers to test anyone
