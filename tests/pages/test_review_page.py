"""The response review page (app_pages/review.py) driven with AppTest on a seeded database.

The example bundle plus five all-satisfied answers about A2 from one phone within five
minutes (a device burst); every test runs on SQLite and on PostgreSQL (``app_database``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.bundle_io import import_bundle
from db.models import (
    AuditEntry,
    Campaign,
    CampaignUnit,
    Item,
    RespondentGroup,
    Role,
    SurveyAnswer,
    SurveyResponse,
    Unit,
)
from services.permissions import CurrentUser
from services.review import flag_responses
from tests.db.kit import T0, MakeUow, add_user
from ui.auth import SEEDED_USER_KEY, USER_KEY
from ui.messages import LANGS, t

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "example" / "bundle"
PAGE = "app_pages/review.py"
BURST = [f"burst{i}" for i in range(5)]
ALREADY_QUARANTINED = "r17"  # quarantined in the example bundle, nobody has decided yet


def add_burst(make_uow: MakeUow, campaign_code: str) -> None:
    """Five all-satisfied responses about A2 from one device, one minute apart."""
    with make_uow() as uow:
        s = uow.session
        campaign = s.execute(select(Campaign).where(Campaign.code == campaign_code)).scalar_one()
        unit_id = s.execute(select(Unit.id).where(Unit.code == "A2")).scalar_one()
        group_id = s.execute(
            select(RespondentGroup.id).where(
                RespondentGroup.campaign_id == campaign.id, RespondentGroup.code == "citizen"
            )
        ).scalar_one()
        item_ids = list(
            s.execute(
                select(Item.id).where(Item.campaign_id == campaign.id, Item.instrument == "survey")
            ).scalars()
        )
        for i, code in enumerate(BURST):
            s.add(
                SurveyResponse(
                    campaign_id=campaign.id,
                    code=code,
                    unit_id=unit_id,
                    group_id=group_id,
                    channel="wechat",
                    submitted_at=(T0 + timedelta(minutes=i)).isoformat(timespec="seconds"),
                    status="valid",
                    attributes={},
                    respondent_hash=f"secret-hash-{i}",
                    device_hash="phone-1",
                    duration_seconds=120.0,
                    comment="服务很好" if i else "",
                    answers=[SurveyAnswer(item_id=item_id, option_code="satisfied") for item_id in item_ids],
                )
            )
        uow.commit()


@pytest.fixture
def campaign(app_database: str, make_uow: MakeUow) -> str:
    with make_uow() as uow:
        code = import_bundle(uow, EXAMPLE).code
        uow.commit()
    add_burst(make_uow, code)
    return code


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    return add_user(make_uow, "admin1", Role.admin)


def open_page(repo_root: Path, user: CurrentUser | None, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    if user is not None:
        at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def responses(make_uow: MakeUow, campaign_code: str) -> dict[str, tuple[str, str]]:
    """``{code: (status, review_note)}`` of the campaign's responses."""
    with make_uow() as uow:
        rows = uow.session.execute(
            select(SurveyResponse.code, SurveyResponse.status, SurveyResponse.review_note)
            .join(Campaign, Campaign.id == SurveyResponse.campaign_id)
            .where(Campaign.code == campaign_code)
        ).all()
        return {code: (status, note) for code, status, note in rows}


def audit(make_uow: MakeUow, action: str) -> list[tuple[str, str, dict]]:
    with make_uow() as uow:
        return [
            (e.actor, e.entity_id, e.after)
            for e in uow.session.execute(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            ).scalars()
        ]


def queue_codes(at: AppTest) -> list[str]:
    editors = at.data_editor
    return list(editors[0].value["code"]) if len(editors) else []


def tick(at: AppTest, codes: list[str]) -> AppTest:
    """Tick ``codes`` in the queue's checkbox column (AppTest seeds the editor's state)."""
    editor = at.data_editor[0]
    rows = list(editor.value["code"])
    at.session_state[editor.key] = {
        "edited_rows": {rows.index(c): {"select": True} for c in codes},
        "added_rows": [],
        "deleted_rows": [],
    }
    return at.run()


def metric(at: AppTest, key: str, lang: str = "zh") -> str:
    return next(m.value for m in at.metric if m.label == t(key, lang))


