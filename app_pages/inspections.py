"""Inspection rounds (明察暗访), the admin's side: plan a round of a campaign (its units chosen
by category and district, its inspectors), start and close it, change it while open, and
verify or reject the visits the inspectors recorded, each with its head counts, the three
rates (三率), findings, notes and photos. Only services are called (services/inspection_rounds.py,
services/inspections.py).
"""

from __future__ import annotations

import zlib
from datetime import timedelta

import pandas as pd
import streamlit as st

from db.uow import UnitOfWork
from services import inspection_rounds as ir
from services import inspections as ins
from services.errors import NotFound, ServiceError
from services.permissions import PermissionDenied
from ui.auth import current_user
from ui.labels import group_name
from ui.messages import t
from ui.page import current_lang
from ui.timefmt import beijing_time, beijing_today
from ui.widgets import choose_campaign, multi_choice, show_flash

GEN_KEY = "inspections.gen"  # bumped after a change: fresh form fields
FLASH_KEY = "inspections.flash"  # a success message to show after st.rerun()
ALL = ""


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def error_text(exc: ServiceError, lang: str) -> str:
    if isinstance(exc, PermissionDenied):
        return t("inspections.error.denied", lang)
    if isinstance(exc, NotFound):
        return t("inspections.error.not_found", lang, detail=str(exc))
    return t("inspections.error.refused", lang, detail=str(exc))


def bump(message: str) -> None:
    st.session_state[FLASH_KEY] = message
    st.session_state[GEN_KEY] = st.session_state.get(GEN_KEY, 0) + 1
    st.rerun()


def percent(value: float) -> str:
    return f"{value:.0f}%"


lang = current_lang()
user = current_user()
st.title(t("inspections.title", lang))
if user is None:
    st.info(t("auth.sign_in_first", lang))
    st.stop()
try:
    campaign_list = ir.campaigns(uow(), user)
except PermissionDenied:
    st.warning(t("auth.not_allowed", lang, role=t(f"role.{user.role}", lang)))
    st.stop()
st.caption(t("inspections.intro", lang))
show_flash(FLASH_KEY)

code = choose_campaign(
    campaign_list,
    t("inspections.campaign", lang),
    lambda c: f"{c.name}（{c.code}）",
    empty=t("inspections.no_campaigns", lang),
    key="inspections.campaign",
).code
gen = st.session_state.get(GEN_KEY, 0)

try:
    rounds = ir.list_rounds(uow(), user, code)
    units = ir.unit_options(uow(), user, code)
    inspectors = ir.inspector_options(uow(), user)
except ServiceError as exc:
    st.error(error_text(exc, lang))
    st.stop()
unit_label = {u.code: f"{u.name}（{u.code}）" for u in units}
inspector_label = {
    i.username: f"{i.display_name}（{i.username}）" if i.display_name else i.username for i in inspectors
}

tab_rounds, tab_plan, tab_visits = st.tabs(
    [t("inspections.tab.rounds", lang), t("inspections.tab.plan", lang), t("inspections.tab.visits", lang)]
)

