"""The scoring page (app_pages/scoring.py) driven with AppTest on a seeded database: running
the engine, reading a run, the charts and the sensitivity analysis, and the lifecycle up to
publication by a second admin. Every test runs on SQLite and on PostgreSQL (``app_database``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from db.bundle_io import import_bundle
from db.models import Campaign, CampaignStatus, Publication, Role, ScoringRun, UnitResult
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_user, campaign_status, set_status
from tests.db.publishing import small_bundle
from ui.auth import SEEDED_USER_KEY
from ui.messages import t
from ui.timefmt import beijing_time

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "example" / "bundle"
PAGE = "app_pages/scoring.py"


@pytest.fixture
def campaign(app_database: str, make_uow: MakeUow) -> str:
    """The example bundle, in scoring."""
    with make_uow() as uow:
        code = import_bundle(uow, EXAMPLE).code
        uow.commit()
    set_status(make_uow, code, CampaignStatus.scoring)
    return code


@pytest.fixture
def admins(make_uow: MakeUow) -> tuple[CurrentUser, CurrentUser]:
    return add_user(make_uow, "admin1", Role.admin), add_user(make_uow, "admin2", Role.admin)


def open_page(repo_root: Path, user: CurrentUser | None, lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=120)
    at.session_state["lang"] = lang
    if user is not None:
        at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def texts(elements: object) -> str:
    """The elements' text with markdown escapes removed (names and reasons are escaped)."""
    return re.sub(r"\\(.)", r"\1", "\n".join(str(e.value) for e in elements))  # type: ignore[attr-defined]


def charts(at: AppTest) -> list[object]:
    """Every Altair chart drawn (AppTest knows them only as unknown vega_lite_chart elements)."""
    found: list[object] = []

    def walk(node: object) -> None:
        for child in getattr(node, "children", {}).values():
            if getattr(child, "type", "") == "vega_lite_chart":
                found.append(child)
            walk(child)

    walk(at._tree)
    return found


def runs(make_uow: MakeUow) -> list[tuple[int, str, int, str]]:
    with make_uow() as uow:
        return [
            (r.id, r.created_by, r.replicates, r.input_sha256)
            for r in uow.session.execute(select(ScoringRun).order_by(ScoringRun.id)).scalars()
        ]


def step(at: AppTest, name: str) -> AppTest:
    """Click a lifecycle step and confirm it."""
    at.button(key=f"scoring.step.{name}").click().run()
    assert not at.exception
    at.button(key="scoring.confirm.yes").click().run()
    assert not at.exception
    return at


def score(at: AppTest, replicates: int) -> AppTest:
    at.number_input(key=f"scoring.replicates.{at.selectbox(key='scoring.campaign').value}").set_value(
        replicates
    )
    at.button(key="scoring.run").click().run()
    assert not at.exception
    return at


def test_an_admin_scores_and_a_second_admin_approves_the_publication(
    campaign: str, admins: tuple[CurrentUser, CurrentUser], make_uow: MakeUow, repo_root: Path
) -> None:
    first, second = admins
    at = open_page(repo_root, first)
    assert at.info and t("scoring.no_runs", "en") in texts(at.info)
    # scoring is the page's first button; review needs a run
    step(at, "start_review")
    assert t("scoring.error.refused", "en") in texts(at.error)
    assert t("scoring.reason.score_first", "en") in texts(at.error)
    assert campaign_status(make_uow, campaign) == CampaignStatus.scoring

    score(at, 40)
    [(run_id, by, replicates, sha)] = runs(make_uow)
    assert (by, replicates) == ("admin1", 40)
    assert sha in texts(at.success)
    assert sha in texts(at.code)  # the run's input hash is shown beside its results

    step(at, "start_review")
    assert campaign_status(make_uow, campaign) == CampaignStatus.review
    assert "scoring.run" not in [b.key for b in at.button]  # no new run in review

    step(at, "request_publication")
    assert t("scoring.lifecycle.requested", "en", user="admin1", run=run_id) in texts(at.info)
    # the requester is not offered the approval (the service would refuse it) and is told why
    assert "scoring.step.approve_publication" not in [b.key for b in at.button]
    assert t("scoring.lifecycle.own_request", "en") in texts(at.caption)
    assert campaign_status(make_uow, campaign) == CampaignStatus.review

    at.session_state[SEEDED_USER_KEY] = second
    at.run()
    step(at, "approve_publication")
    assert campaign_status(make_uow, campaign) == CampaignStatus.published
    assert t("scoring.done.approve_publication", "en", code=campaign) in texts(at.success)
    with make_uow() as uow:
        publication = uow.session.execute(select(Publication)).scalar_one()
        assert (publication.requested_by, publication.approved_by) == ("admin1", "admin2")
        shown = texts(at.code)
        assert publication.snapshot_sha256 in shown and publication.bundle_sha256 in shown
        notice_ends = uow.session.execute(select(Campaign.notice_ends_at)).scalar_one()
    assert notice_ends is not None
    assert [m.value for m in at.metric][2] != "—"  # the notice period's end
    # published: only finalizing is left, and it waits for the notice period
    assert [b.key for b in at.button if b.key and b.key.startswith("scoring.step.")] == [
        "scoring.step.finalize"
    ]
    step(at, "finalize")
    assert t("scoring.error.refused", "en") in texts(at.error)
    # the end of the notice period, in Beijing time as everywhere on the page
    assert t("scoring.reason.notice", "en", ends=beijing_time(notice_ends)) in texts(at.error)
    assert beijing_time(notice_ends) == [m.value for m in at.metric][2]
    assert campaign_status(make_uow, campaign) == CampaignStatus.published


