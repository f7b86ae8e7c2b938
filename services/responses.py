"""Survey responses (问卷答卷): taking one in, and showing a unit's own to its liaison.

A submission is the respondent's own record (with its time and channel), not a staff
change, so it is not copied into the audit trail: the trail records who changed data
afterwards (a reviewer quarantining a response, an upheld appeal). One person answers
once per unit and campaign: a second submission with the same ``respondent_hash`` is
refused with :class:`~services.errors.DuplicateResponse`, and the database's unique
constraint makes that hold under concurrent submissions too.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError, OperationalError

from db import audit
from db.crypto import keyed_hash
from db.intake import DIALECTS, Sheet, fingerprint, insert_sheets, store_sheet
from db.models import CampaignStatus, CampaignUnit, Item, RespondentGroup, SurveyResponse, Unit
from db.uow import UnitOfWork
from services import intake_cache
from services.campaigns import assert_inputs_editable, load_campaign
from services.clock import Clock, utcnow
from services.errors import DuplicateResponse, NotFound, Refused, ServiceError
from services.permissions import CurrentUser, Permission, require, require_role
from services.questionnaire import in_item_set
from survey.problems import MAX_ATTRIBUTE_CHARS, MAX_COMMENT_CHARS, PROBLEM_TYPES, RESPONDENT_ATTRIBUTES

LOCK_RETRIES = 5
DUPLICATE_MESSAGE = "this person has already answered about unit {unit} in campaign {campaign}; counted once"


@dataclass(frozen=True, slots=True)
class _Extra:
    attributes: dict[str, str]
    comment: str
    problem_types: list[str]
    duration_seconds: float | None
    device_hash: str | None
    network_hash: str | None


def _clean_attributes(attributes: Mapping[str, Any] | None) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for key, value in (attributes or {}).items():
        if key not in RESPONDENT_ATTRIBUTES:
            raise Refused(
                f"unknown respondent attribute {key!r}; expected {', '.join(RESPONDENT_ATTRIBUTES)}"
            )
        if value is None or str(value).strip() == "":
            continue  # skipped: every respondent variable is optional
        text = str(value).strip()
        if len(text) > MAX_ATTRIBUTE_CHARS:
            raise Refused(f"respondent attribute {key!r} is longer than {MAX_ATTRIBUTE_CHARS} characters")
        cleaned[key] = text
    return cleaned


class CommentTooLong(Refused):
    """The comment (意见建议) is longer than :data:`~survey.problems.MAX_COMMENT_CHARS`."""

    def __init__(self, length: int, limit: int = MAX_COMMENT_CHARS) -> None:
        super().__init__(f"the comment is {length} characters long; at most {limit} are allowed")
        self.length = length
        self.limit = limit


class OutsideItemSet(Refused):
    """An answer to a question that is not asked about this unit's category or of this
    respondent group (题组): the page never shows it, so the sheet is not the one shown."""

    def __init__(self, item_code: str, category: str, group_code: str) -> None:
        super().__init__(
            f"question {item_code!r} is not asked of respondent group {group_code!r} about a unit "
            f"of category {category!r}; nothing was stored"
        )
        self.item_code = item_code


def fit_comment(comment: str | None) -> tuple[str, int]:
    """The comment as it would be stored, cut to the limit, and how many characters were cut.

    The survey page uses this to keep what fits of a long (pasted) comment and say so,
    rather than letting the browser drop the whole text; :func:`submit_response` applies
    the same limit and refuses what is still too long.
    """
    text = (comment or "").strip()
    kept = text[:MAX_COMMENT_CHARS].rstrip()
    return kept, len(text) - len(kept)


def _clean_comment(comment: str) -> str:
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT_CHARS:
        raise CommentTooLong(len(text))
    return text


def _clean_problem_types(problem_types: Sequence[str]) -> list[str]:
    unknown = [p for p in problem_types if p not in PROBLEM_TYPES]
    if unknown:
        raise Refused(f"unknown problem type {unknown[0]!r}; expected one of {', '.join(PROBLEM_TYPES)}")
    chosen = set(problem_types)
    return [p for p in PROBLEM_TYPES if p in chosen]  # catalogue order, no repeats


def _clean_duration(duration_seconds: float | None) -> float | None:
    if duration_seconds is None:
        return None
    if not math.isfinite(duration_seconds) or duration_seconds < 0:
        raise Refused(f"answering time {duration_seconds!r} is not a duration in seconds")
    return round(float(duration_seconds), 1)


def _campaign_unit_id(uow: UnitOfWork, campaign_id: int, unit_code: str) -> int:
    unit_id = uow.session.execute(
        select(Unit.id)
        .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
        .where(Unit.code == unit_code, CampaignUnit.campaign_id == campaign_id)
    ).scalar()
    if unit_id is None:
        raise NotFound(f"unit {unit_code!r} is not appraised in this campaign")
    return unit_id


def submit_response(
    uow: UnitOfWork,
    campaign_code: str,
    unit_code: str,
    group_code: str,
    answers: Mapping[str, str],
    respondent_hash: str | None = None,
    *,
    channel: str = "web",
    attributes: Mapping[str, Any] | None = None,
    invitation_token: str | None = None,
    comment: str = "",
    problem_types: Sequence[str] = (),
    duration_seconds: float | None = None,
    device_hash: str | None = None,
    network_hash: str | None = None,
    clock: Clock = utcnow,
) -> str:
    """Store one answer sheet about one unit during fieldwork; returns its response code.

    ``answers`` maps survey item codes to option codes of the item's scale. With an
    ``invitation_token`` (一事一评: a window ticket or hotline case) the token is spent in
    the same transaction as the answer is stored, so a refused submission leaves it unused
    and a used one cannot be spent again. ``attributes`` are the optional respondent
    variables (age_band, sex, district); ``problem_types`` are codes of
    :data:`survey.problems.PROBLEM_TYPES`; ``duration_seconds`` (time spent answering),
    ``device_hash`` and ``network_hash`` (keyed hashes) feed the quality checks.
    """
    extra = _Extra(
        attributes=_clean_attributes(attributes),
        comment=_clean_comment(comment),
        problem_types=_clean_problem_types(problem_types),
        duration_seconds=_clean_duration(duration_seconds),
        device_hash=device_hash,
        network_hash=network_hash,
    )
    for attempt in range(LOCK_RETRIES):
        try:
            return _submit_once(
                uow,
                campaign_code,
                unit_code,
                group_code,
                answers,
                respondent_hash,
                channel,
                extra,
                clock,
                invitation_token,
            )
        except OperationalError as exc:
            # SQLite: the write lock was not granted within the busy timeout. Under a crowd of
            # writers its busy handler is not first-come-first-served, so one writer can be
            # passed over for that long; nothing was written yet, so trying again is safe.
            if "database is locked" not in str(exc.orig) or attempt == LOCK_RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


@dataclass(frozen=True, slots=True)
class _Plan:
    """A sheet checked against the campaign's lookups: ids to store, nothing read yet."""

    unit_id: int
    group_id: int
    answers: tuple[tuple[int, str], ...]  # (item id, option code)


