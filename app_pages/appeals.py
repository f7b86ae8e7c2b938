"""Appeals (申诉): a unit's liaison appeals during the notice period (公示期) against the
unit's result, one response or one indicator value, with reasons and an evidence file,
and follows its decision; admins decide the open appeals and see what an upheld one
changed (the new scoring run and the new snapshot's SHA-256).

Only services are called (services/appeals.py); they check permissions, write the audit
trail and make every change.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.uow import UnitOfWork
from services import appeals, results
from services.errors import NotFound, ServiceError
from services.permissions import PermissionDenied
from ui.auth import current_user
from ui.messages import t
from ui.page import current_lang
from ui.timefmt import beijing_time
from ui.widgets import choose_campaign, file_field, show_flash

GEN_KEY = "appeals.gen"  # bumped after a change: fresh form fields
FLASH_KEY = "appeals.flash"  # (kind, text) to show after st.rerun()
TARGETS = ("result", "response", "indicator_value")
STATUSES = ("open", "upheld", "rejected")


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def error_text(exc: ServiceError, lang: str) -> str:
    if isinstance(exc, PermissionDenied):
        return t("appeals.error.denied", lang)
    if isinstance(exc, NotFound):
        return t("appeals.error.not_found", lang, detail=str(exc))
    return t("appeals.error.refused", lang, detail=str(exc))


def bump() -> None:
    st.session_state[GEN_KEY] = st.session_state.get(GEN_KEY, 0) + 1


def appeals_table(rows: list[appeals.AppealView], lang: str) -> None:
    st.dataframe(
        pd.DataFrame(
            {
                "id": [a.id for a in rows],
                "unit": [f"{a.unit_name}（{a.unit_code}）" for a in rows],
                "target": [t(f"appeals.target.{a.target}", lang) for a in rows],
                "ref": [a.target_ref for a in rows],
                "status": [t(f"appeals.status.{a.status}", lang) for a in rows],
                "reasons": [a.reasons for a in rows],
                "evidence": [a.evidence_name for a in rows],
                "decision": [a.decision for a in rows],
                "filed": [beijing_time(a.created_at, empty="") for a in rows],
                "decided": [beijing_time(a.decided_at, empty="") for a in rows],
            }
        ),
        hide_index=True,
        column_config={
            "id": st.column_config.NumberColumn(t("appeals.col.id", lang), width="small"),
            "unit": st.column_config.TextColumn(t("appeals.col.unit", lang), width="medium"),
            "target": st.column_config.TextColumn(t("appeals.col.target", lang)),
            "ref": st.column_config.TextColumn(t("appeals.col.ref", lang)),
            "status": st.column_config.TextColumn(t("appeals.col.status", lang)),
            "reasons": st.column_config.TextColumn(t("appeals.col.reasons", lang), width="large"),
            "evidence": st.column_config.TextColumn(t("appeals.col.evidence", lang)),
            "decision": st.column_config.TextColumn(t("appeals.col.decision", lang), width="large"),
            "filed": st.column_config.TextColumn(t("appeals.col.filed", lang)),
            "decided": st.column_config.TextColumn(t("appeals.col.decided", lang)),
        },
    )


lang = current_lang()
user = current_user()
st.title(t("appeals.title", lang))
if user is None:
    st.info(t("auth.sign_in_first", lang))
    st.stop()
may_decide, may_file = appeals.may_decide(user), appeals.may_file(user)
if not (may_decide or may_file):
    st.warning(t("auth.not_allowed", lang, role=t(f"role.{user.role}", lang)))
    st.stop()
st.caption(t("appeals.intro", lang))

show_flash(FLASH_KEY)

selected = choose_campaign(
    results.published_campaigns(uow()),
    t("appeals.campaign", lang),
    lambda c: t("appeals.campaign_option", lang, name=c.name, code=c.code),
    empty=t("appeals.no_campaigns", lang),
    key="appeals.campaign",
)
code = selected.code
st.caption(t("appeals.snapshot", lang, sha=selected.snapshot_sha256))
gen = st.session_state.get(GEN_KEY, 0)

# ---------------------------------------------------------------- a liaison files and follows
if may_file:
    try:
        options = appeals.appeal_options(uow(), user, code)
        mine = appeals.list_appeals(uow(), user, code)
    except ServiceError as exc:
        st.error(error_text(exc, lang))
        st.stop()
    st.subheader(t("appeals.file.header", lang, unit=options.unit_name, code=options.unit_code))
    if not options.notice_open:
        st.info(t("appeals.file.closed", lang))
    else:
        st.info(t("appeals.file.open", lang, until=beijing_time(options.notice_ends_at)))
        target: str = st.radio(
            t("appeals.file.target", lang),
            TARGETS,
            format_func=lambda x: t(f"appeals.target.{x}", lang),
            horizontal=True,
            key=f"appeals.target.{gen}",
        )
        ref = ""
        if target == "response":
            responses = {c: (g, ch) for c, g, ch in options.responses}
            ref = (
                st.selectbox(
                    t("appeals.file.response", lang),
                    list(responses),
                    format_func=lambda c: f"{c} · {responses[c][0]} · {responses[c][1]}",
                    key=f"appeals.ref.response.{gen}",
                    placeholder=t("appeals.file.none", lang),
                )
                or ""
            )
        elif target == "indicator_value":
            indicators = {c: (n, v) for c, n, v in options.indicators}
            ref = (
                st.selectbox(
                    t("appeals.file.indicator", lang),
                    list(indicators),
                    format_func=lambda c: f"{indicators[c][0]}（{c}）= {indicators[c][1]:g}",
                    key=f"appeals.ref.indicator.{gen}",
                    placeholder=t("appeals.file.none", lang),
                )
                or ""
            )
        # A form without Enter-to-submit: Streamlit says nothing in English under the box.
        with st.form(f"appeals.file.{gen}", enter_to_submit=False, border=False):
            reasons = st.text_area(
                t("appeals.file.reasons", lang),
                key=f"appeals.reasons.{gen}",
                placeholder=t("appeals.file.reasons_placeholder", lang),
                height=120,
            )
            # One limit: the service's, stated in the label and enforced by the browser too.
            upload = file_field(
                t("appeals.file.evidence", lang, mb=appeals.MAX_EVIDENCE_BYTES // 2**20),
                key=f"appeals.evidence.{gen}",
                max_bytes=appeals.MAX_EVIDENCE_BYTES,
            )
            submitted = st.form_submit_button(
                t("appeals.file.submit", lang), type="primary", icon=":material/send:", key="appeals.submit"
            )
        if submitted:
            if not reasons.strip():
                st.warning(t("appeals.file.reasons_required", lang))
            elif target != "result" and not ref:
                st.warning(t("appeals.file.ref_required", lang))
            elif upload is not None and upload.size > appeals.MAX_EVIDENCE_BYTES:
                st.warning(t("appeals.file.too_large", lang, mb=appeals.MAX_EVIDENCE_BYTES // 2**20))
            else:
                try:
                    appeal_id = appeals.file_appeal(
                        uow(),
                        user,
                        code,
                        options.unit_code,
                        reasons,
                        target=target,
                        target_ref=ref,
                        evidence=upload.getvalue() if upload is not None else None,
                        evidence_name=upload.name if upload is not None else "",
                    )
                except ServiceError as exc:
                    st.error(error_text(exc, lang))
                else:
                    st.session_state[FLASH_KEY] = t("appeals.file.done", lang, id=appeal_id)
                    bump()
                    st.rerun()
    st.subheader(t("appeals.mine.header", lang))
    if mine:
        appeals_table(mine, lang)
    else:
        st.caption(t("appeals.mine.empty", lang))

# ---------------------------------------------------------------- admins decide
if may_decide:
    try:
        listed = appeals.list_appeals(uow(), user, code)
    except ServiceError as exc:
        st.error(error_text(exc, lang))
        st.stop()
    pending = [a for a in listed if a.status == "open"]
    decided = [a for a in listed if a.status != "open"]
    tab_open, tab_decided = st.tabs(
        [t("appeals.tab.open", lang, n=len(pending)), t("appeals.tab.decided", lang, n=len(decided))]
    )
    with tab_open:
        if not pending:
            st.success(t("appeals.decide.empty", lang))
        else:
            by_id = {a.id: a for a in pending}
            chosen = st.selectbox(
                t("appeals.decide.choose", lang),
                list(by_id),
                format_func=lambda i: t(
                    "appeals.decide.option",
                    lang,
                    id=i,
                    unit=by_id[i].unit_name,
                    target=t(f"appeals.target.{by_id[i].target}", lang),
                ),
                key=f"appeals.choose.{gen}",
            )
            appeal = by_id[chosen]
            with st.container(border=True):
                st.markdown(
                    t(
                        "appeals.decide.heading",
                        lang,
                        id=appeal.id,
                        unit=appeal.unit_name,
                        code=appeal.unit_code,
                        target=t(f"appeals.target.{appeal.target}", lang),
                        ref=appeal.target_ref or "—",
                    )
                )
                st.caption(t("appeals.decide.filed", lang, at=beijing_time(appeal.created_at)))
                st.text(appeal.reasons)
                if appeal.evidence_name:
                    try:
                        name, data = appeals.appeal_evidence(uow(), user, appeal.id)
                    except ServiceError as exc:
                        st.error(error_text(exc, lang))
                    else:
                        st.download_button(
                            t("appeals.decide.evidence", lang, name=name),
                            data,
                            file_name=name,
                            key=f"appeals.evidence_download.{appeal.id}",
                            icon=":material/attach_file:",
                        )
                else:
                    st.caption(t("appeals.decide.no_evidence", lang))
            st.caption(t(f"appeals.consequence.{appeal.target}", lang))
            with st.form(f"appeals.decide.{gen}.{appeal.id}", enter_to_submit=False, border=False):
                decision = st.text_area(
                    t("appeals.decide.decision", lang), key=f"appeals.decision.{gen}.{appeal.id}", height=100
                )
                corrected: float | None = None
                if appeal.target == "indicator_value":
                    corrected = st.number_input(
                        t("appeals.decide.corrected", lang),
                        value=None,
                        format="%.4f",
                        key=f"appeals.corrected.{gen}.{appeal.id}",
                    )
                left, right, _ = st.columns([1, 1, 2])
                uphold = left.form_submit_button(
                    t("appeals.decide.uphold", lang),
                    type="primary",
                    icon=":material/check:",
                    key="appeals.uphold",
                )
                reject = right.form_submit_button(
                    t("appeals.decide.reject", lang), icon=":material/close:", key="appeals.reject"
                )
            if uphold or reject:
                if not decision.strip():
                    st.warning(t("appeals.decide.decision_required", lang))
                elif uphold and appeal.target == "indicator_value" and corrected is None:
                    st.warning(t("appeals.decide.corrected_required", lang))
                else:
                    try:
                        with st.spinner(t("appeals.decide.working", lang)):
                            outcome = appeals.decide_appeal(
                                uow(),
                                user,
                                appeal.id,
                                bool(uphold),
                                decision,
                                corrected_value=corrected if uphold else None,
                            )
                    except ServiceError as exc:
                        st.error(error_text(exc, lang))
                    else:
                        st.session_state[FLASH_KEY] = (
                            t(
                                "appeals.decide.upheld_outcome",
                                lang,
                                id=outcome.appeal_id,
                                run=outcome.run_id,
                                sha=outcome.snapshot_sha256,
                                previous=outcome.previous_snapshot_sha256,
                            )
                            if outcome.status == "upheld"
                            else t("appeals.decide.rejected_outcome", lang, id=outcome.appeal_id)
                        )
                        bump()
                        st.rerun()
    with tab_decided:
        if decided:
            appeals_table(decided, lang)
        else:
            st.caption(t("appeals.decided.empty", lang))
