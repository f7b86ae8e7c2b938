"""Pieces that several pages draw alike: the campaign selector, the one-time success
message a page leaves for itself before ``st.rerun()``, and widgets that say nothing in
Streamlit's own English (a file field, a multiple choice)."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from ui.messages import Lang, t


class HasCode(Protocol):
    @property
    def code(self) -> str: ...


C = TypeVar("C", bound=HasCode)


def show_flash(key: str) -> None:
    """Show, once, the success message stored under ``key`` by the previous run."""
    message = st.session_state.pop(key, None)
    if message:
        st.success(message, icon=":material/task_alt:")


def choose_campaign(
    campaigns: Sequence[C],
    label: str,
    option: Callable[[C], str],
    *,
    empty: str,
    key: str | None = None,
    from_url: bool = False,
) -> C:
    """A selector over ``campaigns`` (labelled by ``option``); with none to choose, the
    ``empty`` notice is shown and the page stops. ``from_url`` preselects ``?campaign=``."""
    if not campaigns:
        st.info(empty)
        st.stop()
    by_code = {c.code: c for c in campaigns}
    codes = list(by_code)
    wanted = st.query_params.get("campaign") if from_url else None
    code = st.selectbox(
        label,
        codes,
        index=codes.index(wanted) if wanted in codes else 0,
        format_func=lambda c: option(by_code[c]),
        key=key,
    )
    return by_code[code]


def file_field(
    label: str, *, key: str, max_bytes: int, types: Sequence[str] | None = None
) -> UploadedFile | None:
    """One file, at most ``max_bytes`` (the service's own limit, which it enforces again).

    The browser refuses a larger file before sending it; ``label`` (ours, in the
    person's language) states the limit, since Streamlit's English note under the button
    is hidden (:func:`chrome_style`)."""
    return st.file_uploader(
        label, type=list(types) if types else None, key=key, max_upload_size=math.ceil(max_bytes / 2**20)
    )


def multi_choice(label: str, options: Sequence[Any], lang: Lang, **kwargs: Any) -> list[Any]:
    """``st.multiselect`` without Streamlit's English: our placeholder instead of "Choose
    options", and no "Select all" entry (which would also act on thousands at one click)."""
    kwargs.setdefault("placeholder", t("widgets.choose", lang))
    return st.multiselect(label, options, select_all=False, **kwargs)


def chrome_style(lang: Lang) -> None:
    """Say in ``lang`` what Streamlit's file uploader says in English.

    Streamlit 1.67 has no option for the uploader's "Upload" button and its "200MB per
    file" note; this restyles them through their test ids: the note is hidden (each
    field's label states its limit) and the button says the catalogue's word."""
    browse = html.escape(t("widgets.upload.browse", lang)).replace('"', "")
    st.html(
        "<style>"
        '[data-testid="stFileUploaderDropzoneInstructions"] { display: none; }'
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p'
        " { display: none; }"
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after'
        f' {{ content: "{browse}"; }}'
        "</style>"
    )
