"""What a person sees when a page fails unexpectedly (意外错误): a plain message in their
language with a short reference, never a traceback; the traceback goes to the server log
under the same reference, so the office can find it when the person reports it.

``streamlit_app.py`` runs the selected page through :func:`run_page`, so every page is
covered in one place. ``.streamlit/config.toml`` also sets ``client.showErrorDetails =
"none"`` for whatever fails outside a page (page setup, navigation).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

import streamlit as st
from streamlit import config as streamlit_config
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from ui.messages import t
from ui.page import current_lang

log = logging.getLogger(__name__)

REFERENCE_BYTES = 4  # 8 hex digits: short enough to read out on the phone, unique enough in a log


def new_reference() -> str:
    return secrets.token_hex(REFERENCE_BYTES)


def report_unexpected(exc: BaseException) -> str:
    """Log ``exc`` with its traceback under a new reference, show the person the plain
    message with that reference, and return the reference."""
    reference = new_reference()
    log.error("unexpected error on a page, reference %s", reference, exc_info=exc)
    st.error(t("error.unexpected", current_lang(), ref=reference))
    return reference


def under_apptest() -> bool:
    # Looked up on the module at each call: AppTest patches ``streamlit.config.get_option``
    # while it runs a script (``st.get_option`` is bound at import and does not see it).
    return bool(streamlit_config.get_option("global.appTest"))


def run_page(run: Callable[[], object], *, reraise: bool | None = None) -> str | None:
    """Run a page (``st.navigation(...).run``); an unexpected error becomes the plain
    message. Returns the error's reference, or None when the page ran through.

    Streamlit's own control flow (``st.rerun``, ``st.stop``, ``st.switch_page`` raise
    subclasses of ``ScriptControlException``) always passes through untouched.
    ``reraise`` (default: only under Streamlit's AppTest) raises the error again after
    the message is shown, so that page tests still see it as ``at.exception``.
    """
    try:
        run()
    except ScriptControlException:
        raise
    except Exception as exc:
        reference = report_unexpected(exc)
        if under_apptest() if reraise is None else reraise:
            raise
        return reference
    return None
