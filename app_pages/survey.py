"""The citizen survey (问卷评议): one honest answer per person per unit, on a phone.

Two ways in, both keeping one answer per person per unit (一事一评):

* a link with an invitation token (``/?t=...``, from a window ticket's QR code or an SMS
  after a hotline case) opens the questionnaire of its unit; the token is spent with the
  answer, in one transaction;
* otherwise the person picks a unit and verifies a mobile number with a one-time code;
  only the number's keyed hash is stored, and a second answer about the same unit is
  refused.

Steps: (way in) → questionnaire → confirmation → thanks. No account is needed.
"""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from db.uow import UnitOfWork
from services.errors import ServiceError
from services.invitations import InvitationInfo, peek
from services.questionnaire import (
    Questionnaire,
    UnitView,
    find_units,
    items_for,
    load_questionnaire,
    open_campaigns,
    question_views,
)
from services.responses import already_answered, client_hashes, fit_comment, submit_response
from survey.problems import INACTION, MAX_COMMENT_CHARS, TWELVE_HARMS
from survey.verification import VerificationRefused, clean_code
from ui.messages import MESSAGES, t
from ui.page import current_lang
from ui.survey import (
    SMS_LOCALES,
    client_network,
    client_user_agent,
    masked,
    phone_verification,
    question_radios,
    refusal_text,
    simulated_sms,
)

DONE = "survey.done"  # the stored answer sheet: {"code", "unit", "way"}
DRAFT = "survey.draft"  # answers waiting for confirmation
RESPONDENT = "survey.respondent"  # keyed hash of the verified number (never the number)
MASKED = "survey.masked"  # the verified number as shown, 138****5678
PENDING = "survey.pending"  # the number a code was sent to
UNIT = "survey.unit"  # the unit chosen on the verified-number way
STARTED = "survey.started"  # when the questionnaire was first shown, per form
EDITING = "survey.editing"  # back from the confirmation to the form

# Longer than any code a verifier sends (ours have 6 digits, Twilio Verify's at most 10):
# such a text is not a code (a whole SMS pasted, say) and is refused without using an attempt.
MAX_CODE_CHARS = 10

lang = current_lang()
S = st.session_state


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def refuse(exc: Exception) -> None:
    st.error(refusal_text(exc, lang))
    st.stop()


def label(key: str, fallback: str) -> str:
    """Catalogue text if the catalogue has it, else the value itself (categories and
    bands come from the campaign's data)."""
    return t(key, lang) if key in MESSAGES else fallback


# ---------------------------------------------------------------- after answering


def thanks(done: dict[str, Any]) -> None:
    st.success(t("survey.done.title", lang))
    st.write(t("survey.done.body", lang, unit=done["unit"]))
    st.caption(t("survey.done.code", lang, code=done["code"]))
    another = done["way"] == "phone" and S.get(RESPONDENT)
    if another and st.button(t("survey.done.another", lang), use_container_width=True, key="survey-another"):
        for key in (DONE, UNIT, DRAFT):
            S.pop(key, None)
        st.rerun()


# ---------------------------------------------------------------- the verified-number way


def choose_campaign() -> str:
    campaigns = open_campaigns(uow())
    if not campaigns:
        if S.pop(DRAFT, None):  # fieldwork ended while this person was answering
            st.error(t("survey.refused.closed", lang))
        else:
            st.info(t("survey.no_open", lang))
        st.stop()
    if len(campaigns) == 1:
        return campaigns[0].code
    names = {c.code: c.name for c in campaigns}
    return st.selectbox(
        t("survey.campaign", lang), list(names), format_func=names.__getitem__, key="survey-campaign"
    )


