"""Messages of the three rates (三率), their feed to indicators or deductions, and the
monthly bulletin (通报): app_pages/inspection_results.py and app_pages/inspection_bulletin.py.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {}
