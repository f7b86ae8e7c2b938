"""The served app: Streamlit plus its HTTP routes (``streamlit run asgi.py``).

Streamlit cannot set cookies, so signing in goes through plain HTTP routes
(ui/auth_routes.py) that ``st.App`` serves in the same process as the script; the
telephony provider's webhooks (ui/telephony_routes.py) are served the same way, and so is
the light answering path of the citizen survey (ui/survey_routes.py, under ``/a``): plain
HTML pages that call the same services as the survey page without a websocket per person.
"""

import streamlit as st

from ui.auth_routes import auth_routes
from ui.survey_routes import survey_routes
from ui.telephony_routes import telephony_routes

app = st.App("streamlit_app.py", routes=[*auth_routes(), *telephony_routes(), *survey_routes()])
