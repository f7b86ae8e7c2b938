"""Messages of the fault-tolerance procedure (容错免责): app_pages/fault_tolerance.py."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {}
