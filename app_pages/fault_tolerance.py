"""Fault tolerance (容错免责) as a procedure: applications for one overdue approval or one
accountability case, accepted (受理), verified (核实) and decided by the body the settings
name.

Admins see every application, file on behalf of anyone and take each step (the decision
by another admin than the one who filed, accepted or verified). A unit's liaison sees and
files applications for its own unit's cases only. Only services are called
(services/fault_tolerance.py, fault_tolerance_views.py); they check permissions and write the
audit trail.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.uow import UnitOfWork
from services import fault_tolerance as ft
from services import fault_tolerance_views as ftv
from services.errors import NotFound, ServiceError
from services.indicators import GROUND_UNDER_24H
from services.permissions import Permission, PermissionDenied, allowed
from ui.auth import current_user
from ui.messages import t
from ui.page import current_lang
from ui.timefmt import beijing_time
from ui.widgets import choose_campaign, file_field, show_flash

FLASH_KEY = "ft.flash"
GEN_KEY = "ft.gen"  # bumped after a change: fresh forms
ALL = ""
MAIN_PATH = ("applied", "accepted", "verified")
NEXT_STEP = {"applied": "accept", "accepted": "verify", "verified": "decide"}


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def error_text(exc: ServiceError, lang: str) -> str:
    if isinstance(exc, PermissionDenied):
        return t("ft.error.denied", lang)
    if isinstance(exc, ft.ExcludedConsequence):
        return t("ft.error.excluded", lang, situation=t(f"ft.consequence.{exc.consequence}", lang))
    if isinstance(exc, ft.SameAdmin):
        return t("ft.error.same_admin", lang)
    if isinstance(exc, ft.EvidenceTooLarge):
        return t("ft.error.too_large", lang, mb=ft.MAX_EVIDENCE_BYTES // 2**20)
    if isinstance(exc, NotFound):
        return t("ft.error.not_found", lang, detail=str(exc))
    return t("ft.error.refused", lang, detail=str(exc))


def bump(message: str) -> None:
    st.session_state[FLASH_KEY] = message
    st.session_state[GEN_KEY] = st.session_state.get(GEN_KEY, 0) + 1
    st.rerun()


def steps_line(status: str, lang: str) -> str:
    """The procedure as badges: steps done green, the current one blue, a refusal red."""
    if status == "not_accepted":
        return (
            f":green-badge[{t('ft.status.applied', lang)}] → :red-badge[{t('ft.status.not_accepted', lang)}]"
        )
    badges = []
    reached = MAIN_PATH.index(status) if status in MAIN_PATH else len(MAIN_PATH)
    for i, step in enumerate(MAIN_PATH):
        color = "green" if i < reached else ("blue" if i == reached else "gray")
        badges.append(f":{color}-badge[{t(f'ft.status.{step}', lang)}]")
    if status == "granted":
        badges.append(f":green-badge[{t('ft.status.granted', lang)}]")
    elif status == "refused":
        badges.append(f":red-badge[{t('ft.status.refused', lang)}]")
    else:
        badges.append(f":gray-badge[{t('ft.status.decision', lang)}]")
    return " → ".join(badges)


def case_label(row: ftv.ApplicationRow, lang: str) -> str:
    return f"{t(f'ft.subject.{row.subject}', lang)} {row.reference}"


lang = current_lang()
user = current_user()
st.title(t("ft.title", lang))
if user is None:
    st.info(t("auth.sign_in_first", lang))
    st.stop()
try:
    open_count = ftv.count_open(uow(), user)
except PermissionDenied:
    st.warning(t("auth.not_allowed", lang, role=t(f"role.{user.role}", lang)))
    st.stop()
is_admin = allowed(user, Permission.manage_registries)
st.caption(t("ft.intro", lang, body=ft.decision_body()))
st.caption(t("ft.excluded_help", lang))
if not is_admin:
    st.caption(t("ft.liaison_scope", lang))
show_flash(FLASH_KEY)
gen = st.session_state.get(GEN_KEY, 0)
st.metric(t("ft.metric.open", lang), open_count, border=True, width="content")

tab_list, tab_new = st.tabs([t("ft.tab.applications", lang), t("ft.tab.new", lang)])

# ---------------------------------------------------------------- the applications
with tab_list:
    left, right = st.columns(2)
    status_filter = left.selectbox(
        t("ft.filter.status", lang),
        [ALL, *ft.STATUSES],
        format_func=lambda s: t("ft.filter.all", lang) if s == ALL else t(f"ft.status.{s}", lang),
        key="ft.filter.status",
    )
    subject_filter = right.selectbox(
        t("ft.filter.subject", lang),
        [ALL, *ft.SUBJECTS],
        format_func=lambda s: t("ft.filter.all", lang) if s == ALL else t(f"ft.subject.{s}", lang),
        key="ft.filter.subject",
    )
    try:
        rows = ftv.list_applications(uow(), user, status=status_filter, subject=subject_filter)
    except ServiceError as exc:
        st.error(error_text(exc, lang))
        rows = []
    if not rows:
        st.info(t("ft.empty", lang))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "id": [r.id for r in rows],
                    "case": [case_label(r, lang) for r in rows],
                    "unit": [f"{r.unit_name}（{r.unit_code}）" for r in rows],
                    "applicant": [r.applicant for r in rows],
                    "status": [t(f"ft.status.{r.status}", lang) for r in rows],
                    "filed": [beijing_time(r.created_at) for r in rows],
                    "document": [r.decision_document for r in rows],
                }
            ),
            hide_index=True,
            key="ft.table",
            column_config={
                "id": st.column_config.NumberColumn(t("ft.col.id", lang), width="small"),
                "case": st.column_config.TextColumn(t("ft.col.case", lang), width="medium"),
                "unit": st.column_config.TextColumn(t("ft.col.unit", lang), width="medium"),
                "applicant": st.column_config.TextColumn(t("ft.col.applicant", lang)),
                "status": st.column_config.TextColumn(t("ft.col.status", lang)),
                "filed": st.column_config.TextColumn(t("ft.col.filed", lang)),
                "document": st.column_config.TextColumn(t("ft.col.document", lang)),
            },
        )
        by_id = {r.id: r for r in rows}
        chosen = st.selectbox(
            t("ft.choose", lang),
            list(by_id),
            format_func=lambda i: t(
                "ft.option",
                lang,
                id=i,
                subject=t(f"ft.subject.{by_id[i].subject}", lang),
                case=by_id[i].reference,
                unit=by_id[i].unit_name,
                status=t(f"ft.status.{by_id[i].status}", lang),
            ),
            key=f"ft.choose.{gen}",
        )
        try:
            view = ftv.application(uow(), user, chosen)
        except ServiceError as exc:
            st.error(error_text(exc, lang))
            st.stop()
        row = view.row
        with st.container(border=True):
            st.markdown(steps_line(row.status, lang))
            st.markdown(
                f"**{t('ft.detail.case', lang)}**：{case_label(row, lang)}  \n"
                f"**{t('ft.detail.unit', lang)}**：{row.unit_name}（{row.unit_code}）  \n"
                f"**{t('ft.detail.applicant', lang)}**：{row.applicant}  \n"
                f"**{t('ft.detail.declared', lang)}**："
                f"{t(f'ft.consequence.{view.declared_consequence}', lang)}"
            )
            if view.verified_by:
                st.markdown(
                    f"**{t('ft.detail.found', lang)}**：{t(f'ft.consequence.{row.consequence}', lang)}"
                )
            st.markdown(f"**{t('ft.detail.reasons', lang)}**")
            st.text(view.reasons)
            if row.evidence_name:
                try:
                    name, data = ftv.evidence(uow(), user, row.id)
                except ServiceError as exc:
                    st.error(error_text(exc, lang))
                else:
                    st.download_button(
                        t("ft.detail.download", lang, name=name),
                        data,
                        file_name=name,
                        key=f"ft.download.{row.id}",
                        icon=":material/attach_file:",
                    )
            st.markdown(f"**{t('ft.detail.history', lang)}**")
            st.dataframe(
                pd.DataFrame(
                    {
                        "when": [beijing_time(h.at) for h in view.history],
                        "who": [h.actor for h in view.history],
                        "step": [t(f"ft.step.{h.action}", lang) for h in view.history],
                        "note": [h.note for h in view.history],
                    }
                ),
                hide_index=True,
                key=f"ft.history.{row.id}",
                column_config={
                    "when": st.column_config.TextColumn(t("ft.col.when", lang)),
                    "who": st.column_config.TextColumn(t("ft.col.who", lang)),
                    "step": st.column_config.TextColumn(t("ft.col.step", lang)),
                    "note": st.column_config.TextColumn(t("ft.col.note", lang), width="large"),
                },
            )
            if row.status in ("granted", "refused"):
                st.caption(t("ft.detail.body", lang, body=view.decision_body))
            if row.status == "granted":
                st.success(t(f"ft.granted.{row.subject}", lang), icon=":material/verified:")
            if not view.next_steps:
                st.caption(t("ft.closed", lang))
            elif not is_admin:
                st.caption(t("ft.liaison_waits", lang, step=t(f"ft.step.{NEXT_STEP[row.status]}", lang)))

            # ------------------------------------------------------------ the next step (admins)
            if is_admin and row.status == "applied":
                st.markdown(f"**{t('ft.accept.header', lang)}**")
                with st.form(f"ft.accept.form.{gen}.{row.id}", enter_to_submit=False, border=False):
                    note = st.text_area(t("ft.accept.note", lang), key=f"ft.accept.note.{gen}", height=80)
                    cols = st.columns(2)
                    do_accept = cols[0].form_submit_button(
                        t("ft.accept.submit", lang), type="primary", key="ft.accept.submit"
                    )
                    do_refuse = cols[1].form_submit_button(
                        t("ft.not_accept.submit", lang), key="ft.not_accept"
                    )
                if do_accept or do_refuse:
                    try:
                        if do_accept:
                            ft.accept(uow(), user, row.id, note)
                        else:
                            ft.not_accept(uow(), user, row.id, note)
                    except ServiceError as exc:
                        st.error(error_text(exc, lang))
                    else:
                        bump(t("ft.accept.done" if do_accept else "ft.not_accept.done", lang, id=row.id))
            if is_admin and row.status == "accepted":
                st.markdown(f"**{t('ft.verify.header', lang)}**")
                with st.form(f"ft.verify.form.{gen}.{row.id}", enter_to_submit=False, border=False):
                    found = st.selectbox(
                        t("ft.verify.found", lang),
                        list(ft.CONSEQUENCES),
                        index=ft.CONSEQUENCES.index(row.consequence),
                        format_func=lambda c: t(f"ft.consequence.{c}", lang),
                        key=f"ft.verify.found.{gen}",
                    )
                    note = st.text_area(t("ft.verify.note", lang), key=f"ft.verify.note.{gen}", height=100)
                    do_verify = st.form_submit_button(
                        t("ft.verify.submit", lang), type="primary", key="ft.verify.submit"
                    )
                if do_verify:
                    try:
                        ft.verify(uow(), user, row.id, note=note, consequence_found=found)
                    except ServiceError as exc:
                        st.error(error_text(exc, lang))
                    else:
                        bump(t("ft.verify.done", lang, id=row.id))
            if is_admin and row.status == "verified":
                st.markdown(f"**{t('ft.decide.header', lang)}**")
                st.caption(t("ft.detail.body", lang, body=ft.decision_body()))
                if user.username in (view.filed_by, view.accepted_by, view.verified_by):
                    st.info(t("ft.decide.other_admin", lang))
                else:
                    excluded = row.consequence in ft.EXCLUDED
                    if excluded:
                        st.warning(
                            t(
                                "ft.decide.only_refusal",
                                lang,
                                situation=t(f"ft.consequence.{row.consequence}", lang),
                            )
                        )
                    outcomes = ["refuse"] if excluded else ["grant", "refuse"]
                    with st.form(f"ft.decide.form.{gen}.{row.id}", enter_to_submit=False, border=False):
                        outcome = st.radio(
                            t("ft.decide.outcome", lang),
                            outcomes,
                            format_func=lambda o: t(f"ft.decide.{o}", lang),
                            key=f"ft.decide.outcome.{gen}",
                        )
                        document = st.text_input(
                            t("ft.decide.document", lang), key=f"ft.decide.document.{gen}"
                        )
                        note = st.text_area(t("ft.decide.note", lang), key=f"ft.decide.note.{gen}", height=80)
                        do_decide = st.form_submit_button(
                            t("ft.decide.submit", lang), type="primary", key="ft.decide.submit"
                        )
                    if do_decide:
                        try:
                            ft.decide(
                                uow(), user, row.id, grant=outcome == "grant", document=document, note=note
                            )
                        except ServiceError as exc:
                            st.error(error_text(exc, lang))
                        else:
                            outcome_word = t(
                                "ft.status.granted" if outcome == "grant" else "ft.status.refused", lang
                            )
                            bump(t("ft.decide.done", lang, id=row.id, outcome=outcome_word))

# ---------------------------------------------------------------- a new application
with tab_new:
    subject = st.radio(
        t("ft.new.subject", lang),
        list(ft.SUBJECTS),
        format_func=lambda s: t(f"ft.subject.{s}", lang),
        horizontal=True,
        key="ft.new.subject",
    )
    try:
        campaign_list = ftv.campaigns(uow(), user)
    except ServiceError as exc:
        st.error(error_text(exc, lang))
        st.stop()
    code = choose_campaign(
        campaign_list,
        t("ft.new.campaign", lang),
        lambda c: t("ft.new.campaign_option", lang, name=c.name, code=c.code),
        empty=t("ft.new.no_campaigns", lang),
        key="ft.new.campaign",
    ).code
    try:
        candidates = ftv.candidate_cases(uow(), user, subject, code)
    except ServiceError as exc:
        st.error(error_text(exc, lang))
        candidates = []
    if not candidates:
        st.info(t("ft.new.no_cases", lang))
    else:
        by_ref = {c.reference: c for c in candidates}

        def option(reference: str) -> str:
            c = by_ref[reference]
            if c.subject == "overdue_case":
                return t(
                    "ft.new.overdue_option",
                    lang,
                    case=reference,
                    unit=c.unit_name,
                    hours=f"{c.hours_late:.1f}",
                )
            kind = (
                t(f"ft.case_type.{c.case_type}", lang)
                if c.case_type in ("inaction", "slow", "misconduct")
                else ""
            )
            return t("ft.new.case_option", lang, case=reference, unit=c.unit_name, type=kind)

        with st.form(f"ft.new.form.{gen}", enter_to_submit=False, border=False):
            reference = st.selectbox(
                t("ft.new.case", lang), list(by_ref), format_func=option, key=f"ft.new.case.{gen}"
            )
            applicant = st.text_input(t("ft.new.applicant", lang), key=f"ft.new.applicant.{gen}")
            ground = False
            if subject == "overdue_case":
                ground = st.checkbox(t("ft.new.ground24", lang), key=f"ft.new.ground.{gen}")
            reasons = st.text_area(t("ft.new.reasons", lang), key=f"ft.new.reasons.{gen}", height=120)
            consequence = st.selectbox(
                t("ft.new.consequence", lang),
                list(ft.CONSEQUENCES),
                format_func=lambda c: t(f"ft.consequence.{c}", lang),
                key=f"ft.new.consequence.{gen}",
            )
            upload = file_field(
                t("ft.new.evidence", lang, mb=ft.MAX_EVIDENCE_BYTES // 2**20),
                key=f"ft.new.evidence.{gen}",
                max_bytes=ft.MAX_EVIDENCE_BYTES,
            )
            submit = st.form_submit_button(t("ft.new.submit", lang), type="primary", key="ft.new.submit")
        if submit:
            text = reasons.strip()
            if ground:
                text = f"{GROUND_UNDER_24H}；{text}" if text else GROUND_UNDER_24H
            if not applicant.strip():
                st.warning(t("ft.new.applicant_required", lang))
            elif not text:
                st.warning(t("ft.new.reasons_required", lang))
            elif upload is not None and upload.size > ft.MAX_EVIDENCE_BYTES:
                st.warning(t("ft.error.too_large", lang, mb=ft.MAX_EVIDENCE_BYTES // 2**20))
            else:
                try:
                    new_id = ft.apply(
                        uow(),
                        user,
                        subject=subject,
                        campaign_code=by_ref[reference].campaign_code or code,
                        reference=reference,
                        applicant=applicant,
                        reasons=text,
                        consequence=consequence,
                        evidence=(upload.name, upload.getvalue()) if upload is not None else None,
                    )
                except ServiceError as exc:
                    st.error(error_text(exc, lang))
                else:
                    bump(t("ft.new.done", lang, id=new_id))
