"""The scoring page's services (services/scoring.py: run_scoring, list_runs, run_rows,
scoring_state, analyse_inputs) on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from db.bundle_io import import_bundle
from db.models import AuditEntry, CampaignStatus, Role
from scoring import load_bundle, score_campaign
from scoring.funnel import pooled_within_sd
from scoring.items import response_scores
from scoring.output import result_rows
from scoring.sensitivity import weight_sensitivity
from services import campaigns
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, PermissionDenied
from services.scoring import (
    analyse_inputs,
    list_runs,
    run_rows,
    run_scoring,
    scoring_campaigns,
    scoring_state,
)
from tests.db.kit import Clock, MakeUow, add_user, set_status

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "example" / "bundle"


@pytest.fixture
def code(make_uow: MakeUow) -> str:
    with make_uow() as uow:
        code = import_bundle(uow, EXAMPLE).code
        uow.commit()
    return code


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    return add_user(make_uow, "admin1", Role.admin)


def test_run_scoring_stores_an_audited_run_in_the_admins_name(
    make_uow: MakeUow, code: str, admin: CurrentUser
) -> None:
    set_status(make_uow, code, CampaignStatus.scoring)
    run = run_scoring(make_uow(), admin, code, replicates=20)
    assert (run.created_by, run.replicates, run.method_version) == ("admin1", 20, "1")
    assert len(run.input_sha256) == 64
    with make_uow() as uow:
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "campaign.score")
        ).scalar_one()
        assert (entry.actor, entry.entity_id, entry.after["run_id"]) == ("admin1", code, run.id)


def test_run_scoring_defaults_to_the_campaigns_replicates(
    make_uow: MakeUow, code: str, admin: CurrentUser
) -> None:
    set_status(make_uow, code, CampaignStatus.fieldwork)  # a preview during fieldwork
    assert run_scoring(make_uow(), admin, code).replicates == 200  # the example's campaign.toml
    assert scoring_state(make_uow(), admin, code).default_replicates == 200


@pytest.mark.parametrize("status", [CampaignStatus.draft, CampaignStatus.review, CampaignStatus.published])
def test_run_scoring_is_refused_outside_fieldwork_and_scoring(
    make_uow: MakeUow, code: str, admin: CurrentUser, status: CampaignStatus
) -> None:
    set_status(make_uow, code, status)
    with pytest.raises(Refused, match=f"it is {status.value}"):
        run_scoring(make_uow(), admin, code, replicates=0)
    assert list_runs(make_uow(), admin, code) == []


def test_runs_newest_first_and_their_rows_in_unit_order(
    make_uow: MakeUow, code: str, admin: CurrentUser
) -> None:
    set_status(make_uow, code, CampaignStatus.scoring)
    assert run_rows(make_uow(), admin, code) is None
    first = run_scoring(make_uow(), admin, code, replicates=0)
    second = run_scoring(make_uow(), admin, code, replicates=30)
    assert [r.id for r in list_runs(make_uow(), admin, code)] == [second.id, first.id]

    latest = run_rows(make_uow(), admin, code)
    assert latest is not None and latest.run == second
    bundle = load_bundle(EXAMPLE)
    assert [r["unit_id"] for r in latest.rows] == list(bundle.inputs.unit_ids)
    assert (latest.min_survey, latest.min_phone) == (2, 1)
    assert latest.component_weights == {"survey": 0.55, "phone": 0.25, "bigdata": 0.20}
    assert latest.uses_phone and latest.uses_bigdata

    older = run_rows(make_uow(), admin, code, first.id)
    assert older is not None and older.run == first
    assert all(r["p_worst"] == "" for r in older.rows)  # no replicates: no uncertainty
    assert all(r["p_worst"] != "" for r in latest.rows if r["eligible"] == "true")
    # the stored rows are the engine's rows for the same inputs
    engine = result_rows(
        score_campaign(bundle.inputs, dataclasses.replace(bundle.params, replicates=0), year=2017)
    )
    assert [r["final_score"] for r in older.rows] == [r["final_score"] for r in engine]


def test_a_run_of_another_campaign_is_not_found(make_uow: MakeUow, code: str, admin: CurrentUser) -> None:
    set_status(make_uow, code, CampaignStatus.scoring)
    run = run_scoring(make_uow(), admin, code, replicates=0)
    with pytest.raises(NotFound):
        run_rows(make_uow(), admin, code, run.id + 1)
    with pytest.raises(NotFound):
        run_rows(make_uow(), admin, "no-such-campaign")


def test_scoring_state_follows_request_and_approval(make_uow: MakeUow, code: str, admin: CurrentUser) -> None:
    other = add_user(make_uow, "admin2", Role.admin)
    set_status(make_uow, code, CampaignStatus.scoring)
    run = run_scoring(make_uow(), admin, code, replicates=0)
    state = scoring_state(make_uow(), admin, code)
    assert (state.status, state.latest_run_id, state.pending, state.published) == (
        "scoring",
        run.id,
        None,
        None,
    )
    assert [c["code"] for c in scoring_campaigns(make_uow(), admin)] == [code]

    campaigns.start_review(make_uow(), admin, code)
    campaigns.request_publication(make_uow(), admin, code)
    state = scoring_state(make_uow(), admin, code)
    assert state.pending is not None and state.published is None
    assert (state.pending.requested_by, state.pending.run_id) == ("admin1", run.id)

    clock = Clock()
    campaigns.approve_publication(make_uow(), other, code, clock=clock)
    state = scoring_state(make_uow(), admin, code)
    assert state.status == "published" and state.pending is None and state.published is not None
    assert (state.published.requested_by, state.published.approved_by) == ("admin1", "admin2")
    assert len(state.published.snapshot_sha256) == 64 and len(state.published.bundle_sha256) == 64
    assert state.notice_ends_at == clock.now + timedelta(days=state.notice_days)
    assert state.open_appeals == 0


def test_analysis_of_the_current_inputs_is_the_pure_functions_on_the_bundle(
    make_uow: MakeUow, code: str, admin: CurrentUser
) -> None:
    set_status(make_uow, code, CampaignStatus.scoring)
    run = run_scoring(make_uow(), admin, code, replicates=0)
    analysis = analyse_inputs(make_uow(), admin, code)
    assert analysis.input_sha256 == run.input_sha256  # nothing changed since the run

    bundle = load_bundle(EXAMPLE)
    inputs = bundle.inputs
    scores = response_scores(inputs.survey_answers, inputs.response_unit.shape[0])
    valid = inputs.response_valid_status & scores.has_score
    assert analysis.survey_sd == pytest.approx(
        pooled_within_sd(scores.score, inputs.response_unit, valid, inputs.n_units)
    )
    expected = weight_sensitivity(inputs, bundle.params, year=bundle.info.year)
    assert analysis.sensitivity is not None
    assert analysis.sensitivity.base.best == expected.base.best
    assert analysis.sensitivity.stable_worst == expected.stable_worst
    assert [s.setting for s in analysis.sensitivity.settings] == [s.setting for s in expected.settings]
    assert analyse_inputs(make_uow(), admin, code, sensitivity_steps=None).sensitivity is None


@pytest.mark.parametrize("role", [Role.liaison, Role.caller, Role.supervisor])
def test_only_scorers_may_use_the_scoring_services(make_uow: MakeUow, code: str, role: Role) -> None:
    user = add_user(make_uow, "someone", role)
    set_status(make_uow, code, CampaignStatus.scoring)
    for call in (
        lambda: run_scoring(make_uow(), user, code),
        lambda: list_runs(make_uow(), user, code),
        lambda: run_rows(make_uow(), user, code),
        lambda: scoring_state(make_uow(), user, code),
        lambda: scoring_campaigns(make_uow(), user),
        lambda: analyse_inputs(make_uow(), user, code),
    ):
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(PermissionDenied):
        run_scoring(make_uow(), None, code)
