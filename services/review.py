"""Reviewing responses before scoring (问卷复核): flag, quarantine, decide, compare scores.

* :func:`flag_responses` runs the rules of :mod:`survey.quality` over a campaign's
  counted or pending responses (status ``valid`` or ``quarantined``), stores each
  response's flags and quarantines the flagged ``valid`` ones that nobody has reviewed
  yet. Responses are never deleted. A response with a ``review_note`` has been decided
  by a person: its flags are refreshed but its status is left alone, so re-running the
  check does not undo an acceptance.
* :func:`decide` accepts (status ``valid``) or rejects responses, one or many, with a
  reason stored in ``review_note``. A rejected response stays ``quarantined`` (not
  counted) with its reason; ``withdrawn`` is kept for respondents who withdrew and
  ``duplicate`` for the same sheet entered twice. Pending = quarantined without a note.
* :func:`score_with_and_without` scores the campaign as stored and as if every
  quarantined response were accepted, with the scoring engine itself.
* :func:`reviewable_campaigns`, :func:`review_counts` and :func:`review_queue` give the
  review page (``app_pages/review.py``) what it shows: no respondent names, phone, device
  or network hashes ever leave this module.

Every status or flag change is written to the audit trail, one entry per response.
Permission: :attr:`Permission.score` ("scoring, review, re-scoring"; admins).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Text, case, cast, func, select

from db import audit
from db.bundle_io import export_bundle
from db.models import (
    Campaign,
    CampaignStatus,
    CampaignUnit,
    Invitation,
    Item,
    RespondentGroup,
    ScaleOption,
    SurveyAnswer,
    SurveyResponse,
    Unit,
)
from db.uow import UnitOfWork
from scoring import load_bundle, score_campaign
from services.campaigns import FROZEN, assert_inputs_editable, load_campaign
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require
from survey import quality

CHECKED_STATUSES = ("valid", "quarantined")
# How a checked response stands: waiting for a person, decided either way, or flagged
# but still counted (flags stored without quarantine, e.g. by an older check).
PENDING, ACCEPTED, REJECTED, FLAGGED = "pending", "accepted", "rejected", "flagged"


def _epoch(text: str | None) -> float:
    if not text:
        return math.nan
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return math.nan
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.timestamp()


def flag_responses(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    thresholds: quality.Thresholds | None = None,
) -> dict[str, Any]:
    """Flag the campaign's responses and quarantine the flagged, unreviewed valid ones.

    Returns ``{"checked": n, "flagged": n, "quarantined": [codes], "no_qr_units": [unit codes]}``.
    """
    actor = require(user, Permission.score)
    with uow:
        uow.actor = actor.username
        session = uow.session
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        responses = (
            session.execute(
                select(SurveyResponse)
                .where(
                    SurveyResponse.campaign_id == campaign.id,
                    SurveyResponse.status.in_(CHECKED_STATUSES),
                )
                .order_by(SurveyResponse.id)
            )
            .scalars()
            .all()
        )
        index = {r.id: i for i, r in enumerate(responses)}
        unit_ids = [
            u
            for (u,) in session.execute(
                select(CampaignUnit.unit_id)
                .where(CampaignUnit.campaign_id == campaign.id)
                .order_by(CampaignUnit.position)
            )
        ]
        unit_index = {u: i for i, u in enumerate(unit_ids)}
        answers = session.execute(
            select(
                SurveyAnswer.response_id, SurveyAnswer.item_id, SurveyAnswer.option_code, ScaleOption.score
            )
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .join(Item, Item.id == SurveyAnswer.item_id)
            .join(
                ScaleOption,
                (ScaleOption.scale_id == Item.scale_id) & (ScaleOption.code == SurveyAnswer.option_code),
            )
            .where(SurveyResponse.campaign_id == campaign.id, SurveyResponse.status.in_(CHECKED_STATUSES))
        ).all()
        option_code: dict[str, int] = {}
        data = quality.ResponseData(
            unit=np.array([unit_index[r.unit_id] for r in responses], dtype=np.int64),
            submitted=np.array([_epoch(r.submitted_at) for r in responses], dtype=np.float64),
            duration=np.array(
                [math.nan if r.duration_seconds is None else r.duration_seconds for r in responses],
                dtype=np.float64,
            ),
            device=[r.device_hash for r in responses],
            network=[r.network_hash for r in responses],
            comment=[r.comment for r in responses],
            answer_owner=np.array([index[a[0]] for a in answers], dtype=np.int64),
            answer_option=np.array(
                [option_code.setdefault(a[2], len(option_code)) for a in answers], dtype=np.int64
            ),
            answer_score=np.array([math.nan if a[3] is None else a[3] for a in answers], dtype=np.float64),
        )
        result = quality.flag_responses(data, thresholds)

        quarantined: list[str] = []
        for response, flags in zip(responses, result.flags, strict=True):
            before = {"status": response.status, "quality_flags": list(response.quality_flags or [])}
            status = response.status
            if flags and status == "valid" and not response.review_note:
                status = "quarantined"
                quarantined.append(response.code)
            after = {"status": status, "quality_flags": flags}
            if after == before:
                continue
            response.status, response.quality_flags = status, flags
            audit.record(uow, "response.flag", "survey_response", response.code, before, after)

        issued = np.zeros(len(unit_ids), dtype=np.int64)
        for unit_id, count in session.execute(
            select(Invitation.unit_id, func.count())
            .where(Invitation.campaign_id == campaign.id)
            .group_by(Invitation.unit_id)
        ):
            if unit_id in unit_index:
                issued[unit_index[unit_id]] = count
        via = np.zeros(len(unit_ids), dtype=np.int64)
        for unit_id, count in session.execute(
            select(SurveyResponse.unit_id, func.count())
            .where(SurveyResponse.campaign_id == campaign.id, SurveyResponse.invitation_id.is_not(None))
            .group_by(SurveyResponse.unit_id)
        ):
            if unit_id in unit_index:
                via[unit_index[unit_id]] = count
        silent = quality.no_qr_responses(issued, via)
        unit_code = dict(session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(unit_ids))).all())
        no_qr = [unit_code[unit_ids[u]] for u in np.flatnonzero(silent)]
        summary = {
            "checked": len(responses),
            "flagged": int(result.flagged.sum()),
            "quarantined": quarantined,
            "no_qr_units": no_qr,
        }
        audit.record(
            uow,
            "campaign.quality_check",
            "campaign",
            campaign.code,
            None,
            {**summary, "quarantined": len(quarantined)},
        )
        uow.commit()
        return summary


def decide(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    response_codes: Sequence[str],
    accept: bool,
    reason: str,
) -> int:
    """Accept (status ``valid``) or reject (stays ``quarantined``, not counted) the
    responses, all or none, with ``reason`` as their ``review_note``; returns how many."""
    actor = require(user, Permission.score)
    reason = reason.strip()
    if not reason:
        raise Refused("give a reason for the review decision")
    codes = list(dict.fromkeys(response_codes))
    if not codes:
        raise Refused("choose at least one response to decide")
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        found = {
            r.code: r
            for r in uow.session.execute(
                select(SurveyResponse).where(
                    SurveyResponse.campaign_id == campaign.id, SurveyResponse.code.in_(codes)
                )
            ).scalars()
        }
        missing = [c for c in codes if c not in found]
        if missing:
            raise NotFound(f"campaign {campaign_code} has no response {', '.join(map(repr, missing))}")
        wrong = [c for c in codes if found[c].status not in CHECKED_STATUSES]
        if wrong:
            raise Refused(
                f"only valid or quarantined responses can be reviewed here, not {', '.join(map(repr, wrong))}"
            )
        status = "valid" if accept else "quarantined"
        for code in codes:
            response = found[code]
            before = {"status": response.status, "review_note": response.review_note}
            response.status, response.review_note = status, reason
            audit.record(
                uow,
                "response.accept" if accept else "response.reject",
                "survey_response",
                code,
                before,
                {"status": status, "review_note": reason},
            )
        uow.commit()
        return len(codes)


def score_with_and_without(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str
) -> list[dict[str, Any]]:
    """Per unit: survey score S_u, final score and rank as scored (quarantined responses
    left out) and as if every quarantined response were accepted, without uncertainty
    replicates. Nothing is stored."""
    require(user, Permission.score)
    with uow:
        load_campaign(uow, campaign_code)
        with tempfile.TemporaryDirectory(prefix="review-") as tmp:
            folder = Path(tmp) / "bundle"
            export_bundle(uow, campaign_code, folder)
            bundle = load_bundle(folder)
            statuses = _bundle_statuses(folder / "survey_responses.csv")
    inputs = bundle.inputs
    params = dataclasses.replace(bundle.params, replicates=0)
    quarantined = np.array([s == "quarantined" for s in statuses], dtype=bool)
    if len(quarantined) != len(inputs.response_valid_status):
        raise AssertionError("survey_responses.csv and the loaded bundle disagree")
    without = score_campaign(inputs, params, year=bundle.info.year)
    included = dataclasses.replace(inputs, response_valid_status=inputs.response_valid_status | quarantined)
    with_ = score_campaign(included, params, year=bundle.info.year)
    n_q = np.bincount(inputs.response_unit[quarantined], minlength=inputs.n_units)
    rows = []
    for u in range(inputs.n_units):
        rows.append(
            {
                "unit_id": inputs.unit_ids[u],
                "name": inputs.unit_names[u],
                "n_quarantined": int(n_q[u]),
                "survey_without": _num(without.survey.score[u]),
                "survey_with": _num(with_.survey.score[u]),
                "final_without": _num(without.final[u]),
                "final_with": _num(with_.final[u]),
                "rank_without": int(without.standing.rank[u]) or None,
                "rank_with": int(with_.standing.rank[u]) or None,
            }
        )
    return rows


def _num(x: float) -> float | None:
    return None if math.isnan(float(x)) else float(x)


def _bundle_statuses(path: Path) -> list[str]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [row.get("status", "") for row in csv.DictReader(f)]


# ---------------------------------------------------------------- what the review page shows


def _decision(status: str, review_note: str, flags: Sequence[str]) -> str | None:
    """``pending``/``accepted``/``rejected``/``flagged`` for a checked response, None when
    it is an ordinary valid response nobody flagged or decided."""
    if status == "quarantined":
        return REJECTED if review_note else PENDING
    if review_note:
        return ACCEPTED
    return FLAGGED if flags else None


def _flags(text: str | None) -> list[str]:
    """A response's stored flags from their JSON text (as the database casts the column)."""
    if not text:
        return []
    value = json.loads(text)
    return list(value) if value else []


