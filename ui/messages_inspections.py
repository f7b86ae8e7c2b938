"""Messages of inspection rounds and visits (明察暗访): app_pages/inspections.py and app_pages/visits.py."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {}
