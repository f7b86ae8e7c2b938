"""The unit register (评议对象名录), for administrators: search and filter the units, import
and export the register as CSV or XLSX, add, correct and retire units, and record
reorganisations (机构改革: rename, merge, split, move) with their effective dates.

Only services are called (services/units.py, services/reorganisations.py); they check the
permission and every rule, and write the audit trail. Liaison names and phones are shown
masked. A merger or a split is written only after its confirmation box is ticked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Final

import pandas as pd
import streamlit as st

from db.uow import UnitOfWork
from services import reorganisations as reorg
from services import units
from services.defects import LabelRefused
from services.errors import ServiceError
from services.permissions import Permission
from services.register_file import MAX_FILE_BYTES
from services.units import ImportRejected, RegisterRefused, UnitRow
from ui.auth import require_page_permission
from ui.defects import refusal_text, show_defects
from ui.labels import group_name
from ui.messages import t
from ui.page import current_lang
from ui.timefmt import beijing_time, beijing_today
from ui.widgets import chrome_style, file_field, multi_choice, show_flash

FLASH_KEY: Final = "register.flash"
GEN_KEY: Final = "register.gen"  # bumped after a change: fresh forms and uploader
EARLIEST: Final = date(1980, 1, 1)  # heads in post for decades exist; date_input's default floor is 10 years
KINDS: Final = ("rename", "merge", "split", "move")
MAX_PARTS: Final = 6


def uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def done(message: str) -> None:
    """Show ``message`` after the rerun that shows the change, with fresh inputs."""
    st.session_state[FLASH_KEY] = message
    st.session_state[GEN_KEY] = st.session_state.get(GEN_KEY, 0) + 1
    st.rerun()


def field_label(name: str, lang: str) -> str:
    key = f"register.col.{name}"
    text = t(key, lang)
    return name if text == key else text


def show_error(exc: ServiceError, lang: str) -> None:
    if isinstance(exc, ImportRejected):
        st.error(t("register.import.rejected", lang, n=len(exc.defects)))
        show_defects(exc.defects, lang)
    elif isinstance(exc, LabelRefused):
        st.error(
            t("register.error", lang, detail=f"{field_label(exc.field, lang)}: {refusal_text(exc, lang)}")
        )
    elif isinstance(exc, RegisterRefused):
        params: dict[str, Any] = dict(exc.params)
        if "field" in params:
            params["field"] = field_label(str(params["field"]), lang)
        if "kind" in params:
            params["kind"] = t(f"register.kind.{params['kind']}", lang)
        if "what" in params:
            params["what"] = t(f"register.what.{params['what']}", lang)
        st.error(t("register.error", lang, detail=t(exc.key, lang, **params)))
    else:
        st.error(t("register.error", lang, detail=str(exc)))


def attempt(action: Callable[[], Any], lang: str) -> Any | None:
    """Run a service call; show its refusal in the person's language (None) or return its result."""
    try:
        return action()
    except ServiceError as exc:
        show_error(exc, lang)
        return None


def unit_option(rows: dict[str, UnitRow]) -> Callable[[str], str]:
    return lambda code: f"{rows[code].name}（{code}）"


lang = current_lang()
user = require_page_permission(Permission.configure_campaign, lang)
chrome_style(lang)

st.title(t("register.title", lang))
st.caption(t("register.intro", lang))
show_flash(FLASH_KEY)
gen = st.session_state.get(GEN_KEY, 0)
today = beijing_today()

try:
    facets = units.register_facets(uow(), user)
    everyone = units.search_units(uow(), user, include_retired=True)
except ServiceError as exc:
    show_error(exc, lang)
    st.stop()
active = {r.code: r for r in everyone if r.active}
retired = {r.code: r for r in everyone if not r.active}

cols = st.columns(2)
cols[0].metric(t("register.metric.active", lang), facets.active, border=True)
cols[1].metric(t("register.metric.retired", lang), facets.retired, border=True)

# ---------------------------------------------------------------- search and the table
ALL: Final = ""


