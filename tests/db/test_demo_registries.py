"""The demo city's registries (db/demo_registries.py) on SQLite and PostgreSQL: the Jixi
and Datong shapes (seeds 003 and 002), the 2024 deductions they feed scored with the year
and carried in its bundle, the open year's round and fault-tolerance applications, and
the heads of escalated cards' units recorded as removed.

The demo is loaded once per backend as ``python -m db demo`` loads it (accounts and card
cases included), at the other demo tests' reduced sample scale: the registries' counts do
not depend on the scale.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import hashlib
import io
import math
import uuid
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from db import audit, crypto, demo, demo_registries, migrate
from db.engine import dispose_all, get_engine
from db.models import (
    Adjustment,
    AuditEntry,
    Campaign,
    CampaignUnit,
    CardCase,
    OverdueCase,
    ScoringRun,
    Unit,
    UnitResult,
    User,
)
from db.models_registries import (
    AccountabilityCase,
    AccountabilityPerson,
    FaultToleranceApplication,
    HeadAction,
    InspectionFinding,
    InspectionRound,
    InspectionRoundUnit,
    InspectionVisit,
)
from db.uow import UnitOfWork
from scoring import load_bundle, score_campaign
from scoring.output import result_rows
from scoring.registries import CASE_SUBTYPES, HARMS, case_deduction, check_head_counts, three_rates
from services.scoring import freeze_bundle
from tests import conftest as dbconf

SCALE = 0.3
KEY = base64.b64encode(hashlib.sha256(b"demo-registries-test-key").digest()).decode()
REVIEW = "lj-2024"


@pytest.fixture(scope="module", params=dbconf.BACKENDS)
def demo_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database on each backend with the demo loaded as the command loads it."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APPRAISAL_SECRET_KEY", KEY)
        name = ""
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('demo-registries') / 'demo.sqlite3'}"
            migrate.upgrade(url)
        else:
            template = request.getfixturevalue("pg_template")
            name = f"appraisal_demo_reg_{uuid.uuid4().hex[:12]}"
            with dbconf._admin_engine().connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
            url = (
                make_url(dbconf.PG_URL)
                .set(drivername="postgresql+psycopg", database=name)
                .render_as_string(hide_password=False)
            )
        with UnitOfWork(sessionmaker(get_engine(url)), actor="cli") as uow:
            demo.load_demo(uow, scale=SCALE, accounts=True)
        yield url
        dispose_all()
        if name:
            with dbconf._admin_engine().connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def session(demo_db: str) -> Iterator[Session]:
    with sessionmaker(get_engine(demo_db))() as s:
        yield s


def _campaign(session: Session, code: str) -> Campaign:
    return session.scalars(select(Campaign).where(Campaign.code == code)).one()


def _hours_late(o: OverdueCase) -> float:
    return (o.completed_at - o.promised_at).total_seconds() / 3600


# ---------------------------------------------------------------- Datong: accountability cases


def test_the_cases_have_the_datong_shape_at_a_tenth(session: Session) -> None:
    c2024 = _campaign(session, REVIEW)
    cases = session.scalars(select(AccountabilityCase).order_by(AccountabilityCase.number)).all()
    assert len(cases) == 48 and {c.campaign_id for c in cases} == {c2024.id}
    assert Counter(c.status for c in cases) == {"published": 9, "decided": 33, "investigated": 4, "opened": 2}
    assert set(Counter(c.case_type for c in cases)) == set(CASE_SUBTYPES)
    assert all(c.subtype in CASE_SUBTYPES[c.case_type] for c in cases)
    assert {c.source for c in cases} <= {"survey_comment", "hotline", "inspection", "appeal", "media"}
    assert len({c.source for c in cases}) >= 4 and all(c.source_ref and c.facts for c in cases)
    # every step after the one before
    for c in cases:
        steps = [c.opened_on, c.investigated_on, c.decided_on, c.published_on]
        done = [d for d in steps if d is not None]
        assert steps[: len(done)] == done and done == sorted(done), c.number
        assert (c.decided_on is not None) == (c.status in ("decided", "published")) == bool(c.decision)
    # 70 people handled: 10 disciplinary sanctions, 19 organisational measures, one county-level cadre
    persons = session.scalars(select(AccountabilityPerson)).all()
    assert len(persons) == 70
    sanctions = Counter(p.sanction for p in persons)
    assert sanctions["disciplinary_sanction"] == 10
    assert sum(sanctions[s] for s in demo_registries.ORGANISATIONAL) == 19
    assert set(sanctions) <= set(demo_registries.SANCTION_ZH)
    assert Counter(p.level for p in persons)["县处级"] == 1
    by_case = Counter(p.case_id for p in persons)
    assert all(by_case[c.id] >= 1 for c in cases if c.decided_on is not None and not c.exempt)
    assert not any(by_case[c.id] for c in cases if c.decided_on is None)
    assert all(p.sanctioned_on is not None for p in persons)


def test_names_of_people_handled_are_encrypted_and_never_in_a_published_summary(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)
    raw = session.execute(text("SELECT name_enc FROM accountability_person")).scalars().all()
    names = [crypto.decrypt(bytes(r)) for r in raw]
    assert len(names) == 70 and all(2 <= len(n) <= 3 for n in names)
    assert not any(n.encode() in bytes(r) for n, r in zip(names, raw, strict=True))
    published = session.scalars(
        select(AccountabilityCase).where(AccountabilityCase.status == "published")
    ).all()
    assert len(published) == 9 and all(c.for_publication and c.public_summary for c in published)
    # nine typical cases published over two days (连续两天通报9起)
    assert len({c.published_on for c in published}) == 2
    texts = " ".join(c.public_summary for c in published)
    assert not [n for n in names if n in texts]
    # and never in the evidence of a confirmed deduction
    evidence = b"".join(
        a.evidence or b""
        for a in session.scalars(select(Adjustment).where(Adjustment.source.like("accountability_case:%")))
    ).decode()
    assert evidence and not [n for n in names if n in evidence]


def test_decided_cases_propose_deductions_most_confirmed_some_waiting_one_exempt(session: Session) -> None:
    c2024 = _campaign(session, REVIEW)
    points = c2024.design["accountability"]["points"]
    assert points == {"inaction": 1.0, "slow": 0.5, "misconduct": 2.0}
    cases = session.scalars(select(AccountabilityCase)).all()
    decided = [c for c in cases if c.decided_on is not None]
    status = Counter(c.deduction_status for c in decided)
    assert status == {"confirmed": 38, "proposed": 3, "": 1}
    assert all(c.deduction_status == "" and c.deduction_points is None for c in cases if c.decided_on is None)
    adjustments = {
        a.id: a for a in session.scalars(select(Adjustment).where(Adjustment.campaign_id == c2024.id))
    }
    for c in decided:
        if c.exempt:
            assert c.deduction_points is None and c.adjustment_id is None
            continue
        assert c.deduction_points == case_deduction(c.case_type, points, 10.0)
        if c.deduction_status == "proposed":  # waiting for an admin: no adjustment yet
            assert c.adjustment_id is None
            assert not [a for a in adjustments.values() if a.source == f"accountability_case:{c.number}"]
        else:
            a = adjustments[c.adjustment_id]
            assert (a.kind, a.points, a.unit_id) == ("deduction", c.deduction_points, c.unit_id)
            assert a.source == f"accountability_case:{c.number}" and a.reason.startswith(
                f"问责案件 {c.number}"
            )
            assert a.evidence_name and a.evidence and c.number.encode() in a.evidence
    # the exempt one: a granted application made before its decision (容错免责)
    (exempt,) = [c for c in cases if c.exempt]
    (ft,) = session.scalars(
        select(FaultToleranceApplication).where(FaultToleranceApplication.accountability_case_id == exempt.id)
    ).all()
    assert (ft.subject, ft.status, ft.consequence) == ("accountability_case", "granted", "none")
    assert ft.decision_document and ft.decision_body and ft.decided_at is not None
    assert ft.created_at.date() <= ft.decided_at.date() < exempt.decided_on + timedelta(days=1)


# ---------------------------------------------------------------- Jixi: inspections


def test_the_year_in_review_has_one_open_and_two_covert_rounds_covering_every_office(
    session: Session,
) -> None:
    c2024 = _campaign(session, REVIEW)
    rounds = session.scalars(
        select(InspectionRound).where(InspectionRound.campaign_id == c2024.id).order_by(InspectionRound.id)
    ).all()
    assert [(r.mode, r.status) for r in rounds] == [
        ("open", "closed"),
        ("covert", "closed"),
        ("covert", "closed"),
    ]
    offices = set(
        session.scalars(
            select(CampaignUnit.unit_id).where(
                CampaignUnit.campaign_id == c2024.id, CampaignUnit.category == "office"
            )
        )
    )
    inspector = session.scalars(select(User.id).where(User.username == demo_registries.INSPECTOR)).one()
    for r in rounds:
        units = set(
            session.scalars(select(InspectionRoundUnit.unit_id).where(InspectionRoundUnit.round_id == r.id))
        )
        assert units == offices  # full coverage (全覆盖)
        assert [i.user_id for i in r.inspectors] == [inspector]
        visits = session.scalars(select(InspectionVisit).where(InspectionVisit.round_id == r.id)).all()
        verified = [v for v in visits if v.status == "verified"]
        assert {v.unit_id for v in verified} == offices and len(verified) == len(offices)
        for v in visits:
            assert (
                check_head_counts(v.staff_expected, v.staff_present, v.staff_on_post, v.staff_focused) is None
            )
            day = v.visited_at.date()
            assert r.starts_on <= day <= r.ends_on and v.verified_by and v.verified_at > v.visited_at
    # one visit was rejected (and the office visited again)
    rejected = session.scalars(select(InspectionVisit).where(InspectionVisit.status == "rejected")).all()
    assert len(rejected) == 1 and rejected[0].verify_note and not rejected[0].findings


def _verified(session: Session, campaign: Campaign) -> list[InspectionVisit]:
    return list(
        session.scalars(
            select(InspectionVisit)
            .join(InspectionRound, InspectionRound.id == InspectionVisit.round_id)
            .where(InspectionRound.campaign_id == campaign.id, InspectionVisit.status == "verified")
        )
    )


def test_the_three_rates_track_the_units_results_and_findings_name_the_harms(session: Session) -> None:
    c2024 = _campaign(session, REVIEW)
    visits = _verified(session, c2024)
    units = sorted({v.unit_id for v in visits})
    index = {u: k for k, u in enumerate(units)}
    rates = three_rates(
        np.array([index[v.unit_id] for v in visits]),
        np.array([v.staff_expected for v in visits]),
        np.array([v.staff_present for v in visits]),
        np.array([v.staff_on_post for v in visits]),
        np.array([v.staff_focused for v in visits]),
        len(units),
    )
    assert np.all(rates.attendance_rate >= rates.on_post_rate) and np.all(
        rates.on_post_rate >= rates.focus_rate
    )
    assert 85 < np.mean(rates.attendance_rate) < 99 and np.min(rates.focus_rate) < 85
    run = session.scalars(select(ScoringRun).where(ScoringRun.campaign_id == c2024.id)).one()
    survey = {
        r.unit_id: r.row.get("survey_score")
        for r in session.scalars(select(UnitResult).where(UnitResult.run_id == run.id))
    }
    pairs = [(rates.focus_rate[index[u]], float(survey[u])) for u in units if survey.get(u) not in (None, "")]
    x, y = np.array(pairs).T
    assert len(pairs) > 60 and np.corrcoef(np.argsort(np.argsort(x)), np.argsort(np.argsort(y)))[0, 1] > 0.3
    findings = session.scalars(
        select(InspectionFinding).where(InspectionFinding.visit_id.in_([v.id for v in visits]))
    ).all()
    assert {f.harm for f in findings} <= set(HARMS) and len({f.harm for f in findings}) >= 8
    # 41 people of 33 offices named for meeting discipline (会风会纪), one finding each
    meeting = [f for f in findings if f.description == demo_registries.MEETING]
    by_visit = {v.id: v.unit_id for v in visits}
    assert len(meeting) == 41 and len({by_visit[f.visit_id] for f in meeting}) == 33


def test_june_s_public_bulletin_names_seven_offices_with_prominent_problems(session: Session) -> None:
    c2024 = _campaign(session, REVIEW)
    rule = c2024.design["inspections"]
    assert rule["feed"] == "deductions" and rule["points_per_finding"] == 0.5
    assert rule["public_months"] == ["2024-06"]
    june = session.scalars(
        select(InspectionRound).where(
            InspectionRound.campaign_id == c2024.id, InspectionRound.code == "2024-AF-1"
        )
    ).one()
    assert (june.starts_on.month, june.ends_on.month) == (6, 6)
    counts = Counter(
        v.unit_id for v in _verified(session, c2024) if v.round_id == june.id for _ in v.findings
    )
    prominent = {u for u, n in counts.items() if n >= 3}
    assert len(prominent) == 7
    names = session.scalars(select(Unit.name).where(Unit.id.in_(prominent))).all()
    assert all(n in june.notes for n in names)


def test_verified_findings_become_one_deduction_per_office_as_the_rule_says(session: Session) -> None:
    c2024 = _campaign(session, REVIEW)
    found: Counter[int] = Counter()
    for v in _verified(session, c2024):
        found[v.unit_id] += len(v.findings)
    source = "inspections:2024-01-01..2024-12-31"
    entries = session.scalars(
        select(Adjustment).where(Adjustment.campaign_id == c2024.id, Adjustment.source == source)
    ).all()
    assert {a.unit_id for a in entries} == {u for u, n in found.items() if n}
    for a in entries:
        assert a.kind == "deduction" and a.points == min(0.5 * found[a.unit_id], 10.0)
        assert f"明察暗访核实问题{found[a.unit_id]}个" in a.reason and "2024-01-01至2024-12-31" in a.reason
        rows = list(csv.reader(io.StringIO(a.evidence.decode("utf-8-sig"))))
        assert rows[0] == ["visit_date", "round", "harm", "description"] and len(rows) == 1 + found[a.unit_id]
        assert a.evidence_name.endswith(".csv")


# ---------------------------------------------------------------- the registries in the 2024 results


def test_the_registries_deductions_are_scored_with_2024_and_recomputed_from_its_bundle(
    demo_db: str, tmp_path: Path
) -> None:
    factory = sessionmaker(get_engine(demo_db))
    with UnitOfWork(factory) as uow:
        s = uow.session
        c2024 = _campaign(s, REVIEW)
        code_of = dict(s.execute(select(Unit.id, Unit.code)).all())
        adjustments = s.scalars(select(Adjustment).where(Adjustment.campaign_id == c2024.id)).all()
        total: dict[str, float] = defaultdict(float)
        from_registries: dict[str, float] = defaultdict(float)
        for a in adjustments:
            if a.kind == "deduction":
                total[code_of[a.unit_id]] += a.points or 0.0
                if a.source:
                    from_registries[code_of[a.unit_id]] += a.points or 0.0
        run = s.scalars(select(ScoringRun).where(ScoringRun.campaign_id == c2024.id)).one()
        results = {
            code_of[r.unit_id]: (float(r.row["deduction"]), r.final_score)
            for r in s.scalars(select(UnitResult).where(UnitResult.run_id == run.id))
        }
        bundle = freeze_bundle(uow, REVIEW)
    assert len(from_registries) > 60
    only_registries = [u for u in from_registries if total[u] == from_registries[u]]
    assert only_registries  # a unit whose every deduction comes from the registries
    for unit, points in total.items():
        assert math.isclose(results[unit][0], min(points, 10.0)), unit
    for unit in only_registries:
        assert results[unit][0] == pytest.approx(min(from_registries[unit], 10.0))
        assert results[unit][0] > 0
    # the exported bundle carries them with the same points, and recomputes to the stored run
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        archive.extractall(tmp_path)
    with open(tmp_path / REVIEW / "adjustments.csv", encoding="utf-8") as f:
        exported: dict[str, float] = defaultdict(float)
        for row in csv.DictReader(f):
            if row["kind"] == "deduction":
                exported[row["unit_id"]] += float(row["points"])
    assert exported.keys() == total.keys()
    assert all(math.isclose(exported[u], total[u]) for u in total)
    loaded = load_bundle(tmp_path / REVIEW)
    assert loaded.platform.campaign_design()["inspections"]["feed"] == "deductions"
    recomputed = {
        r["unit_id"]: r
        for r in result_rows(
            score_campaign(loaded.inputs, dataclasses.replace(loaded.params, replicates=0), year=2024)
        )
    }
    for unit in from_registries:
        assert float(recomputed[unit]["deduction"]) == pytest.approx(results[unit][0])
        assert float(recomputed[unit]["final_score"]) == pytest.approx(results[unit][1], abs=1e-6)


# ---------------------------------------------------------------- the open year


def test_the_open_year_has_an_active_covert_round_with_work_for_the_inspector(session: Session) -> None:
    c2025 = _campaign(session, "lj-2025")
    assert "inspections" not in (c2025.design or {})  # no indicator a rate could feed
    (rnd,) = session.scalars(select(InspectionRound).where(InspectionRound.campaign_id == c2025.id)).all()
    assert (rnd.mode, rnd.status) == ("covert", "active")
    inspector = session.scalars(select(User).where(User.username == demo_registries.INSPECTOR)).one()
    assert inspector.role == "inspector" and inspector.display_name
    assert [i.user_id for i in rnd.inspectors] == [inspector.id]
    units = set(
        session.scalars(select(InspectionRoundUnit.unit_id).where(InspectionRoundUnit.round_id == rnd.id))
    )
    visits = session.scalars(select(InspectionVisit).where(InspectionVisit.round_id == rnd.id)).all()
    assert visits and all(v.status == "recorded" and v.verified_by is None for v in visits)
    assert all(v.inspector == inspector.username for v in visits)
    visited = {v.unit_id for v in visits}
    assert visited < units and len(units - visited) >= 10  # offices still to visit


def test_the_open_year_s_overdue_approvals_have_the_jixi_shape(session: Session) -> None:
    c2025 = _campaign(session, "lj-2025")
    overdue = session.scalars(select(OverdueCase).where(OverdueCase.campaign_id == c2025.id)).all()
    assert len(overdue) == 59
    exempt = [o for o in overdue if o.exempt]
    counted = [o for o in overdue if not o.exempt]
    assert len(exempt) == 40 and len(counted) == 19 and len({o.unit_id for o in counted}) == 9
    applications = {
        a.overdue_case_id: a
        for a in session.scalars(
            select(FaultToleranceApplication).where(FaultToleranceApplication.subject == "overdue_case")
        )
    }
    for o in exempt:  # under 24 hours late, an objective reason, a granted application
        a = applications[o.id]
        assert 0 < _hours_late(o) < 24 and a.status == "granted" and a.reasons and a.consequence == "none"
        assert o.exempt_reason == f"容错免责 {a.decision_document}" and o.exempted_by and o.exempted_at
        assert a.accepted_at < a.verified_at < a.decided_at and a.accepted_by != a.decided_by
    assert any(_hours_late(o) < 24 for o in counted) and any(_hours_late(o) >= 24 for o in counted)
    # the procedure under way: accepted, verified, and one refused for an excluded situation
    others = Counter(applications[o.id].status for o in counted if o.id in applications)
    assert others == {"accepted": 1, "verified": 1, "refused": 1}
    (refused,) = [
        applications[o.id]
        for o in counted
        if applications.get(o.id) and applications[o.id].status == "refused"
    ]
    assert refused.consequence == "food_safety" and refused.decision_document
    assert len({a.decision_document for a in applications.values() if a.decision_document}) == 41


# ---------------------------------------------------------------- heads and the audit trail


def test_heads_of_escalated_cards_units_are_recorded_as_removed_with_their_successors(
    session: Session,
) -> None:
    escalated = session.scalars(
        select(CardCase).where(CardCase.status == "escalated", CardCase.head_removal_recommended)
    ).all()
    actions = {a.card_id: a for a in session.scalars(select(HeadAction))}
    assert escalated and actions and set(actions) <= {c.id for c in escalated}
    for card in escalated:
        if card.id not in actions:
            continue
        a = actions[card.id]
        campaign = session.get(Campaign, card.campaign_id)
        assert campaign is not None
        head = session.scalars(
            select(CampaignUnit.head_name).where(
                CampaignUnit.campaign_id == campaign.id, CampaignUnit.unit_id == card.unit_id
            )
        ).one()
        assert (a.outcome, a.head_name, a.unit_id) == ("removed", head, card.unit_id)
        assert a.decision_body == "临江市委组织部" and a.document_number.startswith(
            f"临组干〔{campaign.year + 1}〕"
        )
        assert a.new_head_name and a.new_head_name != head
        assert a.new_head_since == date(campaign.year + 1, 3, 1) and a.decided_on < a.new_head_since
        # the new head is the one the demo put in post the next year
        following = session.scalars(select(Campaign).where(Campaign.year == campaign.year + 1)).one()
        unit = session.get(Unit, card.unit_id)
        assert unit is not None
        heads_next = set(
            session.scalars(
                select(CampaignUnit.head_name).where(
                    CampaignUnit.campaign_id == following.id,
                    CampaignUnit.unit_id.in_([card.unit_id, unit.successor_id or card.unit_id]),
                )
            )
        )
        assert heads_next == {a.new_head_name}
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "head_action.record")).all()
    assert sorted(int(e.entity_id) for e in entries) == sorted(a.id for a in actions.values())
    assert audit.verify(session) == []


def test_finishing_again_changes_nothing(demo_db: str) -> None:
    factory = sessionmaker(get_engine(demo_db))
    with UnitOfWork(factory, actor="cli") as uow:
        assert demo_registries.finish(uow) == (0, 0)
        uow.commit()


# ---------------------------------------------------------------- invariants for any seed


def _review_year(seed: int) -> demo.YearData:
    """The year in review prepared without fieldwork (no outcomes: no one is on a list)."""
    city = demo.build_city(seed)
    nobody = demo.Outcome(frozenset(), frozenset(), frozenset(), 0)
    outcomes: dict[int, demo.Outcome] = {}
    for year in demo.YEARS:
        data = demo.prepare_year(city, year, outcomes, 0.1, seed)
        outcomes[year] = nobody
    demo_registries.simulate_review_year(data, seed)
    return data


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**31))
def test_any_seed_gives_the_seeds_shapes_and_valid_deductions(seed: int) -> None:
    data = _review_year(seed)
    review: demo_registries.Review = data.registries
    cases = review.cases
    assert len(cases) == 48 and len({c["number"] for c in cases}) == 48
    persons = [p for c in cases for p in c["persons"]]
    sanctions = Counter(p["sanction"] for p in persons)
    assert len(persons) == 70 and sanctions["disciplinary_sanction"] == 10
    assert sum(sanctions[s] for s in demo_registries.ORGANISATIONAL) == 19
    assert Counter(p["level"] for p in persons)["县处级"] == 1
    assert Counter(c.get("deduction_status", "") for c in cases if c["decided_on"]) == {
        "confirmed": 38,
        "proposed": 3,
        "": 1,
    }
    assert sum(c["status"] == "published" for c in cases) == 9
    for v in review.visits:
        assert check_head_counts(*v["counts"]) is None
    june: Counter[int] = Counter()
    for v in review.visits:
        if v["round"] == 1:
            june[v["unit_pos"]] += len(v["findings"])
    assert sorted(u for u, n in june.items() if n >= 3) == review.prominent and len(review.prominent) == 7
    mine = [a for a in data.adjustments if a.get("source")]
    assert mine and all(a["kind"] == "deduction" and 0 < a["points"] <= 10.0 for a in mine)
    assert len({a["source"] for a in mine if a["source"].startswith("accountability_case:")}) == 38
