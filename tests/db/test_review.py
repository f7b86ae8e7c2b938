"""Reviewing responses (services.review): flag and quarantine, decide in bulk, compare scores.

Every test runs on SQLite and on PostgreSQL (tests/conftest.py).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from db.bundle_io import import_bundle
from db.models import (
    AuditEntry,
    Campaign,
    CampaignStatus,
    Invitation,
    Item,
    RespondentGroup,
    Role,
    SurveyAnswer,
    SurveyResponse,
    Unit,
)
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, PermissionDenied
from services.review import (
    decide,
    flag_responses,
    review_counts,
    review_queue,
    reviewable_campaigns,
    score_with_and_without,
)
from survey import quality
from tests.db.kit import T0, MakeUow, add_user, set_status

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "example" / "bundle"
BURST = [f"burst{i}" for i in range(5)]


def add_responses(
    make_uow: MakeUow,
    code: str,
    unit_code: str,
    codes: list[str],
    *,
    option: str = "satisfied",
    device: str | None = None,
    invitation: bool = False,
) -> None:
    """Responses one minute apart from T0, every item answered with ``option``."""
    with make_uow() as uow:
        s = uow.session
        campaign = s.execute(select(Campaign).where(Campaign.code == code)).scalar_one()
        unit_id = s.execute(select(Unit.id).where(Unit.code == unit_code)).scalar_one()
        group_id = s.execute(
            select(RespondentGroup.id).where(
                RespondentGroup.campaign_id == campaign.id, RespondentGroup.code == "citizen"
            )
        ).scalar_one()
        items = s.execute(
            select(Item.id).where(Item.campaign_id == campaign.id, Item.instrument == "survey")
        ).scalars()
        item_ids = list(items)
        for i, response_code in enumerate(codes):
            invitation_id = None
            if invitation:
                inv = Invitation(campaign_id=campaign.id, unit_id=unit_id, token_hash=f"h-{response_code}")
                s.add(inv)
                s.flush()
                invitation_id = inv.id
            s.add(
                SurveyResponse(
                    campaign_id=campaign.id,
                    code=response_code,
                    unit_id=unit_id,
                    group_id=group_id,
                    channel="wechat",
                    submitted_at=(T0 + timedelta(minutes=i)).isoformat(timespec="seconds"),
                    status="valid",
                    attributes={},
                    device_hash=device,
                    duration_seconds=120.0,
                    invitation_id=invitation_id,
                    answers=[SurveyAnswer(item_id=item_id, option_code=option) for item_id in item_ids],
                )
            )
        uow.commit()


@pytest.fixture
def campaign(make_uow: MakeUow) -> str:
    """The example bundle plus five all-satisfied answers about A2 from one phone in 5 minutes."""
    with make_uow() as uow:
        code = import_bundle(uow, EXAMPLE).code
        uow.commit()
    add_responses(make_uow, code, "A2", BURST, device="phone-1")
    return code


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    return add_user(make_uow, "admin1", Role.admin)


def statuses(make_uow: MakeUow, code: str) -> dict[str, tuple[str, list[str], str]]:
    with make_uow() as uow:
        rows = uow.session.execute(
            select(
                SurveyResponse.code,
                SurveyResponse.status,
                SurveyResponse.quality_flags,
                SurveyResponse.review_note,
            )
            .join(Campaign, Campaign.id == SurveyResponse.campaign_id)
            .where(Campaign.code == code)
        ).all()
        return {c: (s, list(f or []), n) for c, s, f, n in rows}


def audit_entries(make_uow: MakeUow, action: str) -> list[tuple[str, str, dict, dict]]:
    with make_uow() as uow:
        return [
            (e.actor, e.entity_id, e.before, e.after)
            for e in uow.session.execute(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            ).scalars()
        ]


def test_flagged_responses_are_quarantined_not_deleted(
    make_uow: MakeUow, campaign: str, admin: CurrentUser
) -> None:
    before = statuses(make_uow, campaign)
    summary = flag_responses(make_uow("admin1"), admin, campaign)
    after = statuses(make_uow, campaign)
    assert set(after) == set(before)  # nothing deleted
    assert sorted(summary["quarantined"]) == BURST
    for code in BURST:
        status, flags, _ = after[code]
        assert status == "quarantined"
        assert "device_burst" in flags
    for code in set(before) - set(BURST):
        assert after[code][0] == before[code][0]
        assert after[code][1] == []
    entries = audit_entries(make_uow, "response.flag")
    assert sorted(e[1] for e in entries) == BURST
    assert all(e[0] == "admin1" and e[2]["status"] == "valid" for e in entries)
    assert all(e[3]["status"] == "quarantined" for e in entries)
    assert len(audit_entries(make_uow, "campaign.quality_check")) == 1

    # running again changes nothing and writes no response entries
    flag_responses(make_uow("admin1"), admin, campaign)
    assert statuses(make_uow, campaign) == after
    assert len(audit_entries(make_uow, "response.flag")) == len(BURST)


def test_decide_accepts_and_rejects_in_bulk_with_reason(
    make_uow: MakeUow, campaign: str, admin: CurrentUser
) -> None:
    flag_responses(make_uow(), admin, campaign)
    assert decide(make_uow(), admin, campaign, BURST[:2], True, "回访确认为本人真实评价") == 2
    assert decide(make_uow(), admin, campaign, BURST[2:], False, "回访无法确认，不计入统计") == 3
    now = statuses(make_uow, campaign)
    assert [now[c][0] for c in BURST] == ["valid"] * 2 + ["quarantined"] * 3
    assert [now[c][2] for c in BURST] == ["回访确认为本人真实评价"] * 2 + ["回访无法确认，不计入统计"] * 3
    assert "device_burst" in now[BURST[0]][1]  # the flags stay for the record
    accepted = audit_entries(make_uow, "response.accept")
    rejected = audit_entries(make_uow, "response.reject")
    assert [e[1] for e in accepted] == BURST[:2]
    assert [e[1] for e in rejected] == BURST[2:]
    assert all(e[3]["review_note"] == "回访无法确认，不计入统计" for e in rejected)
    assert all(e[0] == "admin1" for e in accepted + rejected)

    # a later check does not quarantine the accepted ones again
    flag_responses(make_uow(), admin, campaign)
    assert statuses(make_uow, campaign) == now


def test_decide_refuses_bad_requests_and_changes_nothing(
    make_uow: MakeUow, campaign: str, admin: CurrentUser
) -> None:
    flag_responses(make_uow(), admin, campaign)
    before = statuses(make_uow, campaign)
    with pytest.raises(Refused):
        decide(make_uow(), admin, campaign, BURST, True, "   ")
    with pytest.raises(Refused):
        decide(make_uow(), admin, campaign, [], True, "ok")
    with pytest.raises(NotFound):
        decide(make_uow(), admin, campaign, [*BURST, "nope"], True, "ok")
    assert statuses(make_uow, campaign) == before
    assert audit_entries(make_uow, "response.accept") == []


def test_non_admin_roles_are_refused(make_uow: MakeUow, campaign: str) -> None:
    supervisor = add_user(make_uow, "sup1", Role.supervisor)
    liaison = add_user(make_uow, "liaison1", Role.liaison, unit_code="A2")
    before = statuses(make_uow, campaign)
    for user in (supervisor, liaison, None):
        with pytest.raises(PermissionDenied):
            flag_responses(make_uow(), user, campaign)
        with pytest.raises(PermissionDenied):
            decide(make_uow(), user, campaign, BURST, True, "ok")
        with pytest.raises(PermissionDenied):
            score_with_and_without(make_uow(), user, campaign)
    assert statuses(make_uow, campaign) == before


def test_scores_with_and_without_quarantined_favourable_responses(
    make_uow: MakeUow, campaign: str, admin: CurrentUser
) -> None:
    flag_responses(make_uow(), admin, campaign)
    rows = {r["unit_id"]: r for r in score_with_and_without(make_uow(), admin, campaign)}
    a2 = rows["A2"]
    assert a2["n_quarantined"] == len(BURST)
    assert a2["survey_with"] > a2["survey_without"]
    if a2["final_with"] is not None and a2["final_without"] is not None:
        assert a2["final_with"] > a2["final_without"]
    untouched = [r for u, r in rows.items() if u != "A2" and r["n_quarantined"] == 0]
    assert untouched
    assert all(r["survey_with"] == r["survey_without"] for r in untouched)
    # accepting them all makes the stored score the "with" score
    decide(make_uow(), admin, campaign, BURST, True, "核实无误")
    after = {r["unit_id"]: r for r in score_with_and_without(make_uow(), admin, campaign)}
    assert after["A2"]["survey_without"] == pytest.approx(a2["survey_with"])
    assert after["A2"]["n_quarantined"] == 0


def test_units_with_invitations_but_no_answers_through_them(
    make_uow: MakeUow, campaign: str, admin: CurrentUser
) -> None:
    add_responses(make_uow, campaign, "A1", ["inv1"], invitation=True)
    with make_uow() as uow:
        s = uow.session
        cid = s.execute(select(Campaign.id).where(Campaign.code == campaign)).scalar_one()
        a3 = s.execute(select(Unit.id).where(Unit.code == "A3")).scalar_one()
        s.add_all(
            Invitation(campaign_id=cid, unit_id=a3, token_hash=f"qr-{i}", kind="ticket") for i in range(3)
        )
        uow.commit()
    summary = flag_responses(make_uow(), admin, campaign)
    assert summary["no_qr_units"] == ["A3"]
    with make_uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(Invitation)).scalar_one() == 4


# ---------------------------------------------------------------- what the review page shows


def test_review_queue_lists_pending_responses_with_answers_and_no_personal_data(
    make_uow: MakeUow, campaign: str, admin: CurrentUser
) -> None:
    assert [r["code"] for r in review_queue(make_uow(), admin, campaign)] == ["r17"]  # from the bundle
    flag_responses(make_uow(), admin, campaign)
    queue = review_queue(make_uow(), admin, campaign)
    assert sorted(r["code"] for r in queue) == sorted([*BURST, "r17"])
    row = next(r for r in queue if r["code"] == BURST[0])
    assert row["unit_code"] == "A2" and row["unit_name"] == "乙街道派出所"
    assert row["group"] == "citizen" and row["group_zh"] and row["group_en"]
    assert row["channel"] == "wechat" and row["duration_seconds"] == 120.0
    assert row["submitted_at"].startswith("2026-03-01T09:00")
    assert "device_burst" in row["flags"]
    assert (row["status"], row["decision"], row["review_note"]) == ("quarantined", "pending", "")
    assert [a["item"] for a in row["answers"]] == ["attitude", "efficiency"]
    assert {a["option"] for a in row["answers"]} == {"satisfied"}
    assert row["mean_score"] == 100.0
    assert all(a["label_zh"] and a["text_en"] for a in row["answers"])
    # only what the page shows: no respondent hashes, names, devices or networks
    assert not {k for r in queue for k in r if "hash" in k or "name_enc" in k or "device" in k}
    assert "phone-1" not in repr(queue)


def test_review_queue_with_decided_ones_and_counts(
    make_uow: MakeUow, campaign: str, admin: CurrentUser
) -> None:
    flag_responses(make_uow(), admin, campaign)
    decide(make_uow(), admin, campaign, BURST[:2], True, "回访确认")
    decide(make_uow(), admin, campaign, BURST[2:3], False, "无法确认")
    assert sorted(r["code"] for r in review_queue(make_uow(), admin, campaign)) == sorted([*BURST[3:], "r17"])
    every = {r["code"]: r for r in review_queue(make_uow(), admin, campaign, pending_only=False)}
    assert set(every) == {*BURST, "r17"}
    assert [every[c]["decision"] for c in BURST] == ["accepted"] * 2 + ["rejected"] + ["pending"] * 2
    assert every[BURST[0]]["review_note"] == "回访确认" and every[BURST[0]]["status"] == "valid"
    assert every[BURST[2]]["review_note"] == "无法确认"

    counts = review_counts(make_uow(), admin, campaign)
    n_responses = len(statuses(make_uow, campaign))
    assert counts["total"] == n_responses
    assert (counts["pending"], counts["accepted"], counts["rejected"]) == (3, 2, 1)
    assert counts["duplicate"] == 1  # r9 in the bundle
    assert counts["counted"] == sum(s == "valid" for s, _, _ in statuses(make_uow, campaign).values())
    assert counts["flags"]["device_burst"] == len(BURST)
    assert set(counts["flags"]) >= set(quality.FLAGS)


def test_reviewable_campaigns_are_the_ones_not_yet_published(
    make_uow: MakeUow, campaign: str, admin: CurrentUser
) -> None:
    flag_responses(make_uow(), admin, campaign)
    listed = reviewable_campaigns(make_uow(), admin)
    assert [(c["code"], c["pending"]) for c in listed] == [(campaign, len(BURST) + 1)]
    assert listed[0]["name"] and listed[0]["year"] and listed[0]["status"]
    for frozen in (CampaignStatus.published, CampaignStatus.final):
        set_status(make_uow, campaign, frozen)
        assert reviewable_campaigns(make_uow(), admin) == []
    set_status(make_uow, campaign, CampaignStatus.review)
    assert [c["code"] for c in reviewable_campaigns(make_uow(), admin)] == [campaign]


def test_the_page_functions_are_for_administrators_only(make_uow: MakeUow, campaign: str) -> None:
    supervisor = add_user(make_uow, "sup1", Role.supervisor)
    liaison = add_user(make_uow, "liaison1", Role.liaison, unit_code="A2")
    for user in (supervisor, liaison, None):
        with pytest.raises(PermissionDenied):
            reviewable_campaigns(make_uow(), user)
        with pytest.raises(PermissionDenied):
            review_queue(make_uow(), user, campaign)
        with pytest.raises(PermissionDenied):
            review_counts(make_uow(), user, campaign)


def test_page_functions_name_an_unknown_campaign(make_uow: MakeUow, admin: CurrentUser) -> None:
    with pytest.raises(NotFound):
        review_queue(make_uow(), admin, "nope")
    with pytest.raises(NotFound):
        review_counts(make_uow(), admin, "nope")


def reference_counts(rows: dict[str, tuple[str, list[str], str]]) -> dict[str, Any]:
    """review_counts as it was computed before it moved into SQL: one pass over every response."""
    counts: dict[str, Any] = dict.fromkeys(
        ("total", "counted", "pending", "accepted", "rejected", "flagged", "withdrawn", "duplicate"), 0
    )
    flags = dict.fromkeys(quality.FLAGS, 0)
    for status, stored, note in rows.values():
        counts["total"] += 1
        if status in ("withdrawn", "duplicate"):
            counts[status] += 1
            continue
        if status == "valid":
            counts["counted"] += 1
        if status not in ("valid", "quarantined"):
            continue
        if status == "quarantined":
            decision: str | None = "rejected" if note else "pending"
        else:
            decision = "accepted" if note else ("flagged" if stored else None)
        if decision is not None:
            counts[decision] += 1
        for flag in stored:
            flags[flag] = flags.get(flag, 0) + 1
    counts["flags"] = flags
    return counts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_and_queue_read_in_sql_match_a_pass_over_every_response(
    make_uow: MakeUow, campaign: str, admin: CurrentUser, seed: int
) -> None:
    # Every mix of status, note and flags, stored straight in the table (as intake, appeals
    # and older checks leave them), then counted by the database and by the reference.
    import random

    rng = random.Random(seed)
    with make_uow() as uow:
        responses = (
            uow.session.execute(
                select(SurveyResponse)
                .join(Campaign)
                .where(Campaign.code == campaign)
                .order_by(SurveyResponse.id)
            )
            .scalars()
            .all()
        )
        for response in responses:
            response.status = rng.choice(["valid", "valid", "quarantined", "withdrawn", "duplicate", ""])
            response.review_note = rng.choice(["", "", "回访确认"])
            response.quality_flags = rng.sample(list(quality.FLAGS), rng.choice([0, 0, 1, 2]))
        uow.commit()
    rows = statuses(make_uow, campaign)
    assert review_counts(make_uow(), admin, campaign) == reference_counts(rows)
    queue = review_queue(make_uow(), admin, campaign, pending_only=False)
    expected = {
        code
        for code, (status, stored, note) in rows.items()
        if status == "quarantined" or (status == "valid" and (note or stored))
    }
    assert {r["code"] for r in queue} == expected
    pending = [r["code"] for r in review_queue(make_uow(), admin, campaign, pending_only=True)]
    assert pending == [r["code"] for r in queue if r["decision"] == "pending"]