def test_going_back_says_a_request_lapses_only_when_one_is_waiting(
    campaign: str, admins: tuple[CurrentUser, CurrentUser], make_uow: MakeUow, repo_root: Path
) -> None:
    at = score(open_page(repo_root, admins[0]), 0)
    step(at, "start_review")
    lapses = t("scoring.confirm.request_lapses", "en")

    for name in ("return_to_scoring", "reopen_fieldwork"):
        at.button(key=f"scoring.step.{name}").click().run()
        asked = texts(at.warning)
        assert t(f"scoring.confirm.{name}", "en", code=campaign) in asked
        assert lapses not in asked  # no request is waiting
        at.button(key="scoring.confirm.no").click().run()

    step(at, "request_publication")
    at.button(key="scoring.step.return_to_scoring").click().run()
    assert lapses in texts(at.warning)
    at.button(key="scoring.confirm.yes").click().run()
    assert campaign_status(make_uow, campaign) == CampaignStatus.scoring


def test_times_on_the_page_are_beijing_time(
    campaign: str, admins: tuple[CurrentUser, CurrentUser], make_uow: MakeUow, repo_root: Path
) -> None:
    at = score(open_page(repo_root, admins[0]), 0)
    with make_uow() as uow:  # a run stored at 16:30 UTC was made at 00:30 the next day in Beijing
        uow.session.execute(update(ScoringRun).values(created_at=datetime(2026, 1, 1, 16, 30, tzinfo=UTC)))
        uow.commit()
    at.run()
    chosen = at.selectbox(key="scoring.run_id")
    assert "2026-01-02 00:30" in chosen.format_func(chosen.value)
    assert "UTC" not in chosen.format_func(chosen.value)


def test_lists_cards_consecutive_and_ineligible_units_of_a_run(
    campaign: str, admins: tuple[CurrentUser, CurrentUser], make_uow: MakeUow, repo_root: Path
) -> None:
    at = score(open_page(repo_root, admins[0]), 0)
    assert t("scoring.no_uncertainty", "en") in texts(at.caption)
    frames = [df.value for df in at.dataframe]
    ranking = next(f for f in frames if "rank_ci" in f.columns)
    assert ranking["unit"].tolist()[:3] == ["甲街道派出所（A1）", "乙街道派出所（A2）", "丙街道派出所（A3）"]
    carded = next(f for f in frames if "why" in f.columns)
    assert carded["why"].tolist() == ["Unsatisfactory two years running", "Vetoed"]
    heads = next(f for f in frames if "head" in f.columns)
    assert heads.to_dict("records") == [{"unit": "丙街道派出所（A3）", "head": "张伟", "card": "Red card"}]
    missing = next(f for f in frames if "missing" in f.columns)
    # A4 has one valid survey answer; the example needs two (eligibility.min_survey = 2)
    assert missing.to_dict("records") == [
        {
            "unit": "丁街道派出所（A4）",
            "group": "Grassroots stations",
            "reason": "Too few survey answers",
            "missing": "Survey answers 1 of 2 needed",
        }
    ]