def reviewable_campaigns(uow: UnitOfWork, user: CurrentUser | None) -> list[dict[str, Any]]:
    """Campaigns whose responses may still be reviewed (not published or final), newest
    first, each with how many responses wait for a decision:
    ``[{"code", "name", "year", "status", "pending"}]``."""
    require(user, Permission.score)
    with uow:
        session = uow.session
        campaigns = (
            session.execute(
                select(Campaign)
                .where(Campaign.status.not_in([s.value for s in FROZEN]))
                .order_by(Campaign.year.desc(), Campaign.id.desc())
            )
            .scalars()
            .all()
        )
        pending = dict(
            session.execute(
                select(SurveyResponse.campaign_id, func.count())
                .where(
                    SurveyResponse.campaign_id.in_([c.id for c in campaigns]),
                    SurveyResponse.status == "quarantined",
                    SurveyResponse.review_note == "",
                )
                .group_by(SurveyResponse.campaign_id)
            ).all()
        )
        return [
            {
                "code": c.code,
                "name": c.name,
                "year": c.year,
                "status": CampaignStatus(c.status).value,
                "pending": int(pending.get(c.id, 0)),
            }
            for c in campaigns
        ]


def review_counts(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> dict[str, Any]:
    """Responses of the campaign by review state and by flag.

    ``{"total", "counted", "pending", "accepted", "rejected", "flagged", "withdrawn",
    "duplicate", "flags": {flag: n}}``: ``counted`` is every ``valid`` response (accepted
    ones included), ``flags`` counts the checked responses carrying each flag.
    """
    require(user, Permission.score)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        # Counted in the database: one row per (status, decided, flags) combination, a
        # handful of rows whatever the campaign's size, instead of one per response.
        # (Grouped over a subquery: PostgreSQL does not match an expression with bound
        # parameters in SELECT to the same expression in GROUP BY.)
        per_response = (
            select(
                SurveyResponse.status.label("status"),
                case((SurveyResponse.review_note != "", 1), else_=0).label("noted"),
                cast(SurveyResponse.quality_flags, Text).label("flags"),
            )
            .where(SurveyResponse.campaign_id == campaign.id)
            .subquery()
        )
        c = per_response.c
        rows = uow.session.execute(
            select(c.status, c.noted, c.flags, func.count()).group_by(c.status, c.noted, c.flags)
        ).all()
    counts: dict[str, Any] = dict.fromkeys(
        ("total", "counted", PENDING, ACCEPTED, REJECTED, FLAGGED, "withdrawn", "duplicate"), 0
    )
    flags = dict.fromkeys(quality.FLAGS, 0)
    for status, note, text, n in rows:
        stored = _flags(text)
        counts["total"] += n
        if status in ("withdrawn", "duplicate"):
            counts[status] += n
            continue
        if status == "valid":
            counts["counted"] += n
        if status not in CHECKED_STATUSES:
            continue
        decision = _decision(status, "x" if note else "", stored)
        if decision is not None:
            counts[decision] += n
        for flag in stored:
            flags[flag] = flags.get(flag, 0) + n
    counts["flags"] = flags
    return counts


def review_queue(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, *, pending_only: bool = True
) -> list[dict[str, Any]]:
    """The campaign's responses for review, oldest first: with ``pending_only`` the
    quarantined ones nobody has decided yet, otherwise every checked response that is
    quarantined, flagged or decided.

    Each row: ``code``, ``unit_code``, ``unit_name``, ``group`` (code) with ``group_zh``/
    ``group_en``, ``channel``, ``submitted_at``, ``duration_seconds``, ``flags``,
    ``status``, ``decision`` (pending/accepted/rejected/flagged), ``review_note``,
    ``comment``, ``mean_score`` (mean option score, 0-100, None if no scored answer) and
    ``answers``: ``[{"item", "text_zh", "text_en", "option", "label_zh", "label_en",
    "score"}]`` in questionnaire order. No personal data: no respondent names or hashes.
    """
    require(user, Permission.score)
    with uow:
        session = uow.session
        campaign = load_campaign(uow, campaign_code)
        query = select(SurveyResponse).where(SurveyResponse.campaign_id == campaign.id)
        if pending_only:
            query = query.where(SurveyResponse.status == "quarantined", SurveyResponse.review_note == "")
        else:
            # Only rows a person may need to see: quarantined, decided or flagged (the
            # thousands of ordinary valid responses stay in the database). A superset of
            # what _decision keeps, which is applied below as before.
            query = query.where(
                SurveyResponse.status.in_(CHECKED_STATUSES),
                (SurveyResponse.status == "quarantined")
                | (SurveyResponse.review_note != "")
                | cast(SurveyResponse.quality_flags, Text).not_in(["[]", "null"]),
            )
        # Only the columns the page shows (never the respondent's name or hashes).
        rows = session.execute(
            query.with_only_columns(
                SurveyResponse.id,
                SurveyResponse.code,
                SurveyResponse.unit_id,
                SurveyResponse.group_id,
                SurveyResponse.channel,
                SurveyResponse.submitted_at,
                SurveyResponse.status,
                SurveyResponse.quality_flags,
                SurveyResponse.review_note,
                SurveyResponse.comment,
                SurveyResponse.duration_seconds,
            ).order_by(SurveyResponse.submitted_at, SurveyResponse.id)
        ).all()
        rows = [r for r in rows if _decision(r.status, r.review_note, r.quality_flags or []) is not None]
        units = {
            unit_id: (code, name)
            for unit_id, code, name in session.execute(
                select(CampaignUnit.unit_id, Unit.code, CampaignUnit.name)
                .join(Unit, Unit.id == CampaignUnit.unit_id)
                .where(CampaignUnit.campaign_id == campaign.id)
            )
        }
        missing = {r.unit_id for r in rows} - set(units)
        if missing:  # a unit no longer in the campaign's list: its current name
            units.update(
                (unit_id, (code, name))
                for unit_id, code, name in session.execute(
                    select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(missing))
                )
            )
        rg = RespondentGroup
        groups = {
            g.id: (g.code, g.label_zh or g.code, g.label_en or g.label_zh or g.code)
            for g in session.execute(
                select(rg.id, rg.code, rg.label_zh, rg.label_en).where(rg.campaign_id == campaign.id)
            )
        }
        answers: dict[int, list[dict[str, Any]]] = {r.id: [] for r in rows}
        ids = list(answers)
        for start in range(0, len(ids), 1000):  # keep the IN list short on either backend
            for a in session.execute(
                select(
                    SurveyAnswer.response_id,
                    Item.code,
                    Item.text_zh,
                    Item.text_en,
                    SurveyAnswer.option_code,
                    ScaleOption.label_zh,
                    ScaleOption.label_en,
                    ScaleOption.score,
                )
                .join(Item, Item.id == SurveyAnswer.item_id)
                .outerjoin(
                    ScaleOption,
                    (ScaleOption.scale_id == Item.scale_id) & (ScaleOption.code == SurveyAnswer.option_code),
                )
                .where(SurveyAnswer.response_id.in_(ids[start : start + 1000]))
                .order_by(SurveyAnswer.response_id, Item.position)
            ):
                answers[a.response_id].append(
                    {
                        "item": a.code,
                        "text_zh": a.text_zh,
                        "text_en": a.text_en or a.text_zh,
                        "option": a.option_code,
                        "label_zh": a.label_zh or a.option_code,
                        "label_en": a.label_en or a.label_zh or a.option_code,
                        "score": a.score,
                    }
                )
    queue = []
    for r in rows:
        unit_code, unit_name = units.get(r.unit_id, ("", ""))
        group, group_zh, group_en = groups.get(r.group_id, ("", "", ""))
        scores = [a["score"] for a in answers[r.id] if a["score"] is not None]
        queue.append(
            {
                "code": r.code,
                "unit_code": unit_code,
                "unit_name": unit_name,
                "group": group,
                "group_zh": group_zh,
                "group_en": group_en,
                "channel": r.channel,
                "submitted_at": r.submitted_at,
                "duration_seconds": r.duration_seconds,
                "flags": list(r.quality_flags or []),
                "status": r.status,
                "decision": _decision(r.status, r.review_note, r.quality_flags or []),
                "review_note": r.review_note,
                "comment": r.comment,
                "mean_score": sum(scores) / len(scores) if scores else None,
                "answers": answers[r.id],
            }
        )
    return queue
