"""Caller workstation (电话访问, CATI): the next case of the signed-in caller, its script,
the call button, and the outcome with the phone questionnaire's answers.

The queue puts callbacks that are due first, then retries, then new cases. Numbers and
names appear only masked, except the number of the case in hand once its caller asks to
dial it by hand (an audited reveal, kept for that case only). An outcome is recorded
only on a call on record: the click-to-call bridge's or that manual dial. Only services
are called (services/fieldwork.py, and services/telephony.py for the click-to-call
bridge); they check that the case is the caller's own and record everything in one
audited transaction.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from datetime import time as clock_time

import pandas as pd
import streamlit as st

from db.uow import UnitOfWork
from services import fieldwork
from services.auth import set_caller_phone
from services.errors import NotFound, ServiceError
from services.permissions import Permission, PermissionDenied
from survey.assurance import CALLBACK, CHINA_TZ, COMPLETE, DISPOSITION_CODES, disposition_option
from ui.auth import require_page_permission
from ui.messages import t
from ui.page import current_lang
from ui.timefmt import beijing_time
from ui.widgets import show_flash

CURRENT = "calls.current"  # (campaign code, case code) the caller chose to work on
SIDS = "calls.sids"  # {"campaign/case": call SID of the bridge call placed from this page}
OPENED = "calls.opened"  # {"campaign/case": time.time() when the case was first shown}
NUMBER = "calls.number"  # ("campaign/case", number) revealed for a manual dial: that case only
FLASH = "calls.flash"  # a success message to show after st.rerun()
GEN = "calls.gen"  # bumped after an outcome: fresh form widgets


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def error_text(exc: ServiceError, lang: str) -> str:
    if isinstance(exc, PermissionDenied):
        return t("calls.error.denied", lang)
    if isinstance(exc, NotFound):
        return t("calls.error.not_found", lang)
    return t("calls.error.refused", lang)


def local_time(moment: datetime | None) -> str:
    """A stored instant as Beijing time, ``2026-03-02 19:00`` (naive from SQLite: UTC)."""
    return beijing_time(moment, empty="")


def disposition_label(code: str, lang: str) -> str:
    return f"{code} {t(f'calls.disposition.{code}', lang)}" if code in DISPOSITION_CODES else code


lang = current_lang()
user = require_page_permission(Permission.record_calls, lang)
S = st.session_state

st.title(t("calls.title", lang))
st.caption(t("calls.intro", lang))
show_flash(FLASH)

with st.expander(t("calls.my_phone", lang), icon=":material/phone_in_talk:"):
    # click-to-call rings this phone first, then joins the respondent
    st.caption(t("calls.my_phone.help", lang))
    with st.form("calls.my_phone.form", border=False, enter_to_submit=False):
        my_phone = st.text_input(t("calls.my_phone.number", lang), max_chars=20, key="calls.my_phone.number")
        if st.form_submit_button(t("calls.my_phone.save", lang)):
            try:
                shown = set_caller_phone(uow(), user, my_phone)
            except ServiceError as exc:
                st.error(t("calls.my_phone.refused", lang, reason=exc))
            else:
                st.success(t("calls.my_phone.saved", lang, phone=shown))

try:
    queue = fieldwork.caller_queue(uow(), user)
except ServiceError as exc:
    st.error(error_text(exc, lang))
    st.stop()
if not queue:
    st.info(t("calls.empty", lang))
    st.stop()

# ---------------------------------------------------------------- the queue
keys = [f"{e.campaign_code}/{e.case_code}" for e in queue]
by_key = dict(zip(keys, queue, strict=True))
chosen = S.get(CURRENT)
if chosen not in by_key:
    chosen = next((k for k, e in by_key.items() if e.due), None)
with st.expander(t("calls.queue.header", lang, due=sum(e.due for e in queue), total=len(queue))):
    st.dataframe(
        pd.DataFrame(
            {
                t("calls.col.case", lang): [e.case_code for e in queue],
                t("calls.col.unit", lang): [e.unit_name for e in queue],
                t("calls.col.phone", lang): [e.phone for e in queue],
                t("calls.col.kind", lang): [t(f"calls.kind.{e.kind}", lang) for e in queue],
                t("calls.col.due", lang): [local_time(e.due_at) for e in queue],
                t("calls.col.attempts", lang): [e.attempts for e in queue],
                t("calls.col.last", lang): [disposition_label(e.last_disposition, lang) for e in queue],
            }
        ),
        hide_index=True,
        use_container_width=True,
    )
if chosen is None:
    st.info(t("calls.none_due", lang))
    st.stop()
picked = st.selectbox(
    t("calls.pick", lang),
    keys,
    index=keys.index(chosen),
    format_func=lambda k: t(
        "calls.pick.option",
        lang,
        case=by_key[k].case_code,
        unit=by_key[k].unit_name,
        kind=t(f"calls.kind.{by_key[k].kind}", lang),
    ),
    key="calls.pick",
)
S[CURRENT] = picked
entry = by_key[picked]
if S.get(NUMBER, ("", ""))[0] != picked:
    S.pop(NUMBER, None)  # a number revealed for another case is not kept, let alone shown

try:
    sheet = fieldwork.case_sheet(uow(), user, entry.campaign_code, entry.case_code)
except ServiceError as exc:
    st.error(error_text(exc, lang))
    st.stop()
S.setdefault(OPENED, {}).setdefault(picked, time.time())

# ---------------------------------------------------------------- the case
st.subheader(t("calls.case.header", lang, case=sheet.case_code, unit=sheet.unit_name))
cols = st.columns(4)
cols[0].metric(t("calls.case.phone", lang), sheet.phone or "—")
cols[1].metric(t("calls.case.name", lang), sheet.name or "—")
cols[2].metric(t("calls.case.attempts", lang), f"{sheet.attempts} / {sheet.max_attempts}")
cols[3].metric(t("calls.case.callback", lang), local_time(sheet.callback_at) or "—")

st.markdown(f"**{t('calls.script.header', lang)}**")
st.caption(t("calls.script.help", lang))
st.info(sheet.script_intro)

record = st.toggle(t("calls.call.record", lang), key=f"calls.record.{picked}")
if st.button(t("calls.call.button", lang), type="primary", icon=":material/call:", key="calls.call"):
    try:
        # Imported here: the telephony service is optional for the rest of the page.
        from services.telephony import start_bridge_call
    except ImportError:
        st.error(t("calls.call.unavailable", lang))
    else:
        try:
            sid = start_bridge_call(uow(), user, sheet.campaign_code, sheet.case_code, record=record)
        except ServiceError as exc:
            st.error(error_text(exc, lang))
        else:
            S.setdefault(SIDS, {})[picked] = sid
if st.button(t("calls.manual.button", lang), icon=":material/dialpad:", key="calls.manual"):
    try:
        dial = fieldwork.start_manual_dial(uow(), user, sheet.campaign_code, sheet.case_code)
    except ServiceError as exc:
        st.error(error_text(exc, lang))
    else:
        S[NUMBER] = (picked, dial.national)
        st.rerun()  # the sheet now shows the manual dial as the call on record
sid = S.get(SIDS, {}).get(picked)
revealed = S.get(NUMBER, ("", ""))[1] if S.get(NUMBER, ("", ""))[0] == picked else ""
if sid:
    st.success(t("calls.call.started", lang), icon=":material/phone_in_talk:")
elif revealed:
    st.warning(t("calls.manual.number", lang, number=revealed), icon=":material/dialpad:")
elif sheet.manual_dial_open:
    st.info(t("calls.manual.open", lang))
else:
    st.caption(t("calls.call.manual", lang))

if sheet.history:
    with st.expander(t("calls.history.header", lang, n=len(sheet.history))):
        st.dataframe(
            pd.DataFrame(
                {
                    t("calls.col.when", lang): [local_time(a.started_at) for a in sheet.history],
                    t("calls.col.outcome", lang): [
                        disposition_label(a.disposition, lang) for a in sheet.history
                    ],
                    t("calls.col.seconds", lang): [a.duration_seconds for a in sheet.history],
                    t("calls.col.note", lang): [a.note for a in sheet.history],
                }
            ),
            hide_index=True,
            use_container_width=True,
        )

# ---------------------------------------------------------------- the outcome
gen = S.get(GEN, 0)
st.subheader(t("calls.outcome.header", lang))
with st.form(f"calls.outcome.{gen}", enter_to_submit=False):
    disposition = st.selectbox(
        t("calls.outcome.disposition", lang),
        list(DISPOSITION_CODES),
        index=None,
        placeholder=t("calls.outcome.placeholder", lang),
        format_func=lambda c: t(
            "calls.outcome.option",
            lang,
            label=disposition_label(c, lang),
            kind=t("calls.final" if disposition_option(c).final else "calls.temporary", lang),  # type: ignore[union-attr]
        ),
    )
    st.caption(t("calls.callback.help", lang))
    left, right = st.columns(2)
    tomorrow = (datetime.now(CHINA_TZ) + timedelta(days=1)).date()
    callback_day = left.date_input(t("calls.callback.day", lang), value=tomorrow)
    callback_time = right.time_input(t("calls.callback.time", lang), value=clock_time(19, 0), step=900)
    st.markdown(f"**{t('calls.questions.header', lang)}**")
    st.caption(t("calls.questions.help", lang))
    answers: dict[str, str | None] = {}
    for q in sheet.questions:
        labels = {o.code: o.label(lang) for o in q.options}
        answers[q.code] = st.radio(
            q.text(lang),
            list(labels),
            index=None,
            format_func=labels.__getitem__,
            horizontal=True,
            key=f"calls.q.{gen}.{q.code}",
        )
    st.caption(sheet.script_closing)
    consent = st.checkbox(t("calls.consent", lang))
    note = st.text_input(t("calls.note", lang), max_chars=500)
    submitted = st.form_submit_button(t("calls.save", lang), type="primary")

if submitted:
    option = disposition_option(disposition) if disposition else None
    given = {k: v for k, v in answers.items() if v is not None}
    if option is None:
        st.error(t("calls.error.no_disposition", lang))
    elif not sid and not sheet.manual_dial_open:
        st.error(t("calls.error.no_call", lang))
    elif disposition == COMPLETE and len(given) < len(sheet.questions):
        st.error(t("calls.error.unanswered", lang))
    elif given and not option.interview:
        st.error(t("calls.error.answers_without_interview", lang))
    else:
        callback_at = None
        if disposition == CALLBACK and callback_day is not None and callback_time is not None:
            callback_at = datetime.combine(callback_day, callback_time, CHINA_TZ)  # type: ignore[arg-type]
        try:
            outcome = fieldwork.record_call_outcome(
                uow(),
                user,
                sheet.campaign_code,
                sheet.case_code,
                option.code,
                answers=given,
                call_sid=sid,
                callback_at=callback_at,
                duration_seconds=round(time.time() - S[OPENED][picked], 1),
                note=note.strip(),
                recording_consent=consent,
            )
        except fieldwork.NoCallOnRecord:
            st.error(t("calls.error.no_call", lang))
        except ServiceError as exc:
            st.error(error_text(exc, lang))
        else:
            if outcome.closed:
                message = t("calls.saved.closed", lang, case=sheet.case_code, code=outcome.disposition)
            elif outcome.callback_at:
                message = t(
                    "calls.saved.callback", lang, case=sheet.case_code, when=local_time(outcome.callback_at)
                )
            else:
                message = t(
                    "calls.saved.retry", lang, case=sheet.case_code, when=local_time(outcome.next_attempt_at)
                )
            S[FLASH] = message
            S.pop(CURRENT, None)
            S.pop("calls.pick", None)
            S.get(SIDS, {}).pop(picked, None)
            S.get(OPENED, {}).pop(picked, None)
            S.pop(NUMBER, None)
            S[GEN] = gen + 1
            st.rerun()
