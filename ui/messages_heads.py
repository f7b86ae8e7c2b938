"""Messages of what happens to heads (主要负责人的处理) on red cards: app_pages/rectification.py."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {}
