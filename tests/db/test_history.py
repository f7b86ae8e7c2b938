"""A campaign's history derived from the series' published results (services/history.py),
and the heads of units unsatisfactory two years running.

Every test runs on SQLite and on PostgreSQL (tests/conftest.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from db.bundle_io import import_bundle
from db.models import (
    AuditEntry,
    Campaign,
    CampaignStatus,
    CampaignUnit,
    HistoryEntry,
    Publication,
    Role,
    ScoringRun,
    Unit,
    UnitResult,
)
from services import history
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, PermissionDenied
from services.scoring import score_stored_campaign
from tests.db.kit import (
    MakeUow,
    add_reorganisation,
    add_user,
    add_year_campaign,
    audit_count,
    set_status,
)

MERGED = date(2025, 1, 1)


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    return add_user(make_uow, "admin1", Role.admin)


@pytest.fixture
def merged_city(make_uow: MakeUow) -> None:
    """A unsatisfactory in 2023 and 2024; A + B merged into C in 2025 (A principal)."""
    add_year_campaign(make_uow, "h-2023", 2023, ["A", "B", "E"], worst=["A"])
    add_year_campaign(make_uow, "h-2024", 2024, ["A", "B", "E"], worst=["A", "B"])
    add_reorganisation(make_uow, "merge", MERGED, [("A", "C", True), ("B", "C")], successor=True)
    add_year_campaign(make_uow, "h-2025", 2025, ["C", "E"], status=CampaignStatus.draft)


def stored(make_uow: MakeUow, code: str) -> set[tuple[str, int, bool, str, str, str]]:
    with make_uow() as uow:
        rows = uow.session.execute(
            select(
                Unit.code,
                HistoryEntry.year,
                HistoryEntry.unsatisfactory,
                HistoryEntry.source_campaign_code,
                HistoryEntry.source_unit_code,
                HistoryEntry.via,
            )
            .join(Unit, Unit.id == HistoryEntry.unit_id)
            .join(Campaign, Campaign.id == HistoryEntry.campaign_id)
            .where(Campaign.code == code)
        ).all()
        return {tuple(r) for r in rows}  # type: ignore[misc]


def last_audit(make_uow: MakeUow) -> AuditEntry:
    with make_uow() as uow:
        entry = uow.session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
        uow.session.expunge(entry)  # readable after the session closes
        return entry


@pytest.mark.usefixtures("merged_city")
def test_a_merged_unit_takes_its_principal_predecessors_years_and_others_keep_their_own(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    rows = history.derive_history(make_uow(), admin, "h-2025")
    via = "merge 2025-01-01 (principal)"
    assert stored(make_uow, "h-2025") == {
        ("C", 2023, True, "h-2023", "A", via),
        ("C", 2024, True, "h-2024", "A", via),
        ("E", 2023, False, "h-2023", "E", ""),
        ("E", 2024, False, "h-2024", "E", ""),
    }
    # the page's rows: campaign order, newest year first, the source as appraised then
    assert [(r.unit_code, r.year) for r in rows] == [("C", 2024), ("C", 2023), ("E", 2024), ("E", 2023)]
    assert rows[0].source_unit_name == "单位A（2024）"
    assert rows[0].unit_name == "单位C（2025）"
    assert all(r.derived for r in rows)


@pytest.mark.usefixtures("merged_city")
def test_deriving_is_audited_with_counts_and_changed_entries_and_a_second_time_writes_nothing(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    history.derive_history(make_uow(), admin, "h-2025")
    entry = last_audit(make_uow)
    assert (entry.actor, entry.action, entry.entity_id) == ("admin1", "history.derive", "h-2025")
    assert entry.before == {"count": 0, "entries": []}
    assert entry.after["count"] == 4
    assert {(e["unit"], e["year"], e["unsatisfactory"]) for e in entry.after["entries"]} == {
        ("C", 2023, True),
        ("C", 2024, True),
        ("E", 2023, False),
        ("E", 2024, False),
    }
    count = audit_count(make_uow)
    history.derive_history(make_uow(), admin, "h-2025")
    assert audit_count(make_uow) == count


@pytest.mark.usefixtures("merged_city")
def test_an_imported_history_is_replaced_where_published_results_speak_and_kept_where_none_do(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    with make_uow() as uow:
        s = uow.session
        campaign = s.execute(select(Campaign).where(Campaign.code == "h-2025")).scalar_one()
        unit = {c: i for c, i in s.execute(select(Unit.code, Unit.id))}
        s.add(HistoryEntry(campaign_id=campaign.id, unit_id=unit["E"], year=2024, unsatisfactory=False))
        s.add(HistoryEntry(campaign_id=campaign.id, unit_id=unit["E"], year=2020, unsatisfactory=True))
        uow.commit()
    assert [r.derived for r in history.history_of(make_uow(), admin, "h-2025")] == [False, False]
    history.derive_history(make_uow(), admin, "h-2025")
    # 2020 has no published results in the database: the imported entry stays as it was
    assert ("E", 2020, True, "", "", "") in stored(make_uow, "h-2025")
    assert [
        (r.unit_code, r.year, r.derived)
        for r in history.history_of(make_uow(), admin, "h-2025")
        if r.year == 2020
    ] == [("E", 2020, False)]
    entry = last_audit(make_uow)
    assert entry.before["count"] == 2
    assert entry.after["count"] == 5
    assert {(e["unit"], e["year"]) for e in entry.before["entries"]} == {("E", 2024)}
    assert {(e["unit"], e["year"]) for e in entry.after["entries"]} == {
        ("C", 2023),
        ("C", 2024),
        ("E", 2023),
        ("E", 2024),  # now with its source
    }


@pytest.mark.parametrize("status", [s for s in CampaignStatus if s != CampaignStatus.draft])
def test_deriving_is_refused_once_fieldwork_opens(
    make_uow: MakeUow, admin: CurrentUser, status: CampaignStatus
) -> None:
    add_year_campaign(make_uow, "h-2024", 2024, ["A"], worst=["A"])
    add_year_campaign(make_uow, "h-2025", 2025, ["A"], status=status)
    with pytest.raises(Refused, match="method input"):
        history.derive_history(make_uow(), admin, "h-2025")
    assert stored(make_uow, "h-2025") == set()


@pytest.mark.parametrize("role", [Role.supervisor, Role.caller, Role.liaison])
def test_only_admins_may_derive_or_read_the_history(make_uow: MakeUow, role: Role) -> None:
    add_year_campaign(make_uow, "h-2025", 2025, ["A"], status=CampaignStatus.draft)
    user = add_user(make_uow, "someone", role, "A" if role == Role.liaison else None)
    with pytest.raises(PermissionDenied):
        history.derive_history(make_uow(), user, "h-2025")
    with pytest.raises(PermissionDenied):
        history.history_of(make_uow(), user, "h-2025")
    with pytest.raises(PermissionDenied):
        history.derive_history(make_uow(), None, "h-2025")


def test_an_unknown_campaign_is_not_found(make_uow: MakeUow, admin: CurrentUser) -> None:
    with pytest.raises(NotFound):
        history.derive_history(make_uow(), admin, "nope")
    with pytest.raises(NotFound):
        history.history_of(make_uow(), admin, "nope")


def test_only_final_or_published_earlier_campaigns_of_the_series_count(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    add_year_campaign(make_uow, "h-2021", 2021, ["A"], worst=["A"], status=CampaignStatus.published)
    add_year_campaign(make_uow, "h-2022", 2022, ["A"], worst=["A"], status=CampaignStatus.review)
    add_year_campaign(make_uow, "other-2023", 2023, ["A"], worst=["A"], series="other")
    add_year_campaign(make_uow, "h-2023", 2023, ["A", "B"], worst=["B"])
    add_year_campaign(make_uow, "h-2026", 2026, ["A"], worst=["A"])
    add_year_campaign(make_uow, "h-2025", 2025, ["A"], status=CampaignStatus.draft)
    history.derive_history(make_uow(), admin, "h-2025")
    assert stored(make_uow, "h-2025") == {
        ("A", 2021, True, "h-2021", "A", ""),
        ("A", 2023, False, "h-2023", "A", ""),
    }


def test_a_campaign_without_an_approved_publication_is_no_source(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    add_year_campaign(make_uow, "h-2024", 2024, ["A"], worst=["A"])
    with make_uow() as uow:
        uow.session.execute(Publication.__table__.update().values(approved_by=None))
        uow.commit()
    add_year_campaign(make_uow, "h-2025", 2025, ["A"], status=CampaignStatus.draft)
    assert history.derive_history(make_uow(), admin, "h-2025") == []


def test_a_reorganisation_after_fieldwork_opens_is_not_yet_followed(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    add_year_campaign(make_uow, "h-2024", 2024, ["A"], worst=["A"])
    add_reorganisation(make_uow, "split", date(2025, 9, 1), [("A", "P")])
    add_year_campaign(make_uow, "h-2025", 2025, ["P"], status=CampaignStatus.draft)
    with make_uow() as uow:
        campaign = uow.session.execute(select(Campaign).where(Campaign.code == "h-2025")).scalar_one()
        campaign.fieldwork_opens_on = date(2025, 6, 1)
        uow.commit()
    assert history.derive_history(make_uow(), admin, "h-2025") == []


@pytest.mark.usefixtures("merged_city")
def test_history_is_current_after_deriving_until_a_reorganisation_changes_it(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    assert not history.history_is_current(make_uow(), "h-2025")
    history.derive_history(make_uow(), admin, "h-2025")
    assert history.history_is_current(make_uow(), "h-2025")
    # inside another service's unit of work (e.g. opening fieldwork) it uses that one
    with make_uow() as uow:
        assert history.history_is_current(uow, "h-2025")
        assert uow.session.in_transaction()
    add_reorganisation(make_uow, "split", date(2025, 2, 1), [("E", "E2")])
    with make_uow() as uow:
        campaign = uow.session.execute(select(Campaign).where(Campaign.code == "h-2025")).scalar_one()
        e2 = uow.session.execute(select(Unit).where(Unit.code == "E2")).scalar_one()
        uow.session.add(
            CampaignUnit(campaign_id=campaign.id, unit_id=e2.id, position=2, name="E2", category="g")
        )
        uow.commit()
    assert not history.history_is_current(make_uow(), "h-2025")


# ----------------------------------------------------------------------- heads


def heads_city(make_uow: MakeUow) -> None:
    """A and B unsatisfactory in 2024 and 2025; A's head changed in 2025, B's did not."""
    add_year_campaign(
        make_uow,
        "h-2024",
        2024,
        ["A", "B"],
        worst=["A", "B"],
        heads={"A": ("李四", date(2020, 5, 1)), "B": ("王五", date(2019, 1, 1))},
    )
    add_year_campaign(
        make_uow,
        "h-2025",
        2025,
        ["A", "B"],
        status=CampaignStatus.draft,
        heads={"A": ("张三", date(2025, 3, 1)), "B": ("王五", date(2019, 1, 1))},
    )


def test_the_heads_of_consecutive_units_say_whether_the_head_changed(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    heads_city(make_uow)
    history.derive_history(make_uow(), admin, "h-2025")
    set_status(make_uow, "h-2025", CampaignStatus.review)  # scored: both units consecutive
    _add_consecutive_run(make_uow, "h-2025", ["A", "B"])
    changes = history.head_changes(make_uow(), admin, "h-2025")
    assert set(changes) == {"A", "B"}
    a, b = changes["A"], changes["B"]
    assert (a.now.name, a.now.since) == ("张三", date(2025, 3, 1))
    assert [(h.year, h.name, h.campaign_code, h.unit_code) for h in a.earlier] == [
        (2024, "李四", "h-2024", "A")
    ]
    assert a.changed and not b.changed


def test_an_imported_entry_without_a_source_finds_the_head_of_the_series_year(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    heads_city(make_uow)
    with make_uow() as uow:
        s = uow.session
        campaign = s.execute(select(Campaign).where(Campaign.code == "h-2025")).scalar_one()
        unit_a = s.execute(select(Unit.id).where(Unit.code == "A")).scalar_one()
        s.add(HistoryEntry(campaign_id=campaign.id, unit_id=unit_a, year=2024, unsatisfactory=True))
        uow.commit()
    _add_consecutive_run(make_uow, "h-2025", ["A"])
    [(code, change)] = history.head_changes(make_uow(), admin, "h-2025").items()
    assert code == "A" and change.earlier[0].name == "李四" and change.changed


def test_published_heads_are_public_and_need_published_results(make_uow: MakeUow, admin: CurrentUser) -> None:
    heads_city(make_uow)
    history.derive_history(make_uow(), admin, "h-2025")
    with pytest.raises(NotFound):
        history.published_head_changes(make_uow(), "h-2025")
    _add_consecutive_run(make_uow, "h-2025", ["A"], publish=True)
    set_status(make_uow, "h-2025", CampaignStatus.final)
    assert list(history.published_head_changes(make_uow(), "h-2025")) == ["A"]


def test_head_changes_need_the_scoring_permission_and_a_known_run(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    heads_city(make_uow)
    assert history.head_changes(make_uow(), admin, "h-2025") == {}
    with pytest.raises(NotFound):
        history.head_changes(make_uow(), admin, "h-2025", run_id=999)
    supervisor = add_user(make_uow, "sup", Role.supervisor)
    with pytest.raises(PermissionDenied):
        history.head_changes(make_uow(), supervisor, "h-2025")


def _add_consecutive_run(make_uow: MakeUow, code: str, consecutive: list[str], publish: bool = False) -> None:
    with make_uow() as uow:
        s = uow.session
        campaign = s.execute(select(Campaign).where(Campaign.code == code)).scalar_one()
        run = ScoringRun(
            campaign_id=campaign.id, method_version="1", input_sha256="0" * 64, replicates=0, seed=1
        )
        s.add(run)
        s.flush()
        for unit_code, unit_id in s.execute(select(Unit.code, Unit.id).where(Unit.code.in_(consecutive))):
            s.add(
                UnitResult(
                    run_id=run.id,
                    unit_id=unit_id,
                    ranking_group="grassroots",
                    list_name="worst",
                    card="red",
                    consecutive_unsatisfactory=True,
                    row={"unit_id": unit_code},
                )
            )
        if publish:
            s.add(Publication(campaign_id=campaign.id, run_id=run.id, requested_by="a1", approved_by="a2"))
        uow.commit()


# ----------------------------------------------------------------------- end to end

BUNDLE_TOML = """[campaign]
id = "h-2025"
name = "2025年度评议"
series = "s"
year = 2025