def test_missing_fieldwork_against_stricter_thresholds_in_chinese(
    campaign: str, admins: tuple[CurrentUser, CurrentUser], make_uow: MakeUow, repo_root: Path
) -> None:
    toml = EXAMPLE.joinpath("campaign.toml").read_text(encoding="utf-8")
    toml = toml.replace("min_survey = 2", "min_survey = 30").replace("min_phone = 1", "min_phone = 10")
    set_status(make_uow, campaign, CampaignStatus.scoring, method_toml=toml)
    at = score(open_page(repo_root, admins[0], lang="zh"), 0)
    missing = next(df.value for df in at.dataframe if "missing" in df.value.columns)
    # nobody reaches 30 answers and 10 interviews; the vetoed W3 is ranked whatever its data
    assert len(missing) == 6 and "政务服务中心公积金窗口（W3）" not in missing["unit"].tolist()
    a1 = missing[missing["unit"] == "甲街道派出所（A1）"].iloc[0]
    assert a1["reason"] == "问卷不足；电话访问不足"
    assert a1["missing"].startswith("问卷 ") and "需 30 份；电话成功访问 " in a1["missing"]
    assert a1["missing"].endswith("需 10 个")


def test_charts_and_weight_sensitivity(
    campaign: str, admins: tuple[CurrentUser, CurrentUser], repo_root: Path
) -> None:
    at = score(open_page(repo_root, admins[0]), 50)
    assert t("scoring.funnel.help", "en", target=0, sd=0, phi=0).split(";")[0] in texts(at.caption)
    # the funnel plot and one rank-interval chart per ranking group (two in the example)
    assert len(charts(at)) == 3
    at.radio(key="scoring.funnel.measure").set_value("satisfaction").run()
    assert not at.exception
    assert len(charts(at)) == 3

    at.button(key="scoring.sens.run").click().run()
    assert not at.exception
    shown = texts(at.markdown)
    assert t("scoring.sens.stable_best", "en", n=2) in shown
    assert "甲街道派出所（A1）" in shown
    settings = next(df.value for df in at.dataframe if "entered_best" in df.value.columns)
    assert len(settings) == 12
    assert settings["setting"].tolist()[0] == "Survey -10 points"
    stability = next(df.value for df in at.dataframe if "stable" in df.value.columns)
    assert set(stability["stable"]) == {"Stable"}  # the example's lists never move


@pytest.mark.parametrize("role", [Role.caller, Role.liaison, Role.supervisor])
def test_other_roles_cannot_open_the_page(
    campaign: str, make_uow: MakeUow, repo_root: Path, role: Role
) -> None:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = "en"
    at.session_state[SEEDED_USER_KEY] = add_user(make_uow, "someone", role)
    at.run()
    assert not at.exception
    # navigation offers the page only to roles that may score (the page itself checks again)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


def test_worst_list_places_that_are_not_robust_are_marked(
    app_database: str,
    admins: tuple[CurrentUser, CurrentUser],
    make_uow: MakeUow,
    repo_root: Path,
    tmp_path: Path,
) -> None:
    with make_uow() as uow:
        code = import_bundle(uow, small_bundle(tmp_path / "bundle")).code
        uow.commit()
    set_status(make_uow, code, CampaignStatus.scoring)
    at = score(open_page(repo_root, admins[0]), 60)
    with make_uow() as uow:
        rows = [
            r.row
            for r in uow.session.execute(select(UnitResult).where(UnitResult.list_name == "worst")).scalars()
        ]
    weak = {r["unit_id"] for r in rows if r["robust_worst"] != "true"}
    assert weak and len(weak) < len(rows)  # this bundle has both kinds
    warned = texts(at.warning)
    assert all(f"（{u}, p = " in warned for u in weak)
    assert not any(f"（{r['unit_id']}, p = " in warned for r in rows if r["unit_id"] not in weak)
    ranking = next(df.value for df in at.dataframe if "rank_ci" in df.value.columns)
    noted = ranking[ranking["note"] != ""]["unit"].tolist()
    assert sorted(u.split("（")[1].rstrip("）") for u in noted) == sorted(weak)
