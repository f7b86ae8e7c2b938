"""Campaigns (评议活动), for administrators: the campaigns by series with their status, a
new campaign (blank, a copy, or next year's from last year's), and the designer of one
campaign: basics, units taking part, respondent groups and weights, method, grade scheme,
raking margins, the derived history, and opening fieldwork / returning to draft.

Only services are called (services/designer.py, services/design_rollover.py,
services/campaigns.py); they check the permission, validate with the bundle reader's
rules and audit every change. Everything is locked (disabled, with a note) once the
campaign is no longer a draft.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Final

import pandas as pd
import streamlit as st

from db.uow import UnitOfWork
from services import campaigns as lifecycle
from services import designer
from services.design_method import (
    DesignRefused,
    GradeBand,
    GroupSetting,
    MarginShare,
    default_grades,
    field_of,
    worded,
)
from services.design_rollover import new_campaign_from
from services.errors import ServiceError
from services.indicators import ImportRejected
from services.permissions import Permission
from ui.auth import require_page_permission
from ui.defects import show_defects
from ui.messages import t
from ui.page import current_lang
from ui.timefmt import beijing_today
from ui.widgets import chrome_style, file_field, multi_choice, show_flash

FLASH_KEY: Final = "designer.flash"
TODO_KEY: Final = "designer.todo"
DEFECTS_KEY: Final = "designer.defects"
CHOSEN_KEY: Final = "designer.chosen"
MARGIN_BYTES: Final = designer.MAX_MARGIN_BYTES
MAX_BANDS: Final = 6  # rows for the campaign's own grade bands (methodology §6 needs 1 or more)
TABS_KEY: Final = "designer.tabs"


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


lang = current_lang()
user = require_page_permission(Permission.configure_campaign, lang)
chrome_style(lang)
st.title(t("nav.campaigns", lang))
st.caption(t("designer.intro", lang))
show_flash(FLASH_KEY)


def status_label(status: str) -> str:
    return t(f"scoring.status.{status}", lang)


def done(message: str, chosen: str | None = None) -> None:
    st.session_state[FLASH_KEY] = message
    if chosen:
        st.session_state[CHOSEN_KEY] = chosen
    st.rerun()


def show_design_defects(exc: DesignRefused) -> None:
    """Each defect with the form field it belongs to, the key and the reader's words."""
    for d in exc.defects:
        field = t(f"designer.field.{field_of(d.column)}", lang)
        where = f"{d.column}" + (f", {t('designer.line', lang, line=d.line)}" if d.line else "")
        # the designer's own refusals in the reader's language; the reader's English as it is
        own = worded(d)
        detail = t(own[0], lang, **own[1]) if own else d.message
        st.error(t("designer.defect", lang, field=field, where=where, detail=detail), icon=":material/error:")


rows = designer.list_campaigns(uow(), user)

# ---------------------------------------------------------------- the list, by series

