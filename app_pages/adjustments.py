"""Adjustments (加分、扣分、一票否决), for administrators: enter bonus points (a striving
target met), deductions (a verified case of inaction) and vetoes, each with a reason and
an evidence document; list them with each unit's totals after the method's caps; remove
one only with a reason.

Only services are called (services/adjustments.py); they check permissions, points,
caps, evidence size and campaign status, and write the audit trail.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.uow import UnitOfWork
from services import adjustments, indicators
from services.adjustments import KINDS, MAX_EVIDENCE_BYTES
from services.errors import ServiceError
from services.permissions import Permission
from ui.auth import require_page_permission
from ui.messages import t
from ui.page import current_lang
from ui.widgets import choose_campaign, file_field, show_flash

FLASH_KEY = "adjustments.flash"
GEN_KEY = "adjustments.gen"  # bumped after a change: a fresh form, uploader and reason


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def done(message: str) -> None:
    st.session_state[FLASH_KEY] = message
    st.session_state[GEN_KEY] = st.session_state.get(GEN_KEY, 0) + 1
    st.rerun()


def show_error(exc: ServiceError, lang: str) -> None:
    st.error(t("adjustments.error", lang, detail=str(exc)))


def points_text(points: float | None) -> str:
    return "" if points is None else f"{points:g}"


lang = current_lang()
user = require_page_permission(Permission.configure_campaign, lang)

st.title(t("adjustments.title", lang))
st.caption(t("adjustments.intro", lang))

show_flash(FLASH_KEY)

try:
    choices = indicators.campaigns(uow(), user)
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()
selected = choose_campaign(
    choices,
    t("adjustments.campaign", lang),
    lambda c: f"{c.name}（{c.code}）",
    empty=t("adjustments.no_campaigns", lang),
    key="adjustments.campaign",
)
code = selected.code
if not selected.editable:
    st.info(t("adjustments.frozen_campaign", lang))
gen = st.session_state.get(GEN_KEY, 0)

try:
    limits = adjustments.caps(uow(), user, code)
    units = indicators.campaign_units(uow(), user, code)
    rows = adjustments.list_adjustments(uow(), user, code)
    totals = adjustments.unit_totals(uow(), user, code)
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()
unit_names = {u.code: u.name for u in units}
st.caption(t("adjustments.caps", lang, bonus=f"{limits.bonus:g}", deduction=f"{limits.deduction:g}"))

# ---------------------------------------------------------------- entering one
st.subheader(t("adjustments.form.header", lang))
with st.form(f"adjustments.form.{gen}", enter_to_submit=False):
    left, middle, right = st.columns(3)
    unit_code: str | None = left.selectbox(
        t("adjustments.col.unit", lang),
        list(unit_names),
        format_func=lambda u: f"{unit_names[u]}（{u}）",
        key=f"adjustments.form.unit.{gen}",
    )
    kind: str = middle.selectbox(
        t("adjustments.col.kind", lang),
        list(KINDS),
        format_func=lambda k: t(f"adjustments.kind.{k}", lang),
        key=f"adjustments.form.kind.{gen}",
    )
    points = right.number_input(
        t("adjustments.col.points", lang),
        min_value=0.0,
        value=None,
        step=0.5,
        help=t("adjustments.form.points_help", lang),
        key=f"adjustments.form.points.{gen}",
    )
    reason = st.text_area(t("adjustments.col.reason", lang), height=80, key=f"adjustments.form.reason.{gen}")
    upload = file_field(
        t("adjustments.form.evidence", lang, mb=MAX_EVIDENCE_BYTES // 2**20),
        key=f"adjustments.form.evidence.{gen}",
        max_bytes=MAX_EVIDENCE_BYTES,
    )
    add = st.form_submit_button(t("adjustments.form.add", lang), type="primary", icon=":material/add:")
if add:
    if unit_code is None:
        st.warning(t("adjustments.form.no_unit", lang))
    elif not reason.strip():
        st.warning(t("adjustments.form.reason_required", lang))
    elif upload is None:
        st.warning(t("adjustments.form.evidence_required", lang))
    elif upload.size > MAX_EVIDENCE_BYTES:
        st.error(
            t(
                "adjustments.form.too_large",
                lang,
                mb=MAX_EVIDENCE_BYTES // 2**20,
                size=f"{upload.size / 2**20:.1f}",
            )
        )
    else:
        try:
            adjustments.add_adjustment(
                uow(),
                user,
                code,
                unit_code,
                kind,
                None if kind == "veto" else points,
                reason,
                upload.name,
                upload.getvalue(),
            )
        except ServiceError as exc:
            show_error(exc, lang)
        else:
            done(t("adjustments.form.added", lang, unit=unit_names.get(unit_code, unit_code)))

# ---------------------------------------------------------------- what is entered
st.subheader(t("adjustments.list.header", lang))
if not rows:
    st.info(t("adjustments.list.empty", lang))
else:
    st.dataframe(
        pd.DataFrame(
            {
                "id": [r.id for r in rows],
                "unit": [f"{r.unit_name}（{r.unit_code}）" for r in rows],
                "kind": [t(f"adjustments.kind.{r.kind}", lang) for r in rows],
                "points": [points_text(r.points) for r in rows],
                "reason": [r.reason for r in rows],
                "evidence": [r.evidence_name for r in rows],
                "size": [f"{r.evidence_size / 1024:.0f} KB" if r.evidence_size else "" for r in rows],
            }
        ),
        hide_index=True,
        key="adjustments.list",
        column_config={
            "id": st.column_config.NumberColumn(t("adjustments.col.id", lang), width="small"),
            "unit": st.column_config.TextColumn(t("adjustments.col.unit", lang), width="medium"),
            "kind": st.column_config.TextColumn(t("adjustments.col.kind", lang)),
            "points": st.column_config.TextColumn(t("adjustments.col.points", lang)),
            "reason": st.column_config.TextColumn(t("adjustments.col.reason", lang), width="large"),
            "evidence": st.column_config.TextColumn(t("adjustments.col.evidence", lang)),
            "size": st.column_config.TextColumn(t("adjustments.col.size", lang)),
        },
    )
    st.markdown(f"**{t('adjustments.totals.header', lang)}**")
    st.dataframe(
        pd.DataFrame(
            {
                "unit": [f"{x.unit_name}（{x.unit_code}）" for x in totals],
                "bonus": [x.bonus for x in totals],
                "bonus_applied": [x.bonus_applied for x in totals],
                "deduction": [x.deduction for x in totals],
                "deduction_applied": [x.deduction_applied for x in totals],
                "veto": [x.veto for x in totals],
            }
        ),
        hide_index=True,
        key="adjustments.totals",
        column_config={
            "unit": st.column_config.TextColumn(t("adjustments.col.unit", lang), width="medium"),
            "bonus": st.column_config.NumberColumn(t("adjustments.col.bonus", lang), format="%g"),
            "bonus_applied": st.column_config.NumberColumn(
                t("adjustments.col.bonus_applied", lang), format="%g"
            ),
            "deduction": st.column_config.NumberColumn(t("adjustments.col.deduction", lang), format="%g"),
            "deduction_applied": st.column_config.NumberColumn(
                t("adjustments.col.deduction_applied", lang), format="%g"
            ),
            "veto": st.column_config.CheckboxColumn(t("adjustments.col.veto", lang)),
        },
    )

    by_id = {r.id: r for r in rows}
    chosen: int = st.selectbox(
        t("adjustments.choose", lang),
        list(by_id),
        format_func=lambda i: t(
            "adjustments.option",
            lang,
            id=i,
            unit=by_id[i].unit_name,
            kind=t(f"adjustments.kind.{by_id[i].kind}", lang),
            points=points_text(by_id[i].points),
        ),
        key=f"adjustments.choose.{gen}",
    )
    if by_id[chosen].evidence_size:
        try:
            name, blob = adjustments.evidence(uow(), user, code, chosen)
        except ServiceError as exc:
            show_error(exc, lang)
        else:
            st.download_button(
                t("adjustments.download", lang, name=name),
                data=blob,
                file_name=name,
                key=f"adjustments.download.{chosen}",
                icon=":material/download:",
            )
    with st.form(f"adjustments.remove.{gen}", enter_to_submit=False, border=False):
        remove_reason = st.text_input(
            t("adjustments.remove.reason", lang), key=f"adjustments.remove.reason.{gen}"
        )
        remove = st.form_submit_button(
            t("adjustments.remove.run", lang), key="adjustments.remove.run", icon=":material/delete:"
        )
    if remove:
        if not remove_reason.strip():
            st.warning(t("adjustments.remove.reason_required", lang))
        else:
            try:
                adjustments.remove_adjustment(uow(), user, code, chosen, remove_reason)
            except ServiceError as exc:
                show_error(exc, lang)
            else:
                done(t("adjustments.remove.done", lang, id=chosen))