# ---------------------------------------------------------------- rounds
with tab_rounds:
    if not rounds:
        st.info(t("inspections.rounds.empty", lang))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "code": [r.code for r in rounds],
                    "name": [r.name for r in rounds],
                    "mode": [t(f"inspections.mode.{r.mode}", lang) for r in rounds],
                    "period": [f"{r.starts_on} – {r.ends_on}" for r in rounds],
                    "status": [t(f"inspections.status.{r.status}", lang) for r in rounds],
                    "units": [r.units for r in rounds],
                    "inspectors": ["、".join(r.inspectors) for r in rounds],
                    "recorded": [r.visits_recorded for r in rounds],
                    "verified": [r.visits_verified for r in rounds],
                    "rejected": [r.visits_rejected for r in rounds],
                }
            ),
            hide_index=True,
            column_config={
                "code": st.column_config.TextColumn(t("inspections.col.code", lang)),
                "name": st.column_config.TextColumn(t("inspections.col.name", lang), width="medium"),
                "mode": st.column_config.TextColumn(t("inspections.col.mode", lang)),
                "period": st.column_config.TextColumn(t("inspections.col.period", lang)),
                "status": st.column_config.TextColumn(t("inspections.col.status", lang)),
                "units": st.column_config.NumberColumn(t("inspections.col.units", lang)),
                "inspectors": st.column_config.TextColumn(t("inspections.col.inspectors", lang)),
                "recorded": st.column_config.NumberColumn(t("inspections.visit_status.recorded", lang)),
                "verified": st.column_config.NumberColumn(t("inspections.visit_status.verified", lang)),
                "rejected": st.column_config.NumberColumn(t("inspections.visit_status.rejected", lang)),
            },
        )
        by_id = {r.id: r for r in rounds}
        chosen = st.selectbox(
            t("inspections.rounds.choose", lang),
            list(by_id),
            format_func=lambda i: (
                f"{by_id[i].code} · {by_id[i].name} · {t(f'inspections.status.{by_id[i].status}', lang)}"
            ),
            key="inspections.rounds.choose",
        )
        rnd = by_id[chosen]
        with st.container(border=True):
            if rnd.notes:
                st.caption(rnd.notes)
            if rnd.status == "planned" and st.button(
                t("inspections.start", lang),
                type="primary",
                icon=":material/play_arrow:",
                key="inspections.start",
            ):
                try:
                    ir.start_round(uow(), user, rnd.id)
                except ServiceError as exc:
                    st.error(error_text(exc, lang))
                else:
                    bump(t("inspections.started", lang, code=rnd.code))
            if rnd.status == "active" and st.button(
                t("inspections.close", lang), icon=":material/stop:", key="inspections.close"
            ):
                try:
                    ir.close_round(uow(), user, rnd.id)
                except ServiceError as exc:
                    st.error(error_text(exc, lang))
                else:
                    bump(t("inspections.closed", lang, code=rnd.code))
            if rnd.status == "closed":
                st.caption(t("inspections.closed_note", lang))
            else:
                with (
                    st.expander(t("inspections.edit", lang)),
                    st.form(f"inspections.edit.{gen}.{rnd.id}", enter_to_submit=False, border=False),
                ):
                    left, right = st.columns(2)
                    new_start = left.date_input(
                        t("inspections.field.starts_on", lang),
                        value=rnd.starts_on,
                        key=f"inspections.edit.start.{gen}.{rnd.id}",
                    )
                    new_end = right.date_input(
                        t("inspections.field.ends_on", lang),
                        value=rnd.ends_on,
                        key=f"inspections.edit.end.{gen}.{rnd.id}",
                    )
                    new_units = multi_choice(
                        t("inspections.field.units", lang),
                        list(unit_label),
                        lang,
                        default=[c for c in rnd.unit_codes if c in unit_label],
                        format_func=lambda c: unit_label[c],
                        key=f"inspections.edit.units.{gen}.{rnd.id}",
                    )
                    new_inspectors = multi_choice(
                        t("inspections.field.inspectors", lang),
                        sorted(set(inspector_label) | set(rnd.inspectors)),
                        lang,
                        default=list(rnd.inspectors),
                        format_func=lambda n: inspector_label.get(n, n),
                        key=f"inspections.edit.inspectors.{gen}.{rnd.id}",
                    )
                    new_notes = st.text_area(
                        t("inspections.field.notes", lang),
                        value=rnd.notes,
                        key=f"inspections.edit.notes.{gen}.{rnd.id}",
                    )
                    save = st.form_submit_button(
                        t("inspections.edit.save", lang), key="inspections.edit.save"
                    )
                if save:
                    try:
                        ir.update_round(
                            uow(),
                            user,
                            rnd.id,
                            starts_on=new_start,
                            ends_on=new_end,
                            unit_codes=new_units,
                            inspector_usernames=new_inspectors,
                            notes=new_notes,
                        )
                    except ServiceError as exc:
                        st.error(error_text(exc, lang))
                    else:
                        bump(t("inspections.edited", lang, code=rnd.code))

