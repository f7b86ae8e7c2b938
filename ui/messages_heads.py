"""Messages of what happens to heads (主要负责人的处理) on red cards: app_pages/rectification.py."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {
    # the card's closing step (services/cards.py close_card)
    "cards.status.closed": {"zh": "已结案", "en": "Closed"},
    # pending recommended removals (services/heads.py pending_head_actions)
    "heads.pending.header": {
        "zh": "待报主要负责人处理情况（{n} 个）",
        "en": "Recommended removals awaiting what was done about the head ({n})",
    },
    "heads.pending.line": {
        "zh": "{unit}（{code}）：主要负责人 {head}，{status}",
        "en": "{unit} ({code}): head {head}, {status}",
    },
    "heads.unknown_head": {"zh": "（未登记）", "en": "(not recorded)"},
    # the form
    "heads.form.header": {"zh": "登记主要负责人处理情况", "en": "Record what was done about the head"},
    "heads.form.help": {
        "zh": (
            "所涉主要负责人为本次评议登记的负责人：{head}。"
            "免职须填写决定日期、决定机关和文号；未免职须说明原因。"
        ),
        "en": (
            "The head concerned is the one this appraisal recorded: {head}. A removal needs the date, "
            "the deciding body and the document number; otherwise give the reason."
        ),
    },
    "heads.outcome": {"zh": "处理结果", "en": "Outcome"},
    "heads.outcome.removed": {"zh": "已免职", "en": "Removed from post"},
    "heads.outcome.not_removed": {"zh": "未免职", "en": "Not removed"},
    "heads.decided_on": {"zh": "决定日期", "en": "Date of the decision"},
    "heads.decision_body": {"zh": "决定机关", "en": "Deciding body"},
    "heads.document_number": {"zh": "文号", "en": "Document number"},
    "heads.reason": {
        "zh": "原因或说明（未免职时必填，如已调离、已退休、决定机关另有决定）",
        "en": "Reason or note (required if not removed: already left, retired, decided otherwise...)",
    },
    "heads.new_head_name": {"zh": "新任主要负责人（可选）", "en": "New head (optional)"},
    "heads.new_head_since": {"zh": "新任负责人到任日期", "en": "Date the new head took post"},
    "heads.new_head.help": {
        "zh": "填写新任负责人后，评议对象名录中该单位的主要负责人及到任日期随之更新。",
        "en": "A new head named here also becomes the unit's head in the unit register, with that date.",
    },
    "heads.submit": {"zh": "登记处理情况", "en": "Record it"},
    "heads.done": {"zh": "主要负责人处理情况已登记。", "en": "What was done about the head was recorded."},
    # the recorded action
    "heads.summary.header": {"zh": "主要负责人处理情况", "en": "What was done about the head"},
    "heads.summary.removed": {
        "zh": "{head} 已于 {on} 由{body}免职（{number}）。",
        "en": "{head} was removed from post on {on} by {body} ({number}).",
    },
    "heads.summary.not_removed": {"zh": "{head} 未免职：{reason}", "en": "{head} was not removed: {reason}"},
    "heads.summary.decision": {
        "zh": "决定：{on}，{body}（{number}）",
        "en": "Decision: {on}, {body} ({number})",
    },
    "heads.summary.note": {"zh": "说明：{reason}", "en": "Note: {reason}"},
    "heads.summary.new_head": {
        "zh": "新任主要负责人：{name}（{since} 到任）",
        "en": "New head: {name} (in post since {since})",
    },
    "heads.summary.recorded": {"zh": "{by} 登记于 {at}", "en": "Recorded by {by} on {at}"},
    "heads.not_yet": {
        "zh": "尚未登记主要负责人处理情况。",
        "en": "What was done about the head is not recorded yet.",
    },
    "heads.close": {"zh": "结案", "en": "Close the card"},
    "heads.close.help": {
        "zh": "结案需已登记主要负责人处理情况，且本案整改事项全部完成。",
        "en": "Closing needs what was done about the head and every ledger item of the case done.",
    },
    "heads.close.done": {"zh": "已结案。", "en": "The card was closed."},
    # the public unit page (app_pages/unit.py)
    "heads.public.removed": {
        "zh": "处理情况：{head} 已于 {on} 由{body}免职（{number}）。",
        "en": "Done: {head} was removed from post on {on} by {body} ({number}).",
    },
    # field names in refusals
    "heads.field.outcome": {"zh": "处理结果", "en": "Outcome"},
    "heads.field.decided_on": {"zh": "决定日期", "en": "Date of the decision"},
    "heads.field.decision_body": {"zh": "决定机关", "en": "Deciding body"},
    "heads.field.document_number": {"zh": "文号", "en": "Document number"},
    "heads.field.reason": {"zh": "原因", "en": "Reason"},
    "heads.field.new_head_name": {"zh": "新任主要负责人", "en": "New head"},
    "heads.field.new_head_since": {"zh": "新任负责人到任日期", "en": "Date the new head took post"},
    "heads.field.correction": {"zh": "更正理由", "en": "Reason for the correction"},
    # refusals (services/heads.py; the same placeholders as their English wording)
    "heads.refused.outcome": {
        "zh": "处理结果只能是已免职或未免职。",
        "en": "The outcome is removed or not removed.",
    },
    "heads.refused.not_recommended": {
        "zh": "该牌未建议对主要负责人免职，无需登记。",
        "en": "This card does not recommend the removal of the unit's head.",
    },
    "heads.refused.already": {
        "zh": "该牌已登记主要负责人处理情况，如有错误请更正。",
        "en": "What was done about the head is already recorded; correct it instead.",
    },
    "heads.refused.none_yet": {
        "zh": "该牌尚未登记主要负责人处理情况，无可更正。",
        "en": "Nothing is recorded about the head yet to correct.",
    },
    "heads.refused.card_final": {
        "zh": "该牌已办结，处理情况不能再更改。",
        "en": "This card is {status}: what was done about the head can no longer change.",
    },
    "heads.refused.required": {"zh": "请填写{field}。", "en": "{field} is required."},
    "heads.refused.too_long": {"zh": "{field}最多 {max} 个字。", "en": "{field}: at most {max} characters."},
    "heads.refused.formula": {
        "zh": "{field}不能以 = + - @ 等公式符号开头。",
        "en": "{field} must not start like a spreadsheet formula (= + - @).",
    },
    "heads.refused.future": {
        "zh": "{field}（{on}）晚于今天（{today}）。",
        "en": "{field} ({on}) is after today ({today}).",
    },
    "heads.refused.before_card": {
        "zh": "{field}（{on}）早于亮牌日期（{issued}）。",
        "en": "{field} ({on}) is before the card was issued ({issued}).",
    },
    "heads.refused.new_head_not_removed": {
        "zh": "只有免职时才在此填写新任负责人；其他情况请在评议对象名录中更改负责人。",
        "en": "A new head is named here only with a removal; otherwise change the head in the unit register.",
    },
    "heads.refused.new_head_same": {
        "zh": "{name} 是被处理的负责人，不是新任负责人。",
        "en": "{name} is the head concerned, not a new head.",
    },
    "heads.refused.new_head_since": {
        "zh": "请填写新任负责人的到任日期。",
        "en": "Give the date the new head took post.",
    },
    "heads.refused.new_head_before": {
        "zh": "新任负责人到任日期（{on}）早于免职决定日期（{decided}）。",
        "en": "The new head's date ({on}) is before the removal was decided ({decided}).",
    },
    "heads.refused.new_head_kept": {
        "zh": "已登记新任负责人 {name}，不能更正为未免职。",
        "en": "A new head ({name}) was named: the outcome cannot be corrected to not removed.",
    },
}
