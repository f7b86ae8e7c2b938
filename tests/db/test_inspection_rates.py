"""The three rates of inspection visits and what they feed (services.inspection_rates):
pooled rates per unit and period, the rule, the feed into indicator values with their
provenance, and verified findings turned into deductions.

Rounds, visits and findings are inserted directly with the models (helpers below, also
used by the bulletin and bundle tests). Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from db.models import Adjustment, AuditEntry, Campaign, CampaignStatus, IndicatorValue, Role, Unit
from db.models_registries import InspectionFinding, InspectionRound, InspectionVisit
from services.errors import InputsFrozen, NotFound, Refused
from services.indicators import IndicatorSpec, indicator_values, save_indicator, set_indicator_value
from services.inspection_rates import (
    feed_finding_deductions,
    feed_rates,
    get_rule,
    parse_provenance,
    provenance_text,
    set_rule,
    unit_rates,
    value_provenance,
)
from services.permissions import CurrentUser, PermissionDenied
from tests.db.kit import Clock, MakeUow, add_user, seed_campaign, set_status

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
FREEZE = date(2026, 4, 10)
AFTER_FREEZE = Clock(datetime(2026, 4, 11, 2, 0, tzinfo=UTC))


# ---------------------------------------------------------------- builders (shared)


def add_round(
    make_uow: MakeUow,
    campaign_code: str = "c1",
    code: str = "r1",
    *,
    starts_on: date = date(2026, 3, 1),
    ends_on: date = date(2026, 3, 31),
    mode: str = "covert",
) -> int:
    with make_uow() as uow:
        s = uow.session
        campaign_id = s.execute(select(Campaign.id).where(Campaign.code == campaign_code)).scalar_one()
        row = InspectionRound(
            campaign_id=campaign_id,
            code=code,
            name=f"第{code}轮暗访",
            mode=mode,
            starts_on=starts_on,
            ends_on=ends_on,
            status="active",
        )
        s.add(row)
        uow.commit()
        return row.id


def add_visit(
    make_uow: MakeUow,
    round_id: int,
    unit_code: str,
    at: datetime,
    counts: tuple[int, int, int, int],
    *,
    status: str = "verified",
    findings: Sequence[tuple[str, str]] = (),
    inspector: str = "inspector-zhang",
) -> int:
    """A visit with head counts (expected, present, on post, focused) and its findings."""
    with make_uow() as uow:
        s = uow.session
        unit_id = s.execute(select(Unit.id).where(Unit.code == unit_code)).scalar_one()
        expected, present, on_post, focused = counts
        visit = InspectionVisit(
            round_id=round_id,
            unit_id=unit_id,
            inspector=inspector,
            visited_at=at,
            staff_expected=expected,
            staff_present=present,
            staff_on_post=on_post,
            staff_focused=focused,
            status=status,
            verified_by="admin1" if status == "verified" else None,
        )
        s.add(visit)
        s.flush()
        for harm, description in findings:
            s.add(InspectionFinding(visit_id=visit.id, harm=harm, description=description))
        uow.commit()
        return visit.id


def at(day: int, hour: int = 2, month: int = 3) -> datetime:
    """A UTC time in 2026 (hour 2 UTC is 10:00 in Beijing, the same day)."""
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def define(
    make_uow: MakeUow, admin: CurrentUser, code: str, direction: str = "higher", **fields: object
) -> None:
    spec = {"name": f"指标{code}", "direction": direction, "weight": 1.0, **fields}
    save_indicator(make_uow(), admin, "c1", IndicatorSpec(code=code, **spec))  # type: ignore[arg-type]


def audits(make_uow: MakeUow, action: str) -> list[AuditEntry]:
    with make_uow() as uow:
        entries = list(
            uow.session.execute(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            ).scalars()
        )
        uow.session.expunge_all()
        return entries


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    return add_user(make_uow, "admin1", Role.admin)


def two_units_visited(make_uow: MakeUow) -> int:
    """u1: (10,9,8,7) and (5,5,4,4) → 93.33/80/73.33; u2: (4,4,4,2) → 100/100/50; u3 none."""
    r = add_round(make_uow)
    add_visit(
        make_uow, r, "u1", at(3), (10, 9, 8, 7), findings=[("冷", "窗口人员态度生硬"), ("推", "推诿办事群众")]
    )
    add_visit(make_uow, r, "u1", at(17), (5, 5, 4, 4), findings=[("冷", "不回应咨询")])
    add_visit(make_uow, r, "u2", at(9), (4, 4, 4, 2), findings=[("散", "上班时间玩手机")])
    return r


# ---------------------------------------------------------------- the rates


def test_rates_pool_the_verified_visits_of_the_period(make_uow: MakeUow, admin: CurrentUser) -> None:
    r = two_units_visited(make_uow)
    # neither a recorded nor a rejected visit counts, nor their findings
    add_visit(make_uow, r, "u1", at(20), (10, 0, 0, 0), status="recorded", findings=[("懒", "x")])
    add_visit(make_uow, r, "u3", at(20), (10, 0, 0, 0), status="rejected", findings=[("懒", "x")])
    rows = unit_rates(make_uow(), admin, "c1", starts_on=MARCH[0], ends_on=MARCH[1])
    assert [x.unit_code for x in rows] == ["u1", "u2"]
    u1, u2 = rows
    assert (u1.visits, u1.expected, u1.present, u1.on_post, u1.focused) == (2, 15, 14, 12, 11)
    assert u1.attendance_rate == pytest.approx(1400 / 15)  # 93.33
    assert u1.on_post_rate == pytest.approx(80.0)
    assert u1.focus_rate == pytest.approx(1100 / 15)  # 73.33
    assert u1.findings == {"冷": 2, "推": 1} and u1.n_findings == 3
    assert (u1.first_visit, u1.last_visit) == (date(2026, 3, 3), date(2026, 3, 17))
    assert (u2.attendance_rate, u2.on_post_rate, u2.focus_rate) == (100.0, 100.0, 50.0)
    assert u2.findings == {"散": 1}
    # without a period: every verified visit; a round: only its visits
    assert [x.unit_code for x in unit_rates(make_uow(), admin, "c1")] == ["u1", "u2"]
    other = add_round(make_uow, code="r2", starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 30))
    add_visit(make_uow, other, "u3", at(2, month=4), (2, 1, 1, 1))
    assert [x.unit_code for x in unit_rates(make_uow(), admin, "c1", round_code="r2")] == ["u3"]
    with pytest.raises(NotFound, match="round"):
        unit_rates(make_uow(), admin, "c1", round_code="nope")
    with pytest.raises(Refused, match="before it starts"):
        unit_rates(make_uow(), admin, "c1", starts_on=MARCH[1], ends_on=MARCH[0])


def test_the_period_is_in_beijing_calendar_days(make_uow: MakeUow, admin: CurrentUser) -> None:
    r = add_round(make_uow)
    add_visit(make_uow, r, "u1", datetime(2026, 2, 28, 16, 30, tzinfo=UTC), (2, 2, 2, 2))  # 1 March, 00:30
    add_visit(make_uow, r, "u2", datetime(2026, 3, 31, 16, 30, tzinfo=UTC), (2, 2, 2, 2))  # 1 April, 00:30
    add_visit(make_uow, r, "u3", datetime(2026, 3, 31, 15, 59, tzinfo=UTC), (2, 1, 1, 1))  # 31 March, 23:59
    rows = unit_rates(make_uow(), admin, "c1", starts_on=MARCH[0], ends_on=MARCH[1])
    assert [(x.unit_code, x.first_visit) for x in rows] == [
        ("u1", date(2026, 3, 1)),
        ("u3", date(2026, 3, 31)),
    ]
    april = unit_rates(make_uow(), admin, "c1", starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 30))
    assert [x.unit_code for x in april] == ["u2"]


def test_only_admins_see_and_feed_the_rates(make_uow: MakeUow, admin: CurrentUser) -> None:
    inspector = add_user(make_uow, "insp1", Role.inspector)
    for call in (
        lambda u: unit_rates(make_uow(), u, "c1"),
        lambda u: get_rule(make_uow(), u, "c1"),
        lambda u: set_rule(make_uow(), u, "c1", feed="rates"),
        lambda u: feed_rates(make_uow(), u, "c1", starts_on=MARCH[0], ends_on=MARCH[1]),
        lambda u: feed_finding_deductions(make_uow(), u, "c1", starts_on=MARCH[0], ends_on=MARCH[1]),
    ):
        with pytest.raises(PermissionDenied):
            call(inspector)
        with pytest.raises(PermissionDenied):
            call(None)


# ---------------------------------------------------------------- the rule


def test_the_rule_is_checked_and_audited(make_uow: MakeUow, admin: CurrentUser) -> None:
    define(make_uow, admin, "attendance")
    define(make_uow, admin, "focus")
    define(make_uow, admin, "overtime", "lower")
    assert get_rule(make_uow(), admin, "c1").feed == "rates"
    assert get_rule(make_uow(), admin, "c1").indicators == {}
    with pytest.raises(Refused, match="feed must be"):
        set_rule(make_uow(), admin, "c1", feed="both")
    with pytest.raises(NotFound, match=r"indicators\.on_post.*'nope'"):
        set_rule(make_uow(), admin, "c1", feed="rates", indicators={"on_post": "nope"})
    with pytest.raises(Refused, match=r"indicators\.attendance.*lower-is-better"):
        set_rule(make_uow(), admin, "c1", feed="rates", indicators={"attendance": "overtime"})
    with pytest.raises(Refused, match="two rates"):
        set_rule(make_uow(), admin, "c1", feed="rates", indicators={"attendance": "focus", "focus": "focus"})
    with pytest.raises(Refused, match="unknown rate"):
        set_rule(make_uow(), admin, "c1", feed="rates", indicators={"speed": "focus"})
    with pytest.raises(Refused, match="deduction cap of 10"):
        set_rule(make_uow(), admin, "c1", feed="deductions", points_per_finding=10.5)
    with pytest.raises(Refused, match="positive"):
        set_rule(make_uow(), admin, "c1", feed="deductions", points_per_finding=0)
    assert audits(make_uow, "inspections.rule") == []

    set_rule(make_uow(), admin, "c1", feed="rates", indicators={"focus": "focus", "attendance": "attendance"})
    set_rule(make_uow(), admin, "c1", feed="rates", indicators={"attendance": "attendance", "focus": "focus"})
    set_rule(make_uow(), admin, "c1", feed="deductions", points_per_finding=1.5)
    rule = get_rule(make_uow(), admin, "c1")
    assert (rule.feed, rule.points_per_finding) == ("deductions", 1.5)
    entries = audits(make_uow, "inspections.rule")  # the repeated rule is no change
    assert [(e.before, e.after, e.actor) for e in entries] == [
        (
            None,
            {
                "feed": "rates",
                "indicators": {"attendance": "attendance", "focus": "focus"},
                "points_per_finding": 0.5,
            },
            "admin1",
        ),
        (
            {
                "feed": "rates",
                "indicators": {"attendance": "attendance", "focus": "focus"},
                "points_per_finding": 0.5,
            },
            {"feed": "deductions", "indicators": {}, "points_per_finding": 1.5},
            "admin1",
        ),
    ]
    set_status(make_uow, "c1", CampaignStatus.published)
    with pytest.raises(InputsFrozen):
        set_rule(make_uow(), admin, "c1", feed="rates")


# ---------------------------------------------------------------- feeding the indicators


def test_feeding_the_rates_writes_values_with_their_provenance(make_uow: MakeUow, admin: CurrentUser) -> None:
    define(make_uow, admin, "attendance", source_system="12345")
    define(make_uow, admin, "focus")
    set_indicator_value(make_uow(), admin, "c1", "focus", "u3", 88.0)  # u3 has no visit: it keeps it
    two_units_visited(make_uow)
    with pytest.raises(Refused, match="names no indicator"):
        feed_rates(make_uow(), admin, "c1", starts_on=MARCH[0], ends_on=MARCH[1])
    set_rule(make_uow(), admin, "c1", feed="rates", indicators={"attendance": "attendance", "focus": "focus"})

    report = feed_rates(make_uow(), admin, "c1", starts_on=MARCH[0], ends_on=MARCH[1])
    assert (report.units_fed, report.units_without_visits) == (["u1", "u2"], ["u3"])
    assert (report.added, report.changed, report.unchanged) == (4, 0, 0)
    attendance = {r.unit_code: r for r in indicator_values(make_uow(), admin, "c1", "attendance")}
    assert attendance["u1"].value == pytest.approx(93.3333333333) and attendance["u2"].value == 100.0
    assert attendance["u3"].value is None
    assert {
        r.unit_code: r.value for r in indicator_values(make_uow(), admin, "c1", "focus")
    } == pytest.approx({"u1": 1100 / 15, "u2": 50.0, "u3": 88.0})
    assert attendance["u1"].source_system == "明察暗访"
    assert value_provenance(make_uow(), admin, "c1", "focus") == {
        "u1": "computed from 2 visits between 2026-03-01 and 2026-03-31",
        "u2": "computed from 1 visit between 2026-03-01 and 2026-03-31",
    }
    assert parse_provenance(provenance_text(2, *MARCH)) == (2, *MARCH)
    assert parse_provenance("imported from 12345") is None
    (entry,) = audits(make_uow, "inspections.feed_rates")
    assert entry.after["units_fed"] == 2 and entry.after["visits"] == 3 and entry.after["added"] == 4

    # a rerun over another period: same values, new provenance; a typed value loses it
    again = feed_rates(make_uow(), admin, "c1", starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 20))
    assert (again.added, again.changed, again.unchanged) == (0, 0, 4)
    assert value_provenance(make_uow(), admin, "c1", "focus")["u1"].endswith("2026-03-02 and 2026-03-20")
    set_indicator_value(make_uow(), admin, "c1", "focus", "u1", 70.0)
    assert "u1" not in value_provenance(make_uow(), admin, "c1", "focus")

    # the rule feeds one of the two: the deductions are refused now
    with pytest.raises(Refused, match="feeds the rates"):
        feed_finding_deductions(make_uow(), admin, "c1", starts_on=MARCH[0], ends_on=MARCH[1])


def test_a_frozen_indicator_takes_the_rates_only_with_a_reason(make_uow: MakeUow, admin: CurrentUser) -> None:
    define(make_uow, admin, "attendance", freeze_date=FREEZE)
    set_rule(make_uow(), admin, "c1", feed="rates", indicators={"attendance": "attendance"})
    two_units_visited(make_uow)
    with pytest.raises(Refused, match="correction reason"):
        feed_rates(make_uow(), admin, "c1", starts_on=MARCH[0], ends_on=MARCH[1], clock=AFTER_FREEZE)
    with make_uow() as uow:
        assert uow.session.execute(select(IndicatorValue)).first() is None
    report = feed_rates(
        make_uow(),
        admin,
        "c1",
        starts_on=MARCH[0],
        ends_on=MARCH[1],
        reason="暗访复核后补录",
        clock=AFTER_FREEZE,
    )
    assert report.corrections == 2
    assert [e.entity_id for e in audits(make_uow, "indicator_value.correct")] == [
        "c1/attendance/u1",
        "c1/attendance/u2",
    ]
    set_status(make_uow, "c1", CampaignStatus.published)
    with pytest.raises(InputsFrozen):
        feed_rates(make_uow(), admin, "c1", starts_on=MARCH[0], ends_on=MARCH[1])


# ---------------------------------------------------------------- findings into deductions


def test_findings_become_deductions_within_the_cap_and_a_rerun_replaces_them(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    r = two_units_visited(make_uow)
    with pytest.raises(Refused, match="feeds the rates"):
        feed_finding_deductions(make_uow(), admin, "c1", starts_on=MARCH[0], ends_on=MARCH[1])
    set_rule(make_uow(), admin, "c1", feed="deductions", points_per_finding=4)
    with pytest.raises(Refused, match="feeds deductions"):
        feed_rates(make_uow(), admin, "c1", starts_on=MARCH[0], ends_on=MARCH[1])

    report = feed_finding_deductions(make_uow(), admin, "c1", starts_on=MARCH[0], ends_on=MARCH[1])
    # u1: 3 findings × 4 = 12, capped at 10; u2: 1 × 4
    assert [(e.unit_code, e.findings, e.points) for e in report.entries] == [("u1", 3, 10.0), ("u2", 1, 4.0)]
    assert (report.source, report.replaced, report.cap) == ("inspections:2026-03-01..2026-03-31", 0, 10.0)
    with make_uow() as uow:
        rows = uow.session.execute(select(Adjustment).order_by(Adjustment.position)).scalars().all()
        stored = [(a.kind, a.points, a.source, a.evidence_name) for a in rows]
        reason, evidence = rows[0].reason, bytes(rows[0].evidence)
    assert stored == [
        ("deduction", 10.0, "inspections:2026-03-01..2026-03-31", "inspections-u1-2026-03-01-2026-03-31.csv"),
        ("deduction", 4.0, "inspections:2026-03-01..2026-03-31", "inspections-u2-2026-03-01-2026-03-31.csv"),
    ]
    assert reason.startswith("明察暗访核实问题3个（冷2、推），2026-03-01至2026-03-31")
    text = evidence.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["visit_date", "round", "harm", "description"],
        ["2026-03-03", "r1", "冷", "窗口人员态度生硬"],
        ["2026-03-03", "r1", "推", "推诿办事群众"],
        ["2026-03-17", "r1", "冷", "不回应咨询"],
    ]
    assert "inspector-zhang" not in text

    # another finding on u2 and one visit of u1 rejected: the rerun replaces, never adds
    add_visit(make_uow, r, "u2", at(25), (4, 4, 3, 3), findings=[("=cmd", "=HYPERLINK(1)")])
    with make_uow() as uow:
        first = uow.session.execute(select(InspectionVisit).order_by(InspectionVisit.id)).scalars().first()
        first.status = "rejected"
        uow.commit()
    again = feed_finding_deductions(make_uow(), admin, "c1", starts_on=MARCH[0], ends_on=MARCH[1])
    assert again.replaced == 2
    assert [(e.unit_code, e.points) for e in again.entries] == [("u1", 4.0), ("u2", 8.0)]
    with make_uow() as uow:
        rows = uow.session.execute(select(Adjustment).order_by(Adjustment.position)).scalars().all()
        assert [(a.points, a.source) for a in rows] == [(4.0, report.source), (8.0, report.source)]
        u2_evidence = bytes(rows[1].evidence).decode("utf-8-sig")
    assert "'=cmd,'=HYPERLINK(1)" in u2_evidence  # a spreadsheet shows it, never runs it
    entries = audits(make_uow, "inspections.feed_deductions")
    assert [e.before for e in entries] == [
        None,
        {"source": report.source, "deductions": {"u1": 10.0, "u2": 4.0}},
    ]
    assert entries[1].after["deductions"] == {"u1": 4.0, "u2": 8.0}

    # a typed deduction and another period's entries are left alone
    with make_uow() as uow:
        campaign_id = uow.session.execute(select(Campaign.id)).scalar_one()
        unit_id = uow.session.execute(select(Unit.id).where(Unit.code == "u3")).scalar_one()
        uow.session.add(
            Adjustment(campaign_id=campaign_id, unit_id=unit_id, kind="deduction", points=2.0, position=50)
        )
        uow.commit()
    feed_finding_deductions(make_uow(), admin, "c1", starts_on=date(2026, 3, 20), ends_on=MARCH[1])
    with make_uow() as uow:
        sources = sorted(uow.session.execute(select(Adjustment.source)).scalars())
    assert sources == ["", report.source, report.source, "inspections:2026-03-20..2026-03-31"]
