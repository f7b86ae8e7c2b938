"""Pieces that several pages draw alike: the campaign selector and the one-time success
message a page leaves for itself before ``st.rerun()``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

import streamlit as st


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
