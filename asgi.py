"""The served app: Streamlit plus the login and logout routes (``streamlit run asgi.py``).

Streamlit cannot set cookies, so signing in goes through plain HTTP routes
(ui/auth_routes.py) that ``st.App`` serves in the same process as the script.
"""

import streamlit as st

from ui.auth_routes import auth_routes

app = st.App("streamlit_app.py", routes=auth_routes())
