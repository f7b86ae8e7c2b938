"""A campaign's history (往年评议结果) on its page, and heads who changed (主要负责人变更).

* :func:`show_history` draws the derived history table (unit, year, 不满意/—, source,
  the reorganisations it was carried through) with a derive button while the campaign is
  a draft; ``app_pages/campaigns.py`` calls it.
* :func:`via_text` turns a stored, language-neutral ``via`` (services/lineage.py) into
  words; :func:`head_text` writes a consecutive unit's head with the heads of the earlier
  years beside it, e.g. 张三（2025-03-01 到任；2024 年为李四）.

Only services are called (services/history.py); they check permissions and status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import streamlit as st

from db.uow import UnitOfWork
from services import history
from services.errors import ServiceError
from services.history import HeadChange, HistoryRow
from services.lineage import Step, parse_via
from services.permissions import CurrentUser
from ui.messages import Lang, t
from ui.widgets import show_flash

if TYPE_CHECKING:
    import pandas as pd

FLASH_KEY: Final = "history.flash"


def _uow() -> UnitOfWork:
    return UnitOfWork(actor="web")


def via_text(via: str, lang: Lang) -> str:
    """The steps of ``via`` in words, oldest first; the unit's own past when empty."""
    if not via:
        return t("history.via.own", lang)
    parts = []
    for step in parse_via(via):
        if not isinstance(step, Step):
            parts.append(step)  # "…" or text written by hand: as it is
            continue
        on = step.effective_on.isoformat() if step.effective_on else t("history.via.undated", lang)
        parts.append(t(f"history.via.{step.kind}", lang, on=on))
    return t("history.via.sep", lang).join(parts)


def source_text(row: HistoryRow, lang: Lang) -> str:
    if not row.derived:
        return t("history.source.imported", lang)
    unit = f"{row.source_unit_name}（{row.source_unit}）" if row.source_unit_name else row.source_unit
    return t("history.source.derived", lang, campaign=row.source_campaign, unit=unit)


def head_text(name: str, change: HeadChange | None, lang: Lang) -> str:
    """The head's name, and where the head changed since an earlier unsatisfactory year,
    the date the head took post and who was in post then."""
    shown = name or "—"
    if change is None or not change.changed:
        return shown
    unknown = t("history.head.unknown", lang)
    earlier = t("history.head.sep", lang).join(
        t("history.head.earlier", lang, year=h.year, name=h.name or unknown) for h in change.others
    )
    if change.now.since is None:
        return t("history.head.changed.undated", lang, name=shown, earlier=earlier)
    return t("history.head.changed", lang, name=shown, since=change.now.since.isoformat(), earlier=earlier)


def history_frame(rows: tuple[HistoryRow, ...] | list[HistoryRow], lang: Lang) -> pd.DataFrame:
    import pandas as pd  # imported here: the public pages use only head_text from this module

    return pd.DataFrame(
        {
            "unit": [f"{r.unit_name}（{r.unit_code}）" if r.unit_name else r.unit_code for r in rows],
            "year": [r.year for r in rows],
            "unsatisfactory": [
                t("history.unsatisfactory" if r.unsatisfactory else "history.satisfactory", lang)
                for r in rows
            ],
            "source": [source_text(r, lang) for r in rows],
            "via": [via_text(r.via, lang) for r in rows],
        }
    )


def show_history(campaign_code: str, lang: Lang, user: CurrentUser | None) -> None:
    """Draw the campaign's history, with a derive button while it is a draft."""
    st.subheader(t("history.title", lang))
    st.caption(t("history.help", lang))
    show_flash(FLASH_KEY)
    try:
        view = history.history_view(_uow(), user, campaign_code)
    except ServiceError as exc:
        st.error(t("history.error", lang, detail=str(exc)))
        return
    if view.draft:
        if view.current:
            st.caption(t("history.current", lang))
        else:
            st.warning(t("history.stale", lang), icon=":material/history:")
        pressed = st.button(
            t("history.derive", lang),
            key=f"history.derive.{campaign_code}",
            help=t("history.derive.help", lang),
            type="secondary" if view.current else "primary",
        )
        if pressed:
            try:
                rows = history.derive_history(_uow(), user, campaign_code)
            except ServiceError as exc:
                st.error(t("history.error", lang, detail=str(exc)))
            else:
                bad = sum(r.unsatisfactory for r in rows)
                st.session_state[FLASH_KEY] = t("history.derived", lang, n=len(rows), bad=bad)
                st.rerun()
    else:
        st.caption(t("history.frozen" if view.current else "history.stale.frozen", lang))
    if not view.rows:
        st.info(t("history.empty", lang))
        return
    st.dataframe(
        history_frame(view.rows, lang),
        hide_index=True,
        width="stretch",
        column_config={
            "unit": st.column_config.TextColumn(t("history.col.unit", lang), width="medium"),
            "year": st.column_config.NumberColumn(t("history.col.year", lang), format="%d"),
            "unsatisfactory": st.column_config.TextColumn(t("history.col.unsatisfactory", lang)),
            "source": st.column_config.TextColumn(t("history.col.source", lang), width="medium"),
            "via": st.column_config.TextColumn(t("history.col.via", lang), width="medium"),
        },
    )
