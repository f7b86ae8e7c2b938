"""Submitting a survey response: checked against the questionnaire, one per person and unit."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from db.models import CampaignStatus, SurveyAnswer, SurveyResponse
from services import responses
from services.errors import DuplicateResponse, NotFound, Refused
from services.responses import CommentTooLong, fit_comment, submit_response
from survey.problems import MAX_COMMENT_CHARS
from tests.db.kit import MakeUow, audit_count, seed_campaign

ANSWERS = {"q1": "s", "q2": "x"}


def response_count(make_uow: MakeUow) -> int:
    with make_uow() as uow:
        return uow.session.execute(select(func.count()).select_from(SurveyResponse)).scalar_one()


def test_a_response_is_stored_with_its_answers(make_uow: MakeUow) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)

    code = submit_response(
        make_uow(),
        "c1",
        "u2",
        "client",
        ANSWERS,
        "hash-1",
        channel="ticket",
        attributes={"age_band": "30-44"},
    )

    with make_uow() as uow:
        response = uow.session.execute(select(SurveyResponse)).scalar_one()
        assert (response.code, response.channel, response.status, response.respondent_hash) == (
            code,
            "ticket",
            "valid",
            "hash-1",
        )
        assert response.attributes == {"age_band": "30-44"}
        assert sorted(a.option_code for a in response.answers) == ["s", "x"]
    assert audit_count(make_uow) == 0  # a citizen's own submission is not a staff change


def test_a_second_submission_by_the_same_person_for_the_same_unit_is_refused(make_uow: MakeUow) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    submit_response(make_uow(), "c1", "u1", "public", ANSWERS, "hash-1")

    with pytest.raises(
        DuplicateResponse, match="already answered about unit u1 in campaign c1; counted once"
    ):
        submit_response(make_uow(), "c1", "u1", "client", {"q1": "u"}, "hash-1")

    assert response_count(make_uow) == 1
    with make_uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(SurveyAnswer)).scalar_one() == 2
    # the same person may rate another unit, and answers without a verified number are not matched
    submit_response(make_uow(), "c1", "u2", "public", ANSWERS, "hash-1")
    submit_response(make_uow(), "c1", "u1", "public", ANSWERS)
    submit_response(make_uow(), "c1", "u1", "public", ANSWERS)
    assert response_count(make_uow) == 4


@pytest.mark.parametrize(
    ("unit", "group", "answers", "error", "message"),
    [
        ("u9", "public", ANSWERS, NotFound, "unit 'u9' is not appraised"),
        ("u1", "nobody", ANSWERS, NotFound, "no respondent group 'nobody'"),
        ("u1", "public", {"q9": "s"}, Refused, "no question 'q9'"),
        ("u1", "public", {"q1": "maybe"}, Refused, "'maybe' is not an option of question 'q1'"),
        ("u1", "public", {}, Refused, "at least one answer"),
    ],
)
def test_a_response_that_does_not_fit_the_questionnaire_is_refused(
    make_uow: MakeUow, unit: str, group: str, answers: dict[str, str], error: type, message: str
) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)

    with pytest.raises(error, match=message):
        submit_response(make_uow(), "c1", unit, group, answers)
    assert response_count(make_uow) == 0


@pytest.mark.parametrize("status", [CampaignStatus.draft, CampaignStatus.scoring, CampaignStatus.published])
def test_responses_are_taken_only_during_fieldwork(make_uow: MakeUow, status: CampaignStatus) -> None:
    seed_campaign(make_uow, status=status)

    with pytest.raises(Refused, match="not taking answers"):
        submit_response(make_uow(), "c1", "u1", "public", ANSWERS)
    assert response_count(make_uow) == 0


def locked(*_args: object) -> str:
    raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))


def test_a_writer_passed_over_for_the_sqlite_write_lock_tries_again(
    make_uow: MakeUow, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    real = responses._submit_once
    calls: list[int] = []

    def locked_twice(*args: Any) -> str:
        calls.append(1)
        return locked() if len(calls) <= 2 else real(*args)

    monkeypatch.setattr(responses, "_submit_once", locked_twice)
    monkeypatch.setattr(responses.time, "sleep", lambda seconds: None)

    submit_response(make_uow(), "c1", "u1", "public", ANSWERS, "hash-1")

    assert len(calls) == 3 and response_count(make_uow) == 1


def test_a_writer_gives_up_after_a_few_tries(make_uow: MakeUow, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(responses, "_submit_once", lambda *args: calls.append(1) or locked())
    monkeypatch.setattr(responses.time, "sleep", lambda seconds: None)

    with pytest.raises(OperationalError, match="database is locked"):
        submit_response(make_uow(), "c1", "u1", "public", ANSWERS, "hash-1")
    assert len(calls) == responses.LOCK_RETRIES


def test_the_page_and_the_service_apply_the_same_comment_limit(make_uow: MakeUow) -> None:
    """What fit_comment keeps (the page's cut) is accepted; one character more is refused."""
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    pasted = "  " + "评" * MAX_COMMENT_CHARS + "议" * 100 + "  "

    kept, cut = fit_comment(pasted)

    assert (kept, cut) == ("评" * MAX_COMMENT_CHARS, 100)
    assert fit_comment("  短评  ") == ("短评", 0)
    with pytest.raises(CommentTooLong, match=f"at most {MAX_COMMENT_CHARS}") as refused:
        submit_response(make_uow(), "c1", "u1", "public", ANSWERS, comment=kept + "议")
    assert (refused.value.length, refused.value.limit) == (MAX_COMMENT_CHARS + 1, MAX_COMMENT_CHARS)
    assert response_count(make_uow) == 0
    submit_response(make_uow(), "c1", "u1", "public", ANSWERS, comment=kept)
    with make_uow() as uow:
        assert uow.session.execute(select(SurveyResponse.comment)).scalar_one() == kept