@pytest.mark.parametrize("lang", LANGS)
def test_running_the_check_quarantines_the_flagged_responses_and_queues_them(
    repo_root: Path, make_uow: MakeUow, campaign: str, admin: CurrentUser, lang: str
) -> None:
    at = open_page(repo_root, admin, lang)
    assert at.title[0].value == t("review.title", lang)
    assert queue_codes(at) == [ALREADY_QUARANTINED]
    assert metric(at, "review.counts.pending", lang) == "1"

    at.button(key="review.check.run").click().run()

    assert not at.exception and not at.error
    assert metric(at, "review.check.quarantined", lang) == str(len(BURST))
    assert metric(at, "review.check.flagged", lang) == str(len(BURST))
    assert metric(at, "review.counts.pending", lang) == str(len(BURST) + 1)
    assert sorted(queue_codes(at)) == sorted([*BURST, ALREADY_QUARANTINED])
    table = at.data_editor[0].value
    burst_flags = table.loc[table["code"] == BURST[0], "flags"].item()
    assert t("review.flag.device_burst", lang) in burst_flags
    # submitted at 09:00 UTC (T0), read in Beijing time
    assert table.loc[table["code"] == BURST[0], "submitted_at"].item() == "2026-03-01 17:00"
    assert t("review.tab.pending", lang, n=len(BURST) + 1) in [tab.label for tab in at.tabs]
    assert all(responses(make_uow, campaign)[c][0] == "quarantined" for c in BURST)
    # no personal data reaches the page
    assert "secret-hash" not in str(at._tree)


def test_the_detail_shows_translated_flags_answers_and_comment(
    repo_root: Path, make_uow: MakeUow, campaign: str, admin: CurrentUser
) -> None:
    flag_responses(make_uow(), admin, campaign)
    at = open_page(repo_root, admin, "en")
    detail = next(s for s in at.selectbox if s.label == t("review.detail.choose", "en"))
    detail.set_value(BURST[1]).run()

    markdown = [m.value for m in at.markdown]
    assert any("Response burst1" in m for m in markdown)
    assert any(t("review.flag.device_burst", "en") in m for m in markdown)
    answers = next(d.value for d in at.dataframe if "answer" in d.value.columns)
    # the example's survey items, in English, written as labels are ("attitude" in the bundle)
    assert list(answers["item"]) == ["Attitude", "Efficiency"]
    assert any(c.value.startswith("Citizens · ") for c in at.caption)  # the group ("citizens" in the data)
    assert list(answers["score"]) == [100.0, 100.0]
    assert "服务很好" in [i.value for i in at.info]  # the comment, shown as written


def test_accepting_one_response_with_a_reason_counts_it_again_and_is_audited(
    repo_root: Path, make_uow: MakeUow, campaign: str, admin: CurrentUser
) -> None:
    flag_responses(make_uow(), admin, campaign)
    at = open_page(repo_root, admin)
    tick(at, [BURST[0]])
    at.text_area[0].set_value("电话回访，确认为本人真实评价")
    at.button(key="review.accept").click().run()

    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [t("review.decide.accepted", "zh", n=1)]
    now = responses(make_uow, campaign)
    assert now[BURST[0]] == ("valid", "电话回访，确认为本人真实评价")
    assert all(now[c] == ("quarantined", "") for c in BURST[1:])
    assert audit(make_uow, "response.accept") == [
        ("admin1", BURST[0], {"status": "valid", "review_note": "电话回访，确认为本人真实评价"})
    ]
    assert BURST[0] not in queue_codes(at)
    decided = next(d.value for d in at.dataframe if "review_note" in d.value.columns)
    assert list(decided["code"]) == [BURST[0]]
    assert list(decided["decision"]) == [t("review.decision.accepted", "zh")]
    assert at.text_area[0].value == ""  # a fresh reason box for the next decision


