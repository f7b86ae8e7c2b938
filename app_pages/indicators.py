"""Big-data indicators (大数据指标), for administrators: define a campaign's indicators,
import their values from CSV or XLSX exports of other systems, correct values after the
freeze date with a reason, and keep overdue approvals (超时办结) case by case, from which
the overtime indicator is counted; exemptions (容错免责) are granted on the
fault-tolerance page (app_pages/fault_tolerance.py) and shown here.

Only services are called (services/indicators.py); they check permissions, freeze
dates and campaign status, and write the audit trail.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from db.uow import UnitOfWork
from services import indicators, inspection_rates
from services.defects import LabelRefused
from services.errors import ServiceError
from services.indicators import ImportRejected, IndicatorSpec
from services.permissions import Permission
from ui.auth import require_page_permission
from ui.defects import refusal_text, show_defects
from ui.inspection_bulletin import provenance_label
from ui.messages import t
from ui.page import current_lang
from ui.timefmt import beijing_time, beijing_today
from ui.widgets import choose_campaign, show_flash

FLASH_KEY = "indicators.flash"
GEN_KEY = "indicators.gen"  # bumped after a change: fresh forms and uploaders


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def done(message: str) -> None:
    """Show ``message`` after the rerun that shows the change, with fresh inputs."""
    st.session_state[FLASH_KEY] = message
    st.session_state[GEN_KEY] = st.session_state.get(GEN_KEY, 0) + 1
    st.rerun()


def show_error(exc: ServiceError, lang: str) -> None:
    if isinstance(exc, ImportRejected):
        st.error(t("indicators.import.rejected", lang, n=len(exc.defects)))
        show_defects(exc.defects, lang)
        return
    if isinstance(exc, LabelRefused):
        st.error(t("indicators.error", lang, detail=refusal_text(exc, lang)))
        return
    st.error(t("indicators.error", lang, detail=str(exc)))


def optional_number(text: str) -> float | None:
    """A floor or target typed as text (empty: none); a non-number stays as None and the
    service names what is missing."""
    try:
        return float(text) if text.strip() else None
    except ValueError:
        return None


lang = current_lang()
user = require_page_permission(Permission.configure_campaign, lang)

st.title(t("indicators.title", lang))
st.caption(t("indicators.intro", lang))

show_flash(FLASH_KEY)

try:
    choices = indicators.campaigns(uow(), user)
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()
selected = choose_campaign(
    choices,
    t("indicators.campaign", lang),
    lambda c: f"{c.name}（{c.code}）",
    empty=t("indicators.no_campaigns", lang),
    key="indicators.campaign",
)
code = selected.code
if not selected.editable:
    st.info(t("indicators.frozen_campaign", lang))
gen = st.session_state.get(GEN_KEY, 0)

try:
    defined = indicators.list_indicators(uow(), user, code)
    units = indicators.campaign_units(uow(), user, code)
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()
unit_names = {u.code: u.name for u in units}

tab_defs, tab_values, tab_cases = st.tabs(
    [t("indicators.tab.definitions", lang), t("indicators.tab.values", lang), t("indicators.tab.cases", lang)]
)

# ---------------------------------------------------------------- definitions
with tab_defs:
    if defined:
        st.dataframe(
            pd.DataFrame(
                {
                    "code": [i.spec.code for i in defined],
                    "name": [i.spec.name for i in defined],
                    "direction": [t(f"indicators.direction.{i.spec.direction}", lang) for i in defined],
                    "weight": [i.spec.weight for i in defined],
                    "method": [t(f"indicators.method.{i.spec.method}", lang) for i in defined],
                    "floor": pd.array([i.spec.floor for i in defined], dtype="Float64"),
                    "target": pd.array([i.spec.target for i in defined], dtype="Float64"),
                    "source": [i.spec.source_system for i in defined],
                    "freeze": [i.spec.freeze_date.isoformat() if i.spec.freeze_date else "" for i in defined],
                    "frozen": [i.frozen for i in defined],
                    "values": [i.n_values for i in defined],
                }
            ),
            hide_index=True,
            key="indicators.table",
            column_config={
                "code": st.column_config.TextColumn(t("indicators.col.code", lang)),
                "name": st.column_config.TextColumn(t("indicators.col.name", lang), width="medium"),
                "direction": st.column_config.TextColumn(t("indicators.col.direction", lang)),
                "weight": st.column_config.NumberColumn(t("indicators.col.weight", lang), format="%.2f"),
                "method": st.column_config.TextColumn(t("indicators.col.method", lang)),
                "floor": st.column_config.NumberColumn(t("indicators.col.floor", lang)),
                "target": st.column_config.NumberColumn(t("indicators.col.target", lang)),
                "source": st.column_config.TextColumn(t("indicators.col.source", lang)),
                "freeze": st.column_config.TextColumn(t("indicators.col.freeze", lang)),
                "frozen": st.column_config.CheckboxColumn(t("indicators.col.frozen", lang)),
                "values": st.column_config.NumberColumn(t("indicators.col.values", lang)),
            },
        )
    else:
        st.info(t("indicators.none", lang))

    st.markdown(f"**{t('indicators.form.header', lang)}**")
    st.caption(t("indicators.form.help", lang))
    with st.form(f"indicators.form.{gen}", enter_to_submit=False):
        left, right = st.columns(2)
        new_code = left.text_input(t("indicators.col.code", lang), key=f"indicators.form.code.{gen}")
        new_name = right.text_input(t("indicators.col.name", lang), key=f"indicators.form.name.{gen}")
        left, middle, right = st.columns(3)
        direction = left.selectbox(
            t("indicators.col.direction", lang),
            ["higher", "lower"],
            format_func=lambda d: t(f"indicators.direction.{d}", lang),
            key=f"indicators.form.direction.{gen}",
        )
        weight = middle.number_input(
            t("indicators.col.weight", lang),
            min_value=0.0,
            value=1.0,
            step=0.5,
            key=f"indicators.form.weight.{gen}",
        )
        method = right.selectbox(
            t("indicators.col.method", lang),
            ["minmax", "target"],
            format_func=lambda m: t(f"indicators.method.{m}", lang),
            key=f"indicators.form.method.{gen}",
        )
        left, middle, right = st.columns(3)
        floor_text = left.text_input(t("indicators.col.floor", lang), key=f"indicators.form.floor.{gen}")
        target_text = middle.text_input(t("indicators.col.target", lang), key=f"indicators.form.target.{gen}")
        source = right.text_input(t("indicators.col.source", lang), key=f"indicators.form.source.{gen}")
        left, right = st.columns(2)
        has_freeze = left.checkbox(
            t("indicators.form.has_freeze", lang), key=f"indicators.form.has_freeze.{gen}"
        )
        freeze = right.date_input(
            t("indicators.col.freeze", lang), value=beijing_today(), key=f"indicators.form.freeze.{gen}"
        )
        save = st.form_submit_button(t("indicators.form.save", lang), type="primary", icon=":material/save:")
    if save:
        spec = IndicatorSpec(
            code=new_code,
            name=new_name,
            direction=direction,
            weight=float(weight),
            method=method,
            floor=optional_number(floor_text),
            target=optional_number(target_text),
            source_system=source,
            freeze_date=freeze if has_freeze and isinstance(freeze, date) else None,
        )
        try:
            created = indicators.save_indicator(uow(), user, code, spec)
        except ServiceError as exc:
            show_error(exc, lang)
        else:
            done(
                t(
                    "indicators.form.created" if created else "indicators.form.updated",
                    lang,
                    code=spec.code.strip(),
                )
            )

# ---------------------------------------------------------------- values
with tab_values:
    if not defined:
        st.info(t("indicators.none", lang))
    else:
        specs = {i.spec.code: i for i in defined}
        chosen: str = st.selectbox(
            t("indicators.values.indicator", lang),
            list(specs),
            format_func=lambda c: f"{specs[c].spec.name}（{c}）",
            key="indicators.values.indicator",
        )
        info = specs[chosen]
        if info.frozen:
            st.warning(t("indicators.values.frozen", lang, date=str(info.spec.freeze_date)))
        elif info.spec.freeze_date:
            st.caption(t("indicators.values.freeze_on", lang, date=str(info.spec.freeze_date)))
        try:
            rows = indicators.indicator_values(uow(), user, code, chosen)
            # how a computed value came about (明察暗访: services/inspection_rates.py)
            provenance = inspection_rates.value_provenance(uow(), user, code, chosen)
        except ServiceError as exc:
            show_error(exc, lang)
            rows, provenance = [], {}
        st.dataframe(
            pd.DataFrame(
                {
                    "unit_code": [r.unit_code for r in rows],
                    "unit_name": [r.unit_name for r in rows],
                    "value": pd.array([r.value for r in rows], dtype="Float64"),
                    "source": [r.source_system for r in rows],
                    "provenance": [provenance_label(provenance.get(r.unit_code, ""), lang) for r in rows],
                }
            ),
            hide_index=True,
            key="indicators.values.table",
            column_config={
                "unit_code": st.column_config.TextColumn(t("indicators.col.unit_code", lang)),
                "unit_name": st.column_config.TextColumn(t("indicators.col.unit_name", lang), width="medium"),
                "value": st.column_config.NumberColumn(t("indicators.col.value", lang)),
                "source": st.column_config.TextColumn(t("indicators.col.source", lang)),
                "provenance": st.column_config.TextColumn(
                    t("inspection_results.col.provenance", lang), width="large"
                ),
            },
        )

        st.markdown(f"**{t('indicators.import.header', lang)}**")
        st.caption(t("indicators.import.help", lang, code=chosen))
        upload = st.file_uploader(
            t("indicators.import.file", lang), type=["csv", "xlsx"], key=f"indicators.import.file.{gen}"
        )
        left, right = st.columns(2)
        import_source = left.text_input(
            t("indicators.col.source", lang), key=f"indicators.import.source.{gen}"
        )
        import_reason = right.text_input(
            t("indicators.import.reason", lang), key=f"indicators.import.reason.{gen}"
        )
        if st.button(t("indicators.import.run", lang), key="indicators.import.run", icon=":material/upload:"):
            if upload is None:
                st.warning(t("indicators.import.no_file", lang))
            else:
                try:
                    report = indicators.import_indicator_values(
                        uow(),
                        user,
                        code,
                        upload.name,
                        upload.getvalue(),
                        indicator_code=chosen,
                        source_system=import_source,
                        reason=import_reason,
                    )
                except ServiceError as exc:
                    show_error(exc, lang)
                else:
                    done(
                        t(
                            "indicators.import.done",
                            lang,
                            rows=report.rows,
                            added=report.added,
                            changed=report.changed,
                            unchanged=report.unchanged,
                        )
                    )

        st.markdown(f"**{t('indicators.edit.header', lang)}**")
        st.caption(t("indicators.edit.help", lang))
        left, middle = st.columns(2)
        unit_code: str | None = left.selectbox(
            t("indicators.col.unit_name", lang),
            list(unit_names),
            format_func=lambda u: f"{unit_names[u]}（{u}）",
            key=f"indicators.edit.unit.{gen}",
        )
        new_value = middle.number_input(
            t("indicators.col.value", lang), value=None, key=f"indicators.edit.value.{gen}"
        )
        edit_reason = st.text_input(t("indicators.edit.reason", lang), key=f"indicators.edit.reason.{gen}")
        if st.button(t("indicators.edit.save", lang), key="indicators.edit.save", icon=":material/edit:"):
            if unit_code is None:
                st.warning(t("indicators.edit.no_unit", lang))
            else:
                try:
                    changed = indicators.set_indicator_value(
                        uow(), user, code, chosen, unit_code, new_value, edit_reason
                    )
                except ServiceError as exc:
                    show_error(exc, lang)
                else:
                    if changed:
                        done(t("indicators.edit.done", lang, unit=unit_code))
                    st.info(t("indicators.edit.unchanged", lang))

# ---------------------------------------------------------------- overdue cases
with tab_cases:
    st.caption(t("indicators.cases.intro", lang))
    try:
        cases = indicators.overdue_cases(uow(), user, code)
    except ServiceError as exc:
        show_error(exc, lang)
        cases = []
    cols = st.columns(3)
    cols[0].metric(t("indicators.cases.total", lang), len(cases), border=True)
    cols[1].metric(t("indicators.cases.exempt", lang), sum(c.exempt for c in cases), border=True)
    cols[2].metric(t("indicators.cases.counted", lang), sum(not c.exempt for c in cases), border=True)
    if cases:
        st.dataframe(
            pd.DataFrame(
                {
                    "case": [c.case_number for c in cases],
                    "unit": [f"{c.unit_name}（{c.unit_code}）" for c in cases],
                    "promised": [beijing_time(c.promised_at) for c in cases],
                    "completed": [beijing_time(c.completed_at) for c in cases],
                    "hours": [c.hours_late for c in cases],
                    "exempt": [c.exempt for c in cases],
                    "reason": [c.exempt_reason for c in cases],
                    "by": [c.exempted_by or "" for c in cases],
                }
            ),
            hide_index=True,
            key="indicators.cases.table",
            column_config={
                "case": st.column_config.TextColumn(t("indicators.col.case", lang)),
                "unit": st.column_config.TextColumn(t("indicators.col.unit_name", lang), width="medium"),
                "promised": st.column_config.TextColumn(t("indicators.col.promised", lang)),
                "completed": st.column_config.TextColumn(t("indicators.col.completed", lang)),
                "hours": st.column_config.NumberColumn(t("indicators.col.hours", lang), format="%.1f"),
                "exempt": st.column_config.CheckboxColumn(t("indicators.col.exempt", lang)),
                "reason": st.column_config.TextColumn(
                    t("indicators.col.exempt_reason", lang), width="medium"
                ),
                "by": st.column_config.TextColumn(t("indicators.col.exempted_by", lang)),
            },
        )

    st.markdown(f"**{t('indicators.cases.import_header', lang)}**")
    st.caption(t("indicators.cases.import_help", lang))
    case_file = st.file_uploader(
        t("indicators.import.file", lang), type=["csv", "xlsx"], key=f"indicators.cases.file.{gen}"
    )
    case_source = st.text_input(t("indicators.col.source", lang), key=f"indicators.cases.source.{gen}")
    if st.button(
        t("indicators.cases.import_run", lang), key="indicators.cases.import_run", icon=":material/upload:"
    ):
        if case_file is None:
            st.warning(t("indicators.import.no_file", lang))
        else:
            try:
                case_report = indicators.import_overdue_cases(
                    uow(), user, code, case_file.name, case_file.getvalue(), source_system=case_source
                )
            except ServiceError as exc:
                show_error(exc, lang)
            else:
                done(
                    t(
                        "indicators.cases.imported",
                        lang,
                        added=case_report.added,
                        unchanged=case_report.unchanged,
                    )
                )

    # Exemptions (容错免责) follow their procedure on the fault-tolerance page; the table above
    # shows which cases are exempt and by which decision.
    st.markdown(f"**{t('indicators.exempt.header', lang)}**")
    st.caption(t("ft.indicators.help", lang))
    st.page_link(
        "app_pages/fault_tolerance.py", label=t("ft.indicators.link", lang), icon=":material/shield:"
    )

    lower = [i.spec.code for i in defined if i.spec.direction == "lower"]
    st.markdown(f"**{t('indicators.compute.header', lang)}**")
    if not lower:
        st.caption(t("indicators.compute.no_indicator", lang))
    else:
        st.caption(t("indicators.compute.help", lang))
        target_code: str = st.selectbox(
            t("indicators.values.indicator", lang),
            lower,
            index=lower.index("overtime") if "overtime" in lower else 0,
            key="indicators.compute.indicator",
        )
        compute_reason = st.text_input(
            t("indicators.import.reason", lang), key=f"indicators.compute.reason.{gen}"
        )
        if st.button(
            t("indicators.compute.run", lang), key="indicators.compute.run", icon=":material/calculate:"
        ):
            try:
                computed = indicators.compute_overtime_indicator(
                    uow(), user, code, target_code, compute_reason
                )
            except ServiceError as exc:
                show_error(exc, lang)
            else:
                done(
                    t(
                        "indicators.compute.done",
                        lang,
                        code=target_code,
                        units=computed.rows,
                        changed=computed.added + computed.changed,
                    )
                )
