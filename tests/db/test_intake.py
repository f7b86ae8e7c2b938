"""Survey intake: the look-ups kept per campaign, and the short write path of a sheet.

A sheet is checked against look-ups this process keeps per campaign and stored in one
short transaction; whatever changes a campaign through the app (a status transition
appends an audit entry) makes the next sheet read them again, so every rule of the
intake holds exactly as when everything was read for every sheet.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from db.intake import Sheet, insert_sheets, store_sheet
from db.models import Campaign, CampaignStatus, CampaignUnit, Item, Role, SurveyAnswer, SurveyResponse
from db.uow import UnitOfWork
from services import campaigns, intake_cache
from services import responses as responses_module
from services.errors import DuplicateResponse, NotFound, Refused
from services.intake_cache import IntakeCache
from services.permissions import CurrentUser
from services.responses import OutsideItemSet, submit_response
from survey.problems import PROBLEM_TYPES
from tests.db.kit import MakeUow, add_user, ready_to_open, seed_campaign

ANSWERS = {"q1": "s", "q2": "x"}


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    intake_cache.CACHE.clear()


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    return add_user(make_uow, "admin1", Role.admin)


@pytest.fixture
def open_campaign(make_uow: MakeUow, admin: CurrentUser) -> MakeUow:
    """c1 opened for fieldwork the way an admin does it (a status transition, audited)."""
    seed_campaign(make_uow)
    ready_to_open(make_uow)
    campaigns.open_fieldwork(make_uow(), admin, "c1")
    return make_uow


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The campaigns whose look-ups were read from the database, in order."""
    seen: list[str] = []
    real = intake_cache.load

    def counting(uow: UnitOfWork, code: str) -> intake_cache.Lookups:
        seen.append(code)
        return real(uow, code)

    monkeypatch.setattr(intake_cache, "load", counting)
    return seen


def stored(make_uow: MakeUow) -> list[tuple[str, str | None, list[tuple[str, str]]]]:
    """(unit id, respondent hash, sorted (item code, option)) of every stored response."""
    with make_uow() as uow:
        s = uow.session
        items = dict(s.execute(select(Item.id, Item.code)).all())
        rows = []
        for response in s.execute(select(SurveyResponse).order_by(SurveyResponse.id)).scalars():
            answers = sorted((items[a.item_id], a.option_code) for a in response.answers)
            rows.append((str(response.unit_id), response.respondent_hash, answers))
        return rows


def answer_count(make_uow: MakeUow) -> int:
    with make_uow() as uow:
        return uow.session.execute(select(func.count()).select_from(SurveyAnswer)).scalar_one()


# ---------------------------------------------------------------- the look-ups


def test_the_look_ups_are_read_once_per_campaign_and_process(
    open_campaign: MakeUow, loads: list[str]
) -> None:
    for i in range(5):
        submit_response(open_campaign(), "c1", f"u{i % 3 + 1}", "public", ANSWERS, f"hash-{i}")

    assert loads == ["c1"]
    assert len(stored(open_campaign)) == 5
    assert answer_count(open_campaign) == 10


def test_a_campaign_reopened_after_a_change_is_read_again(
    open_campaign: MakeUow, admin: CurrentUser, loads: list[str]
) -> None:
    submit_response(open_campaign(), "c1", "u1", "public", ANSWERS, "hash-1")
    campaigns.return_to_draft(open_campaign(), admin, "c1", "q2 is for law enforcement only")
    with open_campaign() as uow:  # as the designer does in the draft
        uow.session.execute(update(Item).where(Item.code == "q2").values(unit_categories=["执法"]))
        uow.session.execute(update(CampaignUnit).where(CampaignUnit.position == 1).values(category="执法"))
        uow.commit()
    campaigns.open_fieldwork(open_campaign(), admin, "c1")

    with pytest.raises(OutsideItemSet, match="question 'q2' is not asked"):
        submit_response(open_campaign(), "c1", "u1", "public", ANSWERS, "hash-2")
    submit_response(open_campaign(), "c1", "u1", "public", {"q1": "b"}, "hash-2")

    assert loads == ["c1", "c1"]
    assert [answers for _, _, answers in stored(open_campaign)] == [[("q1", "s"), ("q2", "x")], [("q1", "b")]]