def choose_unit(q: Questionnaire) -> UnitView:
    chosen = q.unit(S.get(UNIT, ""))
    if chosen is not None:
        st.subheader(t("survey.rating", lang, unit=chosen.name))
        if st.button(t("survey.change_unit", lang), key="survey-change-unit"):
            S.pop(UNIT, None)
            S.pop(DRAFT, None)
            st.rerun()
        return chosen
    st.subheader(t("survey.step.unit", lang))
    # live: the list follows the typing, and Streamlit shows no (English) "Press Enter" hint
    text = st.text_input(
        t("survey.search", lang),
        placeholder=t("survey.search.placeholder", lang),
        key="survey-search",
        live=True,
    )
    left, right = st.columns(2)
    with left:
        district = st.selectbox(
            t("survey.district_filter", lang),
            ["", *dict.fromkeys(u.district for u in q.units if u.district)],
            format_func=lambda d: d or t("survey.all", lang),
            key="survey-district-filter",
        )
    with right:
        category = st.selectbox(
            t("survey.category_filter", lang),
            ["", *q.categories],
            format_func=lambda c: label(f"category.{c}", c) if c else t("survey.all", lang),
            key="survey-category-filter",
        )
    found = find_units(q.units, text, district=district, category=category)
    if not found:
        st.warning(t("survey.no_unit_found", lang))
        st.stop()
    st.caption(t("survey.units_found", lang, n=len(found)))
    codes = {u.code: u for u in found}
    code = st.selectbox(
        t("survey.unit", lang),
        list(codes),
        index=None,
        placeholder=t("survey.unit.placeholder", lang),
        format_func=lambda c: (
            f"{codes[c].name}（{codes[c].district}）" if codes[c].district else codes[c].name
        ),
        key="survey-unit",
    )
    if code is None or not st.button(t("survey.unit.choose", lang), type="primary", key="survey-unit-choose"):
        st.stop()
    S[UNIT] = code
    st.rerun()
    raise AssertionError("unreachable")


def verify_number() -> str:
    """The verified number's keyed hash, or draw the verification step and stop."""
    if S.get(RESPONDENT):
        st.caption(t("survey.verify.done", lang, number=S.get(MASKED, "")))
        return str(S[RESPONDENT])
    st.subheader(t("survey.step.verify", lang))
    st.caption(t("survey.verify.why", lang))
    # No max_chars on these boxes: the browser would silently drop a longer paste; the
    # verification refuses a number it cannot read, and an over-long code is refused below.
    # live: what was typed counts without Enter (and no English "Press Enter" hint).
    number = st.text_input(
        t("survey.verify.number", lang), placeholder="138 0000 0000", key="survey-number", live=True
    )
    if st.button(t("survey.verify.send", lang), key="survey-send-code"):
        try:
            phone_verification().start(number, network=client_network(), locale=SMS_LOCALES[lang])
        except VerificationRefused as exc:
            st.error(refusal_text(exc, lang))
        else:
            S[PENDING] = number
    pending = S.get(PENDING)
    if pending:
        st.info(t("survey.verify.sent", lang, number=masked(pending)))
        simulated = simulated_sms(pending)
        if simulated:
            st.caption(t("survey.verify.simulated", lang, code=simulated))
        code = st.text_input(t("survey.verify.code", lang), key="survey-code", live=True)
        if st.button(t("survey.verify.check", lang), type="primary", key="survey-check-code"):
            if len(clean_code(code)) > MAX_CODE_CHARS:  # e.g. the whole SMS pasted: no attempt spent
                st.error(t("survey.verify.code_too_long", lang))
                st.stop()
            try:
                S[RESPONDENT] = phone_verification().check(pending, code)
            except VerificationRefused as exc:
                st.error(refusal_text(exc, lang))
            else:
                S[MASKED] = masked(pending)
                S.pop(PENDING, None)
                st.rerun()
    st.stop()
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- the questionnaire


def option_index(options: list[str], value: object) -> int | None:
    return options.index(value) if value in options else None


