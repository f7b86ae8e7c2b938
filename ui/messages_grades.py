"""Message catalogue section: see ui/messages.py (zh and en side by side; no streamlit).

Grade schemes (等次方案). A band's own label comes from the campaign (``design["grade_labels"]``);
the default bands keep their catalogue words (``results.grade.*``); these keys only say how
a scheme is shown in one line.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {
    "grades.scheme": {"zh": "等次方案：{bands}", "en": "Grade scheme: {bands}"},
    "grades.band": {"zh": "{label} ≥ {bound}", "en": "{label} ≥ {bound}"},
    "grades.bottom": {
        "zh": "{label}：其余，以及被一票否决或无综合得分的单位",
        "en": "{label}: the rest, and units vetoed or without a final score",
    },
    "grades.sep": {"zh": "；", "en": "; "},
}