def facet_choice(
    label: str, values: tuple[tuple[str, int], ...], key: str, column: Any, words: Any = str
) -> str:
    options = [ALL, *(v for v, _ in values)]
    counts = dict(values)
    return column.selectbox(
        label,
        options,
        format_func=lambda v: t("register.filter.all", lang) if v == ALL else f"{words(v)}（{counts[v]}）",
        key=key,
    )


text = st.text_input(
    t("register.search", lang), key="register.search", placeholder=t("register.search.hint", lang)
)
left, middle, right = st.columns(3)
category = facet_choice(
    t("register.col.category", lang),
    facets.categories,
    "register.filter.category",
    left,
    lambda c: group_name(c, lang),  # a known category code in words (基层站所), others as named
)
district = facet_choice(
    t("register.col.district", lang), facets.districts, "register.filter.district", middle
)
kind = facet_choice(t("register.col.kind", lang), facets.kinds, "register.filter.kind", right)
with_retired = st.checkbox(t("register.filter.retired", lang), key="register.filter.retired")
rows = (
    attempt(lambda: units.search_units(uow(), user, text, category, district, kind, with_retired), lang) or []
)
st.caption(t("register.found", lang, n=len(rows)))
if rows:
    st.dataframe(
        pd.DataFrame(
            {
                "code": [r.code for r in rows],
                "name": [r.name for r in rows],
                "category": [group_name(r.category, lang) for r in rows],
                "district": [r.district for r in rows],
                "kind": [r.kind for r in rows],
                "department": [r.department for r in rows],
                "head_name": [r.head_name for r in rows],
                "head_since": [r.head_since.isoformat() if r.head_since else "" for r in rows],
                "liaison_name": [r.liaison_name for r in rows],
                "liaison_phone": [r.liaison_phone for r in rows],
                "status": [
                    t("register.status.active", lang)
                    if r.active
                    else t(
                        "register.status.retired", lang, on=str(r.retired_on), successor=r.successor or "—"
                    )
                    for r in rows
                ],
            }
        ),
        hide_index=True,
        width="stretch",
        key="register.table",
        column_config={
            name: st.column_config.TextColumn(
                t(f"register.col.{name}", lang), width="medium" if name in ("name", "department") else None
            )
            for name in (
                "code",
                "name",
                "category",
                "district",
                "kind",
                "department",
                "head_name",
                "head_since",
                "liaison_name",
                "liaison_phone",
                "status",
            )
        },
    )
else:
    st.info(t("register.none", lang))

tab_file, tab_add, tab_edit, tab_reorg = st.tabs(
    [
        t("register.tab.file", lang),
        t("register.tab.add", lang),
        t("register.tab.edit", lang),
        t("register.tab.reorg", lang),
    ],
    key="register.tabs",  # the open tab stays open after a save and its message
    on_change="rerun",
)

