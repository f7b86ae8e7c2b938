"""Inspection rounds and visits (services.inspection_rounds, services.inspections): planning,
the round's lifecycle, recording a visit on the phone with every refusal, verification,
lists and photos, all audited. Every test runs on SQLite and on PostgreSQL (tests/conftest.py)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image
from sqlalchemy import func, select

from db.models import AuditEntry, CampaignStatus, Role, User
from db.models_registries import InspectionFinding, InspectionPhoto, InspectionVisit
from scoring.registries import check_head_counts
from services import inspection_rounds as ir
from services import inspections as ins
from services.errors import InputsFrozen, NotFound, Refused
from services.inspection_photos import PhotoRefused
from services.permissions import CurrentUser, PermissionDenied
from tests.db.kit import T0, Clock, MakeUow, add_user, seed_campaign, set_status

BJ = timezone(timedelta(hours=8))
START, END = date(2026, 2, 25), date(2026, 3, 5)  # T0 is 2026-03-01 17:00 Beijing time


@dataclass
class World:
    admin: CurrentUser
    ann: CurrentUser  # an inspector of the round
    bob: CurrentUser  # another inspector of the round
    carl: CurrentUser  # an inspector not in the round
    round_id: int


def audits(make_uow: MakeUow, action: str) -> list[tuple[str, str, dict | None, dict | None]]:
    with make_uow() as uow:
        return [
            (e.actor, e.entity_id, e.before, e.after)
            for e in uow.session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        ]


def plan(make_uow: MakeUow, admin: CurrentUser, **overrides: object) -> ir.RoundView:
    args: dict[str, object] = dict(
        code="R1",
        name="第一轮暗访",
        mode="covert",
        starts_on=START,
        ends_on=END,
        unit_codes=["u1", "u2"],
        inspector_usernames=["ann", "bob"],
        notes="窗口单位",
    )
    args.update(overrides)
    return ir.plan_round(make_uow(), admin, "c1", **args)  # type: ignore[arg-type]


@pytest.fixture
def world(make_uow: MakeUow) -> World:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    admin = add_user(make_uow, "admin1", Role.admin)
    ann = add_user(make_uow, "ann", Role.inspector)
    bob = add_user(make_uow, "bob", Role.inspector)
    carl = add_user(make_uow, "carl", Role.inspector)
    rnd = plan(make_uow, admin)
    ir.start_round(make_uow(), admin, rnd.id)
    return World(admin, ann, bob, carl, rnd.id)


def visit(make_uow: MakeUow, user: CurrentUser, round_id: int, **overrides: object) -> int:
    args: dict[str, object] = dict(
        unit_code="u1",
        visited_at=datetime(2026, 3, 1, 10, 30, tzinfo=BJ),
        staff_expected=10,
        staff_present=9,
        staff_on_post=8,
        staff_focused=6,
        findings=[("懒", "两人玩手机"), ("推", "群众被要求去别处盖章")],
        notes="上午十点半",
    )
    args.update(overrides)
    return ins.record_visit(make_uow(), user, round_id, clock=Clock(), **args)  # type: ignore[arg-type]


def gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (45.0, 17.0, 42.0)
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (1, 2, 3)).save(out, "JPEG", exif=exif)
    return out.getvalue()


# ---------------------------------------------------------------- rounds


def test_planning_a_round_stores_it_and_audits_it(make_uow: MakeUow, world: World) -> None:
    [rnd] = ir.list_rounds(make_uow(), world.admin, "c1")
    assert (rnd.code, rnd.name, rnd.mode, rnd.status) == ("R1", "第一轮暗访", "covert", "active")
    assert (rnd.starts_on, rnd.ends_on, rnd.unit_codes, rnd.inspectors) == (
        START,
        END,
        ("u1", "u2"),
        ("ann", "bob"),
    )
    assert (rnd.units, rnd.visits, rnd.created_by) == (2, 0, "admin1")
    [(actor, entity_id, before, after)] = audits(make_uow, "inspection_round.plan")
    assert (actor, entity_id, before) == ("admin1", str(rnd.id), None)
    assert after is not None and after["units"] == ["u1", "u2"] and after["inspectors"] == ["ann", "bob"]
    assert after["starts_on"] == "2026-02-25" and after["status"] == "planned" and after["campaign"] == "c1"
    [(_, _, before, after)] = audits(make_uow, "inspection_round.started")
    assert (before, after) == ({"status": "planned"}, {"status": "active"})


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        ({"code": "R1"}, Refused, "already has a round with the code 'R1'"),
        ({"code": "  "}, Refused, "give the round code"),
        ({"mode": "sneaky"}, Refused, "open .* or covert"),
        ({"ends_on": date(2026, 2, 24)}, Refused, "ends_on < starts_on"),
        ({"unit_codes": []}, Refused, "at least one unit"),
        ({"unit_codes": ["u1", "nope"]}, NotFound, "not appraised in campaign c1: nope"),
        ({"inspector_usernames": []}, Refused, "at least one inspector"),
        ({"inspector_usernames": ["ghost"]}, NotFound, "ghost"),
        ({"inspector_usernames": ["admin1"]}, Refused, "role inspector: admin1"),
        ({"notes": "x" * 2001}, Refused, "notes has 2001 characters"),
    ],
)
def test_planning_refusals(make_uow: MakeUow, world: World, overrides: dict, error: type, match: str) -> None:
    args = {"code": "R2", **overrides}
    with pytest.raises(error, match=match):
        plan(make_uow, world.admin, **args)
    assert len(ir.list_rounds(make_uow(), world.admin, "c1")) == 1


def test_a_disabled_inspector_cannot_be_assigned(make_uow: MakeUow, world: World) -> None:
    with make_uow() as uow:
        uow.session.execute(select(User).where(User.username == "carl")).scalar_one().active = False
        uow.commit()
    with pytest.raises(Refused, match="disabled: carl"):
        plan(make_uow, world.admin, code="R2", inspector_usernames=["carl"])


def test_only_admins_plan_and_a_published_campaign_takes_no_rounds(make_uow: MakeUow, world: World) -> None:
    with pytest.raises(PermissionDenied):
        plan(make_uow, world.ann, code="R2")
    with pytest.raises(PermissionDenied):
        ir.list_rounds(make_uow(), world.ann, "c1")
    set_status(make_uow, "c1", CampaignStatus.published)
    with pytest.raises(InputsFrozen):
        plan(make_uow, world.admin, code="R2")


def test_the_lifecycle_moves_only_forward(make_uow: MakeUow, world: World) -> None:
    with pytest.raises(Refused, match="is active: only a planned round can be started"):
        ir.start_round(make_uow(), world.admin, world.round_id)
    closed = ir.close_round(make_uow(), world.admin, world.round_id)
    assert closed.status == "closed"
    with pytest.raises(Refused, match="only a active round can be closed"):
        ir.close_round(make_uow(), world.admin, world.round_id)
    with pytest.raises(Refused, match="is closed: it can no longer be changed"):
        ir.update_round(make_uow(), world.admin, world.round_id, notes="late")
    with pytest.raises(NotFound):
        ir.start_round(make_uow(), world.admin, 999)
    with pytest.raises(PermissionDenied):
        ir.close_round(make_uow(), world.ann, world.round_id)


def test_updating_a_round_is_audited_and_keeps_what_visits_need(make_uow: MakeUow, world: World) -> None:
    visit(make_uow, world.ann, world.round_id)  # u1 on 2026-03-01 by ann
    updated = ir.update_round(
        make_uow(),
        world.admin,
        world.round_id,
        unit_codes=["u1", "u3"],
        inspector_usernames=["ann", "carl"],
        ends_on=date(2026, 3, 10),
        notes="延长",
    )
    assert (updated.unit_codes, updated.inspectors, updated.ends_on) == (
        ("u1", "u3"),
        ("ann", "carl"),
        date(2026, 3, 10),
    )
    [(actor, _, before, after)] = audits(make_uow, "inspection_round.update")
    assert actor == "admin1"
    assert before is not None and after is not None
    assert (before["units"], after["units"]) == (["u1", "u2"], ["u1", "u3"])
    assert (before["ends_on"], after["ends_on"]) == ("2026-03-05", "2026-03-10")

    with pytest.raises(Refused, match="units already visited in round R1 must stay: u1"):
        ir.update_round(make_uow(), world.admin, world.round_id, unit_codes=["u3"])
    with pytest.raises(Refused, match="recorded visits in round R1 must stay: ann"):
        ir.update_round(make_uow(), world.admin, world.round_id, inspector_usernames=["carl"])
    with pytest.raises(Refused, match="2026-03-01, outside 2026-03-02"):
        ir.update_round(make_uow(), world.admin, world.round_id, starts_on=date(2026, 3, 2))
    with pytest.raises(Refused, match="mode can change only while planned"):
        ir.update_round(make_uow(), world.admin, world.round_id, mode="open")
    # nothing changed: no audit entry
    ir.update_round(make_uow(), world.admin, world.round_id, notes="延长")
    assert len(audits(make_uow, "inspection_round.update")) == 1


# ---------------------------------------------------------------- visits


def test_recording_a_visit_stores_everything_and_audits_photos_by_hash(
    make_uow: MakeUow, world: World
) -> None:
    raw = gps_jpeg()
    visit_id = visit(make_uow, world.ann, world.round_id, photos=[("门口.jpg", raw)])
    [v] = ins.list_visits(make_uow(), world.admin, "c1")
    assert (v.id, v.unit_code, v.unit_name, v.inspector, v.status, v.round_code) == (
        visit_id,
        "u1",
        "单位u1",
        "ann",
        "recorded",
        "R1",
    )
    assert v.visited_at == datetime(2026, 3, 1, 2, 30, tzinfo=UTC)
    assert (v.staff_expected, v.staff_present, v.staff_on_post, v.staff_focused) == (10, 9, 8, 6)
    assert [(f.harm, f.description) for f in v.findings] == [
        ("懒", "两人玩手机"),
        ("推", "群众被要求去别处盖章"),
    ]
    assert v.rates == ins.Rates(90.0, 80.0, 60.0)
    [p] = v.photos
    name, content_type, data = ins.photo(make_uow(), world.admin, p.id)
    assert (name, content_type, p.size) == ("门口.jpg", "image/jpeg", len(data))
    assert b"Exif" not in data and data != raw
    [(actor, entity_id, before, after)] = audits(make_uow, "inspection_visit.record")
    assert (actor, entity_id, before) == ("ann", str(visit_id), None)
    assert after is not None
    assert after["photos"] == [
        {"name": "门口.jpg", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    ]
    assert after["visited_at"] == "2026-03-01T02:30:00.000000Z"
    assert after["findings"][0] == {"harm": "懒", "description": "两人玩手机"}
    # the inspector who took it sees it, another inspector does not
    assert ins.photo(make_uow(), world.ann, p.id)[2] == data
    with pytest.raises(PermissionDenied):
        ins.photo(make_uow(), world.bob, p.id)
    with pytest.raises(NotFound):
        ins.photo(make_uow(), world.admin, p.id + 100)


def test_the_days_of_the_period_are_beijing_days(make_uow: MakeUow, world: World) -> None:
    # 2026-02-24 16:30 UTC is already 2026-02-25 00:30 in Beijing: inside the period
    visit(make_uow, world.ann, world.round_id, visited_at=datetime(2026, 2, 24, 16, 30, tzinfo=UTC))
    # 2026-02-24 15:30 UTC is 23:30 the day before in Beijing: outside
    with pytest.raises(Refused, match=r"visit day 2026-02-24 \(Beijing time\) is outside round R1's period"):
        visit(make_uow, world.ann, world.round_id, visited_at=datetime(2026, 2, 24, 15, 30, tzinfo=UTC))


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        ({"unit_code": "u3"}, Refused, "unit 'u3' is not to be visited in round R1"),
        ({"unit_code": "zzz"}, Refused, "unit 'zzz' is not to be visited"),
        ({"visited_at": datetime(2026, 3, 1, 10, 30)}, Refused, "with its time zone"),
        ({"visited_at": datetime(2026, 2, 20, 9, 0, tzinfo=BJ)}, Refused, "outside round R1's period"),
        ({"visited_at": T0 + timedelta(minutes=30)}, Refused, "is in the future"),
        ({"staff_present": 11}, Refused, r"present \(11\) exceeds expected \(10\)"),
        ({"staff_on_post": 10}, Refused, r"on post \(10\) exceeds present \(9\)"),
        ({"staff_focused": 9}, Refused, r"focused \(9\) exceeds on post \(8\)"),
        (
            {"staff_expected": 0, "staff_present": 0, "staff_on_post": 0, "staff_focused": 0},
            Refused,
            "at least one",
        ),
        ({"staff_focused": -1}, Refused, "between 0 and"),
        ({"staff_focused": 2.5}, Refused, "whole number"),
        ({"staff_focused": True}, Refused, "whole number"),
        ({"findings": [("坏", "x")]}, Refused, "unknown harm '坏'"),
        ({"findings": [("冷", "  ")]}, Refused, "give the description of the finding 冷"),
        ({"findings": [("冷", "x" * 1001)]}, Refused, "1001 characters; at most 1000"),
        ({"notes": "n" * 2001}, Refused, "notes has 2001 characters"),
        ({"photos": [(f"p{i}.jpg", b"") for i in range(7)]}, Refused, "7 photos; at most 6"),
        ({"photos": [("ok.jpg", b"OK"), ("bad.jpg", b"not an image")]}, PhotoRefused, "bad.jpg"),
    ],
)
def test_recording_refusals_store_nothing(
    make_uow: MakeUow, world: World, overrides: dict, error: type, match: str
) -> None:
    if overrides.get("photos") and overrides["photos"][0][0] == "ok.jpg":
        overrides = {"photos": [("ok.jpg", gps_jpeg()), overrides["photos"][1]]}
    with pytest.raises(error, match=match):
        visit(make_uow, world.ann, world.round_id, **overrides)
    with make_uow() as uow:
        for model in (InspectionVisit, InspectionFinding, InspectionPhoto):
            assert uow.session.scalar(select(func.count()).select_from(model)) == 0
    assert audits(make_uow, "inspection_visit.record") == []


def test_only_assigned_inspectors_of_an_active_round_record(make_uow: MakeUow, world: World) -> None:
    with pytest.raises(PermissionDenied, match="carl is not assigned to inspection round R1"):
        visit(make_uow, world.carl, world.round_id)
    with pytest.raises(PermissionDenied):
        visit(make_uow, world.admin, world.round_id)
    with pytest.raises(NotFound):
        visit(make_uow, world.ann, 999)
    planned = plan(make_uow, world.admin, code="R2")
    with pytest.raises(Refused, match="round R2 is planned: visits are recorded only while it is active"):
        visit(make_uow, world.ann, planned.id)
    ir.close_round(make_uow(), world.admin, world.round_id)
    with pytest.raises(Refused, match="round R1 is closed"):
        visit(make_uow, world.ann, world.round_id)


def test_assignments_list_unvisited_units_first(make_uow: MakeUow, world: World) -> None:
    assert ins.my_assignments(make_uow(), world.carl) == []
    [a] = ins.my_assignments(make_uow(), world.ann)
    assert (a.code, a.campaign, [u.code for u in a.units]) == ("R1", "c1", ["u1", "u2"])
    assert not any(u.visited for u in a.units)
    visit(make_uow, world.bob, world.round_id, unit_code="u1")
    [a] = ins.my_assignments(make_uow(), world.ann)
    assert [(u.code, u.visits, u.mine) for u in a.units] == [("u2", 0, 0), ("u1", 1, 0)]
    plan(make_uow, world.admin, code="R2")  # planned: not listed
    assert len(ins.my_assignments(make_uow(), world.ann)) == 1
    with pytest.raises(PermissionDenied):
        ins.my_assignments(make_uow(), world.admin)


def test_an_inspector_lists_only_own_visits(make_uow: MakeUow, world: World) -> None:
    mine = visit(make_uow, world.ann, world.round_id)
    visit(make_uow, world.bob, world.round_id, unit_code="u2")
    assert [v.id for v in ins.list_visits(make_uow(), world.ann, "c1")] == [mine]
    assert len(ins.list_visits(make_uow(), world.admin, "c1")) == 2
    assert [v.unit_code for v in ins.list_visits(make_uow(), world.admin, "c1", unit_code="u2")] == ["u2"]
    assert ins.list_visits(make_uow(), world.admin, "c1", round_code="R9") == []
    assert [v.id for v in ins.my_visits(make_uow(), world.ann, clock=Clock())] == [mine]
    assert ins.my_visits(make_uow(), world.ann, on=date(2026, 2, 28)) == []
    with pytest.raises(Refused, match="status must be one of"):
        ins.list_visits(make_uow(), world.admin, "c1", status="done")
    supervisor = add_user(make_uow, "sup", Role.supervisor)
    with pytest.raises(PermissionDenied):
        ins.list_visits(make_uow(), supervisor, "c1")


# ---------------------------------------------------------------- verification


def test_verify_and_reject_are_audited_with_before_and_after(make_uow: MakeUow, world: World) -> None:
    first = visit(make_uow, world.ann, world.round_id)
    second = visit(make_uow, world.bob, world.round_id, unit_code="u2")
    ins.verify_visit(make_uow(), world.admin, first, "核实无误", clock=Clock())
    [(actor, entity_id, before, after)] = audits(make_uow, "inspection_visit.verify")
    assert (actor, entity_id) == ("admin1", str(first))
    assert before == {"status": "recorded", "verified_by": None, "verified_at": None, "verify_note": ""}
    assert after == {
        "status": "verified",
        "verified_by": "admin1",
        "verified_at": "2026-03-01T09:00:00.000000Z",
        "verify_note": "核实无误",
    }
    with pytest.raises(Refused, match="is verified: only a recorded visit is verified"):
        ins.verify_visit(make_uow(), world.admin, first)
    with pytest.raises(Refused, match="give the note saying why"):
        ins.reject_visit(make_uow(), world.admin, first, " ")
    # a verified visit is re-opened to rejected only with a note
    ins.reject_visit(make_uow(), world.admin, first, "照片与单位不符")
    ins.reject_visit(make_uow(), world.admin, second, "时间不符")
    with pytest.raises(Refused, match="already rejected"):
        ins.reject_visit(make_uow(), world.admin, second, "again")
    with pytest.raises(Refused, match="is rejected"):
        ins.verify_visit(make_uow(), world.admin, second)
    [(_, _, before, after)] = [a for a in audits(make_uow, "inspection_visit.reject") if a[1] == str(first)]
    assert before is not None and after is not None
    assert (before["status"], after["status"], after["verify_note"]) == (
        "verified",
        "rejected",
        "照片与单位不符",
    )
    assert [v.status for v in ins.list_visits(make_uow(), world.admin, "c1", status="rejected")] == [
        "rejected"
    ] * 2
    [rnd] = ir.list_rounds(make_uow(), world.admin, "c1")
    assert (rnd.visits_recorded, rnd.visits_verified, rnd.visits_rejected) == (0, 0, 2)
    with pytest.raises(PermissionDenied):
        ins.verify_visit(make_uow(), world.ann, first)
    with pytest.raises(NotFound):
        ins.verify_visit(make_uow(), world.admin, 999)


# ---------------------------------------------------------------- head counts, as a property


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(counts=st.tuples(*[st.integers(-2, 12)] * 4))
def test_a_visit_is_stored_exactly_when_its_head_counts_are_possible(
    make_uow: MakeUow, world: World, counts: tuple[int, int, int, int]
) -> None:
    expected, present, on_post, focused = counts
    possible = expected >= 1 and 0 <= focused <= on_post <= present <= expected
    assert (check_head_counts(*counts) is None) == possible
    try:
        visit_id = visit(
            make_uow,
            world.ann,
            world.round_id,
            staff_expected=expected,
            staff_present=present,
            staff_on_post=on_post,
            staff_focused=focused,
            findings=[],
        )
    except Refused:
        assert not possible
        return
    assert possible
    [v] = [v for v in ins.list_visits(make_uow(), world.admin, "c1") if v.id == visit_id]
    rates = v.rates
    assert rates is not None
    assert 0 <= rates.focus <= rates.on_post <= rates.attendance <= 100