def _plan(
    lookups: intake_cache.Lookups, unit_code: str, group_code: str, answers: Mapping[str, str]
) -> _Plan:
    """Check a sheet against the questionnaire (pure Python); the refusals and their order
    are the intake's: unit, group, an empty sheet, then each answer in turn."""
    unit = lookups.units.get(unit_code)
    if unit is None:
        raise NotFound(f"unit {unit_code!r} is not appraised in this campaign")
    unit_id, category = unit
    group_id = lookups.groups.get(group_code)
    if group_id is None:
        raise NotFound(f"campaign {lookups.code} has no respondent group {group_code!r}")
    if not answers:
        raise Refused("an answer sheet needs at least one answer")
    stored: list[tuple[int, str]] = []
    for item_code, option_code in answers.items():
        item = lookups.items.get(item_code)
        if item is None:
            raise Refused(f"the questionnaire has no question {item_code!r}")
        if not in_item_set(item.unit_categories, item.respondent_groups, category, group_code):
            raise OutsideItemSet(item_code, category, group_code)
        if option_code not in item.options:
            raise Refused(f"{option_code!r} is not an option of question {item_code!r}")
        stored.append((item.id, option_code))
    return _Plan(unit_id, group_id, tuple(stored))


def _still_holds(connection: Connection, lookups: intake_cache.Lookups) -> bool:
    found = fingerprint(connection, lookups.campaign_id)
    return found is not None and lookups.still_holds(*found)


def _answered(uow: UnitOfWork, campaign_id: int, unit_id: int, respondent_hash: str) -> bool:
    return (
        uow.session.execute(
            select(SurveyResponse.id).where(
                SurveyResponse.campaign_id == campaign_id,
                SurveyResponse.unit_id == unit_id,
                SurveyResponse.respondent_hash == respondent_hash,
            )
        ).first()
        is not None
    )


