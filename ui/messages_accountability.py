"""Messages of accountability cases (问责案件): app_pages/accountability.py and app_pages/typical_cases.py."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {}
