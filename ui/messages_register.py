"""Message catalogue section: see ui/messages.py (zh and en side by side; no streamlit)."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {}