[weights.components]
survey = 1.0
phone = 0.0
bigdata = 0.0

[weights.groups]
citizen = 1.0

[eligibility]
min_survey = 1
min_phone = 0

[ranking]
top_n = 1

[uncertainty]
replicates = 0
"""


def write_bundle(folder: Path) -> Path:
    """2025: C (the merged unit) answered 不满意, E 满意: C is on the worst list."""
    folder.mkdir()
    (folder / "campaign.toml").write_text(BUNDLE_TOML, encoding="utf-8")
    (folder / "units.csv").write_text(
        "unit_id,name,category,parent_id,head_name\nC,丙所,grassroots,,张三\nE,戊所,grassroots,,赵六\n",
        encoding="utf-8",
    )
    (folder / "items.csv").write_text(
        "instrument,item_id,scale_id,text_zh,text_en,weight\nsurvey,q,sat3,总体评价,overall,1\n",
        encoding="utf-8",
    )
    responses = ["response_id,unit_id,group,channel,status"]
    answers = ["response_id,item_id,code"]
    for n in range(4):
        for unit, code in (("C", "dissatisfied"), ("E", "satisfied")):
            responses.append(f"{unit}{n},{unit},citizen,web,valid")
            answers.append(f"{unit}{n},q,{code}")
    (folder / "survey_responses.csv").write_text("\n".join(responses) + "\n", encoding="utf-8")
    (folder / "survey_answers.csv").write_text("\n".join(answers) + "\n", encoding="utf-8")
    return folder


def test_a_unit_merged_from_a_twice_unsatisfactory_principal_predecessor_is_flagged(
    make_uow: MakeUow, admin: CurrentUser, tmp_path: Path
) -> None:
    add_year_campaign(make_uow, "h-2023", 2023, ["A", "B", "E"], worst=["A"])
    add_year_campaign(make_uow, "h-2024", 2024, ["A", "B", "E"], worst=["A"])
    add_reorganisation(make_uow, "merge", MERGED, [("A", "C", True), ("B", "C")], successor=True)
    with make_uow() as uow:
        import_bundle(uow, write_bundle(tmp_path / "h-2025"))
        uow.commit()
    history.derive_history(make_uow(), admin, "h-2025")
    assert ("C", 2024, True, "h-2024", "A", "merge 2025-01-01 (principal)") in stored(make_uow, "h-2025")
    with make_uow("scorer") as uow:
        run = score_stored_campaign(uow, "h-2025", replicates=0)
        uow.commit()
        results = {
            code: (r.list_name, r.consecutive_unsatisfactory, r.card)
            for r, code in uow.session.execute(
                select(UnitResult, Unit.code)
                .join(Unit, Unit.id == UnitResult.unit_id)
                .where(UnitResult.run_id == run.id)
            )
        }
    assert results["C"] == ("worst", True, "red")
    assert results["E"] == ("best", False, "")


def test_without_the_derived_history_the_merged_unit_is_only_yellow(
    make_uow: MakeUow, admin: CurrentUser, tmp_path: Path
) -> None:
    add_year_campaign(make_uow, "h-2024", 2024, ["A", "B", "E"], worst=["B"])  # the other predecessor
    add_reorganisation(make_uow, "merge", MERGED, [("A", "C", True), ("B", "C")], successor=True)
    with make_uow() as uow:
        import_bundle(uow, write_bundle(tmp_path / "h-2025"))
        uow.commit()
    history.derive_history(make_uow(), admin, "h-2025")
    with make_uow("scorer") as uow:
        run = score_stored_campaign(uow, "h-2025", replicates=0)
        uow.commit()
        card = uow.session.execute(
            select(UnitResult.card)
            .join(Unit, Unit.id == UnitResult.unit_id)
            .where(UnitResult.run_id == run.id, Unit.code == "C")
        ).scalar_one()
    assert card == "yellow"


def test_a_card_case_records_the_head_now_and_the_head_in_post_in_the_earlier_year(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    from services import cards

    heads_city(make_uow)
    history.derive_history(make_uow(), admin, "h-2025")
    _add_consecutive_run(make_uow, "h-2025", ["A", "B"], publish=True)
    set_status(make_uow, "h-2025", CampaignStatus.final)
    cards.issue_cards(make_uow(), admin, "h-2025")
    with make_uow() as uow:
        issued = {
            e.after["unit"]: e.after
            for e in uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "card.issue"))
        }
    assert issued["A"]["head"] == {"name": "张三", "since": "2025-03-01", "changed": True}
    assert issued["A"]["earlier_heads"] == [{"year": 2024, "name": "李四", "since": "2020-05-01"}]
    assert issued["B"]["head"]["changed"] is False
    views = {v.unit_code: v for v in cards.list_cards(make_uow(), admin, "h-2025")}
    head = views["A"].head
    assert head is not None and head.changed and [h.name for h in head.others] == ["李四"]
    assert views["B"].head is not None and not views["B"].head.changed
