"""What a page test checks of Streamlit's own words: which widgets would say something in
English (a form that explains Ctrl+Enter, an uploader without our limit, a multiple
choice with "Choose options" and "Select all")."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest


def nodes(at: AppTest, kind: str) -> list[Any]:
    """Every element or block of ``kind`` (``"form"``, ``"file_uploader"``...) on the page."""
    found: list[Any] = []

    def walk(node: object) -> None:
        for child in getattr(node, "children", {}).values():
            if getattr(child, "type", "") == kind:
                found.append(child)
            walk(child)

    walk(at._tree)
    return found


def enter_submitting_forms(at: AppTest) -> list[str]:
    """The forms that submit on Enter: Streamlit writes "Press Ctrl+Enter to submit form"
    (in English) under each of their text fields."""
    return [form.proto.form.form_id for form in nodes(at, "form") if form.proto.form.enter_to_submit]


def upload_limits_mb(at: AppTest) -> dict[str, int]:
    """Each file uploader's limit in MB (what the browser enforces and Streamlit shows)."""
    return {u.proto.label: u.proto.max_upload_size_mb for u in nodes(at, "file_uploader")}