def test_a_question_added_while_in_draft_is_taken_after_reopening(
    open_campaign: MakeUow, admin: CurrentUser
) -> None:
    submit_response(open_campaign(), "c1", "u1", "public", ANSWERS, "hash-1")
    campaigns.return_to_draft(open_campaign(), admin, "c1", "one more question")
    with open_campaign() as uow:
        q1 = uow.session.execute(select(Item).where(Item.code == "q1")).scalar_one()
        uow.session.add(
            Item(
                campaign_id=q1.campaign_id,
                instrument="survey",
                code="q3",
                scale_id=q1.scale_id,
                text_zh="新题",
                position=3,
            )
        )
        uow.commit()
    campaigns.open_fieldwork(open_campaign(), admin, "c1")

    submit_response(open_campaign(), "c1", "u1", "public", {"q3": "u"}, "hash-2")

    assert stored(open_campaign)[-1][2] == [("q3", "u")]


@pytest.mark.parametrize("audited", [True, False])
def test_a_closed_campaign_takes_no_more_sheets_whatever_the_process_kept(
    open_campaign: MakeUow, admin: CurrentUser, audited: bool
) -> None:
    submit_response(open_campaign(), "c1", "u1", "public", ANSWERS, "hash-1")
    if audited:
        campaigns.start_scoring(open_campaign(), admin, "c1")
    else:  # even a status changed behind the app's back (no audit entry) is seen
        with open_campaign() as uow:
            uow.session.execute(update(Campaign).values(status=CampaignStatus.scoring))
            uow.commit()

    with pytest.raises(Refused, match="campaign c1 is not taking answers \\(it is scoring\\)"):
        submit_response(open_campaign(), "c1", "u2", "public", ANSWERS, "hash-2")
    assert len(stored(open_campaign)) == 1


@pytest.mark.parametrize(
    ("unit", "group", "answers", "error", "message"),
    [
        ("u9", "public", ANSWERS, NotFound, "unit 'u9' is not appraised in this campaign"),
        ("u1", "nobody", ANSWERS, NotFound, "campaign c1 has no respondent group 'nobody'"),
        ("u1", "public", {}, Refused, "an answer sheet needs at least one answer"),
        ("u1", "public", {"q9": "s"}, Refused, "the questionnaire has no question 'q9'"),
        ("u1", "public", {"q1": "maybe"}, Refused, "'maybe' is not an option of question 'q1'"),
    ],
)
def test_the_refusals_are_the_same_once_the_look_ups_are_kept(
    open_campaign: MakeUow, unit: str, group: str, answers: dict[str, str], error: type, message: str
) -> None:
    submit_response(open_campaign(), "c1", "u1", "public", ANSWERS, "hash-1")  # the look-ups are kept now

    with pytest.raises(error, match=message):
        submit_response(open_campaign(), "c1", unit, group, answers, "hash-2")
    assert len(stored(open_campaign)) == 1


def test_an_unknown_campaign_is_not_found(open_campaign: MakeUow) -> None:
    with pytest.raises(NotFound, match="no campaign has the code 'zz'"):
        submit_response(open_campaign(), "zz", "u1", "public", ANSWERS)