def questionnaire_form(q: Questionnaire, unit: UnitView, form_key: str) -> None:
    """Draw the questionnaire; on a complete submission keep it as the draft to confirm."""
    draft: dict[str, Any] = S.get(DRAFT) or {}
    if draft.get("form") != form_key:
        draft = {}
    S.setdefault(f"{STARTED}.{form_key}", time.time())
    groups = {g.code: g for g in q.groups}

    def choose_group() -> str | None:
        return st.radio(
            t("survey.group", lang),
            list(groups),
            index=option_index(list(groups), draft.get("group")),
            format_func=lambda c: groups[c].label(lang),
            key=f"group-{form_key}",
        )

    # With item sets per respondent group (题组) the questions follow the group, so it is
    # chosen first, outside the form (a choice inside a form takes effect only on sending).
    group: str | None = None
    if q.group_first:
        group = choose_group()
        if group is None:
            st.caption(t("qdesign.survey.group_first", lang))
            return
    # Ctrl+Enter in the comment box must not send a questionnaire half checked (and
    # Streamlit's hint for it is English only).
    with st.form(f"survey-{form_key}", enter_to_submit=False):
        if not q.group_first:
            group = choose_group()
        st.markdown(f"**{t('survey.questions', lang)}**")
        st.caption(t("survey.questions.help", lang))
        questions = question_views(items_for(q, unit.category, group), lang)
        answers = question_radios(questions, form_key, draft.get("answers", {}))
        st.markdown(f"**{t('survey.problems', lang)}**")
        st.caption(t("survey.problems.help", lang))
        chosen = set(draft.get("problems", ()))
        problems = []
        for heading, codes in (
            ("survey.problems.harms", TWELVE_HARMS),
            ("survey.problems.inaction", INACTION),
        ):
            st.caption(t(heading, lang))
            for code in codes:
                if st.checkbox(t(f"problem.{code}", lang), value=code in chosen, key=f"p-{code}-{form_key}"):
                    problems.append(code)
        # No max_chars: with it the browser drops a pasted text over the limit entirely and
        # says nothing. The limit is applied on submission (fit_comment) and said there.
        comment = st.text_area(
            t("survey.comment", lang),
            value=draft.get("comment", ""),
            placeholder=t("survey.comment.placeholder", lang),
            key=f"comment-{form_key}",
        )
        st.caption(t("survey.comment.limit", lang, limit=MAX_COMMENT_CHARS))
        with st.expander(t("survey.about_you", lang)):
            st.caption(t("survey.about_you.help", lang))
            attributes = {
                "age_band": st.selectbox(
                    t("survey.age_band", lang),
                    ["", *q.age_bands],
                    index=option_index(["", *q.age_bands], draft.get("attributes", {}).get("age_band", "")),
                    format_func=lambda v: (
                        t("survey.age_years", lang, band=v) if v else t("survey.skip", lang)
                    ),
                    key=f"age-{form_key}",
                ),
                "sex": st.selectbox(
                    t("survey.sex", lang),
                    ["", *q.sexes],
                    index=option_index(["", *q.sexes], draft.get("attributes", {}).get("sex", "")),
                    format_func=lambda v: label(f"survey.sex.{v}", v) if v else t("survey.skip", lang),
                    key=f"sex-{form_key}",
                ),
                "district": st.selectbox(
                    t("survey.district", lang),
                    ["", *q.districts],
                    index=option_index(["", *q.districts], draft.get("attributes", {}).get("district", "")),
                    format_func=lambda v: v or t("survey.skip", lang),
                    key=f"district-{form_key}",
                ),
            }
        submitted = st.form_submit_button(
            t("survey.next", lang), type="primary", use_container_width=True, key=f"next-{form_key}"
        )
    if not submitted:
        return
    missing = [str(n) for n, code in enumerate(answers, start=1) if answers[code] is None]
    if group is None:
        st.error(t("survey.missing_group", lang))
    if missing:
        st.error(t("survey.missing_answers", lang, numbers="、".join(missing)))
    if group is None or missing:
        return
    kept, cut = fit_comment(comment)
    S[DRAFT] = {
        "form": form_key,
        "group": group,
        "answers": answers,
        "problems": problems,
        "comment": kept,
        "comment_cut": cut,  # said on the confirmation
        "attributes": {k: v for k, v in attributes.items() if v},
    }
    S.pop(EDITING, None)
    st.rerun()