# ---------------------------------------------------------------- plan a round
with tab_plan:
    st.caption(t("inspections.plan.help", lang))
    if not inspectors:
        st.warning(t("inspections.plan.no_inspectors", lang))
    categories: dict[str, int] = {}
    districts: dict[str, int] = {}
    for u in units:
        categories[u.category] = categories.get(u.category, 0) + 1
        districts[u.district] = districts.get(u.district, 0) + 1
    left, right = st.columns(2)
    chosen_categories = left.pills(
        t("inspections.plan.categories", lang),
        list(categories),
        selection_mode="multi",
        format_func=lambda c: f"{group_name(c, lang) if c else '—'}（{categories[c]}）",
        key=f"inspections.plan.categories.{gen}",
    )
    chosen_districts = right.pills(
        t("inspections.plan.districts", lang),
        list(districts),
        selection_mode="multi",
        format_func=lambda d: f"{d or t('inspections.plan.no_district', lang)}（{districts[d]}）",
        key=f"inspections.plan.districts.{gen}",
    )
    matching = [
        u.code
        for u in units
        if (not chosen_categories or u.category in chosen_categories)
        and (not chosen_districts or u.district in chosen_districts)
    ]
    st.caption(t("inspections.plan.matching", lang, n=len(matching), total=len(units)))
    # the units field starts over with the matching units whenever the filters change
    filters = [*(chosen_categories or ()), "\x1e", *(chosen_districts or ())]
    filter_key = zlib.crc32("\x1f".join(filters).encode()) if len(filters) > 1 else 0
    with st.form(f"inspections.plan.form.{gen}", enter_to_submit=False, border=False):
        left, right = st.columns(2)
        round_code = left.text_input(
            t("inspections.field.code", lang), key=f"inspections.plan.code.{gen}", max_chars=ir.MAX_CODE
        )
        round_name = right.text_input(
            t("inspections.field.name", lang), key=f"inspections.plan.name.{gen}", max_chars=ir.MAX_NAME
        )
        mode = st.radio(
            t("inspections.field.mode", lang),
            ir.MODES,
            format_func=lambda m: t(f"inspections.mode.{m}", lang),
            horizontal=True,
            key=f"inspections.plan.mode.{gen}",
        )
        left, right = st.columns(2)
        today = beijing_today()
        starts_on = left.date_input(
            t("inspections.field.starts_on", lang), value=today, key=f"inspections.plan.start.{gen}"
        )
        ends_on = right.date_input(
            t("inspections.field.ends_on", lang),
            value=today + timedelta(days=14),
            key=f"inspections.plan.end.{gen}",
        )
        chosen_units = multi_choice(
            t("inspections.field.units", lang),
            list(unit_label),
            lang,
            default=matching if (chosen_categories or chosen_districts) else [],
            format_func=lambda c: unit_label[c],
            key=f"inspections.plan.units.{gen}.{filter_key}",
        )
        chosen_inspectors = multi_choice(
            t("inspections.field.inspectors", lang),
            list(inspector_label),
            lang,
            format_func=lambda n: inspector_label[n],
            key=f"inspections.plan.inspectors.{gen}",
        )
        notes = st.text_area(t("inspections.field.notes", lang), key=f"inspections.plan.notes.{gen}")
        submit = st.form_submit_button(
            t("inspections.plan.submit", lang), type="primary", key="inspections.plan.submit"
        )
    if submit:
        try:
            planned = ir.plan_round(
                uow(),
                user,
                code,
                code=round_code,
                name=round_name,
                mode=mode,
                starts_on=starts_on,
                ends_on=ends_on,
                unit_codes=chosen_units,
                inspector_usernames=chosen_inspectors,
                notes=notes,
            )
        except ServiceError as exc:
            st.error(error_text(exc, lang))
        else:
            bump(t("inspections.planned", lang, code=planned.code, units=planned.units))

