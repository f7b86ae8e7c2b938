"""The problem types a respondent may tick (问题类型): the work-style problems of the
"twelve harms" (十二害, in four groups of three characters) and the three kinds of
misused office (不作为、慢作为、乱作为).

Only codes live here; their zh/en labels are in the message catalogue
(``problem.<code>`` in ui/messages.py).
"""

from __future__ import annotations

from typing import Final

TWELVE_HARMS: Final = (
    "cold_hard_shirking",  # 冷硬推
    "waiting_relying",  # 等靠要
    "mediocre_lazy_lax",  # 庸懒散
    "false_slow_delay",  # 假慢拖
)
INACTION: Final = (
    "inaction",  # 不作为
    "slow_action",  # 慢作为
    "misconduct",  # 乱作为
)
PROBLEM_TYPES: Final = TWELVE_HARMS + INACTION

# Respondent variables the survey asks for (all optional); raking uses those the
# campaign's method lists under [weighting.margins].
RESPONDENT_ATTRIBUTES: Final = ("age_band", "sex", "district")
DEFAULT_AGE_BANDS: Final = ("18-34", "35-59", "60+")
DEFAULT_SEXES: Final = ("male", "female")
MAX_COMMENT_CHARS: Final = 500
MAX_ATTRIBUTE_CHARS: Final = 64
