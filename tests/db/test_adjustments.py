"""Adjustments (services.adjustments): bonus, deduction and veto with reason and evidence,
checked against the method's caps, removable only with a reason, all audited.

Every test runs on SQLite and on PostgreSQL (tests/conftest.py).
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from db.models import Adjustment, AuditEntry, CampaignStatus, Role
from services.adjustments import (
    MAX_EVIDENCE_BYTES,
    Caps,
    EvidenceTooLarge,
    add_adjustment,
    caps,
    check_points,
    evidence,
    list_adjustments,
    remove_adjustment,
    unit_totals,
)
from services.errors import InputsFrozen, NotFound, Refused
from services.permissions import CurrentUser, PermissionDenied
from tests.db.kit import MakeUow, add_user, seed_campaign, set_status

PDF = b"%PDF-1.4 decision"


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    seed_campaign(make_uow, status=CampaignStatus.scoring)
    return add_user(make_uow, "admin1", Role.admin)


def audits(make_uow: MakeUow, action: str) -> list[tuple[str, str, dict | None, dict | None]]:
    with make_uow() as uow:
        return [
            (e.actor, e.entity_id, e.before, e.after)
            for e in uow.session.execute(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            ).scalars()
        ]


def test_adding_each_kind_stores_the_evidence_and_is_audited(make_uow: MakeUow, admin: CurrentUser) -> None:
    bonus = add_adjustment(
        make_uow(), admin, "c1", "u1", "bonus", 3, "完成拼搏目标", "临评办〔2026〕3号.pdf", PDF
    )
    add_adjustment(make_uow(), admin, "c1", "u2", "deduction", 4.5, "不作为问题查实", "临纪通.pdf", PDF)
    add_adjustment(make_uow(), admin, "c1", "u3", "veto", None, "发生重大责任事故", "临纪发.pdf", PDF)

    rows = list_adjustments(make_uow(), admin, "c1")
    assert [(r.unit_code, r.kind, r.points, r.evidence_size) for r in rows] == [
        ("u1", "bonus", 3.0, len(PDF)),
        ("u2", "deduction", 4.5, len(PDF)),
        ("u3", "veto", None, len(PDF)),
    ]
    assert evidence(make_uow(), admin, "c1", bonus) == ("临评办〔2026〕3号.pdf", PDF)
    entries = audits(make_uow, "adjustment.add")
    assert len(entries) == 3
    actor, entity_id, before, after = entries[0]
    assert (actor, entity_id, before) == ("admin1", str(bonus), None)
    assert after is not None
    assert after["evidence_sha256"] == hashlib.sha256(PDF).hexdigest()
    assert after["reason"] == "完成拼搏目标" and "evidence" not in after


@pytest.mark.parametrize(
    ("kind", "points", "message"),
    [
        ("bonus", 0, "positive"),
        ("bonus", -1, "positive"),
        ("deduction", None, "number"),
        ("bonus", 5.5, "cap of 5"),
        ("deduction", 11, "cap of 10"),
        ("veto", 3, "no points"),
        ("praise", 1, "bonus, deduction or veto"),
    ],
)
def test_points_out_of_bounds_are_refused(
    make_uow: MakeUow, admin: CurrentUser, kind: str, points: float | None, message: str
) -> None:
    with pytest.raises(Refused, match=message):
        add_adjustment(make_uow(), admin, "c1", "u1", kind, points, "理由", "e.pdf", PDF)
    assert list_adjustments(make_uow(), admin, "c1") == []


def test_the_caps_come_from_the_campaign_method(make_uow: MakeUow, admin: CurrentUser) -> None:
    set_status(make_uow, "c1", CampaignStatus.scoring, method_toml="[adjustments]\nbonus_cap = 2\n")
    assert caps(make_uow(), admin, "c1") == Caps(bonus=2.0, deduction=10.0)
    with pytest.raises(Refused, match="cap of 2"):
        add_adjustment(make_uow(), admin, "c1", "u1", "bonus", 3, "理由", "e.pdf", PDF)
    assert check_points("bonus", 2, Caps(2.0, 10.0)) == 2.0


def test_totals_show_what_the_caps_let_through(make_uow: MakeUow, admin: CurrentUser) -> None:
    add_adjustment(make_uow(), admin, "c1", "u1", "bonus", 4, "目标一", "a.pdf", PDF)
    add_adjustment(make_uow(), admin, "c1", "u1", "bonus", 3, "目标二", "b.pdf", PDF)
    add_adjustment(make_uow(), admin, "c1", "u2", "veto", None, "否决", "c.pdf", PDF)
    totals = {t.unit_code: t for t in unit_totals(make_uow(), admin, "c1")}
    assert (totals["u1"].bonus, totals["u1"].bonus_applied, totals["u1"].veto) == (7.0, 5.0, False)
    assert totals["u2"].veto
    with pytest.raises(Refused, match="already vetoed"):
        add_adjustment(make_uow(), admin, "c1", "u2", "veto", None, "再次否决", "d.pdf", PDF)


def test_reason_and_evidence_are_required_and_evidence_is_at_most_10_mb(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    with pytest.raises(Refused, match="reason"):
        add_adjustment(make_uow(), admin, "c1", "u1", "bonus", 1, "  ", "e.pdf", PDF)
    with pytest.raises(Refused, match="evidence"):
        add_adjustment(make_uow(), admin, "c1", "u1", "bonus", 1, "理由", "", None)
    with pytest.raises(EvidenceTooLarge, match="at most 10 MB"):
        add_adjustment(
            make_uow(), admin, "c1", "u1", "bonus", 1, "理由", "big.pdf", b"x" * (MAX_EVIDENCE_BYTES + 1)
        )
    with pytest.raises(NotFound):
        add_adjustment(make_uow(), admin, "c1", "u9", "bonus", 1, "理由", "e.pdf", PDF)
    assert list_adjustments(make_uow(), admin, "c1") == []
    assert audits(make_uow, "adjustment.add") == []


def test_removal_needs_a_reason_and_the_audit_keeps_what_was_removed(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    aid = add_adjustment(make_uow(), admin, "c1", "u1", "deduction", 2, "不作为", "e.pdf", PDF)
    with pytest.raises(Refused, match="reason"):
        remove_adjustment(make_uow(), admin, "c1", aid, " ")
    remove_adjustment(make_uow(), admin, "c1", aid, "申诉成立，撤销扣分")
    assert list_adjustments(make_uow(), admin, "c1") == []
    ((actor, entity_id, before, after),) = audits(make_uow, "adjustment.remove")
    assert (actor, entity_id, after) == ("admin1", str(aid), {"reason": "申诉成立，撤销扣分"})
    assert before is not None and (before["kind"], before["points"], before["unit"]) == (
        "deduction",
        2.0,
        "u1",
    )
    with pytest.raises(NotFound):
        remove_adjustment(make_uow(), admin, "c1", aid, "again")


def test_only_admins_and_not_once_published(make_uow: MakeUow, admin: CurrentUser) -> None:
    aid = add_adjustment(make_uow(), admin, "c1", "u1", "bonus", 1, "理由", "e.pdf", PDF)
    liaison = add_user(make_uow, "liaison", Role.liaison, unit_code="u1")
    with pytest.raises(PermissionDenied):
        add_adjustment(make_uow(), liaison, "c1", "u1", "bonus", 1, "理由", "e.pdf", PDF)
    with pytest.raises(PermissionDenied):
        evidence(make_uow(), liaison, "c1", aid)
    set_status(make_uow, "c1", CampaignStatus.published)
    with pytest.raises(InputsFrozen):
        remove_adjustment(make_uow(), admin, "c1", aid, "理由")
    with make_uow() as uow:
        assert len(uow.session.execute(select(Adjustment)).all()) == 1
