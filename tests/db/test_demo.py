"""The demo city (db/demo.py, ``python -m db demo``) on SQLite and PostgreSQL.

The demo is loaded once per backend (at a reduced sample scale, to stay fast) and every
test reads it; tests that write use their own database.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import uuid
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from db import audit, crypto, demo, migrate
from db.cli import main as db_main
from db.engine import dispose_all, get_engine
from db.models import (
    Adjustment,
    AuditEntry,
    CallAttempt,
    Caller,
    Campaign,
    CampaignSeries,
    CampaignStatus,
    CampaignUnit,
    CardCase,
    District,
    DoNotCall,
    FrameEntry,
    HistoryEntry,
    Indicator,
    IndicatorValue,
    Item,
    OverdueCase,
    PhoneAnswer,
    PhoneCase,
    Publication,
    RespondentGroup,
    Role,
    SamplingFrame,
    ScoringRun,
    SurveyAnswer,
    SurveyResponse,
    Unit,
    UnitResult,
    User,
)
from db.uow import UnitOfWork
from scoring.params import parse_campaign_toml
from scoring.phone import disposition_class
from services.permissions import CurrentUser
from services.questionnaire import load_questionnaire
from services.review import flag_responses
from services.sampling import frame_summary, preview_design
from services.scoring import input_sha256
from survey.sampling import DesignParams
from tests import conftest as dbconf

HOURS_24 = timedelta(hours=24)
SCALE = 0.3  # a third of the per-unit sample sizes: the same city, fewer answers
KEY = base64.b64encode(hashlib.sha256(b"demo-test-key").digest()).decode()


@pytest.fixture(scope="module", params=dbconf.BACKENDS)
def demo_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database on each backend with the demo loaded once (under a known key)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APPRAISAL_SECRET_KEY", KEY)
        name = ""
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}"
            migrate.upgrade(url)
        else:
            template = request.getfixturevalue("pg_template")
            name = f"appraisal_demo_{uuid.uuid4().hex[:12]}"
            with dbconf._admin_engine().connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
            url = (
                make_url(dbconf.PG_URL)
                .set(drivername="postgresql+psycopg", database=name)
                .render_as_string(hide_password=False)
            )
        with UnitOfWork(sessionmaker(get_engine(url))) as uow:
            summary = demo.load_demo(uow, scale=SCALE)
        assert not summary.already_loaded
        yield url
        dispose_all()
        if name:
            with dbconf._admin_engine().connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def session(demo_db: str) -> Iterator[Session]:
    with sessionmaker(get_engine(demo_db))() as s:
        yield s


def _campaigns(session: Session) -> dict[int, Campaign]:
    """The appraised (scored) years; the open year is tested on its own."""
    return {
        c.year: c for c in session.scalars(select(Campaign).order_by(Campaign.year)) if c.year in demo.YEARS
    }


def _history(session: Session, campaign: Campaign) -> dict[tuple[str, int], bool]:
    rows = session.execute(
        select(Unit.code, HistoryEntry.year, HistoryEntry.unsatisfactory)
        .join(Unit, Unit.id == HistoryEntry.unit_id)
        .where(HistoryEntry.campaign_id == campaign.id)
    )
    return {(code, year): unsat for code, year, unsat in rows}


def _campaign_units(session: Session, campaign: Campaign) -> dict[str, CampaignUnit]:
    rows = session.execute(
        select(Unit.code, CampaignUnit)
        .join(Unit, Unit.id == CampaignUnit.unit_id)
        .where(CampaignUnit.campaign_id == campaign.id)
    )
    return {code: cu for code, cu in rows}


# ---------------------------------------------------------------- the city


def test_the_2025_campaign_is_in_fieldwork_and_its_survey_is_open(session: Session, demo_db: str) -> None:
    # first, before `session` opens its transaction (on SQLite every transaction takes the write lock)
    q = load_questionnaire(UnitOfWork(sessionmaker(get_engine(demo_db))), "lj-2025")
    c = session.scalars(select(Campaign).where(Campaign.year == demo.OPEN_YEAR)).one()
    c2024 = _campaigns(session)[2024]
    assert (c.code, c.status, c.series_id) == ("lj-2025", CampaignStatus.fieldwork, c2024.series_id)
    assert session.scalar(select(func.count()).where(SurveyResponse.campaign_id == c.id)) == 0
    assert session.scalar(select(func.count()).where(PhoneCase.campaign_id == c.id)) == 0
    assert session.scalar(select(func.count()).where(ScoringRun.campaign_id == c.id)) == 0
    # overdue approvals (超时办结) to compute the overtime indicator from, a few only hours late
    late = [
        (o.completed_at - o.promised_at).total_seconds() / 3600
        for o in session.scalars(select(OverdueCase).where(OverdueCase.campaign_id == c.id))
    ]
    assert len(late) >= 20 and min(late) > 0 and any(h < 24 for h in late) and any(h >= 24 for h in late)
    # ... in the Jixi shape (seed 003): 59, of which the 40 exempted were under 24 hours late
    exempt = session.scalars(
        select(OverdueCase).where(OverdueCase.campaign_id == c.id, OverdueCase.exempt)
    ).all()
    assert len(late) == 59 and len(exempt) == 40
    assert all(
        o.exempt_reason.startswith("容错免责 ") and o.completed_at - o.promised_at < HOURS_24 for o in exempt
    )
    # its history is the scored years' worst lists, as for any later campaign
    history = _history(session, c)
    assert {year for _, year in history} == {2022, 2023, 2024}
    assert history.items() >= {k: v for k, v in _history(session, c2024).items() if k in history}.items()
    assert len(q.items) == 5 and {g.code for g in q.groups} == {"citizen", "service_recipient", "deputy"}
    assert q.age_bands == demo.AGE_BANDS and len(q.districts) == 10
    assert len(q.units) == len(_campaign_units(session, c)) >= 280


def test_about_300_units_in_four_categories_and_ten_districts(session: Session) -> None:
    active = session.scalars(select(Unit).where(Unit.active)).all()
    assert 280 <= len(active) <= 320
    by_category = Counter(u.category for u in active)
    assert set(by_category) == {"office", "grassroots", "health", "utility"}
    assert min(by_category.values()) >= 40  # enough units per category for ten best and ten worst
    districts = session.scalars(select(District.name)).all()
    assert len(districts) == 10 and all(name.endswith("区") for name in districts)
    assert len({u.district_id for u in active}) == 10 and None not in {u.district_id for u in active}
    names = [u.name for u in active]
    assert len(set(names)) == len(names)
    for suffix in ("派出所", "司法所", "医院", "社区卫生服务中心", "营业厅", "加油站", "局"):
        assert any(n.endswith(suffix) for n in names), suffix
    assert all(u.head_name and 2 <= len(u.head_name) <= 3 for u in active)
    # grassroots stations report to their district office (派出所 → 公安分局)
    stations = [u for u in active if u.name.endswith("派出所")]
    assert stations and all(u.parent is not None and "公安局" in u.parent.name for u in stations)


def test_three_yearly_campaigns_of_one_series_two_final_and_one_in_review(session: Session) -> None:
    campaigns = _campaigns(session)
    assert list(campaigns) == [2022, 2023, 2024]
    assert session.scalars(select(Campaign.year).order_by(Campaign.year)).all() == [2022, 2023, 2024, 2025]
    assert session.scalar(select(func.count()).select_from(CampaignSeries)) == 1
    assert len({c.series_id for c in campaigns.values()}) == 1
    assert [c.status for c in campaigns.values()] == [
        CampaignStatus.final,
        CampaignStatus.final,
        CampaignStatus.review,
    ]
    assert campaigns[2022].published_at is not None and campaigns[2024].published_at is None
    # the load is on the audit trail (留痕), and the chain holds
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.entity_id) for e in entries] == [
        *(("campaign.score", f"lj-{year}") for year in (2022, 2023, 2024)),
        ("demo.load", demo.SERIES_CODE),
    ]
    assert entries[-1].after["campaigns"] == ["lj-2022", "lj-2023", "lj-2024", "lj-2025"]
    # the registries' rows are counted in the load's entry (db/demo_registries.py)
    registries = (
        "inspection_visit",
        "accountability_case",
        "accountability_person",
        "fault_tolerance_application",
    )
    assert all(entries[-1].after["rows"][table] > 0 for table in registries)
    assert audit.verify(session) == []
    for year, c in campaigns.items():
        info, params, defects = parse_campaign_toml(c.method_toml)
        assert defects == [] and info is not None
        assert (info.id, info.year, info.series) == (c.code, year, demo.SERIES_CODE)
        assert params.group_by == "category" and params.top_n == 10
        assert params.min_survey < 30  # scaled down with the demo's sample sizes
        items = session.scalars(select(Item).where(Item.campaign_id == c.id)).all()
        assert Counter(i.instrument for i in items) == {"survey": 5, "phone": 2}
        assert {i.scale.code for i in items} == {"sat3"}
        groups = session.scalars(
            select(RespondentGroup.code).where(RespondentGroup.campaign_id == c.id)
        ).all()
        assert set(groups) == {"citizen", "service_recipient", "deputy"}


def test_a_renamed_unit_keeps_its_history_through_its_successor(session: Session) -> None:
    campaigns = _campaigns(session)
    renamed = session.scalars(select(Unit).where(Unit.successor_id.is_not(None))).all()
    assert renamed
    chronic = []
    for old in renamed:
        new = old.successor
        assert new is not None and new.active and not old.active
        assert new.code != old.code and new.name != old.name and new.category == old.category
        first = min(y for y, c in campaigns.items() if new.code in _campaign_units(session, c))
        before = campaigns[first - 1]
        assert old.code in _campaign_units(session, before) and new.code not in _campaign_units(
            session, before
        )
        # the history of the new unit records the old unit's year
        history = _history(session, campaigns[first])
        assert (new.code, first - 1) in history and (old.code, first - 1) not in history
        if history[(new.code, first - 1)]:
            chronic.append(new.code)
    # at least one renamed unit was unsatisfactory under its old name: the rule follows it
    assert chronic


def test_units_unsatisfactory_two_years_running_appear_and_lose_their_heads(session: Session) -> None:
    campaigns = _campaigns(session)
    h2023, h2024 = _history(session, campaigns[2023]), _history(session, campaigns[2024])
    # the same fact (a unit's 2022 outcome) is recorded alike in both later campaigns,
    # under the unit's new code where it was renamed in 2024
    renamed = {u.code: u.successor.code for u in session.scalars(select(Unit)) if u.successor}
    for (code, year), unsat in h2023.items():
        assert h2024[(renamed.get(code, code), year)] == unsat
    assert 20 <= sum(h2023.values()) <= 60  # roughly ten worst per category and year
    twice = [code for (code, year), unsat in h2024.items() if year == 2023 and unsat and h2024[(code, 2022)]]
    assert twice
    # 就地免职: the head of a unit unsatisfactory in 2022 and 2023 is replaced in 2024
    cu2023, cu2024 = _campaign_units(session, campaigns[2023]), _campaign_units(session, campaigns[2024])
    assert all(cu2024[code].head_name != cu2023[code].head_name for code in twice)
    # new units (the 2024 metro stations) have no history at all
    new_units = (
        set(cu2024) - set(cu2023) - {u.successor.code for u in session.scalars(select(Unit)) if u.successor}
    )
    assert new_units and not {code for code, _ in h2024} & new_units


def test_every_campaign_is_scored_and_its_worst_list_is_the_next_years_history(session: Session) -> None:
    campaigns = _campaigns(session)
    successor = {u.code: u.successor.code for u in session.scalars(select(Unit)) if u.successor}
    worst: dict[int, set[str]] = {}
    for year, c in campaigns.items():
        runs = session.scalars(select(ScoringRun).where(ScoringRun.campaign_id == c.id)).all()
        assert len(runs) == 1 and runs[0].method_version == "1" and len(runs[0].input_sha256) == 64
        results = session.execute(
            select(Unit.code, UnitResult.list_name, UnitResult.consecutive_unsatisfactory, UnitResult.rank)
            .join(Unit, Unit.id == UnitResult.unit_id)
            .where(UnitResult.run_id == runs[0].id)
        ).all()
        assert len(results) == len(_campaign_units(session, c))
        assert sum(rank is not None for *_, rank in results) >= 0.9 * len(results)  # nearly all ranked
        worst[year] = {code for code, list_name, *_ in results if list_name == "worst"}
        # final years were published (公示) by two admins, with a frozen snapshot of the run
        publications = session.scalars(select(Publication).where(Publication.campaign_id == c.id)).all()
        if c.status == CampaignStatus.final:
            (pub,) = publications
            assert pub.run_id == runs[0].id and pub.approved_by and pub.approved_by != pub.requested_by
            assert pub.snapshot and hashlib.sha256(pub.snapshot).hexdigest() == pub.snapshot_sha256
            snapshot = json.loads(pub.snapshot)
            assert snapshot["campaign"] == c.code and len(snapshot["results"]) == len(results)
            # ... and the bundle the run scored, so the public can recompute it
            assert pub.bundle and hashlib.sha256(pub.bundle).hexdigest() == pub.bundle_sha256
            with zipfile.ZipFile(io.BytesIO(pub.bundle)) as archive:
                files = {
                    name.split("/", 1)[1]: hashlib.sha256(archive.read(name)).hexdigest()
                    for name in archive.namelist()
                }
            assert input_sha256(files) == runs[0].input_sha256
        else:
            assert publications == []
        consecutive = {code for code, _, twice, _ in results if twice}
        assert bool(consecutive) == (year > 2022)
        for later in (y for y in campaigns if y > year):
            units = _campaign_units(session, campaigns[later])

            def now(code: str, units: dict[str, CampaignUnit] = units) -> str:
                while code not in units:  # follow renamings up to the later campaign
                    code = successor[code]
                return code

            history = _history(session, campaigns[later])
            assert {code for (code, y), unsat in history.items() if y == year and unsat} == {
                now(code) for code in worst[year]
            }


# ---------------------------------------------------------------- surveys


def test_surveys_have_quality_problems_to_review(session: Session) -> None:
    campaigns = _campaigns(session)
    for year, c in campaigns.items():
        responses = session.scalars(select(SurveyResponse).where(SurveyResponse.campaign_id == c.id)).all()
        status = Counter(r.status for r in responses)
        assert status["valid"] > 0.9 * len(responses)
        assert status["quarantined"] > 0 and status["duplicate"] > 0
        quarantined = [r for r in responses if r.status == "quarantined"]
        flags = Counter(f for r in quarantined for f in r.quality_flags)
        assert {"too_fast", "straight_lining", "device_burst", "identical_comment"} <= set(flags)
        assert all(r.quality_flags for r in quarantined)
        if c.status == CampaignStatus.review:
            assert any(r.review_note == "" for r in quarantined)  # waiting for a reviewer
        else:
            assert all(r.review_note for r in quarantined)  # decided, with the reason
        # a burst comes from one device, with one comment repeated
        burst = [r for r in quarantined if "device_burst" in r.quality_flags]
        assert max(Counter((r.unit_id, r.device_hash) for r in burst).values()) >= 5
        same = [r.comment for r in burst if "identical_comment" in r.quality_flags]
        assert len(set(same)) == 1 and same[0]
        # comments name the work-style problems 冷硬推/等靠要/庸懒散/假慢拖, 不作为/慢作为/乱作为
        types = Counter(t for r in responses for t in r.problem_types)
        assert set(types) <= set(demo.PROBLEM_TYPES) and len(types) >= 5
        assert all(r.comment for r in responses if r.problem_types)
        assert all(r.attributes.get("district") for r in responses), year


def test_every_response_answers_the_five_survey_items_with_sat3_codes(session: Session) -> None:
    c = _campaigns(session)[2024]
    per_response = Counter(
        session.scalars(
            select(SurveyAnswer.response_id)
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .where(SurveyResponse.campaign_id == c.id)
        )
    )
    n_responses = session.scalar(select(func.count()).where(SurveyResponse.campaign_id == c.id))
    assert len(per_response) == n_responses and set(per_response.values()) == {5}
    codes = set(session.scalars(select(SurveyAnswer.option_code).distinct()))
    assert codes == {code for code, *_ in demo.SAT3}


# ---------------------------------------------------------------- phone sampling


def test_phone_cases_have_valid_aapor_dispositions_and_their_call_attempts(session: Session) -> None:
    for c in _campaigns(session).values():
        cases = session.scalars(select(PhoneCase).where(PhoneCase.campaign_id == c.id)).all()
        dispositions = Counter(case.disposition for case in cases)
        assert all(disposition_class(d) is not None for d in dispositions), dispositions
        # complete, refusal, non-contact, unknown eligibility and not eligible all occur
        assert {d[:3] for d in dispositions} >= {"1.1", "2.1", "2.2", "3.1", "4.3"}
        assert 0.3 < dispositions["1.1"] / len(cases) < 0.6
        attempts: dict[int, list[CallAttempt]] = defaultdict(list)
        for a in session.scalars(
            select(CallAttempt)
            .join(PhoneCase, PhoneCase.id == CallAttempt.case_id)
            .where(PhoneCase.campaign_id == c.id)
            .order_by(CallAttempt.started_at)
        ):
            attempts[a.case_id].append(a)
        answers = Counter(
            session.scalars(
                select(PhoneAnswer.case_id)
                .join(PhoneCase, PhoneCase.id == PhoneAnswer.case_id)
                .where(PhoneCase.campaign_id == c.id)
            )
        )
        for case in cases:
            calls = attempts[case.id]
            assert len(calls) == case.attempts
            assert all(disposition_class(a.disposition) is not None for a in calls)
            if calls:
                assert calls[-1].disposition == case.disposition and case.caller_id is not None
                # evenings in China (stored in UTC; SQLite hands back naive UTC values)
                local = [
                    (a.started_at.replace(tzinfo=a.started_at.tzinfo or UTC)).astimezone(demo.CST)
                    for a in calls
                ]
                assert all(18 <= at.hour <= 20 and at.weekday() < 5 for at in local)
            else:
                assert case.disposition == "4.80"  # the quota was met before it was dialled
            assert answers[case.id] == {"1.1": 2, "1.2": 1}.get(case.disposition, 0)
            assert case.frame_entry_id is not None


def test_the_2025_campaign_has_frames_with_respondent_groups_waiting_for_the_draw(
    session: Session, demo_db: str
) -> None:
    # the services first, before `session` opens its transaction (SQLite's write lock)
    supervisor = CurrentUser(id=0, username="supervisor", role=Role.supervisor)
    summary = frame_summary(UnitOfWork(sessionmaker(get_engine(demo_db))), supervisor, "lj-2025")
    params = DesignParams(margin_of_error=0.15, response_rate=0.5)
    design = preview_design(UnitOfWork(sessionmaker(get_engine(demo_db))), supervisor, "lj-2025", params)
    c = session.scalars(select(Campaign).where(Campaign.year == demo.OPEN_YEAR)).one()
    frames = session.scalars(select(SamplingFrame).where(SamplingFrame.campaign_id == c.id)).all()
    assert len(frames) == 2 and all(f.name.startswith("2025年度") and f.source for f in frames)
    rows = session.execute(
        select(FrameEntry.unit_id, FrameEntry.respondent_group, FrameEntry.phone_hash).where(
            FrameEntry.frame_id.in_([f.id for f in frames])
        )
    ).all()
    per_unit = Counter(unit_id for unit_id, _, _ in rows)
    low, high = demo.OPEN_FRAME_PER_UNIT
    assert len(per_unit) == len(_campaign_units(session, c))
    assert all(max(4, round(SCALE * low)) <= n <= round(SCALE * high) for n in per_unit.values())
    assert Counter(group for _, group, _ in rows).keys() == {"citizen", "service_recipient"}
    # the scored years' frames are as before: no respondent groups on their entries
    older = session.scalars(
        select(FrameEntry.respondent_group)
        .join(SamplingFrame, SamplingFrame.id == FrameEntry.frame_id)
        .where(SamplingFrame.campaign_id != c.id)
        .distinct()
    ).all()
    assert older == [""]
    # the do-not-call list: keyed hashes only, some of them blocking 2025 frame numbers
    listed = session.execute(select(DoNotCall.phone_hash, DoNotCall.reason)).all()
    assert len(listed) == demo.OPEN_DO_NOT_CALL + demo.OTHER_DO_NOT_CALL
    assert all(len(h) == 64 and reason in demo.DO_NOT_CALL_REASONS for h, reason in listed)
    blocked = {h for h, _ in listed} & {h for *_, h in rows}
    assert len(blocked) == demo.OPEN_DO_NOT_CALL
    # what the sampling page shows before the draw
    assert (summary.entries, summary.blocked, summary.do_not_call) == (len(rows), len(blocked), len(listed))
    assert summary.callable == len(rows) - len(blocked)
    assert design.frame_size == summary.callable and 0 < design.to_draw <= summary.callable
    assert session.scalar(select(func.count()).where(PhoneCase.campaign_id == c.id)) == 0


def test_no_plaintext_phone_number_or_name_in_the_sampling_frame(session: Session, demo_db: str) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APPRAISAL_SECRET_KEY", KEY)
        raw = session.execute(
            text("SELECT phone_enc, name_enc, phone_hash, case_number FROM frame_entry")
        ).all()
        assert len(raw) > 1000
        phones = set()
        for phone_enc, name_enc, phone_hash, case_number in raw[:: max(1, len(raw) // 300)]:
            phone, name = crypto.decrypt(bytes(phone_enc)), crypto.decrypt(bytes(name_enc))
            assert crypto.normalize_cn_mobile(phone) == phone
            assert 2 <= len(name) <= 3
            assert crypto.keyed_hash(phone) == phone_hash
            for cell in (bytes(phone_enc), bytes(name_enc), phone_hash.encode(), case_number.encode()):
                assert phone[3:].encode() not in cell and name.encode() not in cell
            phones.add(phone[3:])
    assert len(phones) > 250
    if demo_db.startswith("sqlite"):
        dispose_all()  # checkpoint nothing away: read the file and its write-ahead log as they are
        path = Path(make_url(demo_db).database or "")
        stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert "派出所".encode() in stored  # plain text is visible where it is stored plainly
        numbers = set(re.findall(rb"1[3-9][0-9]{9}", stored))  # every mobile-like digit run, one pass
        assert not numbers & {p.encode() for p in phones}


# ---------------------------------------------------------------- the public bulletin


def test_the_2024_fieldwork_bulletin_is_public_and_opens_on_units_to_show(demo_db: str) -> None:
    from services.bulletin import bulletin_campaigns, fieldwork_bulletin, opening_period
    from services.errors import NotFound

    factory = sessionmaker(get_engine(demo_db))
    public = bulletin_campaigns(UnitOfWork(factory), None)  # a visitor who has not signed in
    assert [(c.code, c.status) for c in public] == [("lj-2024", CampaignStatus.review)]
    period = opening_period(UnitOfWork(factory), None, "lj-2024")
    assert period is not None
    first, last = period  # the whole fieldwork (November to early December), not today's week
    assert date(2024, 11, 1) <= first < last <= date(2024, 12, 31)

    shown = fieldwork_bulletin(UnitOfWork(factory), None, "lj-2024", first, last)

    lists = {g.code: g for g in shown.groups}
    assert set(lists) == {"citizen", "service_recipient", "deputy"}
    for group in ("citizen", "service_recipient"):
        rows = lists[group].rows
        assert len(rows) == 10 and lists[group].responses > 1000
        assert all(r.dissatisfied > 0 and r.scored >= shown.min_answers for r in rows)
        assert [r.dissatisfied for r in rows] == sorted((r.dissatisfied for r in rows), reverse=True)
    # the campaign in fieldwork opens on its current week; the others stay with the admins
    assert opening_period(UnitOfWork(factory), CurrentUser(0, "admin", Role.admin), "lj-2025") is None
    with pytest.raises(NotFound):
        opening_period(UnitOfWork(factory), None, "lj-2023")


# ---------------------------------------------------------------- indicators and adjustments


def test_indicators_and_adjustments_with_reasons(session: Session) -> None:
    for c in _campaigns(session).values():
        indicators = session.scalars(select(Indicator).where(Indicator.campaign_id == c.id)).all()
        assert [i.code for i in indicators] == [k[0] for k in demo.INDICATORS]
        assert abs(sum(i.weight for i in indicators) - 1.0) < 1e-9
        assert all(i.source_system and i.freeze_date for i in indicators)
        n_values = session.scalar(
            select(func.count())
            .select_from(IndicatorValue)
            .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
            .where(Indicator.campaign_id == c.id)
        )
        assert n_values > 3 * 280
        adjustments = session.scalars(select(Adjustment).where(Adjustment.campaign_id == c.id)).all()
        kinds = Counter(a.kind for a in adjustments)
        assert kinds["bonus"] > 0 and kinds["deduction"] > 0 and kinds["veto"] >= 1
        assert all(a.reason and a.evidence_name for a in adjustments)
        assert all((a.points is None) == (a.kind == "veto") for a in adjustments)


# ---------------------------------------------------------------- idempotent and deterministic


def _table_counts(session: Session) -> dict[str, int]:
    models = (Unit, Campaign, SurveyResponse, SurveyAnswer, FrameEntry, PhoneCase, CallAttempt, HistoryEntry)
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in models}


def test_loading_again_changes_nothing(demo_db: str) -> None:
    factory = sessionmaker(get_engine(demo_db))
    with factory() as s:
        before = _table_counts(s)
    with UnitOfWork(factory) as uow:
        summary = demo.load_demo(uow, scale=SCALE)
    assert summary.already_loaded and "already loaded" in summary.describe()
    with factory() as s:
        assert _table_counts(s) == before


def _snapshot(factory: sessionmaker[Session]) -> tuple[str, dict[str, int], list[tuple[str, str]], dict]:
    with UnitOfWork(factory) as uow:
        s = uow.session
        dispositions = s.execute(
            select(PhoneCase.code, PhoneCase.disposition).order_by(PhoneCase.campaign_id, PhoneCase.code)
        ).all()
        history = {c.code: _history(s, c) for c in _campaigns(s).values()}
        return demo.fingerprint(uow), demo.response_counts(uow), [tuple(d) for d in dispositions], history


def test_a_second_load_elsewhere_gives_the_same_city(demo_db: str, tmp_path: Path) -> None:
    # the second load goes to a fresh SQLite file, so on PostgreSQL this also compares backends
    other = f"sqlite:///{tmp_path / 'again.sqlite3'}"
    migrate.upgrade(other)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APPRAISAL_SECRET_KEY", base64.b64encode(bytes(32)).decode())  # even with another key
        with UnitOfWork(sessionmaker(get_engine(other))) as uow:
            demo.load_demo(uow, scale=SCALE)
    first, second = _snapshot(sessionmaker(get_engine(demo_db))), _snapshot(sessionmaker(get_engine(other)))
    assert first[0] == second[0]  # unit codes, names, heads, campaign units
    assert first[1] == second[1] and sum(first[1].values()) > 5000  # responses per campaign and status
    assert first[2] == second[2]  # every phone case's final disposition
    assert first[3] == second[3]  # the history of every campaign


DIGEST = """
import hashlib, json
from db import demo
city = demo.build_city()
outcomes, h = {}, hashlib.sha256()
for year in demo.YEARS:
    data = demo.simulate_year(city, year, outcomes, 0.1, demo.SEED)
    outcomes[year] = demo.score_year(data)
    h.update(json.dumps([[r["code"], r["status"], r["comment"]] for r in data.responses]).encode())
    h.update(json.dumps([[c["code"], c["disposition"], c["attempts"]] for c in data.cases]).encode())
    h.update(json.dumps(sorted(outcomes[year].worst)).encode())