def test_a_second_sheet_of_the_same_person_is_refused_on_the_short_path(
    open_campaign: MakeUow, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit_response(open_campaign(), "c1", "u1", "public", ANSWERS, "hash-1")
    general: list[int] = []
    real = responses_module._submit_in_uow
    monkeypatch.setattr(responses_module, "_submit_in_uow", lambda *a: general.append(1) or real(*a))

    with pytest.raises(
        DuplicateResponse, match="already answered about unit u1 in campaign c1; counted once"
    ):
        submit_response(open_campaign(), "c1", "u1", "client", {"q1": "u"}, "hash-1")

    assert general == []  # decided by the unique constraint in the short transaction
    assert len(stored(open_campaign)) == 1 and answer_count(open_campaign) == 2


def test_every_column_is_stored_as_the_unit_of_work_stores_it(open_campaign: MakeUow) -> None:
    """The direct DB-API path and the Core path write the same values, JSON included."""
    submit_response(open_campaign(), "c1", "u1", "public", ANSWERS, "warm-up")
    kwargs: dict[str, Any] = {
        "clock": lambda: datetime(2026, 5, 2, 8, 30, tzinfo=UTC),
        "channel": "ticket",
        "attributes": {"age_band": "30-44", "district": "江北区"},
        "comment": "窗口排队太久",
        "problem_types": list(reversed(PROBLEM_TYPES[:2])),
        "duration_seconds": 83.25,
        "device_hash": "d" * 64,
        "network_hash": "n" * 64,
    }
    direct = submit_response(open_campaign(), "c1", "u2", "public", ANSWERS, "hash-a", **kwargs)
    intake_cache.CACHE.clear()  # the next sheet takes the general path, through the unit of work
    general = submit_response(open_campaign(), "c1", "u2", "public", ANSWERS, "hash-b", **kwargs)

    columns = [c for c in SurveyResponse.__table__.columns if c.name not in ("id", "code", "respondent_hash")]
    with open_campaign() as uow:
        rows = {
            code: tuple(rest)
            for code, *rest in uow.session.execute(
                select(SurveyResponse.code, *columns).where(SurveyResponse.code.in_([direct, general]))
            )
        }
    assert rows[direct] == rows[general]
    values = dict(zip([c.name for c in columns], rows[direct], strict=True))
    assert values["attributes"] == kwargs["attributes"]
    assert values["problem_types"] == list(PROBLEM_TYPES[:2])  # catalogue order
    assert values["submitted_at"] == "2026-05-02T08:30:00+00:00"
    assert (values["duration_seconds"], values["quality_flags"], values["status"]) == (83.2, [], "valid")


# ---------------------------------------------------------------- db.intake


def sheet(
    campaign_id: int, unit_id: int, group_id: int, item_ids: list[int], code: str, **extra: Any
) -> Sheet:
    return Sheet(
        campaign_id=campaign_id,
        code=code,
        unit_id=unit_id,
        group_id=group_id,
        answers=[(item_id, "s") for item_id in item_ids],
        submitted_at="2026-05-02T08:00:00+00:00",
        **extra,
    )


def ids(make_uow: MakeUow) -> tuple[int, int, int, list[int]]:
    with make_uow() as uow:
        lookups = intake_cache.load(uow, "c1")
    return (
        lookups.campaign_id,
        lookups.units["u1"][0],
        lookups.groups["public"],
        sorted(item.id for item in lookups.items.values()),
    )


def test_a_sheet_is_not_stored_when_the_campaign_changed_since_it_was_checked(open_campaign: MakeUow) -> None:
    campaign_id, unit_id, group_id, item_ids = ids(open_campaign)
    engine = open_campaign().engine
    assert engine is not None

    assert (
        store_sheet(engine, sheet(campaign_id, unit_id, group_id, item_ids, "w1"), ("fieldwork", -1)) is None
    )
    assert stored(open_campaign) == []
    with open_campaign() as uow:
        marker = intake_cache.load(uow, "c1").marker
    assert store_sheet(engine, sheet(campaign_id, unit_id, group_id, item_ids, "w2"), ("fieldwork", marker))
    assert len(stored(open_campaign)) == 1 and answer_count(open_campaign) == len(item_ids)


def test_a_broken_constraint_comes_out_as_sqlalchemys_error_and_leaves_nothing(
    open_campaign: MakeUow,
) -> None:
    campaign_id, unit_id, group_id, item_ids = ids(open_campaign)
    engine = open_campaign().engine
    assert engine is not None
    with open_campaign() as uow:
        marker = intake_cache.load(uow, "c1").marker
    first = sheet(campaign_id, unit_id, group_id, item_ids, "w1", respondent_hash="h")
    store_sheet(engine, first, ("fieldwork", marker))

    with pytest.raises(IntegrityError, match="respondent_hash"):
        store_sheet(
            engine,
            sheet(campaign_id, unit_id, group_id, item_ids, "w2", respondent_hash="h"),
            ("fieldwork", marker),
        )
    with pytest.raises(IntegrityError):  # an answer to no item: the response is not left behind
        store_sheet(engine, sheet(campaign_id, unit_id, group_id, [10**6], "w3"), ("fieldwork", marker))

    assert len(stored(open_campaign)) == 1 and answer_count(open_campaign) == len(item_ids)
    # the pooled connection went back clean: the next sheet goes in
    assert store_sheet(engine, sheet(campaign_id, unit_id, group_id, item_ids, "w4"), ("fieldwork", marker))


def test_many_sheets_go_in_with_their_ids_in_order(open_campaign: MakeUow) -> None:
    campaign_id, unit_id, group_id, item_ids = ids(open_campaign)
    many = [sheet(campaign_id, unit_id, group_id, item_ids[: 1 + n % 2], f"w{n}") for n in range(7)]

    with open_campaign() as uow:
        returned = insert_sheets(uow.session.connection(), many)
        uow.commit()

    with open_campaign() as uow:
        codes = dict(uow.session.execute(select(SurveyResponse.id, SurveyResponse.code)).all())
        per_response = dict(
            uow.session.execute(
                select(SurveyAnswer.response_id, func.count()).group_by(SurveyAnswer.response_id)
            ).all()
        )
    assert [codes[i] for i in returned] == [s.code for s in many]
    assert [per_response[i] for i in returned] == [len(s.answers) for s in many]


def test_json_values_are_stored_as_sqlalchemy_binds_them(open_campaign: MakeUow) -> None:
    campaign_id, unit_id, group_id, item_ids = ids(open_campaign)
    one = sheet(campaign_id, unit_id, group_id, item_ids, "w1", attributes={"sex": "女"}, problem_types=["x"])
    assert one.values()[7] == json.dumps({"sex": "女"}) and one.values()[15:17] == ('["x"]', "[]")


# ---------------------------------------------------------------- the cache itself


def test_the_cache_keeps_the_most_recently_used_campaigns() -> None:
    cache = IntakeCache(size=2)
    entry = intake_cache.Lookups(1, "c", None, {}, {}, {})
    for key in ("a", "b", "c"):
        cache.put(key, entry)
        cache.get("a")

    assert cache.get("a") is entry and cache.get("b") is None and cache.get("c") is entry
    assert len(cache) == 2


def test_threads_share_the_cache_without_losing_entries() -> None:
    cache = IntakeCache(size=1000)
    entry = intake_cache.Lookups(1, "c", None, {}, {}, {})

    def work(n: int) -> None:
        for i in range(200):
            cache.put((n, i), entry)
            assert cache.get((n, i)) is entry

    threads = [threading.Thread(target=work, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) == 1000


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sheets=st.lists(
        st.tuples(
            st.sampled_from(["u1", "u2", "u9"]),
            st.sampled_from(["public", "client", "nobody"]),
            st.dictionaries(st.sampled_from(["q1", "q2", "q9"]), st.sampled_from(["s", "b", "u", "x", "?"])),
            st.sampled_from(["p1", "p2", "p3", None]),
        ),
        max_size=8,
    )
)
def test_every_sheet_is_stored_whole_or_refused_with_nothing_stored(
    open_campaign: MakeUow, sheets: list[tuple[str, str, dict[str, str], str | None]]
) -> None:
    with open_campaign() as uow:
        uow.session.execute(SurveyAnswer.__table__.delete())
        uow.session.execute(SurveyResponse.__table__.delete())
        uow.commit()
    expected: list[tuple[str, str | None, dict[str, str]]] = []
    seen: set[tuple[str, str]] = set()
    for unit, group, answers, person in sheets:
        valid = (
            unit != "u9"
            and group != "nobody"
            and bool(answers)
            and all(q != "q9" and o != "?" for q, o in answers.items())
        )
        duplicate = person is not None and (unit, person) in seen
        try:
            submit_response(open_campaign(), "c1", unit, group, answers, person)
        except (NotFound, Refused):
            assert not valid or duplicate
            continue
        assert valid and not duplicate
        if person is not None:
            seen.add((unit, person))
        expected.append((unit, person, answers))

    assert [(h, a) for _, h, a in stored(open_campaign)] == [
        (person, sorted(answers.items())) for _, person, answers in expected
    ]
