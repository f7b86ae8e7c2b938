"""Message catalogue section: see ui/messages.py (zh and en side by side; no streamlit).

Paging of long lists on the staff pages (the review queue, app_pages/review.py).
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {
    "review.queue.page": {"zh": "页码（共 {pages} 页）", "en": "Page (of {pages})"},
    "review.queue.page_rows": {
        "zh": "本页第 {first}–{last} 份，共 {shown} 份",
        "en": "Responses {first}–{last} of {shown} on this page",
    },
}
