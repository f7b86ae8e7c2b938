"""The monthly inspection bulletin (services.inspection_bulletin): what a month's verified
visits show, the public months (audited) and what the public sees. Every test runs on
SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from db.models import AuditEntry, CampaignStatus, Role
from services.errors import InputsFrozen, Refused
from services.inspection_bulletin import month_bounds, monthly_bulletin, public_bulletins, set_public
from services.inspection_rates import get_rule, set_rule
from services.permissions import CurrentUser, PermissionDenied
from tests.db.kit import MakeUow, add_user, seed_campaign, set_status
from tests.db.test_inspection_rates import add_round, add_visit, at


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork, units=("u1", "u2", "u3", "u4", "u5"))
    return add_user(make_uow, "admin1", Role.admin)


def visits(make_uow: MakeUow) -> None:
    r = add_round(make_uow)
    add_visit(make_uow, r, "u1", at(3), (10, 9, 8, 7), findings=[("冷", "态度生硬"), ("推", "推诿群众")])
    add_visit(make_uow, r, "u1", at(17), (5, 5, 4, 4), findings=[("冷", "不理睬咨询")])
    add_visit(make_uow, r, "u2", at(9), (4, 4, 4, 4))
    add_visit(make_uow, r, "u3", at(10), (4, 2, 2, 1), findings=[("散", "上班玩手机")])
    add_visit(make_uow, r, "u4", at(12), (10, 10, 10, 9))
    add_visit(make_uow, r, "u5", at(12), (10, 0, 0, 0), status="rejected", findings=[("懒", "x")])
    add_visit(make_uow, r, "u5", at(2, month=4), (3, 3, 3, 3), findings=[("慢", "四月的问题")])


def strings(value: Any) -> list[str]:
    """Every text inside a dataclass (recursively)."""
    if dataclasses.is_dataclass(value):
        return [s for f in dataclasses.fields(value) for s in strings(getattr(value, f.name))]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings(k), *strings(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def test_a_months_bulletin(make_uow: MakeUow, admin: CurrentUser) -> None:
    visits(make_uow)
    b = monthly_bulletin(make_uow(), admin, "c1", 2026, 3)
    assert (b.visits, b.units_visited, b.public, b.month_key) == (5, 4, False, "2026-03")
    assert b.findings_by_harm == {"冷": 2, "推": 1, "散": 1} and b.n_findings == 4
    assert [(u.unit_code, u.visits, u.by_harm) for u in b.units_with_findings] == [
        ("u1", 2, {"冷": 2, "推": 1}),
        ("u3", 1, {"散": 1}),
    ]
    assert [(f.harm, f.description, f.visited_on) for f in b.units_with_findings[0].findings] == [
        ("冷", "态度生硬", date(2026, 3, 3)),
        ("冷", "不理睬咨询", date(2026, 3, 17)),
        ("推", "推诿群众", date(2026, 3, 3)),
    ]
    # lowest mean of the three rates first: u3 (50, 50, 25), u1 (93.3, 80, 73.3), u4 (100, 100, 90)
    assert [r.unit_code for r in b.lowest] == ["u3", "u1", "u4"]
    # pooled over the month's 33 expected staff: 30, 28, 25 found
    assert (b.attendance_rate, b.on_post_rate, b.focus_rate) == pytest.approx(
        (3000 / 33, 2800 / 33, 2500 / 33)
    )
    empty = monthly_bulletin(make_uow(), admin, "c1", 2026, 2)
    assert (empty.visits, empty.units_with_findings, empty.lowest) == (0, [], [])
    assert math.isnan(empty.attendance_rate)
    with pytest.raises(Refused, match="month"):
        monthly_bulletin(make_uow(), admin, "c1", 2026, 13)
    with pytest.raises(PermissionDenied):
        monthly_bulletin(make_uow(), add_user(make_uow, "insp", Role.inspector), "c1", 2026, 3)


def test_month_bounds() -> None:
    assert month_bounds(2024, 2) == (date(2024, 2, 1), date(2024, 2, 29))
    assert month_bounds(2026, 12) == (date(2026, 12, 1), date(2026, 12, 31))
    for year, month in ((1999, 1), (2026, 0), (2026, True)):
        with pytest.raises(Refused):
            month_bounds(year, month)  # type: ignore[arg-type]


def test_public_months_are_audited_and_only_they_are_public(make_uow: MakeUow, admin: CurrentUser) -> None:
    visits(make_uow)
    assert public_bulletins(make_uow()) == []
    with pytest.raises(Refused, match="no verified visit in 2026-02"):
        set_public(make_uow(), admin, "c1", 2026, 2, True)
    with pytest.raises(PermissionDenied):
        set_public(make_uow(), None, "c1", 2026, 3, True)
    assert set_public(make_uow(), admin, "c1", 2026, 3, True) is True
    assert set_public(make_uow(), admin, "c1", 2026, 3, True) is False  # already public
    assert set_public(make_uow(), admin, "c1", 2026, 4, True) is True
    # the rule and the public months live side by side: setting one keeps the other
    set_rule(make_uow(), admin, "c1", feed="deductions", points_per_finding=1)
    assert get_rule(make_uow(), admin, "c1").feed == "deductions"

    found = public_bulletins(make_uow())
    assert [(b.campaign_code, b.month_key) for b in found] == [("c1", "2026-04"), ("c1", "2026-03")]
    assert found[1].campaign_name == "测试评议" and found[1].public
    texts = strings(found)
    assert "inspector-zhang" not in texts and "admin1" not in texts  # no inspector, no verifier
    assert not any(f.name in ("photos", "inspector") for f in dataclasses.fields(found[0]))

    assert set_public(make_uow(), admin, "c1", 2026, 4, False) is True
    assert [b.month_key for b in public_bulletins(make_uow())] == ["2026-03"]
    with make_uow() as uow:
        entries = uow.session.execute(
            select(AuditEntry.before, AuditEntry.after)
            .where(AuditEntry.action == "inspections.bulletin_public")
            .order_by(AuditEntry.id)
        ).all()
    assert [(b, a["public_months"]) for b, a in entries] == [
        ({"public_months": []}, ["2026-03"]),
        ({"public_months": ["2026-03"]}, ["2026-03", "2026-04"]),
        ({"public_months": ["2026-03", "2026-04"]}, ["2026-03"]),
    ]
    set_status(make_uow, "c1", CampaignStatus.published)
    with pytest.raises(InputsFrozen):
        set_public(make_uow(), admin, "c1", 2026, 4, True)
    assert [b.month_key for b in public_bulletins(make_uow())] == ["2026-03"]  # still shown


def test_public_bulletins_are_newest_first_across_campaigns(make_uow: MakeUow, admin: CurrentUser) -> None:
    seed_campaign(make_uow, "c2", units=("u1", "u2"), status=CampaignStatus.fieldwork)
    visits(make_uow)
    r2 = add_round(make_uow, "c2")
    add_visit(make_uow, r2, "u2", datetime(2026, 5, 6, 1, tzinfo=UTC), (2, 2, 1, 1))
    set_public(make_uow(), admin, "c1", 2026, 3, True)
    set_public(make_uow(), admin, "c2", 2026, 5, True)
    assert [(b.campaign_code, b.month_key, b.visits) for b in public_bulletins(make_uow())] == [
        ("c2", "2026-05", 1),
        ("c1", "2026-03", 5),
    ]
