"""The defects of an uploaded file, shown in the person's language (导入问题列表).

Importers report :class:`services.defects.ImportDefect` (where, English text, message
key and parameters); this renders them through ``ui/messages.py`` as one table with the
file, line and column, so the frame and indicator pages show their defects alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import streamlit as st

from services.defects import ImportDefect, LabelRefused
from ui.messages import t

MAX_SHOWN: Final = 500


def defect_text(defect: ImportDefect, lang: str) -> str:
    """What is wrong, in ``lang``."""
    return t(defect.key, lang, **defect.arguments)


def refusal_text(refusal: LabelRefused, lang: str) -> str:
    """A form's refused name or label, in ``lang``."""
    return t(refusal.key, lang, **refusal.params)


def defect_rows(
    defects: Sequence[ImportDefect], lang: str, kind: Callable[[str], str] | None = None
) -> list[dict[str, Any]]:
    """One row per defect: file, line, column, (the importer's kind,) message in ``lang``."""
    return [
        {
            "file": d.file,
            "line": d.line,
            "column": d.column or "",
            **({"kind": kind(d.kind)} if kind is not None else {}),
            "message": defect_text(d, lang),
        }
        for d in defects
    ]


def show_defects(
    defects: Sequence[ImportDefect],
    lang: str,
    *,
    kind: Callable[[str], str] | None = None,
    limit: int = MAX_SHOWN,
) -> None:
    """The defects as a table (at most ``limit`` rows, then how many more there are)."""
    if not defects:
        return
    config = {
        "file": st.column_config.TextColumn(t("defects.file", lang)),
        "line": st.column_config.NumberColumn(t("defects.line", lang)),
        "column": st.column_config.TextColumn(t("defects.column", lang)),
        "message": st.column_config.TextColumn(t("defects.message", lang), width="large"),
    }
    if kind is not None:
        config["kind"] = st.column_config.TextColumn(t("defects.kind", lang))
    st.dataframe(
        defect_rows(defects[:limit], lang, kind), hide_index=True, width="stretch", column_config=config
    )
    if len(defects) > limit:
        st.caption(t("defects.more", lang, shown=limit, total=len(defects)))