# ---------------------------------------------------------------- import and export
with tab_file:
    st.caption(t("register.import.help", lang))
    upload = file_field(
        t("register.import.file", lang, mb=MAX_FILE_BYTES // 2**20),
        key=f"register.import.file.{gen}",
        max_bytes=MAX_FILE_BYTES,
        types=["csv", "xlsx"],
    )
    if st.button(t("register.import.run", lang), key="register.import.run", icon=":material/upload:"):
        if upload is None:
            st.warning(t("register.import.no_file", lang))
        else:
            report = attempt(lambda: units.import_register(uow(), user, upload.getvalue(), upload.name), lang)
            if report is not None:
                done(
                    t(
                        "register.import.done",
                        lang,
                        rows=report.rows,
                        created=report.created,
                        updated=report.updated,
                        unchanged=report.unchanged,
                    )
                )
    st.markdown(f"**{t('register.export.header', lang)}**")
    st.caption(t("register.export.help", lang))
    export_retired = st.checkbox(t("register.filter.retired", lang), key="register.export.retired")
    left, right = st.columns(2)
    for column, fmt, mime in (
        (left, "csv", "text/csv"),
        (right, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):
        column.download_button(
            t(f"register.export.{fmt}", lang),
            data=lambda fmt=fmt: units.export_register(
                uow(), user, fmt, include_retired=export_retired, lang=lang
            ),
            file_name=f"units-{today.isoformat()}.{fmt}",
            mime=mime,
            key=f"register.export.{fmt}",
            icon=":material/download:",
        )

# ---------------------------------------------------------------- adding a unit


def unit_fields(prefix: str, row: UnitRow | None) -> dict[str, Any]:
    """The register's fields as inputs (prefilled from ``row``); the liaison left empty."""
    values: dict[str, Any] = {}
    left, right = st.columns(2)
    for i, name in enumerate(("name", "category", "district", "kind", "department", "head_name")):
        column = left if i % 2 == 0 else right
        values[name] = column.text_input(
            t(f"register.col.{name}", lang), value=getattr(row, name, ""), key=f"{prefix}.{name}.{gen}"
        )
    values["head_since"] = left.date_input(
        t("register.col.head_since", lang),
        value=row.head_since if row else None,
        min_value=EARLIEST,
        max_value=date(today.year + 1, 12, 31),
        key=f"{prefix}.head_since.{gen}",
    )
    values["liaison_name"] = right.text_input(
        t("register.col.liaison_name", lang),
        key=f"{prefix}.liaison_name.{gen}",
        placeholder=row.liaison_name if row else "",
    )
    values["liaison_phone"] = left.text_input(
        t("register.col.liaison_phone", lang),
        key=f"{prefix}.liaison_phone.{gen}",
        placeholder=row.liaison_phone if row else "",
    )
    return values


with tab_add:
    with st.form(f"register.add.{gen}", enter_to_submit=False):
        code = st.text_input(t("register.col.code", lang), key=f"register.add.code.{gen}")
        new = unit_fields("register.add", None)
        add = st.form_submit_button(t("register.add.run", lang), type="primary", icon=":material/add:")
    if add:
        row = attempt(lambda: units.add_unit(uow(), user, code=code, **new), lang)
        if row is not None:
            done(t("register.add.done", lang, code=row.code, name=row.name))

# ---------------------------------------------------------------- correcting, retiring, reinstating
with tab_edit:
    if not active:
        st.info(t("register.none", lang))
    else:
        chosen = st.selectbox(
            t("register.edit.unit", lang),
            list(active),
            format_func=unit_option(active),
            key="register.edit.unit",
        )
        current = active[chosen]
        st.caption(t("register.edit.help", lang))
        with st.form(f"register.edit.{chosen}.{gen}", enter_to_submit=False):
            edited = unit_fields(f"register.edit.{chosen}", current)
            clear = st.checkbox(t("register.edit.clear_liaison", lang), key=f"register.edit.clear.{gen}")
            save = st.form_submit_button(t("register.edit.run", lang), type="primary", icon=":material/save:")
        if save:
            changes = {
                k: v
                for k, v in edited.items()
                if k not in ("liaison_name", "liaison_phone") and v != getattr(current, k)
            }
            for k in ("liaison_name", "liaison_phone"):
                if clear:
                    changes[k] = ""
                elif edited[k].strip():
                    changes[k] = edited[k]
            if not changes:
                st.info(t("register.edit.unchanged", lang))
            elif attempt(lambda: units.edit_unit(uow(), user, chosen, **changes), lang) is not None:
                done(t("register.edit.done", lang, code=chosen))

        st.markdown(f"**{t('register.retire.header', lang)}**")
        left, right = st.columns(2)
        retire_on = left.date_input(
            t("register.retire.on", lang), value=today, max_value=today, key=f"register.retire.on.{gen}"
        )
        retire_reason = right.text_input(t("register.reason", lang), key=f"register.retire.reason.{gen}")
        pressed = st.button(
            t("register.retire.run", lang, code=chosen), key="register.retire.run", icon=":material/archive:"
        )
        retire = (
            (lambda: units.retire_unit(uow(), user, chosen, retire_on, retire_reason)) if pressed else None
        )
        if retire is not None and attempt(retire, lang) is not None:
            done(t("register.retire.done", lang, code=chosen))
    if retired:
        st.markdown(f"**{t('register.reinstate.header', lang)}**")
        back = st.selectbox(
            t("register.edit.unit", lang),
            list(retired),
            format_func=unit_option(retired),
            key="register.reinstate.unit",
        )
        back_reason = st.text_input(t("register.reason", lang), key=f"register.reinstate.reason.{gen}")
        pressed = st.button(
            t("register.reinstate.run", lang), key="register.reinstate.run", icon=":material/unarchive:"
        )
        if (
            pressed
            and attempt(lambda: units.reinstate_unit(uow(), user, back, back_reason), lang) is not None
        ):
            done(t("register.reinstate.done", lang, code=back))

# ---------------------------------------------------------------- reorganisations


def event_when(prefix: str) -> tuple[date, str]:
    left, right = st.columns(2)
    on = left.date_input(t("register.reorg.on", lang), value=today, max_value=today, key=f"{prefix}.on.{gen}")
    reason = right.text_input(t("register.reason", lang), key=f"{prefix}.reason.{gen}")
    return on, reason


def recorded(result: reorg.ReorgResult | None, kind: str) -> None:
    if result is None:
        return
    message = t("register.reorg.done", lang, kind=t(f"register.kind.{kind}", lang), id=result.id)
    if result.drafts_to_review:
        message += " " + t("register.reorg.drafts", lang, campaigns="、".join(result.drafts_to_review))
    done(message)


def new_unit_fields(prefix: str, default_category: str) -> reorg.NewUnit:
    left, middle, right = st.columns(3)
    return reorg.NewUnit(
        code=left.text_input(t("register.col.code", lang), key=f"{prefix}.code.{gen}"),
        name=middle.text_input(t("register.col.name", lang), key=f"{prefix}.name.{gen}"),
        category=right.text_input(
            t("register.col.category", lang),
            value=default_category,
            # keyed by its default: choosing other predecessors offers their category afresh
            key=f"{prefix}.category.{default_category}.{gen}",
        ),
    )


with tab_reorg:
    st.caption(t("register.reorg.help", lang))
    what = st.radio(
        t("register.reorg.kind", lang),
        list(KINDS),
        format_func=lambda k: t(f"register.kind.{k}", lang),
        horizontal=True,
        key="register.reorg.kind",
    )
    options = list(active)
    if len(options) == 0:
        st.info(t("register.none", lang))
    elif what in ("rename", "move"):
        code = st.selectbox(
            t("register.edit.unit", lang),
            options,
            format_func=unit_option(active),
            key=f"register.{what}.unit",
        )
        label = t("register.rename.new", lang) if what == "rename" else t("register.move.new", lang)
        value = st.text_input(label, key=f"register.{what}.value.{gen}")
        on, reason = event_when(f"register.{what}")
        if st.button(t(f"register.{what}.run", lang), key=f"register.{what}.run", type="primary"):
            service = reorg.rename if what == "rename" else reorg.move
            recorded(attempt(lambda: service(uow(), user, code, value, on, reason), lang), what)
    elif what == "merge":
        predecessors = multi_choice(
            t("register.merge.predecessors", lang),
            options,
            lang,
            format_func=unit_option(active),
            key="register.merge.units",
        )
        if predecessors and st.session_state.get("register.merge.principal") not in predecessors:
            # one of the chosen units, the first until another is picked: without this the
            # box keeps the empty choice it had before any unit was chosen (and says so in
            # Streamlit's English), and the merger is refused for a principal not chosen
            st.session_state["register.merge.principal"] = predecessors[0]
        principal = st.selectbox(
            t("register.merge.principal", lang),
            predecessors,
            format_func=unit_option(active),
            key="register.merge.principal",
            help=t("register.merge.principal_help", lang),
            placeholder=t("widgets.choose", lang),
        )
        existing = st.radio(
            t("register.merge.into", lang),
            [False, True],
            format_func=lambda e: t("register.merge.into_existing" if e else "register.merge.into_new", lang),
            horizontal=True,
            key="register.merge.existing",
        )
        into: reorg.NewUnit | str
        if existing:
            into = st.selectbox(
                t("register.merge.target", lang),
                options,
                format_func=unit_option(active),
                key="register.merge.target",
            )
        else:
            first = active[predecessors[0]].category if predecessors else ""
            into = new_unit_fields("register.merge.new", first)
        on, reason = event_when("register.merge")
        retiring = [p for p in predecessors if p != (into if isinstance(into, str) else None)]
        confirm = st.checkbox(
            t("register.merge.confirm", lang, n=len(retiring), units="、".join(retiring) or "—"),
            key=f"register.merge.confirm.{gen}",
        )
        if st.button(t("register.merge.run", lang), key="register.merge.run", type="primary"):
            if not confirm:
                st.warning(t("register.confirm_first", lang))
            else:
                recorded(
                    attempt(
                        lambda: reorg.merge(uow(), user, predecessors, principal or "", into, on, reason),
                        lang,
                    ),
                    "merge",
                )
    else:
        code = st.selectbox(
            t("register.edit.unit", lang), options, format_func=unit_option(active), key="register.split.unit"
        )
        keep = st.checkbox(t("register.split.keep", lang), key=f"register.split.keep.{gen}")
        joining = multi_choice(
            t("register.split.existing", lang),
            [o for o in options if o != code],
            lang,
            format_func=unit_option(active),
            key=f"register.split.existing.{gen}",
        )
        count = st.number_input(
            t("register.split.count", lang),
            min_value=0,
            max_value=MAX_PARTS,
            value=2,
            key=f"register.split.count.{gen}",
        )
        parts: list[reorg.NewUnit | str] = [code] if keep else []
        parts += joining
        for i in range(int(count)):
            st.caption(t("register.split.part", lang, n=i + 1))
            parts.append(new_unit_fields(f"register.split.part{i}", active[code].category))
        on, reason = event_when("register.split")
        confirm = st.checkbox(
            t("register.split.confirm", lang, code=code, n=len(parts))
            + ("" if keep else " " + t("register.split.retires", lang, code=code)),
            key=f"register.split.confirm.{gen}",
        )
        if st.button(t("register.split.run", lang), key="register.split.run", type="primary"):
            if not confirm:
                st.warning(t("register.confirm_first", lang))
            else:
                recorded(attempt(lambda: reorg.split(uow(), user, code, parts, on, reason), lang), "split")

    st.markdown(f"**{t('register.reorg.list', lang)}**")
    events = attempt(lambda: reorg.list_reorganisations(uow(), user), lang) or []
    if not events:
        st.caption(t("register.reorg.none", lang))
    else:

        def names(refs: tuple[reorg.UnitRef, ...]) -> str:
            star = t("register.reorg.principal_mark", lang)
            return "、".join(f"{r.name}（{r.code}）" + (star if r.principal else "") for r in refs)

        st.dataframe(
            pd.DataFrame(
                {
                    "on": [e.effective_on.isoformat() for e in events],
                    "kind": [t(f"register.kind.{e.kind.value}", lang) for e in events],
                    "before": [names(e.before) for e in events],
                    "after": [names(e.after) for e in events],
                    "reason": [e.reason for e in events],
                    "by": [e.recorded_by for e in events],
                    "at": [beijing_time(e.recorded_at) for e in events],
                }
            ),
            hide_index=True,
            width="stretch",
            key="register.reorg.table",
            column_config={
                "on": st.column_config.TextColumn(t("register.reorg.on", lang)),
                "kind": st.column_config.TextColumn(t("register.reorg.kind", lang)),
                "before": st.column_config.TextColumn(t("register.reorg.before", lang), width="medium"),
                "after": st.column_config.TextColumn(t("register.reorg.after", lang), width="medium"),
                "reason": st.column_config.TextColumn(t("register.reason", lang), width="medium"),
                "by": st.column_config.TextColumn(t("register.reorg.by", lang)),
                "at": st.column_config.TextColumn(t("register.reorg.at", lang)),
            },
        )
