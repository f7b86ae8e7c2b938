"""The inspection bulletin (明察暗访通报), public: the monthly bulletins that admins made
public, the newest month first. No sign-in; no inspector's name and no photo is shown
(services/inspection_bulletin.py gives neither).
"""

from __future__ import annotations

import streamlit as st

from db.uow import UnitOfWork
from services import inspection_bulletin
from services.errors import ServiceError
from ui.inspection_bulletin import bulletin_title, draw_bulletin
from ui.messages import t
from ui.page import current_lang

lang = current_lang()

st.title(t("inspection_results.public.title", lang))
st.caption(t("inspection_results.public.intro", lang))

try:
    bulletins = inspection_bulletin.public_bulletins(UnitOfWork(actor="web"))
except ServiceError:
    st.error(t("inspection_results.public.error", lang))
    st.stop()
if not bulletins:
    st.info(t("inspection_results.public.empty", lang))
for b in bulletins:
    st.subheader(bulletin_title(b, lang))
    draw_bulletin(b, lang)