def _submit_once(
    uow: UnitOfWork,
    campaign_code: str,
    unit_code: str,
    group_code: str,
    answers: Mapping[str, str],
    respondent_hash: str | None,
    channel: str,
    extra: _Extra,
    clock: Clock,
    invitation_token: str | None = None,
) -> str:
    if invitation_token is None:
        code = _submit_direct(
            uow, campaign_code, unit_code, group_code, answers, respondent_hash, channel, extra, clock
        )
        if code is not None:
            return code
    return _submit_in_uow(
        uow,
        campaign_code,
        unit_code,
        group_code,
        answers,
        respondent_hash,
        channel,
        extra,
        clock,
        invitation_token,
    )


def _sheet(
    lookups: intake_cache.Lookups,
    plan: _Plan,
    respondent_hash: str | None,
    channel: str,
    extra: _Extra,
    clock: Clock,
    invitation_id: int | None = None,
) -> Sheet:
    return Sheet(
        campaign_id=lookups.campaign_id,
        code=f"w{secrets.token_hex(8)}",
        unit_id=plan.unit_id,
        group_id=plan.group_id,
        answers=plan.answers,
        channel=channel,
        submitted_at=clock().isoformat(timespec="seconds"),
        status="valid",
        attributes=extra.attributes,
        invitation_id=invitation_id,
        respondent_hash=respondent_hash,
        comment=extra.comment,
        problem_types=extra.problem_types,
        duration_seconds=extra.duration_seconds,
        device_hash=extra.device_hash,
        network_hash=extra.network_hash,
    )


def _duplicate(exc: IntegrityError, unit_code: str, campaign_code: str) -> DuplicateResponse | None:
    """The refusal for a violated one-answer-per-person constraint (None: another constraint)."""
    if "respondent_hash" in str(exc.orig):
        return DuplicateResponse(DUPLICATE_MESSAGE.format(unit=unit_code, campaign=campaign_code))
    return None


def _submit_direct(
    uow: UnitOfWork,
    campaign_code: str,
    unit_code: str,
    group_code: str,
    answers: Mapping[str, str],
    respondent_hash: str | None,
    channel: str,
    extra: _Extra,
    clock: Clock,
) -> str | None:
    """The ordinary submission: a sheet that fits the look-ups this process keeps, stored in
    one short transaction of four statements (db.intake.store_sheet). None when it cannot
    be decided here (no look-ups yet, a refusal to confirm on fresh ones, the campaign
    changed): nothing was written, and :func:`_submit_in_uow` takes it."""
    engine = uow.engine
    if engine is None or engine.dialect.name not in DIALECTS:
        return None
    lookups = intake_cache.CACHE.get(intake_cache.cache_key(engine, campaign_code))
    if lookups is None:
        return None
    try:
        plan = _plan(lookups, unit_code, group_code, answers)
    except ServiceError:
        return None  # perhaps refused on look-ups gone stale: decided on fresh ones
    sheet = _sheet(lookups, plan, respondent_hash, channel, extra, clock)
    try:
        stored = store_sheet(engine, sheet, (CampaignStatus.fieldwork.value, lookups.marker))
    except IntegrityError as exc:
        # The person has answered about this unit before (or a twin submission raced this
        # one): the unique constraint let one in and stopped this one.
        refusal = _duplicate(exc, unit_code, campaign_code)
        if refusal is None:
            raise
        raise refusal from None
    return None if stored is None else sheet.code


def _submit_in_uow(
    uow: UnitOfWork,
    campaign_code: str,
    unit_code: str,
    group_code: str,
    answers: Mapping[str, str],
    respondent_hash: str | None,
    channel: str,
    extra: _Extra,
    clock: Clock,
    invitation_token: str | None = None,
) -> str:
    """The general path, in ``uow``: (re)reads the look-ups when this process has none or
    they no longer hold, gives every refusal, and spends an invitation token."""
    with uow:
        # Opening the unit of work reads nothing: the transaction (on SQLite, BEGIN
        # IMMEDIATE and so the write lock) starts with the first statement below, after
        # the sheet was checked against the lookups this process keeps.
        key = intake_cache.cache_key(uow.session.get_bind(), campaign_code)
        lookups = intake_cache.CACHE.get(key)
        plan: _Plan | None = None
        if lookups is not None:
            try:
                plan = _plan(lookups, unit_code, group_code, answers)
            except ServiceError:
                plan = None  # perhaps refused on stale lookups: decided below on fresh ones
        connection = uow.session.connection()
        if lookups is None or not _still_holds(connection, lookups):
            # First sheet of this campaign in this process, or the campaign changed since
            # (closed, or back to draft and reopened): read again, in this transaction.
            intake_cache.CACHE.discard(key)
            lookups = intake_cache.load(uow, campaign_code)
            intake_cache.CACHE.put(key, lookups)
            plan = None
        if plan is None:
            plan = _plan(lookups, unit_code, group_code, answers)  # raises the refusal
        if (
            respondent_hash is not None
            and invitation_token is not None
            and _answered(uow, lookups.campaign_id, plan.unit_id, respondent_hash)
        ):
            # Both a verified number and a token: say "already answered" before spending
            # the token, as always. Without a token the unique constraint alone decides.
            raise DuplicateResponse(DUPLICATE_MESSAGE.format(unit=unit_code, campaign=campaign_code))
        invitation_id = None
        if invitation_token is not None:
            # imported here: invitations builds on this module's retry helpers
            from services.invitations import claim

            invitation = claim(uow, invitation_token, clock=clock)
            if invitation.campaign_id != lookups.campaign_id or invitation.unit_id != plan.unit_id:
                raise Refused("this invitation code is for another unit or appraisal")
            invitation_id = invitation.id
        sheet = _sheet(lookups, plan, respondent_hash, channel, extra, clock, invitation_id)
        try:
            insert_sheets(connection, [sheet])
            uow.commit()
        except IntegrityError as exc:
            refusal = _duplicate(exc, unit_code, campaign_code)
            if refusal is None:
                raise
            raise refusal from None
        return sheet.code


