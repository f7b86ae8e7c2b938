"""Questionnaire designer (问卷设计), for administrators: a campaign's scales, survey and
phone-script questions with their item sets (题组 per unit category × respondent group),
a preview of what a respondent sees, drawn at phone width by the survey page's own code,
and import/export of items.csv and scales.csv for authoring in Excel.

Only services are called (services/questionnaire_design.py); they check permissions,
that the campaign is a draft (the questionnaire is frozen when fieldwork opens), the
bundle reader's rules, and write the audit trail.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from db.uow import UnitOfWork
from services import questionnaire_design as design
from services.errors import ServiceError
from services.permissions import Permission
from services.questionnaire_files import (
    BUILTIN_SCALE,
    ITEM_TABLE,
    MAX_FILE_BYTES,
    OPTION_TABLE,
    PHONE,
    SURVEY,
    QuestionnaireRejected,
    ScaleSpec,
    apply_item_edits,
    apply_option_edits,
    item_rows,
    option_rows,
    read_upload,
    to_zip,
)
from ui.auth import require_page_permission
from ui.defects import show_defects
from ui.labels import group_name
from ui.messages import t
from ui.page import current_lang
from ui.survey import question_radios
from ui.widgets import choose_campaign, file_field, show_flash

FLASH_KEY = "qdesign.flash"
GEN_KEY = "qdesign.gen"  # bumped after a change: fresh tables and upload field
NEW_SCALE = ""  # the scale selector's "new scale" entry
# The preview is drawn inside this container, limited to a phone's width (375 px).
PREVIEW_KEY = "qdesign-preview"
PREVIEW_STYLE = (
    f"<style>.st-key-{PREVIEW_KEY} {{ max-width: 375px; border: 1px solid #ddd; padding: 0.75rem; }}</style>"
)


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def done(message: str) -> None:
    """Show ``message`` after the rerun that shows the change, with fresh inputs."""
    st.session_state[FLASH_KEY] = message
    st.session_state[GEN_KEY] = st.session_state.get(GEN_KEY, 0) + 1
    st.rerun()


def show_error(exc: ServiceError) -> None:
    if isinstance(exc, QuestionnaireRejected):
        st.error(t("qdesign.rejected", lang, n=len(exc.defects)))
        show_defects(exc.defects, lang)
        return
    st.error(t("qdesign.error", lang, detail=str(exc)))


def run_change(change: Any, success_key: str) -> None:
    """Call a service change; on success flash how many changes, else say why."""
    try:
        changes = change()
    except ServiceError as exc:
        show_error(exc)
        return
    done(t(success_key, lang, n=changes))


def group_label(code: str) -> str:
    found = next((g for g in current.groups if g.code == code), None)
    return found.label(lang) if found else code


lang = current_lang()
user = require_page_permission(Permission.configure_campaign, lang)

st.title(t("qdesign.title", lang))
st.caption(t("qdesign.intro", lang))
show_flash(FLASH_KEY)

try:
    choices = design.design_campaigns(uow(), user)
except ServiceError as exc:
    show_error(exc)
    st.stop()
selected = choose_campaign(
    choices,
    t("qdesign.campaign", lang),
    lambda c: f"{c.name}（{c.code}，{t(f'qdesign.status.{c.status}', lang)}）",
    empty=t("qdesign.no_campaigns", lang),
    key="qdesign.campaign",
    from_url=True,
)
code = selected.code
try:
    current = design.load_design(uow(), user, code)
except ServiceError as exc:
    show_error(exc)
    st.stop()
editable = current.editable
if not editable:
    st.info(t("qdesign.frozen", lang, status=t(f"qdesign.status.{selected.status}", lang)))
gen = st.session_state.get(GEN_KEY, 0)
# sat3 is built in: a campaign without scales of its own may use it at once
scale_codes = list(dict.fromkeys([*(s.code for s in current.spec.scales), BUILTIN_SCALE]))

tab_survey, tab_phone, tab_scales, tab_sets, tab_preview, tab_files = st.tabs(
    [
        t("qdesign.tab.survey", lang),
        t("qdesign.tab.phone", lang),
        t("qdesign.tab.scales", lang),
        t("qdesign.tab.sets", lang),
        t("qdesign.tab.preview", lang),
        t("qdesign.tab.files", lang),
    ],
    key="qdesign.tabs",  # the open tab stays open after a save and its message
    on_change="rerun",
)


# ---------------------------------------------------------------- items (survey and phone)
def items_section(instrument: str) -> None:
    items = current.spec.of(instrument)
    st.caption(t(f"qdesign.items.help.{instrument}", lang))
    if not items and not editable:
        st.info(t("qdesign.items.none", lang))
        return
    editor_key = f"qdesign.editor.{instrument}.{gen}"
    st.data_editor(
        # a frame with its columns even when there is no question yet, so rows can be added
        pd.DataFrame(item_rows(items), columns=list(ITEM_TABLE)),
        key=editor_key,
        num_rows="dynamic" if editable else "fixed",
        disabled=not editable,
        hide_index=True,
        width="stretch",
        column_config={
            "code": st.column_config.TextColumn(t("qdesign.col.code", lang), required=True),
            "text_zh": st.column_config.TextColumn(
                t("qdesign.col.text_zh", lang), width="large", required=True
            ),
            "text_en": st.column_config.TextColumn(t("qdesign.col.text_en", lang), width="medium"),
            "scale": st.column_config.SelectboxColumn(
                t("qdesign.col.scale", lang), options=scale_codes, default=BUILTIN_SCALE, required=True
            ),
            "weight": st.column_config.NumberColumn(
                t("qdesign.col.weight", lang), min_value=0.0, default=1.0
            ),
            "unit_categories": st.column_config.MultiselectColumn(
                t("qdesign.col.unit_categories", lang), options=list(current.known_categories)
            ),
            "respondent_groups": st.column_config.MultiselectColumn(
                t("qdesign.col.respondent_groups", lang),
                options=[g.code for g in current.groups],
                format_func=group_label,
            ),
        },
    )
    st.caption(t("qdesign.items.sets_help", lang))
    if not editable:
        return
    if st.button(t("qdesign.items.save", lang), type="primary", key=f"qdesign.save.{instrument}.{gen}"):
        edited, errors = apply_item_edits(instrument, items, st.session_state.get(editor_key) or {})
        if errors:
            st.error(t("qdesign.error", lang, detail="; ".join(errors)))
        else:
            run_change(lambda: design.save_items(uow(), user, code, instrument, edited), "qdesign.saved")
    if len(items) > 1:
        with st.form(f"qdesign.move.{instrument}.{gen}", enter_to_submit=False, border=False):
            moving = st.selectbox(
                t("qdesign.move.item", lang),
                [i.code for i in items],
                format_func=lambda c: f"{c} · {next(i for i in items if i.code == c).text_zh}",
                key=f"qdesign.move.pick.{instrument}.{gen}",
            )
            up, down = st.columns(2)
            offset = 0
            if up.form_submit_button(t("qdesign.move.up", lang), use_container_width=True):
                offset = -1
            if down.form_submit_button(t("qdesign.move.down", lang), use_container_width=True):
                offset = 1
        if offset:
            run_change(
                lambda: design.move_item(uow(), user, code, instrument, moving, offset), "qdesign.saved"
            )


with tab_survey:
    items_section(SURVEY)
with tab_phone:
    items_section(PHONE)

# ---------------------------------------------------------------- scales
with tab_scales:
    st.caption(t("qdesign.scales.help", lang))
    options_list = [*scale_codes, NEW_SCALE] if editable else scale_codes
    picked = st.selectbox(
        t("qdesign.scales.pick", lang),
        options_list,
        format_func=lambda c: c or t("qdesign.scales.new", lang),
        key=f"qdesign.scale.pick.{gen}",
    )
    scale = current.spec.scale(picked) if picked else None
    if scale is not None and scale.builtin:
        st.info(t("qdesign.scales.builtin", lang))
    new_code = ""
    if picked == NEW_SCALE:
        new_code = st.text_input(t("qdesign.scales.code", lang), key=f"qdesign.scale.code.{gen}")
    locked = not editable or (scale is not None and scale.builtin)
    before = scale.options if scale is not None else ()
    options_key = f"qdesign.options.{picked}.{gen}"
    st.data_editor(
        pd.DataFrame(option_rows(before), columns=list(OPTION_TABLE)),
        key=options_key,
        num_rows="fixed" if locked else "dynamic",
        disabled=locked,
        hide_index=True,
        width="stretch",
        column_config={
            "code": st.column_config.TextColumn(t("qdesign.col.option_code", lang), required=True),
            "label_zh": st.column_config.TextColumn(t("qdesign.col.label_zh", lang), required=True),
            "label_en": st.column_config.TextColumn(t("qdesign.col.label_en", lang)),
            "score": st.column_config.NumberColumn(
                t("qdesign.col.score", lang), min_value=0.0, max_value=100.0
            ),
        },
    )
    st.caption(t("qdesign.scales.score_help", lang))
    if not locked:
        save_col, delete_col = st.columns(2)
        if save_col.button(t("qdesign.scales.save", lang), type="primary", key=f"qdesign.scale.save.{gen}"):
            options, errors = apply_option_edits(before, st.session_state.get(options_key) or {})
            if errors:
                st.error(t("qdesign.error", lang, detail="; ".join(errors)))
            else:
                spec = ScaleSpec(picked or new_code.strip(), tuple(options))
                run_change(lambda: design.save_scale(uow(), user, code, spec), "qdesign.saved")
        if picked and delete_col.button(t("qdesign.scales.delete", lang), key=f"qdesign.scale.delete.{gen}"):
            run_change(lambda: design.delete_scale(uow(), user, code, picked), "qdesign.saved")

# ---------------------------------------------------------------- item sets
with tab_sets:
    try:
        overview = design.questionnaire_overview(uow(), user, code)
    except ServiceError as exc:
        show_error(exc)
        overview = None
    if overview is not None:
        st.caption(t("qdesign.sets.help", lang))
        for notice in overview.notices:
            st.warning(t(notice.key, lang, **notice.arguments))
        if overview.categories and overview.groups:
            for instrument in (SURVEY, PHONE):
                st.markdown(f"**{t(f'qdesign.sets.{instrument}', lang)}**")
                st.dataframe(
                    {
                        t("qdesign.sets.category", lang): [group_name(c, lang) for c in overview.categories],
                        **{
                            group.label(lang): [
                                "、".join(overview.items(category, group.code, instrument)) or "—"
                                for category in overview.categories
                            ]
                            for group in overview.groups
                        },
                    },
                    hide_index=True,
                    width="stretch",
                    key=f"qdesign.sets.{instrument}",
                )

# ---------------------------------------------------------------- preview
with tab_preview:
    st.caption(t("qdesign.preview.help", lang))
    units = design.preview_units(uow(), user, code)
    if not units or not current.groups:
        st.info(t("qdesign.preview.nothing", lang))
    else:
        names = {u.code: u for u in units}
        left, middle, right = st.columns(3)
        unit_code = left.selectbox(
            t("qdesign.preview.unit", lang),
            list(names),
            format_func=lambda c: f"{names[c].name}（{group_name(names[c].category, lang)}）",
            key="qdesign.preview.unit",
        )
        group_code = middle.selectbox(
            t("qdesign.preview.group", lang),
            [g.code for g in current.groups],
            format_func=group_label,
            key="qdesign.preview.group",
        )
        preview_lang = right.radio(
            t("qdesign.preview.lang", lang),
            ["zh", "en"],
            format_func=lambda code_: t(f"lang.{code_}", lang),
            horizontal=True,
            key="qdesign.preview.lang",
        )
        try:
            seen = design.preview(uow(), user, code, unit_code, group_code, preview_lang)
        except ServiceError as exc:
            show_error(exc)
        else:
            st.html(PREVIEW_STYLE)
            with st.container(key=PREVIEW_KEY):
                st.markdown(f"**{t('survey.rating', preview_lang, unit=seen.unit.name)}**")
                st.caption(f"{t('survey.group', preview_lang)}：{seen.group.label(preview_lang)}")
                st.markdown(f"**{t('survey.questions', preview_lang)}**")
                st.caption(t("survey.questions.help", preview_lang))
                if seen.questions:
                    question_radios(seen.questions, f"preview-{preview_lang}", disabled=True)
                else:
                    st.warning(t("qdesign.preview.empty", lang))

# ---------------------------------------------------------------- import / export
with tab_files:
    st.caption(t("qdesign.files.help", lang))
    try:
        files = design.export_questionnaire(uow(), user, code)
    except ServiceError as exc:
        show_error(exc)
    else:
        st.download_button(
            t("qdesign.files.export", lang),
            data=to_zip(files),
            file_name=f"{code}-questionnaire.zip",
            mime="application/zip",
            key="qdesign.files.export",
        )
    if editable:
        upload = file_field(
            t("qdesign.files.upload", lang, mb=MAX_FILE_BYTES // 2**20),
            key=f"qdesign.files.upload.{gen}",
            max_bytes=MAX_FILE_BYTES,
            types=["zip", "csv"],
        )
        if upload is not None and st.button(
            t("qdesign.files.import", lang), type="primary", key=f"qdesign.files.import.{gen}"
        ):
            try:
                found = read_upload(upload.name, upload.getvalue())
            except ServiceError as exc:
                show_error(exc)
            else:
                run_change(lambda: design.import_questionnaire(uow(), user, code, found), "qdesign.imported")