# ---------------------------------------------------------------- visits
with tab_visits:
    left, middle, right = st.columns(3)
    round_filter = left.selectbox(
        t("inspections.filter.round", lang),
        [ALL, *[r.code for r in rounds]],
        format_func=lambda c: t("inspections.filter.all", lang) if c == ALL else c,
        key="inspections.filter.round",
    )
    status_filter = middle.selectbox(
        t("inspections.filter.status", lang),
        [ALL, *ins.VISIT_STATUSES],
        format_func=lambda s: (
            t("inspections.filter.all", lang) if s == ALL else t(f"inspections.visit_status.{s}", lang)
        ),
        key="inspections.filter.status",
    )
    unit_filter = right.selectbox(
        t("inspections.filter.unit", lang),
        [ALL, *unit_label],
        format_func=lambda c: t("inspections.filter.all", lang) if c == ALL else unit_label[c],
        key="inspections.filter.unit",
    )
    try:
        visits = ins.list_visits(
            uow(),
            user,
            code,
            round_code=round_filter or None,
            status=status_filter or None,
            unit_code=unit_filter or None,
        )
    except ServiceError as exc:
        st.error(error_text(exc, lang))
        visits = []
    if not visits:
        st.info(t("inspections.visits.empty", lang))
    st.caption(t("inspections.visits.count", lang, n=len(visits)))
    for v in visits:
        status = t(f"inspections.visit_status.{v.status}", lang)
        title = f"{v.unit_name} · {beijing_time(v.visited_at)} · {v.round_code} · {status}"
        with st.expander(title, expanded=v.status == "recorded" and len(visits) <= 3):
            st.caption(
                t("inspections.visit.by", lang, inspector=v.inspector, created=beijing_time(v.created_at))
            )
            cols = st.columns(4)
            cols[0].metric(t("inspections.count.expected", lang), v.staff_expected)
            cols[1].metric(t("inspections.count.present", lang), v.staff_present)
            cols[2].metric(t("inspections.count.on_post", lang), v.staff_on_post)
            cols[3].metric(t("inspections.count.focused", lang), v.staff_focused)
            rates = v.rates
            if rates is not None:
                st.markdown(
                    t(
                        "inspections.rates.line",
                        lang,
                        attendance=percent(rates.attendance),
                        on_post=percent(rates.on_post),
                        focus=percent(rates.focus),
                    )
                )
            if v.findings:
                st.markdown(f"**{t('inspections.visit.findings', lang)}**")
                for f in v.findings:
                    st.markdown(f"- **{t(f'inspections.harm.{f.harm}', lang)}**：{f.description}")
            else:
                st.caption(t("inspections.visit.no_findings", lang))
            if v.notes:
                st.markdown(f"**{t('inspections.field.notes', lang)}**")
                st.text(v.notes)
            if v.photos and st.toggle(
                t("inspections.visit.show_photos", lang, n=len(v.photos)), key=f"inspections.photos.{v.id}"
            ):
                for p in v.photos:
                    try:
                        name, _, data = ins.photo(uow(), user, p.id)
                    except ServiceError as exc:
                        st.error(error_text(exc, lang))
                    else:
                        st.image(data, caption=name, width="stretch")
            if v.verified_by:
                st.caption(
                    t(
                        "inspections.visit.decided",
                        lang,
                        status=status,
                        by=v.verified_by,
                        at=beijing_time(v.verified_at),
                        note=v.verify_note or "—",
                    )
                )
            if v.status != "rejected":
                with st.form(f"inspections.decide.{gen}.{v.id}", enter_to_submit=False, border=False):
                    note = st.text_input(
                        t("inspections.decide.note", lang), key=f"inspections.decide.note.{gen}.{v.id}"
                    )
                    left, right = st.columns(2)
                    verify = (
                        left.form_submit_button(
                            t("inspections.decide.verify", lang),
                            type="primary",
                            key=f"inspections.verify.{v.id}",
                        )
                        if v.status == "recorded"
                        else False
                    )
                    reject = right.form_submit_button(
                        t("inspections.decide.reject", lang), key=f"inspections.reject.{v.id}"
                    )
                if reject and not note.strip():
                    st.warning(t("inspections.decide.note_needed", lang))
                elif verify or reject:
                    try:
                        if verify:
                            ins.verify_visit(uow(), user, v.id, note)
                        else:
                            ins.reject_visit(uow(), user, v.id, note)
                    except ServiceError as exc:
                        st.error(error_text(exc, lang))
                    else:
                        done = "inspections.decide.verified" if verify else "inspections.decide.rejected"
                        bump(t(done, lang, unit=v.unit_name))