def test_bulk_reject_of_every_shown_response(
    repo_root: Path, make_uow: MakeUow, campaign: str, admin: CurrentUser
) -> None:
    flag_responses(make_uow(), admin, campaign)
    at = open_page(repo_root, admin)
    # show only the device burst, then select all shown
    flags = next(m for m in at.multiselect if m.label == t("review.queue.filter_flags", "zh"))
    # no English "Choose options" nor "Select all" in the filter
    assert flags.placeholder == t("review.queue.filter_flags", "zh") and flags.proto.select_all == 0
    flags.set_value(["device_burst"]).run()
    assert sorted(queue_codes(at)) == BURST
    at.checkbox[0].check().run()
    assert all(at.data_editor[0].value["select"])
    at.text_area[0].set_value("同一设备集中提交，回访无法确认")
    at.button(key="review.reject").click().run()

    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [t("review.decide.rejected", "zh", n=len(BURST))]
    now = responses(make_uow, campaign)
    assert all(now[c] == ("quarantined", "同一设备集中提交，回访无法确认") for c in BURST)
    assert now[ALREADY_QUARANTINED] == ("quarantined", "")
    assert [e[1] for e in audit(make_uow, "response.reject")] == BURST
    assert queue_codes(at) == [ALREADY_QUARANTINED]
    assert metric(at, "review.counts.rejected") == str(len(BURST))


def test_a_decision_without_a_reason_or_selection_is_refused_and_changes_nothing(
    repo_root: Path, make_uow: MakeUow, campaign: str, admin: CurrentUser
) -> None:
    flag_responses(make_uow(), admin, campaign)
    before = responses(make_uow, campaign)
    at = open_page(repo_root, admin)

    at.button(key="review.accept").click().run()
    assert [w.value for w in at.warning] == [t("review.decide.none_selected", "zh")]

    tick(at, BURST[:2])
    at.text_area[0].set_value("   ")
    at.button(key="review.accept").click().run()
    assert [w.value for w in at.warning] == [t("review.decide.reason_required", "zh")]
    assert not at.success

    assert responses(make_uow, campaign) == before
    assert audit(make_uow, "response.accept") == []


def test_scores_with_and_without_the_quarantined_responses(
    repo_root: Path, make_uow: MakeUow, campaign: str, admin: CurrentUser
) -> None:
    flag_responses(make_uow(), admin, campaign)
    at = open_page(repo_root, admin)
    assert not [d for d in at.dataframe if "rank_move" in d.value.columns]

    at.button(key="review.compare.run").click().run()

    assert not at.exception and not at.error
    table = next(d.value for d in at.dataframe if "rank_move" in d.value.columns)
    with make_uow() as uow:
        units = set(
            uow.session.execute(
                select(Unit.code)
                .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
                .join(Campaign, Campaign.id == CampaignUnit.campaign_id)
                .where(Campaign.code == campaign)
            ).scalars()
        )
    assert set(table["unit_code"]) == units
    a2 = table[table["unit_code"] == "A2"].iloc[0]
    assert a2["n_quarantined"] == len(BURST)
    assert a2["survey_with"] > a2["survey_without"]
    # units whose rank moves come first
    moved = list(table["rank_without"].fillna(-1) != table["rank_with"].fillna(-1))
    assert moved == sorted(moved, reverse=True)
    assert metric(at, "review.compare.units_moved") == str(sum(moved))


def open_page_directly(repo_root: Path, user: CurrentUser | None) -> AppTest:
    """The page script on its own, as if opened by its URL with ``user`` signed in (the
    navigation lists it only for administrators, so the page's own guard is tested here)."""
    at = AppTest.from_file(str(repo_root / PAGE), default_timeout=60)
    at.session_state[USER_KEY] = user
    return at.run()


@pytest.mark.parametrize("role", [Role.supervisor, Role.caller, Role.liaison])
def test_other_roles_do_not_get_the_page(
    repo_root: Path, make_uow: MakeUow, campaign: str, admin: CurrentUser, role: Role
) -> None:
    flag_responses(make_uow(), admin, campaign)
    before = responses(make_uow, campaign)
    user = add_user(make_uow, f"user-{role.value}", role, unit_code="A2" if role == Role.liaison else None)

    app = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    app.session_state[SEEDED_USER_KEY] = user
    app.run()
    with pytest.raises(ValueError, match=r"review\.py"):  # not in their navigation
        app.switch_page(PAGE)

    at = open_page_directly(repo_root, user)
    assert not at.exception
    assert [w.value for w in at.warning] == [t("auth.not_allowed", "zh", role=t(f"role.{role.value}", "zh"))]
    assert not at.title and not at.data_editor and not at.button
    assert responses(make_uow, campaign) == before


def test_nobody_signed_in_is_asked_to_sign_in(repo_root: Path, campaign: str) -> None:
    at = open_page_directly(repo_root, None)

    assert not at.exception
    assert [i.value for i in at.info] == [t("auth.sign_in_first", "zh")]
    assert not at.title and not at.data_editor