if rows:
    table = pd.DataFrame(
        {
            t("designer.col.series", lang): [r.series_name or r.series_code for r in rows],
            t("designer.col.code", lang): [r.code for r in rows],
            t("designer.col.name", lang): [r.name for r in rows],
            t("designer.col.year", lang): [r.year for r in rows],
            t("designer.col.status", lang): [status_label(r.status) for r in rows],
            t("designer.col.units", lang): [r.units for r in rows],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
else:
    st.info(t("designer.none", lang))

# ---------------------------------------------------------------- a new campaign

todo = st.session_state.get(TODO_KEY)
if todo:
    st.subheader(t("designer.todo.title", lang, code=todo["code"]))
    for key, params in todo["items"]:
        st.checkbox(t(key, lang, **params), key=f"designer.todo.{key}")

with st.expander(t("designer.new.title", lang), expanded=not rows):
    modes = ["blank", "copy", "rollover"] if rows else ["blank"]
    mode = st.radio(
        t("designer.new.mode", lang),
        modes,
        format_func=lambda m: t(f"designer.new.mode.{m}", lang),
        horizontal=True,
        key="designer.new.mode",
    )
    with st.form("designer.new.form", enter_to_submit=False):
        source = None
        if mode != "blank":
            source = st.selectbox(
                t("designer.new.source", lang),
                [r.code for r in rows],
                format_func=lambda c: next(f"{r.name}（{r.code}）" for r in rows if r.code == c),
                key="designer.new.source",
            )
        left, right = st.columns(2)
        new_code = left.text_input(t("designer.col.code", lang), key="designer.new.code")
        new_year = right.number_input(
            t("designer.col.year", lang), min_value=2000, max_value=2100, value=beijing_today().year, step=1
        )
        new_name = st.text_input(t("designer.col.name", lang), key="designer.new.name")
        series_code = series_name = ""
        if mode != "rollover":
            left, right = st.columns(2)
            series_code = left.text_input(t("designer.new.series_code", lang), key="designer.new.series_code")
            series_name = right.text_input(
                t("designer.new.series_name", lang), key="designer.new.series_name"
            )
        create = st.form_submit_button(
            t("designer.new.create", lang), type="primary", icon=":material/add:", key="designer.new.create"
        )
    if create:
        try:
            if mode == "rollover" and source:
                result = new_campaign_from(
                    uow(), user, source, code=new_code.strip(), name=new_name, year=int(new_year)
                )
                st.session_state[TODO_KEY] = {
                    "code": result.code,
                    "items": [(item.key, item.arguments) for item in result.todo],
                }
                done(t("designer.new.rolled", lang, code=result.code, n=len(result.units)), result.code)
            else:
                made = designer.create_campaign(
                    uow(),
                    user,
                    series_code=series_code.strip(),
                    series_name=series_name,
                    code=new_code.strip(),
                    name=new_name,
                    year=int(new_year),
                    copy_from=source if mode == "copy" else None,
                )
                st.session_state.pop(TODO_KEY, None)
                done(t("designer.new.created", lang, code=made.code), made.code)
        except DesignRefused as exc:
            show_design_defects(exc)
        except ServiceError as exc:
            st.error(t("designer.error", lang, detail=str(exc)))

if not rows:
    st.stop()

# ---------------------------------------------------------------- one campaign

codes = [r.code for r in rows]
wanted = st.session_state.pop(CHOSEN_KEY, None)
if wanted in codes:
    st.session_state["designer.campaign"] = wanted
code = st.selectbox(
    t("designer.campaign", lang),
    codes,
    format_func=lambda c: next(f"{r.name}（{c}，{status_label(r.status)}）" for r in rows if r.code == c),
    key="designer.campaign",
)
row = next(r for r in rows if r.code == code)


def mine(key: str) -> str:
    """The key of an input holding one of this campaign's settings. A keyed input keeps what
    it holds (in the browser too) and ignores a new ``value``: keyed by the campaign, the
    inputs of another campaign show that campaign's settings, not the last one's."""
    return f"{key}@{code}"


locked = row.status != "draft"
design = designer.load_design(uow(), user, code)
if locked:
    st.info(t("designer.locked", lang, status=status_label(row.status)), icon=":material/lock:")


def save(changes: dict[str, Any], message: str = "designer.saved") -> None:
    """Save the design with ``changes``; defects are shown under the form, by field."""
    try:
        designer.update_design(uow(), user, code, replace(design, **changes))
    except DesignRefused as exc:
        show_design_defects(exc)
        return
    except ServiceError as exc:
        st.error(t("designer.error", lang, detail=str(exc)))
        return
    done(t(message, lang, code=code), code)


tabs = st.tabs(
    [
        t(f"designer.tab.{name}", lang)
        for name in ("basics", "units", "groups", "method", "grades", "margins", "history", "lifecycle")
    ],
    # the open tab is kept as widget state: a save's rerun (and the message it leaves
    # above the tabs) does not jump back to the first tab
    key=TABS_KEY,
    on_change="rerun",
)

# basics: fieldwork dates, bulletin, notice days
with tabs[0], st.form("designer.basics", enter_to_submit=False):
    left, right = st.columns(2)
    opens = left.date_input(
        t("designer.field.fieldwork_opens", lang),
        value=design.fieldwork_opens,
        disabled=locked,
        key=mine("d.opens"),
    )
    closes = right.date_input(
        t("designer.field.fieldwork_closes", lang),
        value=design.fieldwork_closes,
        disabled=locked,
        key=mine("d.closes"),
    )
    left, right = st.columns(2)
    notice = left.number_input(
        t("designer.field.notice_days", lang),
        min_value=1,
        max_value=90,
        value=int(design.notice_days),
        disabled=locked,
        key=mine("d.notice"),
    )
    bulletin = right.checkbox(
        t("designer.field.public_bulletin", lang),
        value=design.public_bulletin,
        disabled=locked,
        key=mine("d.bulletin"),
    )
    if st.form_submit_button(
        t("designer.save", lang), disabled=locked, icon=":material/save:", key="designer.basics.save"
    ):
        save(
            {
                "fieldwork_opens": opens or None,
                "fieldwork_closes": closes or None,
                "notice_days": int(notice),
                "public_bulletin": bool(bulletin),
            }
        )

# units: filters with counts, include / exclude
with tabs[1]:
    facets = designer.register_facets(uow(), user)
    taking = designer.campaign_units(uow(), user, code)
    st.caption(t("designer.units.now", lang, n=len(taking)))
    if taking:
        st.dataframe(
            pd.DataFrame(
                {
                    t("designer.col.code", lang): [u.code for u in taking],
                    t("designer.col.name", lang): [u.name for u in taking],
                    t("designer.col.category", lang): [u.category for u in taking],
                }
            ),
            hide_index=True,
            width="stretch",
            height=220,
        )

    def counted(counts: dict[str, int]) -> Any:
        return lambda v: f"{v or t('designer.none_value', lang)} ({counts.get(v, 0)})"

    cats = multi_choice(
        t("designer.col.category", lang),
        list(facets.by_category),
        lang,
        format_func=counted(facets.by_category),
        disabled=locked,
        key="designer.units.categories",
    )
    dists = multi_choice(
        t("designer.col.district", lang),
        list(facets.by_district),
        lang,
        format_func=counted(facets.by_district),
        disabled=locked,
        key="designer.units.districts",
    )
    kinds = multi_choice(
        t("designer.col.kind", lang),
        list(facets.by_kind),
        lang,
        format_func=counted(facets.by_kind),
        disabled=locked,
        key="designer.units.kinds",
    )
    all_codes = list(facets.codes)
    include = multi_choice(t("designer.units.include", lang), all_codes, lang, disabled=locked, key="du.inc")
    exclude = multi_choice(t("designer.units.exclude", lang), all_codes, lang, disabled=locked, key="du.exc")
    try:
        preview = designer.preview_units(
            uow(), user, code, categories=cats, districts=dists, kinds=kinds, include=include, exclude=exclude
        )
    except ServiceError as exc:
        st.error(t("designer.error", lang, detail=str(exc)))
        preview = None
    if preview is not None:
        st.markdown(t("designer.units.preview", lang, n=len(preview.units)))
        for title, counts in (
            ("category", preview.by_category),
            ("district", preview.by_district),
            ("kind", preview.by_kind),
        ):
            if counts:
                shown = t("designer.sep", lang).join(
                    f"{k or t('designer.none_value', lang)} {n}" for k, n in counts.items()
                )
                st.caption(f"{t(f'designer.col.{title}', lang)}：{shown}")
    if st.button(
        t("designer.units.apply", lang),
        disabled=locked or preview is None or not preview.units,
        key="designer.units.apply",
        icon=":material/checklist:",
    ):
        try:
            designer.choose_units(
                uow(),
                user,
                code,
                categories=cats,
                districts=dists,
                kinds=kinds,
                include=include,
                exclude=exclude,
            )
        except ServiceError as exc:
            st.error(t("designer.error", lang, detail=str(exc)))
        else:
            done(t("designer.units.done", lang, code=code, n=len(preview.units) if preview else 0), code)

# groups and their weights
with tabs[2], st.form("designer.groups", enter_to_submit=False):
    st.caption(t("designer.groups.help", lang))
    edited = st.data_editor(
        pd.DataFrame(
            {
                "code": pd.Series([g.code for g in design.groups], dtype="string"),
                "label_zh": pd.Series([g.label_zh for g in design.groups], dtype="string"),
                "label_en": pd.Series([g.label_en for g in design.groups], dtype="string"),
                "weight": pd.Series([g.weight for g in design.groups], dtype="float"),
            }
        ),
        num_rows="dynamic",
        hide_index=True,
        disabled=locked,
        width="stretch",
        key=mine("designer.groups.editor"),
        column_config={
            "code": st.column_config.TextColumn(t("designer.col.code", lang)),
            "label_zh": st.column_config.TextColumn(t("designer.col.label_zh", lang)),
            "label_en": st.column_config.TextColumn(t("designer.col.label_en", lang)),
            "weight": st.column_config.NumberColumn(
                t("designer.col.weight", lang), min_value=0.0, format="%.4f"
            ),
        },
    )
    if st.form_submit_button(
        t("designer.save", lang), disabled=locked, icon=":material/save:", key="designer.groups.save"
    ):
        groups = tuple(
            GroupSetting(
                str(r["code"] or ""),
                str(r["label_zh"] or ""),
                str(r["label_en"] or ""),
                float(r["weight"] or 0),
            )
            for r in edited.to_dict("records")
            if str(r.get("code") or "").strip() or r.get("weight")
        )
        save({"groups": groups})

# the method: components, eligibility, ranking, caps, cards, consecutive years, uncertainty
with tabs[3], st.form("designer.method", enter_to_submit=False):

    def number(field: str, value: float | None, *, step: float = 0.05, whole: bool = False, **kw: Any) -> Any:
        return st.number_input(
            t(f"designer.field.{field}", lang),
            value=(int(value) if whole and value is not None else value),
            step=(1 if whole else step),
            disabled=locked,
            key=mine(f"designer.method.{field}"),
            **kw,
        )

    st.markdown(f"**{t('designer.field.components', lang)}**")
    a, b, c = st.columns(3)
    with a:
        survey_w = number("survey_weight", design.survey_weight, format="%.4f")
    with b:
        phone_w = number("phone_weight", design.phone_weight, format="%.4f")
    with c:
        bigdata_w = number("bigdata_weight", design.bigdata_weight, format="%.4f")
    st.markdown(f"**{t('designer.section.eligibility', lang)}**")
    a, b, c, d = st.columns(4)
    with a:
        min_survey = number("min_survey", design.min_survey, whole=True, min_value=0)
    with b:
        min_phone = number("min_phone", design.min_phone, whole=True, min_value=0)
    with c:
        share = number("min_indicator_share", design.min_indicator_share)
    with d:
        satisfied_at = number("satisfied_at", design.satisfied_at, step=1.0)
    st.markdown(f"**{t('designer.section.ranking', lang)}**")
    a, b, c = st.columns(3)
    group_by = a.selectbox(
        t("designer.field.group_by", lang),
        ["category", "all"],
        index=["category", "all"].index(design.group_by),
        format_func=lambda g: t(f"designer.group_by.{g}", lang),
        disabled=locked,
        key=mine("designer.method.group_by"),
    )
    with b:
        top_n = number("top_n", design.top_n, whole=True, min_value=0)
    with c:
        worst_below = number("worst_only_below", design.worst_only_below, step=1.0)
    st.markdown(f"**{t('designer.section.rules', lang)}**")
    a, b, c, d = st.columns(4)
    with a:
        bonus_cap = number("bonus_cap", design.bonus_cap, step=1.0)
    with b:
        deduction_cap = number("deduction_cap", design.deduction_cap, step=1.0)
    with c:
        red_below = number("red_below", design.red_below, step=1.0)
    with d:
        years = number("consecutive_years", design.consecutive_years, whole=True, min_value=1)
    st.markdown(f"**{t('designer.section.uncertainty', lang)}**")
    a, b, c, d = st.columns(4)
    with a:
        replicates = number("replicates", design.replicates, whole=True, min_value=0)
    with b:
        seed = number("seed", design.seed, whole=True, min_value=0)
    with c:
        trim_low = number("trim_low", design.trim_low)
    with d:
        trim_high = number("trim_high", design.trim_high, step=0.5)
    if st.form_submit_button(
        t("designer.save", lang), disabled=locked, icon=":material/save:", key="designer.method.save"
    ):
        save(
            {
                "survey_weight": float(survey_w or 0),
                "phone_weight": float(phone_w or 0),
                "bigdata_weight": float(bigdata_w or 0),
                "min_survey": int(min_survey or 0),
                "min_phone": int(min_phone or 0),
                "min_indicator_share": float(share or 0),
                "satisfied_at": float(satisfied_at or 0),
                "group_by": group_by,
                "top_n": int(top_n or 0),
                "worst_only_below": None if worst_below is None else float(worst_below),
                "bonus_cap": float(bonus_cap or 0),
                "deduction_cap": float(deduction_cap or 0),
                "red_below": None if red_below is None else float(red_below),
                "consecutive_years": int(years or 0),
                "replicates": int(replicates or 0),
                "seed": int(seed or 0),
                "trim_low": float(trim_low or 0),
                "trim_high": float(trim_high or 0),
            }
        )

# the grade scheme: the default three bands or the campaign's own. Plain inputs, a row per
# band, rather than a grid: they can be typed into on a phone and by a keyboard alone, and
# st.columns stack them below each other on a narrow screen.
with tabs[4]:
    # outside the form: turning it on or off redraws the rows (the default bands' names are
    # fixed; the campaign's own start empty unless it has some)
    custom = st.toggle(
        t("designer.grades.custom", lang),
        value=design.custom_grades,
        disabled=locked,
        key=mine("designer.grades.custom"),
    )
    st.caption(t("designer.grades.help", lang))
    if custom:
        st.caption(t("designer.grades.own_help", lang, n=MAX_BANDS))
    with st.form("designer.grades", enter_to_submit=False):
        scheme = "own" if custom else "default"
        if custom:
            prefilled = list(design.grades) if design.custom_grades else []
            count = max(MAX_BANDS, len(prefilled))  # more from a campaign.toml are all shown
        else:
            prefilled = list(design.grades) if not design.custom_grades else list(default_grades())
            count = len(prefilled)
        typed: list[tuple[str, float | None, str, str]] = []
        for i in range(count):
            band = prefilled[i] if i < len(prefilled) else None
            a, b, c, d = st.columns([3, 2, 3, 3])
            name = a.text_input(
                t("designer.grades.name", lang, n=i + 1),
                value=band.name if band else "",
                disabled=locked or not custom,  # the default bands keep their names
                max_chars=64,
                key=mine(f"designer.grades.{scheme}.{i}.name"),
            )
            lower = b.number_input(
                t("designer.grades.lower", lang, n=i + 1),
                min_value=0.0,
                max_value=100.0,
                value=band.lower if band else None,
                step=1.0,
                disabled=locked,
                key=mine(f"designer.grades.{scheme}.{i}.lower"),
            )
            label_zh = c.text_input(
                t("designer.grades.label_zh", lang, n=i + 1),
                value=band.label_zh if band else "",
                disabled=locked,
                max_chars=100,
                key=mine(f"designer.grades.{scheme}.{i}.label_zh"),
            )
            label_en = d.text_input(
                t("designer.grades.label_en", lang, n=i + 1),
                value=band.label_en if band else "",
                disabled=locked,
                max_chars=100,
                key=mine(f"designer.grades.{scheme}.{i}.label_en"),
            )
            typed.append((name or "", lower, label_zh or "", label_en or ""))
        if st.form_submit_button(
            t("designer.save", lang), disabled=locked, icon=":material/save:", key="designer.grades.save"
        ):
            grades = tuple(
                # as typed: the reader's rules refuse spaces around a name; a blank bound is
                # nan, which the service refuses as "no lower bound"
                GradeBand(name, math.nan if lower is None else float(lower), zh_, en_)
                for name, lower, zh_, en_ in typed
                if name.strip() or lower is not None or zh_.strip() or en_.strip()
            )
            save({"custom_grades": bool(custom), "grades": grades})

# raking margins: typed, or imported from a file
with tabs[5]:
    with st.form("designer.margins", enter_to_submit=False):
        st.caption(t("designer.margins.help", lang))
        margins_edited = st.data_editor(
            pd.DataFrame(
                {
                    "variable": pd.Series([m.variable for m in design.margins], dtype="string"),
                    "category": pd.Series([m.category for m in design.margins], dtype="string"),
                    "share": pd.Series([m.share for m in design.margins], dtype="float"),
                }
            ),
            num_rows="dynamic",
            hide_index=True,
            disabled=locked,
            width="stretch",
            key=mine("designer.margins.editor"),
            column_config={
                "variable": st.column_config.TextColumn(t("designer.col.variable", lang)),
                "category": st.column_config.TextColumn(t("designer.col.category_value", lang)),
                "share": st.column_config.NumberColumn(
                    t("designer.col.share", lang), min_value=0.0, max_value=1.0
                ),
            },
        )
        if st.form_submit_button(
            t("designer.save", lang), disabled=locked, icon=":material/save:", key="designer.margins.save"
        ):
            margins = tuple(
                MarginShare(str(r["variable"] or ""), str(r["category"] or ""), float(r["share"] or 0))
                for r in margins_edited.to_dict("records")
                if str(r.get("variable") or "").strip()
            )
            save({"margins": margins})
    upload = file_field(
        t("designer.margins.file", lang, mb=MARGIN_BYTES // 2**20),
        key="designer.margins.file",
        max_bytes=MARGIN_BYTES,
        types=["csv", "xlsx"],
    )
    if upload is not None and st.button(
        t("designer.margins.import", lang),
        disabled=locked,
        key="designer.margins.import",
        icon=":material/upload:",
    ):
        try:
            designer.import_margins(uow(), user, code, upload.name, upload.getvalue())
        except ImportRejected as exc:
            st.error(t("designer.margins.rejected", lang, n=len(exc.defects)))
            show_defects(exc.defects, lang)
        except DesignRefused as exc:
            show_design_defects(exc)
        except ServiceError as exc:
            st.error(t("designer.error", lang, detail=str(exc)))
        else:
            done(t("designer.margins.done", lang, code=code), code)

# the derived history (H3's ui.history)
with tabs[6]:
    try:
        from ui.history import show_history
    except ImportError:  # while the history page part is not there
        st.info(t("designer.history.missing", lang))
    else:
        show_history(code, lang, user)

# lifecycle: open fieldwork, or return to draft with a reason
with tabs[7]:
    st.markdown(t("designer.lifecycle.status", lang, status=status_label(row.status)))
    if row.status == "draft":
        st.caption(t("designer.lifecycle.open_help", lang))
        if st.button(
            t("designer.lifecycle.open", lang),
            type="primary",
            key="designer.open",
            icon=":material/play_arrow:",
        ):
            try:
                lifecycle.open_fieldwork(uow(), user, code)
            except ServiceError as exc:
                st.error(t("designer.lifecycle.not_ready", lang, detail=str(exc)))
            else:
                done(t("designer.lifecycle.opened", lang, code=code), code)
    elif row.status in {s.value for s in lifecycle.RETURN_TO_DRAFT_FROM}:
        with st.form("designer.back", enter_to_submit=False):
            reason = st.text_area(
                t("designer.lifecycle.reason", lang), key=mine("designer.back.reason"), max_chars=500
            )
            back = st.form_submit_button(
                t("designer.lifecycle.back", lang), icon=":material/undo:", key="designer.back.submit"
            )
        if back:
            try:
                lifecycle.return_to_draft(uow(), user, code, reason)
            except ServiceError as exc:
                st.error(t("designer.error", lang, detail=str(exc)))
            else:
                done(t("designer.lifecycle.returned", lang, code=code), code)
    else:
        st.caption(t("designer.lifecycle.frozen", lang))
