"""Message catalogue section: see ui/messages.py (zh and en side by side; no streamlit).

A campaign's history (往年评议结果) derived through reorganisations (ui/history.py) and
the heads of units unsatisfactory two years running (scoring, results and card pages)."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {
    "history.title": {"zh": "往年评议结果", "en": "Earlier years' results"},
    "history.help": {
        "zh": "连续两年不满意的认定以此为据：每个评议对象在本系列往年终审公示结果中是否列入“十差”（不满意）。"
        "机构改革后：更名或调整序列的单位保留自己的往年结果；合并后的单位承继主要前身单位的往年结果"
        "（其他前身单位不承继）；拆分后的各单位承继原单位的往年结果。某年没有参评的不记录，按“满意”计。",
        "en": "The two-years-running rule reads this: whether each unit was on the ten-worst list "
        "(unsatisfactory) in the final published results of the series' earlier appraisals. Through "
        "reorganisations: a renamed or moved unit keeps its own past; a merged unit takes the past of its "
        "principal predecessor (not of the others); each part of a split takes the past of the unit it came "
        "from. A year without an appraisal has no entry and counts as not unsatisfactory.",
    },
    "history.col.unit": {"zh": "评议对象", "en": "Unit"},
    "history.col.year": {"zh": "年度", "en": "Year"},
    "history.col.unsatisfactory": {"zh": "是否不满意", "en": "Unsatisfactory"},
    "history.col.source": {"zh": "来源", "en": "Source"},
    "history.col.via": {"zh": "承继路径", "en": "Carried through"},
    "history.unsatisfactory": {"zh": "不满意", "en": "Unsatisfactory"},
    "history.satisfactory": {"zh": "—", "en": "—"},
    "history.source.derived": {
        "zh": "{campaign} 公示结果：{unit}",
        "en": "{campaign} published results: {unit}",
    },
    "history.source.imported": {
        "zh": "数据包导入（history.csv）",
        "en": "Imported from the bundle (history.csv)",
    },
    "history.via.own": {"zh": "本单位", "en": "The unit itself"},
    "history.via.rename": {"zh": "{on} 更名", "en": "Renamed {on}"},
    "history.via.move": {"zh": "{on} 调整序列", "en": "Moved to another category {on}"},
    "history.via.merge": {"zh": "{on} 合并（主要前身单位）", "en": "Merged {on} (principal predecessor)"},
    "history.via.split": {"zh": "{on} 拆分", "en": "Split {on}"},
    "history.via.successor": {"zh": "更名（启用新代码）", "en": "Renamed with a new code"},
    "history.via.undated": {"zh": "日期未记录", "en": "Date not recorded"},
    "history.via.sep": {"zh": " → ", "en": " → "},
    "history.empty": {
        "zh": "暂无往年评议结果：本系列没有更早的终审公示结果，或各单位往年均未参评。",
        "en": "No earlier results: the series has no earlier final published results, or none of the units "
        "took part in them.",
    },
    "history.current": {
        "zh": "与往年公示结果和机构改革记录一致。",
        "en": "Up to date with the earlier published results and the recorded reorganisations.",
    },
    "history.stale": {
        "zh": "往年公示结果或机构改革记录与下表不一致：请重新生成。",
        "en": "The earlier published results or the recorded reorganisations differ from this table: "
        "derive it again.",
    },
    "history.stale.frozen": {
        "zh": "评议已开始，往年结果作为计分依据已锁定；与当前往年公示结果或机构改革记录不一致之处不再更新。",
        "en": "Fieldwork has opened: the history is a method input and stays as it is, although the earlier "
        "published results or the recorded reorganisations now differ from it.",
    },
    "history.frozen": {
        "zh": "评议已开始，往年结果作为计分依据已锁定。",
        "en": "Fieldwork has opened: the history is a method input and is locked.",
    },
    "history.derive": {"zh": "从往年公示结果生成", "en": "Derive from earlier published results"},
    "history.derive.help": {
        "zh": "按上述规则重新生成，替换本次评议现有的往年结果（留痕）。",
        "en": "Derive it again by the rules above, replacing this campaign's history (audited).",
    },
    "history.derived": {
        "zh": "已生成往年评议结果：{n} 条，其中不满意 {bad} 条。",
        "en": "History derived: {n} entries, {bad} of them unsatisfactory.",
    },
    "history.error": {"zh": "无法完成：{detail}", "en": "Not done: {detail}"},
    "history.head.since": {"zh": "{name}（{since} 到任）", "en": "{name} (in post since {since})"},
    "history.head.changed": {
        "zh": "{name}（{since} 到任；{earlier}）",
        "en": "{name} (in post since {since}; {earlier})",
    },
    "history.head.changed.undated": {"zh": "{name}（{earlier}）", "en": "{name} ({earlier})"},
    "history.head.earlier": {"zh": "{year} 年为{name}", "en": "{name} in {year}"},
    "history.head.unknown": {"zh": "未记录", "en": "Not recorded"},
    "history.head.sep": {"zh": "，", "en": ", "},
}
