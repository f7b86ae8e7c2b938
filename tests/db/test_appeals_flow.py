"""Appeals end to end on a published campaign: filing with evidence, listing by role,
and what an upheld appeal changes (the input it names, a new scoring run, a new
publication) while the earlier publication stays exactly as it was."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import (
    AuditEntry,
    Campaign,
    CampaignStatus,
    Indicator,
    IndicatorValue,
    Publication,
    Role,
    ScoringRun,
    SurveyResponse,
    Unit,
    User,
)
from services import campaigns
from services.appeals import (
    MAX_EVIDENCE_BYTES,
    appeal_evidence,
    appeal_options,
    attach_evidence,
    decide_appeal,
    file_appeal,
    list_appeals,
)
from services.errors import InputsFrozen, NotFound, Refused
from services.permissions import CurrentUser, PermissionDenied
from services.responses import set_response_status
from services.results import published_results, published_snapshot
from tests.db.kit import T0, Clock, MakeUow, add_user
from tests.db.publishing import publish, small_bundle

UNIT = "U00001"
OTHER = "U00002"
IN_NOTICE = T0 + timedelta(days=1)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_bundle(tmp_path_factory.mktemp("appeals") / "bundle")


@pytest.fixture
def code(make_uow: MakeUow, bundle: Path) -> str:
    return publish(make_uow, bundle)


@pytest.fixture
def liaison(make_uow: MakeUow, code: str) -> CurrentUser:
    return add_user(make_uow, "liaison1", Role.liaison, unit_code=UNIT)


def admin(make_uow: MakeUow, name: str = "admin2") -> CurrentUser:
    """One of the two admins that :func:`publish` made."""
    with make_uow() as uow:
        user_id = uow.session.execute(select(User.id).where(User.username == name)).scalar_one()
    return CurrentUser(id=user_id, username=name, role=Role.admin)


def a_response(make_uow: MakeUow, unit: str = UNIT) -> str:
    with make_uow() as uow:
        return uow.session.execute(
            select(SurveyResponse.code)
            .join(Unit, Unit.id == SurveyResponse.unit_id)
            .where(Unit.code == unit, SurveyResponse.status == "valid")
            .order_by(SurveyResponse.code)
            .limit(1)
        ).scalar_one()


def publications(make_uow: MakeUow) -> list[tuple[int, int, str, str | None, bytes, str]]:
    with make_uow() as uow:
        return [
            (p.id, p.run_id, p.requested_by, p.approved_by, p.snapshot or b"", p.snapshot_sha256)
            for p in uow.session.scalars(select(Publication).order_by(Publication.id))
        ]


def actions(make_uow: MakeUow) -> list[str]:
    with make_uow() as uow:
        return list(uow.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_an_upheld_appeal_against_a_response_withdraws_it_rescores_and_republishes(
    make_uow: MakeUow, code: str, liaison: CurrentUser
) -> None:
    response = a_response(make_uow)
    [(old_id, old_run, _, _, old_bytes, old_sha)] = publications(make_uow)
    appeal_id = file_appeal(
        make_uow(),
        liaison,
        code,
        UNIT,
        "该问卷的受访者并非本单位服务对象",
        target="response",
        target_ref=response,
        evidence=b"%PDF-1.4 scan",
        evidence_name="C:\\scans\\证明.pdf",
        clock=Clock(IN_NOTICE),
    )
    assert appeal_evidence(make_uow(), liaison, appeal_id) == ("证明.pdf", b"%PDF-1.4 scan")

    outcome = decide_appeal(make_uow(), admin(make_uow), appeal_id, True, "经回访核实，受访者未办理过业务")

    assert outcome.status == "upheld" and outcome.run_id is not None and outcome.run_id > old_run
    assert outcome.previous_snapshot_sha256 == old_sha != outcome.snapshot_sha256
    assert outcome.change == f"withdrew response {response}"
    with make_uow() as uow:
        withdrawn = uow.session.execute(
            select(SurveyResponse).where(SurveyResponse.code == response)
        ).scalar_one()
        assert withdrawn.status == "withdrawn" and "经回访核实" in withdrawn.review_note
        campaign = uow.session.execute(select(Campaign).where(Campaign.code == code)).scalar_one()
        assert CampaignStatus(campaign.status) == CampaignStatus.published
    # The earlier publication is untouched; the new one is the deciding admin's, after the appeal.
    old, new = publications(make_uow)
    assert old == (old_id, old_run, "admin1", "admin2", old_bytes, old_sha)
    assert hashlib.sha256(old[4]).hexdigest() == old_sha
    assert new[1:4] == (outcome.run_id, f"appeal:{appeal_id}", "admin2")
    assert hashlib.sha256(new[4]).hexdigest() == new[5] == outcome.snapshot_sha256
    # The public now reads the new snapshot, in which the unit has one response fewer.
    results = published_results(make_uow(), code)
    assert results.run_id == outcome.run_id
    assert published_snapshot(make_uow(), code) == (new[4], new[5])
    before = {r["unit_id"]: r for r in json.loads(old_bytes)["results"]}
    assert int(results.unit(UNIT).row["n_survey"]) == int(before[UNIT]["n_survey"]) - 1  # type: ignore[union-attr]
    trail = actions(make_uow)
    assert trail[-4:] == [
        "appeal.decide",
        "appeal.withdraw_response",
        "campaign.score",
        "publication.republish",
    ]
    # The general freeze still holds: no other path edits the published inputs.
    with pytest.raises(InputsFrozen):
        set_response_status(make_uow(), admin(make_uow), code, a_response(make_uow), "withdrawn", "试图修改")


def test_an_upheld_appeal_against_an_indicator_value_needs_and_applies_the_corrected_value(
    make_uow: MakeUow, code: str, liaison: CurrentUser
) -> None:
    with make_uow() as uow:
        indicator, value = uow.session.execute(
            select(Indicator.code, IndicatorValue.value)
            .join(IndicatorValue, IndicatorValue.indicator_id == Indicator.id)
            .join(Unit, Unit.id == IndicatorValue.unit_id)
            .where(Unit.code == UNIT)
            .order_by(Indicator.position)
            .limit(1)
        ).one()
    options = appeal_options(make_uow(), liaison, code, clock=Clock(IN_NOTICE))
    assert options.unit_code == UNIT and options.notice_open
    assert (indicator, value) in [(c, v) for c, _, v in options.indicators]
    appeal_id = file_appeal(
        make_uow(), liaison, code, UNIT, "系统重复统计", target="indicator_value", target_ref=indicator,
        clock=Clock(IN_NOTICE),
    )  # fmt: skip
    with pytest.raises(Refused, match="needs the corrected value"):
        decide_appeal(make_uow(), admin(make_uow), appeal_id, True, "成立")

    outcome = decide_appeal(
        make_uow(), admin(make_uow), appeal_id, True, "数据源重复计数，更正", corrected_value=value + 1
    )

    assert outcome.change == f"corrected indicator {indicator}: {value:g} → {value + 1:g}"
    with make_uow() as uow:
        stored = uow.session.execute(
            select(IndicatorValue.value)
            .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
            .join(Unit, Unit.id == IndicatorValue.unit_id)
            .where(Unit.code == UNIT, Indicator.code == indicator)
        ).scalar_one()
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "appeal.correct_indicator")
        ).scalar_one()
        assert (entry.actor, entry.before["value"], entry.after["value"]) == ("admin2", value, value + 1)
    assert stored == value + 1
    assert len(publications(make_uow)) == 2


def test_an_upheld_appeal_against_the_result_rescores_the_same_inputs(
    make_uow: MakeUow, code: str, liaison: CurrentUser
) -> None:
    appeal_id = file_appeal(make_uow(), liaison, code, UNIT, "分组不当", clock=Clock(IN_NOTICE))
    outcome = decide_appeal(make_uow(), admin(make_uow), appeal_id, True, "复核后重新计算")
    old, new = publications(make_uow)
    assert outcome.change == ""
    old_doc, new_doc = json.loads(old[4]), json.loads(new[4])
    assert old_doc["input_sha256"] == new_doc["input_sha256"]
    assert old_doc["results"] == new_doc["results"] and new_doc["run_id"] == outcome.run_id


def test_a_rejected_appeal_changes_no_input_and_publishes_nothing(
    make_uow: MakeUow, code: str, liaison: CurrentUser
) -> None:
    appeal_id = file_appeal(
        make_uow(), liaison, code, UNIT, "有误", target="response", target_ref=a_response(make_uow),
        clock=Clock(IN_NOTICE),
    )  # fmt: skip
    outcome = decide_appeal(make_uow(), admin(make_uow), appeal_id, False, "经核查问卷有效")
    assert (outcome.status, outcome.run_id, outcome.publication_id) == ("rejected", None, None)
    assert len(publications(make_uow)) == 1
    with make_uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(ScoringRun)).scalar_one() == 1
    with pytest.raises(Refused, match="already decided"):
        decide_appeal(make_uow(), admin(make_uow), appeal_id, True, "改判")
    with pytest.raises(Refused, match="already decided"):
        attach_evidence(make_uow(), liaison, appeal_id, "补充.pdf", b"x")


def test_evidence_is_limited_in_size_and_must_be_a_file(
    make_uow: MakeUow, code: str, liaison: CurrentUser
) -> None:
    with pytest.raises(Refused, match="at most 5 MB"):
        file_appeal(
            make_uow(), liaison, code, UNIT, "理由", evidence=b"x" * (MAX_EVIDENCE_BYTES + 1),
            evidence_name="big.pdf", clock=Clock(IN_NOTICE),
        )  # fmt: skip
    with pytest.raises(Refused, match="empty"):
        file_appeal(
            make_uow(),
            liaison,
            code,
            UNIT,
            "理由",
            evidence=b"",
            evidence_name="a.pdf",
            clock=Clock(IN_NOTICE),
        )
    appeal_id = file_appeal(make_uow(), liaison, code, UNIT, "理由", clock=Clock(IN_NOTICE))
    attach_evidence(make_uow(), liaison, appeal_id, "照片.jpg", b"\xff\xd8jpeg")
    assert appeal_evidence(make_uow(), admin(make_uow), appeal_id) == ("照片.jpg", b"\xff\xd8jpeg")
    assert "appeal.evidence" in actions(make_uow)


def test_references_must_name_the_units_own_counted_response_or_indicator(
    make_uow: MakeUow, code: str, liaison: CurrentUser
) -> None:
    at = Clock(IN_NOTICE)
    with pytest.raises(NotFound, match="no response"):
        file_appeal(
            make_uow(),
            liaison,
            code,
            UNIT,
            "x",
            target="response",
            target_ref=a_response(make_uow, OTHER),
            clock=at,
        )
    with pytest.raises(NotFound, match="no value of indicator"):
        file_appeal(
            make_uow(), liaison, code, UNIT, "x", target="indicator_value", target_ref="nope", clock=at
        )
    with pytest.raises(Refused, match="must name it"):
        file_appeal(make_uow(), liaison, code, UNIT, "x", target="response", clock=at)


def test_admins_list_every_appeal_a_liaison_only_their_units(
    make_uow: MakeUow, code: str, liaison: CurrentUser
) -> None:
    other = add_user(make_uow, "liaison2", Role.liaison, unit_code=OTHER)
    at = Clock(IN_NOTICE)
    mine = file_appeal(make_uow(), liaison, code, UNIT, "我们的申诉", clock=at)
    theirs = file_appeal(make_uow(), other, code, OTHER, "他们的申诉", clock=at)
    with pytest.raises(PermissionDenied, match="own unit"):
        file_appeal(make_uow(), liaison, code, OTHER, "替别人申诉", clock=at)

    assert [a.id for a in list_appeals(make_uow(), admin(make_uow), code)] == [theirs, mine]
    assert [a.id for a in list_appeals(make_uow(), liaison, code)] == [mine]
    assert list_appeals(make_uow(), admin(make_uow), code, status="upheld") == []
    with pytest.raises(PermissionDenied):
        appeal_evidence(make_uow(), liaison, theirs)
    supervisor = add_user(make_uow, "sup1", Role.supervisor)
    with pytest.raises(PermissionDenied):
        list_appeals(make_uow(), supervisor, code)


def test_appeals_are_decided_only_while_published(make_uow: MakeUow, code: str, liaison: CurrentUser) -> None:
    appeal_id = file_appeal(make_uow(), liaison, code, UNIT, "理由", clock=Clock(IN_NOTICE))
    decide_appeal(make_uow(), admin(make_uow), appeal_id, False, "不成立")
    campaigns.finalize(make_uow(), admin(make_uow), code, clock=Clock(T0 + timedelta(days=8)))
    with pytest.raises(Refused, match="appeals are closed"):
        file_appeal(make_uow(), liaison, code, UNIT, "理由", clock=Clock(T0 + timedelta(days=9)))
