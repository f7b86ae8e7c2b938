"""Accountability cases (问责案件), for administrators: the register with its filters and
counts (cases, persons, disciplinary and organisational sanctions, by type, category and
unit), a case's detail with its steps, the persons handled (masked; one name shown on
request, audited), the proposed deduction against the unit's total and the method's cap
(confirm or decline), publication as a typical case with a summary that names nobody;
opening a case, importing a file, and the campaign's deduction rule.

Only services are called (services/accountability.py, accountability_cases.py,
accountability_deductions.py, accountability_counts.py, accountability_file.py); they check
permissions and write the audit trail.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from db.uow import UnitOfWork
from services import accountability as acc
from services import accountability_cases as lifecycle
from services import accountability_counts as reading
from services import accountability_deductions as deductions
from services.defects import LabelRefused
from services.errors import ServiceError
from services.indicators import MAX_FILE_BYTES, ImportRejected
from services.permissions import Permission
from ui.auth import require_page_permission
from ui.defects import refusal_text, show_defects
from ui.messages import t
from ui.page import current_lang
from ui.timefmt import beijing_today
from ui.widgets import file_field, show_flash

FLASH_KEY = "accountability.flash"
GEN_KEY = "accountability.gen"  # bumped after a change: fresh forms
REVEALED_KEY = "accountability.revealed"  # (person id, name) shown once after the audited read
ALL = ""


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def done(message: str) -> None:
    st.session_state[FLASH_KEY] = message
    st.session_state[GEN_KEY] = st.session_state.get(GEN_KEY, 0) + 1
    st.rerun()


def show_error(exc: ServiceError, lang: str) -> None:
    if isinstance(exc, ImportRejected):
        st.error(t("accountability.import.rejected", lang, n=len(exc.defects)))
        show_defects(exc.defects, lang)
        return
    if isinstance(exc, LabelRefused):
        st.error(t("accountability.error", lang, detail=refusal_text(exc, lang)))
        return
    st.error(t("accountability.error", lang, detail=str(exc)))


def label(kind: str, code: str, lang: str) -> str:
    return t(f"accountability.{kind}.{code}", lang) if code else ""


def deduction_label(view: acc.CaseView, lang: str) -> str:
    if view.exempt:
        return t("accountability.exempt", lang)
    state = label("deduction", view.deduction_status or "none", lang)
    return f"{state} {view.deduction_points:g}" if view.deduction_points else state


def day(value: date | None) -> str:
    return value.isoformat() if value else ""


lang = current_lang()
user = require_page_permission(Permission.manage_registries, lang)
gen = st.session_state.get(GEN_KEY, 0)

st.title(t("accountability.title", lang))
st.caption(t("accountability.intro", lang))
show_flash(FLASH_KEY)

try:
    campaigns = acc.campaign_options(uow(), user)
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()
campaign_names = {c.code: f"{c.name}（{c.code}）" for c in campaigns}

# ---------------------------------------------------------------- filters and counts
left, middle, right, far = st.columns([3, 2, 2, 3])
campaign_filter: str = left.selectbox(
    t("accountability.filter.campaign", lang),
    [ALL, *campaign_names],
    format_func=lambda c: campaign_names.get(c, t("accountability.all", lang)),
    key="accountability.filter.campaign",
)
type_filter: str = middle.selectbox(
    t("accountability.filter.type", lang),
    [ALL, *acc.CASE_TYPES],
    format_func=lambda c: label("type", c, lang) or t("accountability.all", lang),
    key="accountability.filter.type",
)
status_filter: str = right.selectbox(
    t("accountability.filter.status", lang),
    [ALL, *acc.STATUSES],
    format_func=lambda c: label("status", c, lang) or t("accountability.all", lang),
    key="accountability.filter.status",
)
text_filter = far.text_input(
    t("accountability.filter.text", lang),
    placeholder=t("accountability.filter.text_hint", lang),
    key="accountability.filter.text",
)

try:
    cases = reading.list_cases(
        uow(),
        user,
        case_type=type_filter or None,
        status=status_filter or None,
        campaign_code=campaign_filter or None,
        text=text_filter,
    )
    counted = reading.counts(uow(), user, campaign_code=campaign_filter or None)
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()

metrics = st.columns(4)
metrics[0].metric(t("accountability.metric.cases", lang), counted.cases)
metrics[1].metric(t("accountability.metric.persons", lang), counted.persons)
metrics[2].metric(t("accountability.metric.disciplinary", lang), counted.by_category["disciplinary"].persons)
metrics[3].metric(
    t("accountability.metric.organisational", lang), counted.by_category["organisational"].persons
)

if counted.cases:
    with st.expander(t("accountability.counts.header", lang)):
        by_type, by_category, by_unit = st.columns(3)
        by_type.caption(t("accountability.counts.by_type", lang))
        by_type.dataframe(
            pd.DataFrame(
                {
                    t("accountability.col.type", lang): [label("type", k, lang) for k in counted.by_type],
                    t("accountability.col.cases", lang): list(counted.by_type.values()),
                }
            ),
            hide_index=True,
            key="accountability.counts.type",
        )
        by_category.caption(t("accountability.counts.by_category", lang))
        by_category.dataframe(
            pd.DataFrame(
                {
                    t("accountability.col.category", lang): [
                        label("category", k, lang) for k in counted.by_category
                    ],
                    t("accountability.col.cases", lang): [c.cases for c in counted.by_category.values()],
                    t("accountability.col.persons", lang): [c.persons for c in counted.by_category.values()],
                }
            ),
            hide_index=True,
            key="accountability.counts.category",
        )
        by_unit.caption(t("accountability.counts.by_unit", lang))
        by_unit.dataframe(
            pd.DataFrame(
                {
                    t("accountability.col.unit", lang): [
                        f"{u.unit_name}（{u.unit_code}）" for u in counted.by_unit
                    ],
                    t("accountability.col.cases", lang): [u.cases for u in counted.by_unit],
                    t("accountability.col.persons", lang): [u.persons for u in counted.by_unit],
                }
            ),
            hide_index=True,
            key="accountability.counts.unit",
        )

# ---------------------------------------------------------------- the register
st.subheader(t("accountability.list.header", lang))
if not cases:
    st.info(t("accountability.list.empty", lang))
else:
    st.caption(t("accountability.list.found", lang, n=len(cases)))
    st.dataframe(
        pd.DataFrame(
            {
                "number": [c.number for c in cases],
                "unit": [f"{c.unit_name}（{c.unit_code}）" for c in cases],
                "type": [label("type", c.case_type, lang) for c in cases],
                "subtype": [label("subtype", c.subtype, lang) for c in cases],
                "status": [label("status", c.status, lang) for c in cases],
                "opened_on": [day(c.opened_on) for c in cases],
                "persons": [len(c.persons) for c in cases],
                "deduction": [deduction_label(c, lang) for c in cases],
            }
        ),
        hide_index=True,
        key="accountability.list",
        column_config={
            "number": st.column_config.TextColumn(t("accountability.col.number", lang)),
            "unit": st.column_config.TextColumn(t("accountability.col.unit", lang), width="medium"),
            "type": st.column_config.TextColumn(t("accountability.col.type", lang)),
            "subtype": st.column_config.TextColumn(t("accountability.col.subtype", lang)),
            "status": st.column_config.TextColumn(t("accountability.col.status", lang)),
            "opened_on": st.column_config.TextColumn(t("accountability.col.opened_on", lang)),
            "persons": st.column_config.NumberColumn(t("accountability.col.persons", lang)),
            "deduction": st.column_config.TextColumn(t("accountability.col.deduction", lang)),
        },
    )

detail_tab, open_tab, import_tab, rule_tab = st.tabs(
    [
        t("accountability.tab.detail", lang),
        t("accountability.tab.open", lang),
        t("accountability.tab.import", lang),
        t("accountability.tab.rule", lang),
    ]
)


# ---------------------------------------------------------------- one case
def show_case(view: acc.CaseView) -> None:
    st.markdown(f"#### {t('accountability.detail.heading', lang, number=view.number, unit=view.unit_name)}")
    st.markdown(
        t(
            "accountability.detail.kind",
            lang,
            type=label("type", view.case_type, lang),
            subtype=label("subtype", view.subtype, lang),
        )
        + " · "
        + label("status", view.status, lang)
    )
    st.caption(
        " · ".join(
            [
                t(
                    "accountability.detail.source",
                    lang,
                    source=label("source", view.source, lang),
                    ref=view.source_ref,
                ),
                t("accountability.detail.body", lang, body=view.disciplinary_body),
                t(
                    "accountability.detail.campaign",
                    lang,
                    campaign=campaign_names.get(
                        view.campaign_code or "", t("accountability.no_campaign", lang)
                    ),
                ),
            ]
        )
    )
    if view.exempt:
        st.info(t("accountability.detail.exempt", lang), icon=":material/verified_user:")
    st.markdown(f"**{t('accountability.detail.facts', lang)}**")
    st.text(view.facts)
    if view.decision:
        st.markdown(f"**{t('accountability.detail.decision', lang)}**")
        st.text(view.decision)
    st.markdown(f"**{t('accountability.detail.steps', lang)}**")
    st.dataframe(
        pd.DataFrame(
            {
                t("accountability.col.step", lang): [label("status", s, lang) for s, _ in view.steps],
                t("accountability.col.date", lang): [day(d) for _, d in view.steps],
            }
        ),
        hide_index=True,
        key=f"accountability.steps.{view.number}",
    )
    show_advance(view)
    show_persons(view)
    show_deduction(view)
    show_publication(view)
    if view.editable:
        show_edit(view)


def show_advance(view: acc.CaseView) -> None:
    index = acc.STATUSES.index(view.status)
    if index + 1 >= len(acc.STATUSES):
        st.caption(t("accountability.advance.final", lang))
        return
    step = acc.STATUSES[index + 1]
    with st.form(f"accountability.advance.{view.number}.{gen}", enter_to_submit=False):
        st.markdown(f"**{t('accountability.advance.to', lang, step=label('status', step, lang))}**")
        on = st.date_input(
            t("accountability.advance.on", lang),
            value=beijing_today(),
            max_value=beijing_today(),
            key=f"accountability.advance.on.{gen}",
        )
        note = st.text_area(
            t(
                "accountability.advance.decision" if step == "decided" else "accountability.advance.note",
                lang,
            ),
            height=80,
            key=f"accountability.advance.note.{gen}",
        )
        go = st.form_submit_button(t("accountability.advance.run", lang), key="accountability.advance.run")
    if go:
        try:
            lifecycle.advance(uow(), user, view.number, step, on, note)
        except ServiceError as exc:
            show_error(exc, lang)
        else:
            done(t("accountability.advance.done", lang, number=view.number, step=label("status", step, lang)))


def show_persons(view: acc.CaseView) -> None:
    st.markdown(f"**{t('accountability.persons.header', lang)}**")
    if not view.persons:
        st.caption(t("accountability.persons.none", lang))
    else:
        st.caption(t("accountability.persons.masked", lang))
        st.dataframe(
            pd.DataFrame(
                {
                    t("accountability.col.name", lang): [p.name_masked for p in view.persons],
                    t("accountability.col.post", lang): [p.post for p in view.persons],
                    t("accountability.col.level", lang): [p.level for p in view.persons],
                    t("accountability.col.sanction", lang): [
                        label("sanction", p.sanction, lang) for p in view.persons
                    ],
                    t("accountability.col.category", lang): [
                        label("category", p.category, lang) for p in view.persons
                    ],
                    t("accountability.col.sanctioned_on", lang): [day(p.sanctioned_on) for p in view.persons],
                }
            ),
            hide_index=True,
            key=f"accountability.persons.{view.number}",
        )
        by_id = {p.id: p for p in view.persons}
        chosen: int = st.selectbox(
            t("accountability.persons.choose", lang),
            list(by_id),
            format_func=lambda i: f"{by_id[i].name_masked} · {by_id[i].post}",
            key=f"accountability.persons.choose.{view.number}.{gen}",
        )
        reveal_col, remove_col = st.columns(2)
        if reveal_col.button(t("accountability.persons.reveal", lang), key="accountability.persons.reveal"):
            try:
                st.session_state[REVEALED_KEY] = (chosen, lifecycle.reveal_name(uow(), user, chosen))
            except ServiceError as exc:
                show_error(exc, lang)
        revealed = st.session_state.pop(REVEALED_KEY, None)
        if revealed and revealed[0] == chosen:
            st.info(t("accountability.persons.revealed", lang, name=revealed[1]))
        if view.editable and remove_col.button(
            t("accountability.persons.remove", lang), key="accountability.persons.remove"
        ):
            try:
                lifecycle.remove_person(uow(), user, view.number, chosen)
            except ServiceError as exc:
                show_error(exc, lang)
            else:
                done(t("accountability.persons.removed", lang))
    if not view.editable:
        return
    with st.expander(t("accountability.persons.add", lang)):
        with st.form(f"accountability.person.{view.number}.{gen}", enter_to_submit=False, border=False):
            a, b = st.columns(2)
            name = a.text_input(t("accountability.col.name", lang), key=f"accountability.person.name.{gen}")
            post = b.text_input(t("accountability.col.post", lang), key=f"accountability.person.post.{gen}")
            level = a.text_input(
                t("accountability.col.level", lang), key=f"accountability.person.level.{gen}"
            )
            sanction: str = b.selectbox(
                t("accountability.col.sanction", lang),
                list(acc.SANCTIONS),
                format_func=lambda s: (
                    f"{label('sanction', s, lang)}（{label('category', acc.SANCTIONS[s], lang)}）"
                ),
                key=f"accountability.person.sanction.{gen}",
            )
            with_date = a.checkbox(
                t("accountability.persons.has_date", lang), key=f"accountability.person.has_date.{gen}"
            )
            sanctioned_on = b.date_input(
                t("accountability.col.sanctioned_on", lang),
                value=beijing_today(),
                max_value=beijing_today(),
                key=f"accountability.person.on.{gen}",
            )
            add = st.form_submit_button(
                t("accountability.persons.add.run", lang), key="accountability.person.add"
            )
        if add:
            try:
                lifecycle.add_person(
                    uow(),
                    user,
                    view.number,
                    name=name,
                    post=post,
                    level=level,
                    sanction=sanction,
                    sanctioned_on=sanctioned_on if with_date else None,
                )
            except ServiceError as exc:
                show_error(exc, lang)
            else:
                done(t("accountability.persons.added", lang))


def show_deduction(view: acc.CaseView) -> None:
    st.markdown(f"**{t('accountability.deduction.header', lang)}**")
    if view.exempt:
        st.caption(t("accountability.deduction.state", lang, state=t("accountability.exempt", lang)))
        return
    if view.campaign_code is None:
        st.caption(t("accountability.deduction.no_campaign", lang))
        return
    st.caption(t("accountability.deduction.state", lang, state=deduction_label(view, lang)))
    if view.deduction_status != "proposed" or view.deduction_points is None:
        return
    try:
        outlook = deductions.deduction_outlook(uow(), user, view.number)
    except ServiceError as exc:
        show_error(exc, lang)
        return
    st.write(t("accountability.deduction.proposal", lang, points=f"{view.deduction_points:g}"))
    if outlook is not None:
        st.write(
            t(
                "accountability.deduction.outlook",
                lang,
                total=f"{outlook.unit_total:g}",
                after=f"{outlook.after:g}",
                cap=f"{outlook.cap:g}",
            )
        )
        if outlook.over_cap:
            st.warning(t("accountability.deduction.over_cap", lang, cap=f"{outlook.cap:g}"))
    if st.button(
        t("accountability.deduction.confirm", lang), type="primary", key="accountability.deduction.confirm"
    ):
        try:
            adjustment_id = deductions.confirm_deduction(uow(), user, view.number)
        except ServiceError as exc:
            show_error(exc, lang)
        else:
            done(t("accountability.deduction.confirmed_flash", lang, id=adjustment_id))
    with st.form(f"accountability.decline.{view.number}.{gen}", enter_to_submit=False, border=False):
        reason = st.text_input(
            t("accountability.deduction.decline_reason", lang), key=f"accountability.decline.reason.{gen}"
        )
        decline = st.form_submit_button(
            t("accountability.deduction.decline", lang), key="accountability.decline"
        )
    if decline:
        if not reason.strip():
            st.warning(t("accountability.deduction.reason_required", lang))
        else:
            try:
                deductions.decline_deduction(uow(), user, view.number, reason)
            except ServiceError as exc:
                show_error(exc, lang)
            else:
                done(t("accountability.deduction.declined_flash", lang))


def show_publication(view: acc.CaseView) -> None:
    st.markdown(f"**{t('accountability.publication.header', lang)}**")
    if view.for_publication:
        st.caption(t("accountability.publication.marked", lang))
    if not view.editable:
        st.text(view.public_summary)
        return
    with st.form(f"accountability.publication.{view.number}.{gen}", enter_to_submit=False, border=False):
        summary = st.text_area(
            t("accountability.publication.summary", lang),
            value=view.public_summary,
            height=100,
            key=f"accountability.publication.summary.{gen}",
        )
        mark_col, unmark_col = st.columns(2)
        mark = mark_col.form_submit_button(
            t("accountability.publication.mark", lang), key="accountability.publication.mark"
        )
        unmark = unmark_col.form_submit_button(
            t("accountability.publication.unmark", lang),
            key="accountability.publication.unmark",
            disabled=not view.for_publication,
        )
    if mark or unmark:
        try:
            if mark:
                lifecycle.mark_for_publication(uow(), user, view.number, summary)
            else:
                lifecycle.unmark_for_publication(uow(), user, view.number)
        except ServiceError as exc:
            show_error(exc, lang)
        else:
            done(
                t(
                    "accountability.publication.marked_flash"
                    if mark
                    else "accountability.publication.unmarked_flash",
                    lang,
                )
            )


def show_edit(view: acc.CaseView) -> None:
    with st.expander(t("accountability.edit.header", lang)):
        with st.form(f"accountability.edit.{view.number}.{gen}", enter_to_submit=False, border=False):
            facts = st.text_area(
                t("accountability.open.facts", lang), value=view.facts, key=f"accountability.edit.facts.{gen}"
            )
            a, b = st.columns(2)
            body = a.text_input(
                t("accountability.open.body", lang),
                value=view.disciplinary_body,
                key=f"accountability.edit.body.{gen}",
            )
            source_ref = b.text_input(
                t("accountability.open.source_ref", lang),
                value=view.source_ref,
                key=f"accountability.edit.ref.{gen}",
            )
            save = st.form_submit_button(t("accountability.edit.run", lang), key="accountability.edit.run")
        if save:
            try:
                lifecycle.edit_case(
                    uow(), user, view.number, facts=facts, disciplinary_body=body, source_ref=source_ref
                )
            except ServiceError as exc:
                show_error(exc, lang)
            else:
                done(t("accountability.edit.done", lang, number=view.number))


with detail_tab:
    if not cases:
        st.info(t("accountability.detail.none", lang))
    else:
        by_number = {c.number: c for c in cases}
        number: str = st.selectbox(
            t("accountability.detail.choose", lang),
            list(by_number),
            format_func=lambda n: (
                f"{n} · {by_number[n].unit_name} · {label('status', by_number[n].status, lang)}"
            ),
            key="accountability.detail.choose",
        )
        show_case(by_number[number])

# ---------------------------------------------------------------- opening a case
with open_tab:
    a, b = st.columns(2)
    open_campaign: str = a.selectbox(
        t("accountability.open.campaign", lang),
        [*campaign_names, ALL],
        format_func=lambda c: campaign_names.get(c, t("accountability.no_campaign", lang)),
        key="accountability.open.campaign",
    )
    open_type: str = b.selectbox(
        t("accountability.open.type", lang),
        list(acc.CASE_TYPES),
        format_func=lambda c: label("type", c, lang),
        key="accountability.open.type",
    )
    try:
        unit_choices = acc.unit_options(uow(), user, open_campaign or None)
    except ServiceError as exc:
        show_error(exc, lang)
        unit_choices = []
    unit_names = {u.code: u.name for u in unit_choices}
    if not unit_names:
        st.info(t("accountability.open.no_units", lang))
    else:
        with st.form(f"accountability.open.{gen}", enter_to_submit=False):
            a, b = st.columns(2)
            number_in = a.text_input(
                t("accountability.open.number", lang), key=f"accountability.open.number.{gen}"
            )
            unit_code: str = b.selectbox(
                t("accountability.open.unit", lang),
                list(unit_names),
                format_func=lambda u: f"{unit_names[u]}（{u}）",
                key=f"accountability.open.unit.{gen}",
            )
            subtype: str = a.selectbox(
                t("accountability.open.subtype", lang),
                list(acc.CASE_SUBTYPES[open_type]),
                format_func=lambda s: label("subtype", s, lang),
                key=f"accountability.open.subtype.{gen}.{open_type}",
            )
            source: str = b.selectbox(
                t("accountability.open.source", lang),
                list(acc.SOURCES),
                format_func=lambda s: label("source", s, lang),
                key=f"accountability.open.source.{gen}",
            )
            source_ref_in = a.text_input(
                t("accountability.open.source_ref", lang), key=f"accountability.open.ref.{gen}"
            )
            body_in = b.text_input(t("accountability.open.body", lang), key=f"accountability.open.body.{gen}")
            opened_on = a.date_input(
                t("accountability.open.opened_on", lang),
                value=beijing_today(),
                max_value=beijing_today(),
                key=f"accountability.open.on.{gen}",
            )
            facts_in = st.text_area(
                t("accountability.open.facts", lang), key=f"accountability.open.facts.{gen}"
            )
            submit = st.form_submit_button(
                t("accountability.open.run", lang), type="primary", key="accountability.open.run"
            )
        if submit:
            try:
                opened = lifecycle.open_case(
                    uow(),
                    user,
                    number=number_in,
                    unit_code=unit_code,
                    case_type=open_type,
                    subtype=subtype,
                    facts=facts_in,
                    source=source,
                    source_ref=source_ref_in,
                    disciplinary_body=body_in,
                    opened_on=opened_on,
                    campaign_code=open_campaign or None,
                )
            except ServiceError as exc:
                show_error(exc, lang)
            else:
                done(t("accountability.open.done", lang, number=opened.number))

# ---------------------------------------------------------------- import
with import_tab:
    st.caption(t("accountability.import.intro", lang))
    import_campaign: str = st.selectbox(
        t("accountability.open.campaign", lang),
        [*campaign_names, ALL],
        format_func=lambda c: campaign_names.get(c, t("accountability.no_campaign", lang)),
        key="accountability.import.campaign",
    )
    cases_file = file_field(
        t("accountability.import.cases", lang, mb=MAX_FILE_BYTES // 2**20),
        key=f"accountability.import.cases.{gen}",
        max_bytes=MAX_FILE_BYTES,
        types=["csv", "xlsx"],
    )
    persons_file = file_field(
        t("accountability.import.persons", lang, mb=MAX_FILE_BYTES // 2**20),
        key=f"accountability.import.persons.{gen}",
        max_bytes=MAX_FILE_BYTES,
        types=["csv", "xlsx"],
    )
    if st.button(t("accountability.import.run", lang), key="accountability.import.run"):
        if cases_file is None:
            st.warning(t("accountability.import.no_file", lang))
        else:
            from services import accountability_file  # its readers load only for an import

            try:
                report = accountability_file.import_cases(
                    uow(),
                    user,
                    cases_file.name,
                    cases_file.getvalue(),
                    persons_name=persons_file.name if persons_file is not None else None,
                    persons_raw=persons_file.getvalue() if persons_file is not None else None,
                    campaign_code=import_campaign or None,
                )
            except ServiceError as exc:
                show_error(exc, lang)
            else:
                done(
                    t(
                        "accountability.import.done",
                        lang,
                        cases=report.cases,
                        persons=report.persons,
                        proposed=report.proposed,
                    )
                )

# ---------------------------------------------------------------- the rule
with rule_tab:
    if not campaigns:
        st.info(t("accountability.rule.none", lang))
    else:
        by_code = {c.code: c for c in campaigns}
        rule_campaign: str = st.selectbox(
            t("accountability.rule.choose", lang),
            list(by_code),
            format_func=lambda c: campaign_names[c],
            key="accountability.rule.campaign",
        )
        try:
            rule = deductions.get_rule(uow(), user, rule_campaign)
            from services.adjustments import caps  # the method's deduction cap

            cap = caps(uow(), user, rule_campaign).deduction
        except ServiceError as exc:
            show_error(exc, lang)
            st.stop()
        st.caption(t("accountability.rule.intro", lang, cap=f"{cap:g}"))
        if not by_code[rule_campaign].editable:
            st.info(t("accountability.rule.frozen", lang))
        with st.form(f"accountability.rule.{rule_campaign}.{gen}", enter_to_submit=False):
            columns = st.columns(len(acc.CASE_TYPES))
            points = {
                kind: column.number_input(
                    t("accountability.rule.points", lang, type=label("type", kind, lang)),
                    min_value=0.0,
                    max_value=deductions.MAX_RULE_POINTS,
                    value=float(rule[kind]),
                    step=0.5,
                    key=f"accountability.rule.{kind}.{gen}",
                )
                for kind, column in zip(acc.CASE_TYPES, columns, strict=True)
            }
            save_rule = st.form_submit_button(
                t("accountability.rule.save", lang),
                key="accountability.rule.save",
                disabled=not by_code[rule_campaign].editable,
            )
        if save_rule:
            try:
                deductions.set_rule(uow(), user, rule_campaign, points)
            except ServiceError as exc:
                show_error(exc, lang)
            else:
                done(t("accountability.rule.saved", lang))
