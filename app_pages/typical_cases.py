"""Typical cases (典型问题通报), public: the accountability cases published as typical
cases, newest first, grouped by type (不作为、慢作为、乱作为), each with its unit, sub-type,
dates, public summary and the persons handled as post and sanction (never a name).

Only services are called (services/accountability_counts.public_cases); it gives nothing
but what a notice prints. No table library: the page loads fast for anyone.
"""

from __future__ import annotations

import streamlit as st

from db.uow import UnitOfWork
from services import accountability_counts as reading
from services.accountability import CASE_TYPES
from services.errors import ServiceError
from ui.messages import t
from ui.page import current_lang

lang = current_lang()
st.title(t("typical.title", lang))
st.caption(t("typical.intro", lang))

try:
    published = reading.public_cases(UnitOfWork(actor="web"))
except ServiceError as exc:
    st.error(t("typical.error", lang, detail=str(exc)))
    st.stop()

if not published:
    st.info(t("typical.empty", lang))
    st.stop()

for case_type in CASE_TYPES:
    of_type = [c for c in published if c.case_type == case_type]
    if not of_type:
        continue
    st.subheader(
        f"{t(f'accountability.type.{case_type}', lang)} · {t('typical.count', lang, n=len(of_type))}"
    )
    for case in of_type:
        with st.container(border=True):
            st.markdown(f"**{t('typical.case', lang, number=case.number, unit=case.unit_name)}**")
            st.caption(
                t(
                    "typical.dates",
                    lang,
                    subtype=t(f"accountability.subtype.{case.subtype}", lang),
                    decided=case.decided_on.isoformat() if case.decided_on else "",
                    published=case.published_on.isoformat() if case.published_on else "",
                )
            )
            if case.exempt:
                st.caption(t("accountability.exempt", lang))
            st.text(case.summary)
            for person in case.persons:
                st.markdown(
                    "- "
                    + t(
                        "typical.person",
                        lang,
                        post=person.post or "—",
                        sanction=t(f"accountability.sanction.{person.sanction}", lang),
                    )
                )