def unit_responses(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, unit_code: str
) -> list[dict[str, Any]]:
    """A unit's answer sheets without personal data (admins; a liaison only its own unit),
    e.g. to appeal against single responses."""
    require_role(user, Permission.view_unit_detail)
    with uow:
        session = uow.session
        campaign = load_campaign(uow, campaign_code)
        unit_id = _campaign_unit_id(uow, campaign.id, unit_code)
        require(user, Permission.view_unit_detail, unit_id=unit_id)
        rows = session.execute(
            select(SurveyResponse, RespondentGroup.code)
            .join(RespondentGroup, RespondentGroup.id == SurveyResponse.group_id)
            .where(SurveyResponse.campaign_id == campaign.id, SurveyResponse.unit_id == unit_id)
            .order_by(SurveyResponse.code)
        ).all()
        item_codes = dict(
            session.execute(select(Item.id, Item.code).where(Item.campaign_id == campaign.id)).all()
        )
        return [
            {
                "response_id": response.code,
                "group": group,
                "channel": response.channel,
                "submitted_at": response.submitted_at,
                "status": response.status,
                "answers": {item_codes[a.item_id]: a.option_code for a in response.answers},
                "comment": response.comment,
            }
            for response, group in rows
        ]


def set_response_status(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, response_code: str, status: str, note: str
) -> None:
    """Review a response (admins): mark it valid, duplicate, quarantined or withdrawn, with a note."""
    actor = require(user, Permission.configure_campaign)
    if status not in {"valid", "duplicate", "quarantined", "withdrawn"}:
        raise Refused(f"unknown response status {status!r}")
    if not note.strip():
        raise Refused("give a reason for the review decision")
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        response = uow.session.execute(
            select(SurveyResponse).where(
                SurveyResponse.campaign_id == campaign.id, SurveyResponse.code == response_code
            )
        ).scalar()
        if response is None:
            raise NotFound(f"campaign {campaign_code} has no response {response_code!r}")
        before = {"status": response.status, "review_note": response.review_note}
        response.status, response.review_note = status, note
        audit.record(
            uow,
            "response.review",
            "survey_response",
            response.code,
            before,
            {"status": status, "review_note": note},
        )
        uow.commit()


def client_hashes(network: str | None, user_agent: str | None) -> tuple[str | None, str | None]:
    """Keyed hashes (device, network) of a web respondent for the burst checks of
    :mod:`survey.quality`; neither the address nor the browser string is kept.

    A browser cannot be told apart from others on one network without storing something on
    it, so the "device" is the browser string seen from one address: the same phone
    answering again and again from one place.
    """
    network = (network or "").strip()
    agent = (user_agent or "").strip()
    network_hash = keyed_hash(network, purpose="network") if network else None
    device_hash = keyed_hash(f"{network}\x00{agent}", purpose="device") if network and agent else None
    return device_hash, network_hash


def already_answered(uow: UnitOfWork, campaign_code: str, unit_code: str, respondent_hash: str) -> bool:
    """Whether this verified person has answered about this unit in this campaign (to say so
    before they fill in the form; :func:`submit_response` enforces it regardless)."""
    with uow:
        campaign = load_campaign(uow, campaign_code)
        unit_id = _campaign_unit_id(uow, campaign.id, unit_code)
        return _answered(uow, campaign.id, unit_id, respondent_hash)
