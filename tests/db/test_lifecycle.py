"""A campaign's lifecycle: every transition, every refusal, every step audited."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from db import audit
from db.models import Appeal, Campaign, CampaignStatus, Publication, Role, SurveyResponse
from services import campaigns
from services.appeals import decide_appeal, file_appeal
from services.clock import as_utc
from services.errors import InputsFrozen, NotFound, Refused
from services.permissions import CurrentUser
from services.responses import set_response_status, submit_response
from tests.db.kit import (
    T0,
    Clock,
    MakeUow,
    add_case,
    add_run,
    add_user,
    audit_actions,
    campaign_status,
    ready_to_open,
    seed_campaign,
)

S = CampaignStatus
Admins = tuple[CurrentUser, CurrentUser]
ANSWERS = {"q1": "s", "q2": "b"}


@pytest.fixture
def admins(make_uow: MakeUow) -> Admins:
    return add_user(make_uow, "admin1", Role.admin), add_user(make_uow, "admin2", Role.admin)


def load(make_uow: MakeUow, code: str = "c1") -> Campaign:
    with make_uow() as uow:
        campaign = uow.session.execute(select(Campaign).where(Campaign.code == code)).scalar_one()
        uow.session.expunge(campaign)
        return campaign


def transitions(make_uow: MakeUow) -> list[tuple[str, str]]:
    return [(actor, action) for actor, action in audit_actions(make_uow) if action == "campaign.transition"]


def to_fieldwork(make_uow: MakeUow, admin: CurrentUser) -> None:
    seed_campaign(make_uow)
    ready_to_open(make_uow)
    campaigns.open_fieldwork(make_uow(), admin, "c1")


def to_scoring(make_uow: MakeUow, admin: CurrentUser) -> None:
    to_fieldwork(make_uow, admin)
    submit_response(make_uow(), "c1", "u1", "public", ANSWERS)
    campaigns.start_scoring(make_uow(), admin, "c1")


def to_review(make_uow: MakeUow, admin: CurrentUser) -> int:
    to_scoring(make_uow, admin)
    run_id = add_run(make_uow)
    campaigns.start_review(make_uow(), admin, "c1")
    return run_id


def to_published(make_uow: MakeUow, admins: Admins, clock: Clock) -> None:
    to_review(make_uow, admins[0])
    campaigns.request_publication(make_uow(), admins[0], "c1")
    campaigns.approve_publication(make_uow(), admins[1], "c1", clock=clock)


# ---------------------------------------------------------------- draft → fieldwork


def test_open_fieldwork_moves_a_ready_draft_to_fieldwork(make_uow: MakeUow, admins: Admins) -> None:
    seed_campaign(make_uow)
    ready_to_open(make_uow)

    assert campaigns.open_fieldwork(make_uow(), admins[0], "c1") == S.fieldwork

    assert campaign_status(make_uow) == S.fieldwork
    assert transitions(make_uow) == [("admin1", "campaign.transition")]


@pytest.mark.parametrize(
    ("kwargs", "missing"),
    [
        ({"units": ()}, "no units"),
        ({"items": False}, "no survey items"),
        ({"groups": False}, "no respondent groups"),
        ({"units": (), "items": False, "groups": False}, "no units, no survey items, no respondent groups"),
    ],
)
def test_open_fieldwork_refuses_a_campaign_without_units_questionnaire_or_groups(
    make_uow: MakeUow, admins: Admins, kwargs: dict[str, object], missing: str
) -> None:
    seed_campaign(make_uow, **kwargs)

    with pytest.raises(Refused, match=missing):
        campaigns.open_fieldwork(make_uow(), admins[0], "c1")

    assert campaign_status(make_uow) == S.draft
    assert transitions(make_uow) == []


def test_a_step_from_the_wrong_status_is_refused_and_changes_nothing(
    make_uow: MakeUow, admins: Admins
) -> None:
    to_fieldwork(make_uow, admins[0])

    for step in (campaigns.open_fieldwork, campaigns.start_review, campaigns.return_to_scoring,
                 campaigns.reopen_fieldwork, campaigns.request_publication, campaigns.approve_publication,
                 campaigns.finalize):  # fmt: skip
        with pytest.raises(Refused, match="it is fieldwork, this step needs"):
            step(make_uow(), admins[0], "c1")

    assert campaign_status(make_uow) == S.fieldwork
    assert len(transitions(make_uow)) == 1


def test_an_unknown_campaign_is_reported_by_code(make_uow: MakeUow, admins: Admins) -> None:
    with pytest.raises(NotFound, match="no campaign has the code 'zz'"):
        campaigns.open_fieldwork(make_uow(), admins[0], "zz")


# ---------------------------------------------------------------- fieldwork → scoring


def test_start_scoring_closes_fieldwork(make_uow: MakeUow, admins: Admins) -> None:
    to_fieldwork(make_uow, admins[0])
    submit_response(make_uow(), "c1", "u1", "public", ANSWERS)
    add_case(make_uow, case_code="k1")  # never called: fine
    add_case(make_uow, case_code="k2", attempts=2, disposition="2.11")  # closed: fine

    assert campaigns.start_scoring(make_uow(), admins[0], "c1") == S.scoring

    # answers are no longer taken once fieldwork is closed
    with pytest.raises(Refused, match="not taking answers"):
        submit_response(make_uow(), "c1", "u2", "public", ANSWERS)


def test_start_scoring_refuses_a_campaign_without_responses(make_uow: MakeUow, admins: Admins) -> None:
    to_fieldwork(make_uow, admins[0])

    with pytest.raises(Refused, match="no survey responses"):
        campaigns.start_scoring(make_uow(), admins[0], "c1")
    assert campaign_status(make_uow) == S.fieldwork


def test_start_scoring_refuses_while_phone_cases_are_being_worked(make_uow: MakeUow, admins: Admins) -> None:
    to_fieldwork(make_uow, admins[0])
    submit_response(make_uow(), "c1", "u1", "public", ANSWERS)
    add_case(make_uow, case_code="k1", attempts=1)

    with pytest.raises(Refused, match="1 phone case"):
        campaigns.start_scoring(make_uow(), admins[0], "c1")
    assert campaign_status(make_uow) == S.fieldwork


# ---------------------------------------------------------------- scoring ⇄ review, back to fieldwork


def test_start_review_needs_a_scoring_run(make_uow: MakeUow, admins: Admins) -> None:
    to_scoring(make_uow, admins[0])

    with pytest.raises(Refused, match="score it first"):
        campaigns.start_review(make_uow(), admins[0], "c1")
    add_run(make_uow)
    assert campaigns.start_review(make_uow(), admins[0], "c1") == S.review


def test_returning_to_scoring_needs_a_new_run_before_review_again(make_uow: MakeUow, admins: Admins) -> None:
    to_review(make_uow, admins[0])

    assert campaigns.return_to_scoring(make_uow(), admins[0], "c1") == S.scoring

    with pytest.raises(Refused, match="score it first"):
        campaigns.start_review(make_uow(), admins[0], "c1")
    add_run(make_uow)
    assert campaigns.start_review(make_uow(), admins[0], "c1") == S.review


def test_reopened_fieldwork_must_be_scored_again(make_uow: MakeUow, admins: Admins) -> None:
    to_review(make_uow, admins[0])

    assert campaigns.reopen_fieldwork(make_uow(), admins[0], "c1") == S.fieldwork
    submit_response(make_uow(), "c1", "u2", "public", ANSWERS)
    campaigns.start_scoring(make_uow(), admins[0], "c1")

    with pytest.raises(Refused, match="score it first"):
        campaigns.start_review(make_uow(), admins[0], "c1")


def test_reopen_fieldwork_works_from_scoring_too(make_uow: MakeUow, admins: Admins) -> None:
    to_scoring(make_uow, admins[0])

    assert campaigns.reopen_fieldwork(make_uow(), admins[0], "c1") == S.fieldwork


# ---------------------------------------------------------------- review → published (two admins)


def test_publishing_takes_a_request_and_a_second_admins_approval(make_uow: MakeUow, admins: Admins) -> None:
    run_id = to_review(make_uow, admins[0])
    clock = Clock()

    campaigns.request_publication(make_uow(), admins[0], "c1")
    assert campaign_status(make_uow) == S.review
    assert campaigns.approve_publication(make_uow(), admins[1], "c1", clock=clock) == S.published

    campaign = load(make_uow)
    assert campaign.status == S.published
    assert campaign.published_at is not None and campaign.notice_ends_at is not None
    assert as_utc(campaign.published_at) == T0
    assert as_utc(campaign.notice_ends_at) == T0 + timedelta(days=7)
    with make_uow() as uow:
        publication = uow.session.execute(select(Publication)).scalar_one()
        assert (publication.run_id, publication.requested_by, publication.approved_by) == (
            run_id,
            "admin1",
            "admin2",
        )
        assert publication.snapshot is not None
        assert hashlib.sha256(publication.snapshot).hexdigest() == publication.snapshot_sha256
        snapshot = json.loads(publication.snapshot)
        assert [r["unit_id"] for r in snapshot["results"]] == ["u1", "u2", "u3"]
    actions = audit_actions(make_uow)
    assert ("admin1", "publication.request") in actions and ("admin2", "publication.approve") in actions


def test_the_requesting_admin_cannot_approve_their_own_request(make_uow: MakeUow, admins: Admins) -> None:
    to_review(make_uow, admins[0])
    campaigns.request_publication(make_uow(), admins[0], "c1")

    with pytest.raises(Refused, match="needs a second admin"):
        campaigns.approve_publication(make_uow(), admins[0], "c1")

    assert campaign_status(make_uow) == S.review
    assert load(make_uow).published_at is None


def test_approval_needs_a_request(make_uow: MakeUow, admins: Admins) -> None:
    to_review(make_uow, admins[0])

    with pytest.raises(Refused, match="no admin has requested"):
        campaigns.approve_publication(make_uow(), admins[1], "c1")


def test_a_second_request_while_one_waits_is_refused(make_uow: MakeUow, admins: Admins) -> None:
    to_review(make_uow, admins[0])
    campaigns.request_publication(make_uow(), admins[0], "c1")

    with pytest.raises(Refused, match="already requested by admin1"):
        campaigns.request_publication(make_uow(), admins[1], "c1")


def test_a_request_for_an_outdated_run_cannot_be_approved(make_uow: MakeUow, admins: Admins) -> None:
    to_review(make_uow, admins[0])
    campaigns.request_publication(make_uow(), admins[0], "c1")
    add_run(make_uow)  # scored again in review

    with pytest.raises(Refused, match="scored again after the request"):
        campaigns.approve_publication(make_uow(), admins[1], "c1")


def test_returning_to_scoring_withdraws_a_pending_request(make_uow: MakeUow, admins: Admins) -> None:
    to_review(make_uow, admins[0])
    campaigns.request_publication(make_uow(), admins[0], "c1")

    campaigns.return_to_scoring(make_uow(), admins[0], "c1")
    add_run(make_uow)
    campaigns.start_review(make_uow(), admins[0], "c1")

    with pytest.raises(Refused, match="no admin has requested"):
        campaigns.approve_publication(make_uow(), admins[1], "c1")
    assert ("admin1", "publication.cancel") in audit_actions(make_uow)


# ---------------------------------------------------------------- published → final


def test_final_only_after_the_notice_period(make_uow: MakeUow, admins: Admins) -> None:
    clock = Clock()
    to_published(make_uow, admins, clock)

    clock.advance(days=7, seconds=-1)
    with pytest.raises(Refused, match="notice period runs until 2026-03-08T09:00:00"):
        campaigns.finalize(make_uow(), admins[0], "c1", clock=clock)
    assert campaign_status(make_uow) == S.published

    clock.advance(seconds=1)
    assert campaigns.finalize(make_uow(), admins[0], "c1", clock=clock) == S.final


def test_the_notice_period_follows_the_campaigns_notice_days(make_uow: MakeUow, admins: Admins) -> None:
    seed_campaign(make_uow, notice_days=3)
    ready_to_open(make_uow)
    campaigns.open_fieldwork(make_uow(), admins[0], "c1")
    submit_response(make_uow(), "c1", "u1", "public", ANSWERS)
    campaigns.start_scoring(make_uow(), admins[0], "c1")
    add_run(make_uow)
    campaigns.start_review(make_uow(), admins[0], "c1")
    campaigns.request_publication(make_uow(), admins[0], "c1")
    campaigns.approve_publication(make_uow(), admins[1], "c1", clock=Clock())

    assert as_utc(load(make_uow).notice_ends_at) == T0 + timedelta(days=3)


def test_final_waits_for_every_appeal_to_be_decided(make_uow: MakeUow, admins: Admins) -> None:
    clock = Clock()
    to_published(make_uow, admins, clock)
    liaison = add_user(make_uow, "lianluo1", Role.liaison, unit_code="u1")
    clock.advance(days=1)
    appeal_id = file_appeal(make_uow(), liaison, "c1", "u1", "样本中有非服务对象", clock=clock)
    clock.advance(days=7)

    with pytest.raises(Refused, match="1 appeal"):
        campaigns.finalize(make_uow(), admins[0], "c1", clock=clock)

    decide_appeal(make_uow(), admins[1], appeal_id, False, "经核查样本均为服务对象", clock=clock)
    assert campaigns.finalize(make_uow(), admins[0], "c1", clock=clock) == S.final
    with make_uow() as uow:
        assert uow.session.execute(select(Appeal.status)).scalar_one() == "rejected"


def test_appeals_close_with_the_notice_period(make_uow: MakeUow, admins: Admins) -> None:
    clock = Clock()
    to_published(make_uow, admins, clock)
    liaison = add_user(make_uow, "lianluo1", Role.liaison, unit_code="u1")

    clock.advance(days=7)
    with pytest.raises(Refused, match="appeals are closed"):
        file_appeal(make_uow(), liaison, "c1", "u1", "理由", clock=clock)


# ---------------------------------------------------------------- inputs frozen after publication


def test_inputs_are_editable_until_published_and_frozen_after(make_uow: MakeUow, admins: Admins) -> None:
    clock = Clock()
    to_review(make_uow, admins[0])
    with make_uow() as uow:
        response_code = uow.session.execute(select(SurveyResponse.code)).scalar_one()
    campaigns.assert_inputs_editable(load(make_uow))  # in review: corrections still allowed
    campaigns.update_campaign(make_uow(), admins[0], "c1", notice_days=10)
    set_response_status(make_uow(), admins[0], "c1", response_code, "quarantined", "同一设备多次提交")

    # The run no longer matches the inputs: it cannot be published as it is ...
    campaigns.request_publication(make_uow(), admins[0], "c1")
    with pytest.raises(Refused, match="inputs of campaign c1 changed after scoring run"):
        campaigns.approve_publication(make_uow(), admins[1], "c1", clock=clock)
    assert campaign_status(make_uow) == CampaignStatus.review
    # ... but once scored again
    campaigns.return_to_scoring(make_uow(), admins[0], "c1")
    add_run(make_uow)
    campaigns.start_review(make_uow(), admins[0], "c1")
    campaigns.request_publication(make_uow(), admins[0], "c1")
    campaigns.approve_publication(make_uow(), admins[1], "c1", clock=clock)

    with pytest.raises(InputsFrozen, match="c1 is published"):
        campaigns.assert_inputs_editable(load(make_uow))
    with pytest.raises(InputsFrozen):
        campaigns.update_campaign(make_uow(), admins[0], "c1", name="改名")
    with pytest.raises(InputsFrozen):
        set_response_status(make_uow(), admins[0], "c1", response_code, "valid", "恢复")
    assert load(make_uow).name == "测试评议"
    assert as_utc(load(make_uow).notice_ends_at) == T0 + timedelta(days=10)

    clock.advance(days=10)
    campaigns.finalize(make_uow(), admins[0], "c1", clock=clock)
    with pytest.raises(InputsFrozen, match="c1 is final"):
        campaigns.update_campaign(make_uow(), admins[0], "c1", notice_days=5)


def test_campaign_settings_are_validated_and_audited_with_before_and_after(
    make_uow: MakeUow, admins: Admins
) -> None:
    seed_campaign(make_uow)

    with pytest.raises(Refused, match="1 to 90 days"):
        campaigns.update_campaign(make_uow(), admins[0], "c1", notice_days=0)
    campaigns.update_campaign(make_uow(), admins[0], "c1", name="新名称", notice_days=7)

    with make_uow() as uow:
        entry = uow.session.execute(select(audit.AuditEntry)).scalar_one()
        # notice_days did not change, so only the name is recorded
        assert (entry.action, entry.before, entry.after) == (
            "campaign.update",
            {"name": "测试评议"},
            {"name": "新名称"},
        )


# ---------------------------------------------------------------- the whole way, audited


def test_the_whole_lifecycle_is_audited_step_by_step_and_the_chain_verifies(
    make_uow: MakeUow, admins: Admins
) -> None:
    clock = Clock()
    to_published(make_uow, admins, clock)
    clock.advance(days=8)
    campaigns.finalize(make_uow(), admins[1], "c1", clock=clock)

    with make_uow() as uow:
        steps = [
            (e.actor, e.before["status"], e.after["status"])
            for e in uow.session.execute(
                select(audit.AuditEntry)
                .where(audit.AuditEntry.action == "campaign.transition")
                .order_by(audit.AuditEntry.id)
            ).scalars()
        ]
        assert audit.verify(uow.session) == []
    assert steps == [
        ("admin1", "draft", "fieldwork"),
        ("admin1", "fieldwork", "scoring"),
        ("admin1", "scoring", "review"),
        ("admin2", "review", "published"),
        ("admin2", "published", "final"),
    ]