def confirmation(q: Questionnaire, unit: UnitView, draft: dict[str, Any], submit: dict[str, Any]) -> None:
    """Show the answers once more; on confirmation store them (and spend the token)."""
    st.subheader(t("survey.confirm.title", lang))
    if draft.get("comment_cut"):
        st.warning(t("survey.comment.cut", lang, limit=MAX_COMMENT_CHARS, cut=draft["comment_cut"]))
    groups = {g.code: g for g in q.groups}
    rows = [
        (t("survey.unit", lang), unit.name),
        (t("survey.group", lang), groups[draft["group"]].label(lang)),
    ]
    for question in question_views(items_for(q, unit.category, draft["group"]), lang):
        chosen = dict(question.options)[draft["answers"][question.code]]
        rows.append((f"{question.number}. {question.text}", chosen))
    if draft["problems"]:
        rows.append(
            (t("survey.problems", lang), "、".join(t(f"problem.{p}", lang) for p in draft["problems"]))
        )
    if draft["comment"]:
        rows.append((t("survey.comment", lang), draft["comment"]))
    st.table(
        {
            t("survey.confirm.question", lang): [r[0] for r in rows],
            t("survey.confirm.answer", lang): [r[1] for r in rows],
        }
    )
    back, confirm = st.columns(2)
    if back.button(t("survey.confirm.back", lang), use_container_width=True, key="survey-back"):
        S[EDITING] = True  # the draft is kept: the form opens with these answers
        st.rerun()
    if not confirm.button(
        t("survey.confirm.submit", lang), type="primary", use_container_width=True, key="survey-submit"
    ):
        st.stop()
    device_hash, network_hash = client_hashes(client_network(), client_user_agent())
    started = S.get(f"{STARTED}.{draft['form']}")
    try:
        code = submit_response(
            uow(),
            q.campaign.code,
            unit.code,
            draft["group"],
            draft["answers"],
            submit.get("respondent_hash"),
            channel=submit["channel"],
            attributes=draft["attributes"],
            invitation_token=submit.get("token"),
            comment=draft["comment"],
            problem_types=draft["problems"],
            duration_seconds=time.time() - started if started else None,
            device_hash=device_hash,
            network_hash=network_hash,
        )
    except ServiceError as exc:
        S.pop(DRAFT, None)
        refuse(exc)
        return
    S.pop(DRAFT, None)
    S.pop(f"{STARTED}.{draft['form']}", None)
    S[DONE] = {"code": code, "unit": unit.name, "way": submit["way"]}
    st.rerun()


# ---------------------------------------------------------------- the page

st.title(t("survey.title", lang))
st.caption(t("survey.intro", lang))

if S.get(DONE):
    thanks(S[DONE])
    st.stop()

token = st.query_params.get("t") or None
submit: dict[str, Any]
if token:
    try:
        info: InvitationInfo = peek(uow(), token)
        q = load_questionnaire(uow(), info.campaign_code)
    except ServiceError as exc:
        refuse(exc)
        raise
    unit = q.unit(info.unit_code)
    assert unit is not None  # the invitation's unit is one of its campaign's
    st.subheader(t("survey.rating", lang, unit=unit.name))
    if info.reference:
        st.caption(t("survey.reference", lang, reference=info.reference))
    submit = {"token": token, "channel": info.kind, "way": "token"}
else:
    try:
        q = load_questionnaire(uow(), choose_campaign())
    except ServiceError as exc:
        refuse(exc)
        raise
    unit = choose_unit(q)
    respondent = verify_number()
    if already_answered(uow(), q.campaign.code, unit.code, respondent):
        st.warning(t("survey.refused.duplicate", lang))
        # the same label as the button under the unit's name above, so a key of its own
        if st.button(t("survey.change_unit", lang), type="primary", key="survey-change-unit-answered"):
            S.pop(UNIT, None)
            st.rerun()
        st.stop()
    submit = {"respondent_hash": respondent, "channel": "web", "way": "phone"}

form_key = f"{q.campaign.code}-{unit.code}"
draft = S.get(DRAFT)
if draft and draft.get("form") == form_key and not S.get(EDITING):
    confirmation(q, unit, draft, submit)
else:
    questionnaire_form(q, unit, form_key)
