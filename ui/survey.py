"""Helpers of the citizen survey page (app_pages/survey.py): the process-wide phone
verification, the client's network and browser, the translation of refusals, and the
drawing of the questions (:func:`question_radios`), which the questionnaire designer's
preview (app_pages/questionnaire.py) draws with too, read-only."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Final

import streamlit as st

from db.crypto import mask_phone
from services.errors import DuplicateResponse, ServiceError
from services.invitations import CampaignClosed, InvitationUsed, UnknownInvitation
from services.questionnaire import CampaignNotOpen, QuestionView
from services.responses import CommentTooLong, OutsideItemSet
from survey.verification import (
    CodeExpired,
    CodeWrong,
    InvalidNumber,
    PhoneVerification,
    SimulatedVerifier,
    TooManyAttempts,
    TooManyRequests,
    VerificationRefused,
    VerificationUnavailable,
    make_verifier,
)
from ui.messages import t

log = logging.getLogger(__name__)

# Locales for the SMS text (and Twilio Verify's message language).
SMS_LOCALES: Final = {"zh": "zh-CN", "en": "en"}


@st.cache_resource
def phone_verification() -> PhoneVerification:
    """One verification object for the process; its codes, attempt counters and rate limits
    live in the database, shared by every browser session and every app process."""
    try:
        verifier = make_verifier()
    except ValueError as exc:
        # A misconfigured APPRAISAL_VERIFIER or missing Twilio settings: tell the person the
        # service is unavailable, and the operator why (not cached: fixing it takes effect).
        log.error("phone verification is not configured: %s", exc)
        raise VerificationUnavailable(str(exc)) from exc
    return PhoneVerification(verifier)


def client_network() -> str | None:
    """The client's network address, for rate limits and the burst checks.

    Streamlit reports None for a connection from this machine: either local use or a
    reverse proxy on the same host (the usual deployment). Then the address the nearest
    proxy appended to ``X-Forwarded-For`` (or its ``X-Real-IP``) is used, the only part
    of that header a client cannot forge through a single trusted proxy; without a proxy
    all local use counts as one network. None only without a connection (AppTest).
    """
    address = st.context.ip_address
    if isinstance(address, str) and address:
        return address
    headers = st.context.headers
    forwarded = headers.get("X-Forwarded-For") or ""
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if hops:
        return hops[-1]
    real_ip = (headers.get("X-Real-IP") or "").strip()
    if real_ip:
        return real_ip
    return "localhost" if headers.get("Host") else None


def client_user_agent() -> str | None:
    agent = st.context.headers.get("User-Agent")
    return agent if isinstance(agent, str) and agent else None


def refusal_text(exc: Exception, lang: str) -> str:
    """The person's-language text of a refusal of the survey (token, campaign, duplicate,
    phone verification); other service refusals get a generic text."""
    if isinstance(exc, TooManyRequests):
        return t("survey.refused.too_many_requests", lang, minutes=max(1, round(exc.retry_after / 60)))
    if isinstance(exc, CodeWrong):
        return t("survey.refused.code_wrong", lang, left=exc.attempts_left)
    if isinstance(exc, InvalidNumber):
        return t("survey.refused.invalid_number", lang)
    if isinstance(exc, CodeExpired):
        return t("survey.refused.code_expired", lang)
    if isinstance(exc, TooManyAttempts):
        return t("survey.refused.too_many_attempts", lang)
    if isinstance(exc, VerificationRefused):
        return t("survey.refused.verification_unavailable", lang)
    if isinstance(exc, UnknownInvitation):
        return t("survey.refused.unknown_token", lang)
    if isinstance(exc, InvitationUsed):
        return t("survey.refused.used_token", lang)
    if isinstance(exc, CampaignClosed | CampaignNotOpen):
        return t("survey.refused.closed", lang)
    if isinstance(exc, DuplicateResponse):
        return t("survey.refused.duplicate", lang)
    if isinstance(exc, CommentTooLong):
        return t("survey.refused.comment_too_long", lang, limit=exc.limit)
    if isinstance(exc, OutsideItemSet):
        return t("qdesign.refused.outside_set", lang)
    if isinstance(exc, ServiceError):
        return t("survey.refused.other", lang)
    raise TypeError(f"not a refusal: {exc!r}")


def simulated_sms(number: str) -> str | None:
    """With the offline simulator (no SMS is sent), the code waiting for ``number``, so the
    demo can be used without reading the server log; None with a real SMS provider."""
    verification = phone_verification()
    verifier = verification.verifier
    if not isinstance(verifier, SimulatedVerifier):
        return None
    try:
        return verifier.pending_code(verification.normalize(number))
    except VerificationRefused:
        return None


def masked(number: str) -> str:
    """The number as shown on screen (``138****5678``)."""
    return mask_phone(number)


def question_radios(
    questions: Sequence[QuestionView],
    form_key: str,
    answers: Mapping[str, str | None] | None = None,
    *,
    disabled: bool = False,
) -> dict[str, str | None]:
    """Draw the questions, one horizontal choice each, numbered as ``questions`` are;
    return the option chosen per question code (None: not answered). ``answers``
    preselects a draft's answers; ``disabled`` draws them read-only (the preview)."""
    chosen: dict[str, str | None] = {}
    for question in questions:
        labels = dict(question.options)
        codes = list(labels)
        previous = (answers or {}).get(question.code)
        chosen[question.code] = st.radio(
            f"{question.number}. {question.text}",
            codes,
            index=codes.index(previous) if previous in codes else None,
            format_func=labels.__getitem__,
            horizontal=True,
            key=f"item-{question.code}-{form_key}",
            disabled=disabled,
        )
    return chosen
