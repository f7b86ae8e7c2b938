"""The appraisal's last steps on the demo city, through the services the pages call, on
SQLite and PostgreSQL: an admin publishes the 2024 campaign with a second admin's
approval; the public's bundle recomputes to the published numbers; the liaison of a
worst-list unit appeals, an admin upholds it and a new snapshot is published beside the
old one; the unit's card is followed up and its rectification items are updated."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from db import crypto, demo
from db.models import Campaign, FrameEntry, Publication, Role, SamplingFrame, SurveyResponse, Unit, User
from scoring import load_bundle, score_campaign
from scoring.output import result_rows
from services import appeals, campaigns, cards, rectification, results
from services.permissions import CurrentUser
from tests.db.kit import Clock, MakeUow

KEY = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="  # 32 bytes, base64


def account(make_uow: MakeUow, username: str) -> CurrentUser:
    with make_uow() as uow:
        user = uow.session.execute(select(User).where(User.username == username)).scalar_one()
        return CurrentUser(user.id, user.username, Role(user.role), user.unit_id, user.display_name)


def test_publish_recompute_appeal_and_follow_up_on_the_demo(
    make_uow: MakeUow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)
    with make_uow() as uow:
        demo.load_demo(uow, scale=0.3)
    demo.create_demo_accounts(make_uow)
    admin, admin2, liaison = (account(make_uow, u) for u in ("admin", "admin2", "liaison"))
    code = demo.campaign_code(demo.YEARS[-1])  # lj-2024, in review with its run
    clock = Clock(datetime(2025, 1, 16, 2, 0, tzinfo=UTC))

    # publication: one admin asks, another approves
    campaigns.request_publication(make_uow(), admin, code)
    campaigns.approve_publication(make_uow(), admin2, code, clock=clock)
    published = results.published_results(make_uow(), code)
    assert published.campaign.status == "published" and published.carded()

    # anyone recomputes the published numbers from the published bundle
    data, _sha = results.published_bundle(make_uow(), code)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)
    bundle = load_bundle(tmp_path / code)
    # no personal data leaves in it: no respondent's number or name, no comment
    text = "".join(f.read_text(encoding="utf-8") for f in (tmp_path / code).iterdir())
    with make_uow() as uow:
        entries = uow.session.execute(
            select(FrameEntry).join(SamplingFrame).join(Campaign).where(Campaign.code == code).limit(200)
        ).scalars()
        personal = [crypto.decrypt(e.phone_enc) for e in entries]
        comments = [
            c
            for c in uow.session.execute(
                select(SurveyResponse.comment).where(SurveyResponse.comment != "").limit(200)
            ).scalars()
        ]
    assert personal and comments
    assert not [p for p in personal if p in text or p[3:] in text]
    assert not [c for c in comments if c in text]
    recomputed = {
        r["unit_id"]: r
        for r in result_rows(
            score_campaign(
                bundle.inputs, dataclasses.replace(bundle.params, replicates=0), year=bundle.info.year
            )
        )
    }
    for row in published.rows:  # the main run's numbers; intervals need the 1000 replicates
        assert recomputed[row.unit_id]["final_score"] == row.row["final_score"], row.unit_id
        assert recomputed[row.unit_id]["rank"] == row.row["rank"], row.unit_id

    # the liaison's unit (on the 2024 worst list) appeals; an admin upholds it
    with make_uow() as uow:
        unit_code = uow.session.execute(select(Unit.code).where(Unit.id == liaison.unit_id)).scalar_one()
    appeal_id = appeals.file_appeal(
        make_uow(), liaison, code, unit_code, "整改成效明显，申请复核结果", clock=clock
    )
    outcome = appeals.decide_appeal(
        make_uow(), admin, appeal_id, True, "经复核，维持数据但重新计分公示", clock=clock
    )
    assert outcome.status == "upheld" and outcome.publication_id and outcome.run_id
    with make_uow() as uow:
        publications = (
            uow.session.execute(
                select(Publication).join(Campaign).where(Campaign.code == code).order_by(Publication.id)
            )
            .scalars()
            .all()
        )
        assert len(publications) == 2
        assert publications[0].snapshot_sha256 == published.campaign.snapshot_sha256  # the old one stands
    assert results.published_results(make_uow(), code).run_id == outcome.run_id

    # the unit's card case and rectification items, followed up by its liaison
    cards.issue_cards(make_uow(), admin, code, clock=clock)
    own_cards = cards.list_cards(make_uow(), liaison, code)
    assert own_cards and {c.unit_code for c in own_cards} == {unit_code}
    cards.submit_plan(
        make_uow(), liaison, own_cards[0].id, "一、开展作风整顿；二、窗口增设导办员。", clock=clock
    )
    rectification.generate_items(make_uow(), admin, code, date(2025, 4, 30), clock=clock)
    items = rectification.ledger(make_uow(), liaison, code)
    assert items and {i.unit_code for i in items} == {unit_code}
    rectification.update_item(
        make_uow(), liaison, items[0].id, status="done", progress_note="已完成窗口整改", clock=clock
    )
    later = clock.now + timedelta(days=1)
    statuses = {i.id: i.status for i in rectification.ledger(make_uow(), liaison, code, today=later.date())}
    assert statuses[items[0].id] == "done"