h.update(json.dumps([[i.code, i.name] for lin in city.lineages for i in lin.incarnations]).encode())
print(h.hexdigest())
"""


def test_the_city_does_not_depend_on_the_interpreter_s_hash_seed(repo_root: Path) -> None:
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", DIGEST], cwd=repo_root, env=env, capture_output=True, text=True, check=True
        )
        digests.add(out.stdout.strip())
    assert len(digests) == 1


# ---------------------------------------------------------------- writing tests: own databases


def test_a_database_with_clashing_unit_codes_is_refused_and_left_alone(make_uow, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)
    code = demo.build_city().lineages[0].incarnations[0].code
    with make_uow() as uow:
        uow.session.add(Unit(code=code, name="某单位", category="office"))
        uow.commit()
    with make_uow() as uow:
        assert not demo.is_empty(uow) and not demo.is_loaded(uow)
        with pytest.raises(demo.DemoConflict, match=code):
            demo.load_demo(uow, scale=0.1)
    with make_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Unit)) == 1
        assert uow.session.scalar(select(func.count()).select_from(CampaignSeries)) == 0


def test_the_command_loads_only_into_an_empty_database_and_only_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APPRAISAL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("APPRAISAL_SECRET_KEY", raising=False)
    assert db_main(["upgrade"]) == 0
    assert db_main(["demo", "--if-empty", "--scale", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "loaded the demo city 临江市" in out and "units ranked" in out
    assert "card cases opened for the published years" in out  # 红黄牌 cases to follow up
    assert (tmp_path / "secret.key").exists()  # the first encryption made the local key
    with UnitOfWork(sessionmaker(get_engine())) as uow:
        cards = uow.session.scalar(select(func.count()).select_from(CardCase))
        carded = uow.session.scalar(
            select(func.count())
            .select_from(UnitResult)
            .join(Publication, Publication.run_id == UnitResult.run_id)
            .where(UnitResult.card != "")
        )
        assert cards == carded > 0
    assert db_main(["demo", "--if-empty", "--scale", "0.1"]) == 0
    assert "already loaded" in capsys.readouterr().out
    assert db_main(["demo", "--scale", "0"]) == 2
    with UnitOfWork(sessionmaker(get_engine())) as uow:
        assert uow.session.scalar(select(func.count()).select_from(CampaignSeries)) == 1
        assert uow.session.scalar(select(func.count()).select_from(CardCase)) == cards  # not twice

    other = tmp_path / "other"
    monkeypatch.setenv("APPRAISAL_DATA_DIR", str(other))
    assert db_main(["upgrade"]) == 0
    with UnitOfWork(sessionmaker(get_engine())) as uow:
        uow.session.add(District(name="外区"))
        uow.session.add(Unit(code="X1", name="某单位", category="office"))
        uow.commit()
    assert db_main(["demo", "--if-empty"]) == 0
    assert "already holds data" in capsys.readouterr().out
    with UnitOfWork(sessionmaker(get_engine())) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Campaign)) == 0
    dispose_all()


@pytest.mark.slow
def test_the_full_demo_ranks_nearly_every_unit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # how long it takes is bench/bench_demo.py's business (goal: 15 s), not a test's
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)
    url = f"sqlite:///{tmp_path / 'full.sqlite3'}"
    migrate.upgrade(url)
    with UnitOfWork(sessionmaker(get_engine(url))) as uow:
        summary = demo.load_demo(uow)
    for year, outcome in summary.outcomes.items():
        assert outcome.n_eligible >= 0.9 * summary.units, year
        assert 30 <= len(outcome.worst) <= 45
    assert summary.rows["survey_response"] > 25_000
    json.dumps(summary.rows)  # plain numbers, printable by the command
    dispose_all()


def test_demo_accounts_sign_in_with_each_role_and_are_created_once(demo_db: str) -> None:
    from db.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, create_demo_accounts
    from db.models import Role
    from services.auth import authenticate

    factory = sessionmaker(get_engine(demo_db), expire_on_commit=False)

    def make() -> UnitOfWork:
        return UnitOfWork(factory, actor="test")

    assert create_demo_accounts(make) == [name for name, _, _ in DEMO_ACCOUNTS]
    assert create_demo_accounts(make) == []  # a second call creates nothing
    roles = {}
    for username, role, _ in DEMO_ACCOUNTS:
        user = authenticate(make(), username, DEMO_PASSWORD)
        assert user is not None, username
        assert user.role == role
        roles[username] = user.role
        assert authenticate(make(), username, "wrong password") is None
    assert set(roles.values()) == set(Role)
    assert roles["inspector1"] == Role.inspector  # the inspector's phone page has a round to work
    with make() as uow:
        liaison = uow.session.execute(select(User).where(User.username == "liaison")).scalar_one()
        assert liaison.unit_id is not None
        # the demo caller can work cases: an interviewer record with a phone for click-to-call
        caller_user = uow.session.execute(select(User).where(User.username == "caller")).scalar_one()
        caller = uow.session.execute(select(Caller).where(Caller.user_id == caller_user.id)).scalar_one()
        assert caller.phone_enc is not None


def _demo_counts(url: str) -> dict[str, int]:
    models = (CampaignSeries, Campaign, District, Unit, SurveyResponse, ScoringRun, Publication)
    models += (CardCase, User)
    with sessionmaker(get_engine(url))() as s:
        counts = {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0 for m in models}
        counts["audit_entry"] = s.scalar(select(func.count()).select_from(AuditEntry)) or 0
        assert audit.verify(s) == []
    return counts


def test_a_load_killed_between_the_city_and_the_accounts_leaves_nothing_and_a_rerun_loads_it_all(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import services.auth

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)
    monkeypatch.setenv("APPRAISAL_DATA_DIR", str(tmp_path))

    def killed(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C (or kill) once the city is scored and its cards opened

    with monkeypatch.context() as mp:
        mp.setattr(services.auth, "create_user", killed)
        with pytest.raises(KeyboardInterrupt):
            db_main(["demo", "--scale", "0.1"])
    out = capsys.readouterr().out
    assert "scoring lj-2024" in out  # it died after the city was written and scored
    counts = _demo_counts(database_url)
    assert counts == dict.fromkeys(counts, 0)  # ... and left nothing behind

    with UnitOfWork(sessionmaker(get_engine(database_url))) as uow:
        assert demo.is_empty(uow) and not demo.is_loaded(uow)
    assert db_main(["demo", "--if-empty", "--scale", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "loaded the demo city" in out and "card cases opened for the published years" in out
    assert "demo sign-in accounts: admin, admin2, supervisor, caller, liaison" in out
    counts = _demo_counts(database_url)
    assert counts["campaign_series"] == 1 and counts["card_case"] > 0
    assert counts["app_user"] == len(demo.DEMO_ACCOUNTS)


def test_a_rerun_finishes_a_demo_that_an_older_load_left_without_cards_and_accounts(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)
    monkeypatch.setenv("APPRAISAL_DATA_DIR", str(tmp_path))
    # what a load killed between its two transactions left (before the load was one)
    with UnitOfWork(sessionmaker(get_engine(database_url))) as uow:
        demo.load_demo(uow, scale=0.1)
    assert _demo_counts(database_url)["app_user"] == 0

    assert db_main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "already loaded" in out and "made what an interrupted load had left out" in out
    assert "card cases opened" in out and "demo sign-in accounts: admin, admin2" in out
    counts = _demo_counts(database_url)
    assert counts["app_user"] == len(demo.DEMO_ACCOUNTS) and counts["card_case"] > 0

    assert db_main(["demo"]) == 0  # now complete: nothing more
    out = capsys.readouterr().out
    assert "nothing changed" in out and "sign-in accounts" not in out
    assert _demo_counts(database_url) == counts


def test_the_quality_check_finds_the_demo_s_own_problems_and_few_others(make_uow, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The rules of survey.quality agree with the problems the demo plants: run over 2024,
    they hold back a small share of the answers, among them every planted burst."""
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)
    with make_uow() as uow:
        demo.load_demo(uow, scale=SCALE, score=False)
    admin = CurrentUser(id=0, username="admin", role=Role.admin)
    with make_uow() as uow:
        planted = {
            r.code
            for r in uow.session.scalars(
                select(SurveyResponse).join(Campaign).where(Campaign.code == "lj-2024")
            )
            if "device_burst" in r.quality_flags
        }

    summary = flag_responses(make_uow(), admin, "lj-2024")

    assert planted and set(summary["quarantined"]) | _pending(make_uow) >= planted
    assert summary["flagged"] <= 0.03 * summary["checked"], summary["flagged"]


def _pending(make_uow) -> set[str]:  # type: ignore[no-untyped-def]
    with make_uow() as uow:
        return set(
            uow.session.scalars(select(SurveyResponse.code).where(SurveyResponse.status == "quarantined"))
        )


def test_the_demo_speaks_the_survey_s_vocabulary() -> None:
    from survey import problems

    assert list(demo.PROBLEM_TYPES) == list(problems.PROBLEM_TYPES)
    assert (demo.AGE_BANDS, demo.SEXES) == (problems.DEFAULT_AGE_BANDS, problems.DEFAULT_SEXES)
