"""Message catalogue section: see ui/messages.py (zh and en side by side; no streamlit).

The questionnaire designer (app_pages/questionnaire.py, services/questionnaire_design.py),
the item sets in the survey, and the defects of questionnaire files
(services/questionnaire_files.py)."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {
    # the page
    "qdesign.title": {"zh": "问卷设计", "en": "Questionnaire designer"},
    "qdesign.intro": {
        "zh": "设计评议活动的问卷：量表、群众问卷和电话访问的题目、按单位序列和评议主体划分的题组，"
        "并预览群众在手机上看到的问卷。开始评议（实地调查）后问卷即冻结。",
        "en": "Design a campaign's questionnaire: scales, the survey's and the phone script's questions, "
        "item sets per unit category and respondent group, and a preview of what a respondent sees "
        "on a phone. The questionnaire is frozen once fieldwork opens.",
    },
    "qdesign.campaign": {"zh": "评议活动", "en": "Campaign"},
    "qdesign.no_campaigns": {
        "zh": "还没有评议活动，请先在“评议活动设计”中创建。",
        "en": "There is no campaign yet; create one on the campaign designer first.",
    },
    "qdesign.status.draft": {"zh": "草稿", "en": "Draft"},
    "qdesign.status.fieldwork": {"zh": "评议进行中", "en": "Fieldwork"},
    "qdesign.status.scoring": {"zh": "计分中", "en": "Scoring"},
    "qdesign.status.review": {"zh": "结果审核", "en": "Review"},
    "qdesign.status.published": {"zh": "公示期", "en": "Published"},
    "qdesign.status.final": {"zh": "已定稿", "en": "Final"},
    "qdesign.frozen": {
        "zh": "该评议活动处于“{status}”阶段：问卷在开始评议时已冻结，只能查看。"
        "如需修改，请先将活动退回草稿并说明理由。",
        "en": "This campaign is in {status}: the questionnaire was frozen when fieldwork opened and can only "
        "be viewed. To change it, return the campaign to draft with a reason first.",
    },
    "qdesign.error": {"zh": "未能保存：{detail}", "en": "Not saved: {detail}"},
    "qdesign.rejected": {
        "zh": "未作任何修改：发现 {n} 处问题（按文件、行、列列出）。",
        "en": "Nothing was changed: {n} problem(s) found (by file, line and column).",
    },
    "qdesign.saved": {"zh": "已保存（{n} 处修改）。", "en": "Saved ({n} change(s))."},
    "qdesign.imported": {"zh": "问卷已导入（{n} 处修改）。", "en": "Questionnaire imported ({n} change(s))."},
    "qdesign.tab.survey": {"zh": "群众问卷题目", "en": "Survey questions"},
    "qdesign.tab.phone": {"zh": "电话访问题目", "en": "Phone script"},
    "qdesign.tab.scales": {"zh": "量表", "en": "Scales"},
    "qdesign.tab.sets": {"zh": "题组", "en": "Item sets"},
    "qdesign.tab.preview": {"zh": "预览", "en": "Preview"},
    "qdesign.tab.files": {"zh": "导入导出", "en": "Import and export"},
    # items
    "qdesign.items.help.survey": {
        "zh": "群众通过扫码或链接填写的题目，按表中顺序显示。可在表格中增删改，改完点“保存题目”。",
        "en": "The questions citizens answer by link or QR code, in the table's order. Add, change or "
        "delete rows in the table, then press “Save questions”.",
    },
    "qdesign.items.help.phone": {
        "zh": "第三方电话访问员宣读、语音自动回访（IVR）播报的题目，按表中顺序提问。",
        "en": "The questions the contractor's callers read out and the automatic calls (IVR) ask, in the "
        "table's order.",
    },
    "qdesign.items.none": {"zh": "没有题目。", "en": "No questions."},
    "qdesign.items.sets_help": {
        "zh": "题组：“适用序列”和“适用评议主体”留空表示对所有单位序列、所有评议主体都提问。",
        "en": "Item sets: leave “Unit categories” and “Respondent groups” empty to ask every category "
        "and every group.",
    },
    "qdesign.items.save": {"zh": "保存题目", "en": "Save questions"},
    "qdesign.move.item": {"zh": "调整顺序的题目", "en": "Question to move"},
    "qdesign.move.up": {"zh": "上移", "en": "Move up"},
    "qdesign.move.down": {"zh": "下移", "en": "Move down"},
    "qdesign.col.code": {"zh": "题目编号", "en": "Code"},
    "qdesign.col.text_zh": {"zh": "题目（中文）", "en": "Question (Chinese)"},
    "qdesign.col.text_en": {"zh": "题目（英文）", "en": "Question (English)"},
    "qdesign.col.scale": {"zh": "量表", "en": "Scale"},
    "qdesign.col.weight": {"zh": "权重", "en": "Weight"},
    "qdesign.col.unit_categories": {"zh": "适用序列", "en": "Unit categories"},
    "qdesign.col.respondent_groups": {"zh": "适用评议主体", "en": "Respondent groups"},
    # scales
    "qdesign.scales.help": {
        "zh": "量表的选项：编码、中英文标签和分值（0–100）。分值留空的选项即“不了解”，每个量表最多一个。",
        "en": "A scale's options: code, Chinese and English labels and score (0–100). An option without "
        "a score is “don't know”; a scale has at most one.",
    },
    "qdesign.scales.pick": {"zh": "量表", "en": "Scale"},
    "qdesign.scales.new": {"zh": "（新建量表）", "en": "(new scale)"},
    "qdesign.scales.code": {"zh": "新量表编码", "en": "New scale's code"},
    "qdesign.scales.builtin": {
        "zh": "sat3 是评分方法内置的量表（满意 100、基本满意 60、不满意 0、不了解），不能修改；"
        "如需其他选项请新建量表。",
        "en": "The method's built-in scale sat3 (satisfied 100, basically satisfied 60, dissatisfied 0, "
        "don't know) cannot be changed; make a new scale for other options.",
    },
    "qdesign.scales.score_help": {
        "zh": "分值留空 = 不了解（不计入得分）。",
        "en": "Empty score = don't know (not scored).",
    },
    "qdesign.scales.save": {"zh": "保存量表", "en": "Save scale"},
    "qdesign.scales.delete": {"zh": "删除量表", "en": "Delete scale"},
    "qdesign.col.option_code": {"zh": "选项编码", "en": "Option code"},
    "qdesign.col.label_zh": {"zh": "标签（中文）", "en": "Label (Chinese)"},
    "qdesign.col.label_en": {"zh": "标签（英文）", "en": "Label (English)"},
    "qdesign.col.score": {"zh": "分值", "en": "Score"},
    # item sets
    "qdesign.sets.help": {
        "zh": "每个单位序列 × 评议主体所答的题目（由题目的“适用序列”“适用评议主体”决定）。",
        "en": "The questions each unit category × respondent group is asked (from each question's "
        "unit categories and respondent groups).",
    },
    "qdesign.sets.survey": {"zh": "群众问卷", "en": "Survey"},
    "qdesign.sets.phone": {"zh": "电话访问", "en": "Phone script"},
    "qdesign.sets.category": {"zh": "单位序列", "en": "Unit category"},
    "qdesign.notice.no_survey_items": {
        "zh": "群众问卷还没有题目。",
        "en": "The survey has no questions yet.",
    },
    "qdesign.notice.no_units": {
        "zh": "该活动还没有评议对象，题组无法按序列显示。",
        "en": "The campaign has no units yet, so the item sets cannot be shown by category.",
    },
    "qdesign.notice.empty_set": {
        "zh": "“{category}”序列的“{group}”没有任何问卷题目。",
        "en": "{group} asked about a {category} unit get no survey questions.",
    },
    "qdesign.notice.unknown_category": {
        "zh": "{instrument} 题目 {item} 的题组包含序列“{category}”，但本活动没有该序列的单位"
        "（导出的数据包会被拒绝）。",
        "en": "{instrument} question {item} names category {category}, which no unit of the campaign has "
        "(the exported bundle would be refused).",
    },
    "qdesign.notice.unknown_group": {
        "zh": "{instrument} 题目 {item} 的题组包含评议主体“{group}”，但本活动没有该评议主体。",
        "en": "{instrument} question {item} names respondent group {group}, which the campaign "
        "does not have.",
    },
    "qdesign.notice.no_phone_items": {
        "zh": "“{category}”序列的单位没有电话访问题目。",
        "en": "Units of category {category} get no phone questions.",
    },
    # preview
    "qdesign.preview.help": {
        "zh": "选择一个单位和评议主体，按手机宽度预览群众看到的问卷"
        "（与群众页面同一套显示代码，只读，不保存任何内容）。",
        "en": "Choose a unit and a respondent group to see the questionnaire as a respondent sees it at "
        "phone width (drawn by the survey page's own code, read-only; nothing is saved).",
    },
    "qdesign.preview.unit": {"zh": "评议对象", "en": "Unit"},
    "qdesign.preview.group": {"zh": "评议主体", "en": "Respondent group"},
    "qdesign.preview.lang": {"zh": "预览语言", "en": "Preview language"},
    "qdesign.preview.nothing": {
        "zh": "该活动还没有评议对象或评议主体，无法预览。",
        "en": "The campaign has no units or no respondent groups yet, so there is nothing to preview.",
    },
    "qdesign.preview.empty": {
        "zh": "该单位和评议主体没有任何题目。",
        "en": "This unit and group get no questions.",
    },
    # files
    "qdesign.files.help": {
        "zh": "问卷可导出为 zip（items.csv 和 scales.csv，与评议数据包格式相同），在 Excel 中编辑后再导入；"
        "导入按数据包的同一套规则检查，有任何问题则全部不导入。",
        "en": "Export the questionnaire as a zip (items.csv and scales.csv, as in a bundle), edit it in "
        "Excel and import it again; an import is checked by the bundle's rules and nothing is imported "
        "if anything is wrong.",
    },
    "qdesign.files.export": {"zh": "导出问卷（zip）", "en": "Export questionnaire (zip)"},
    "qdesign.files.upload": {
        "zh": "问卷文件：zip 或 items.csv（不超过 {mb} MB）",
        "en": "Questionnaire file: a zip or items.csv (at most {mb} MB)",
    },
    "qdesign.files.import": {"zh": "导入并替换问卷", "en": "Import and replace the questionnaire"},
    # the survey with item sets
    "qdesign.survey.group_first": {
        "zh": "请先选择您的身份，再显示相应的题目。",
        "en": "Choose who you are first; your questions follow.",
    },
    "qdesign.refused.outside_set": {
        "zh": "答卷包含不属于该单位或您身份的题目，未保存。请重新打开问卷填写。",
        "en": "The answers include a question not asked about this unit or of your group; nothing was "
        "saved. Please open the questionnaire again.",
    },
    # defects of questionnaire files and edits (services/questionnaire_files.py)
    "qdesign.defect.dont_know_twice": {
        "zh": "量表“{scale}”有不止一个没有分值的选项；只有一个（不了解）可以没有分值",
        "en": 'Scale "{scale}" has more than one option without a score; only one (不了解, don\'t know) '
        "may have none",
    },
    "qdesign.defect.no_scored_option": {
        "zh": "量表“{scale}”没有带分值的选项",
        "en": 'Scale "{scale}" has no option with a score',
    },
    "qdesign.defect.alike": {
        "zh": "“{value}”与“{other}”只有大小写、全半角或空格之差，容易被当成同一个",
        "en": '"{value}" differs from "{other}" only by case, full/half width or spaces, so people would '
        "take the two for one",
    },
    "qdesign.defect.unknown_group": {
        "zh": "本活动没有评议主体“{value}”（现有：{known}）",
        "en": 'The campaign has no respondent group "{value}" (it has: {known})',
    },
    "qdesign.defect.unknown_category": {
        "zh": "本活动和名录中都没有序列为“{value}”的单位（已有：{known}）",
        "en": 'No unit of the campaign or the register is in category "{value}" (known: {known})',
    },
    "qdesign.defect.no_items": {
        "zh": "缺少 items.csv：问卷需要 items.csv（自定义量表还需 scales.csv）",
        "en": "No items.csv: a questionnaire needs items.csv (and scales.csv for own scales)",
    },
    "qdesign.defect.required": {"zh": "必填单元格为空", "en": "The required cell is empty"},
    "qdesign.defect.column_missing": {
        "zh": "缺少必需的列“{name}”",
        "en": 'Required column "{name}" is missing',
    },
    "qdesign.defect.below": {"zh": "“{value}”小于 {min}", "en": '"{value}" is below {min}'},
    "qdesign.defect.not_number": {
        "zh": "“{value}”不是有效数字",
        "en": '"{value}" is not a finite number',
    },
    "qdesign.defect.score_range": {
        "zh": "“{value}”超出 0–100 的范围",
        "en": '"{value}" is outside [0, 100]',
    },
    "qdesign.defect.unknown_scale": {"zh": "没有量表“{value}”", "en": 'Unknown scale "{value}"'},
    "qdesign.defect.duplicate_item": {
        "zh": "题目重复（工具、题目编号）：“{value}”",
        "en": 'Duplicate (instrument, item_id) "{value}"',
    },
    "qdesign.defect.duplicate_option": {
        "zh": "选项重复（量表、选项编码）：“{value}”",
        "en": 'Duplicate (scale_id, code) "{value}"',
    },
    "qdesign.defect.instrument": {
        "zh": "“{value}”不是问卷工具（应为 survey 或 phone）",
        "en": '"{value}" is not an instrument (survey or phone)',
    },
    "qdesign.defect.spaces": {
        "zh": "“{value}”前后有空格，编号不能有",
        "en": '"{value}" has spaces before or after it',
    },
    "qdesign.defect.listed_twice": {"zh": "“{value}”列了两次", "en": '"{value}" is listed twice'},
    "qdesign.defect.empty_element": {
        "zh": "“{value}”中有空项；多个名称请用“;”分隔",
        "en": '"{value}" has an empty element; separate names with ";"',
    },
}
