"""Messages of accountability cases (问责案件): app_pages/accountability.py and
app_pages/typical_cases.py, the labels of services/accountability.py's vocabularies and the
wordings of services/accountability_file.py."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {
    # ------------------------------------------------------------ vocabularies
    "accountability.type.inaction": {"zh": "不作为", "en": "Inaction"},
    "accountability.type.slow": {"zh": "慢作为", "en": "Slow action"},
    "accountability.type.misconduct": {"zh": "乱作为", "en": "Misconduct"},
    "accountability.subtype.self_willed": {"zh": "我行我素型", "en": "Self-willed"},
    "accountability.subtype.lax_untruthful": {"zh": "不严不实型", "en": "Lax and untruthful"},
    "accountability.subtype.idle": {"zh": "不勤不干型", "en": "Idle"},
    "accountability.subtype.timid": {"zh": "畏首畏尾型", "en": "Timid"},
    "accountability.subtype.clean_but_idle": {"zh": "廉而不为型", "en": "Clean but idle"},
    "accountability.subtype.slack_inefficient": {"zh": "消极懈怠、效率低下", "en": "Slack and inefficient"},
    "accountability.subtype.indifferent_perfunctory": {
        "zh": "漠视群众、敷衍应付",
        "en": "Indifferent to the public, perfunctory",
    },
    "accountability.subtype.uncoordinated_unimplemented": {
        "zh": "不协调、不落实",
        "en": "Uncoordinated, not carried out",
    },
    "accountability.subtype.obstructing_passing": {
        "zh": "“中梗阻”“踢皮球”",
        "en": "Obstructing, passing the buck",
    },
    "accountability.subtype.ignoring_procedure": {"zh": "不讲程序乱办事", "en": "Ignoring procedure"},
    "accountability.subtype.ignoring_principle": {"zh": "不讲原则乱办事", "en": "Ignoring principle"},
    "accountability.subtype.ignoring_rules": {"zh": "不讲规矩乱办事", "en": "Ignoring the rules"},
    "accountability.subtype.ignoring_law": {"zh": "不讲法纪乱办事", "en": "Ignoring law and discipline"},
    "accountability.source.survey_comment": {"zh": "问卷意见", "en": "Survey comment"},
    "accountability.source.hotline": {"zh": "12345热线", "en": "12345 hotline"},
    "accountability.source.inspection": {"zh": "明察暗访", "en": "Inspection"},
    "accountability.source.appeal": {"zh": "申诉/信访", "en": "Appeal or petition"},
    "accountability.source.media": {"zh": "媒体曝光", "en": "Media report"},
    "accountability.status.opened": {"zh": "已立案", "en": "Opened"},
    "accountability.status.investigated": {"zh": "已调查", "en": "Investigated"},
    "accountability.status.decided": {"zh": "已决定", "en": "Decided"},
    "accountability.status.published": {"zh": "已通报", "en": "Published"},
    "accountability.sanction.disciplinary_sanction": {"zh": "党纪政务处分", "en": "Disciplinary sanction"},
    "accountability.sanction.admonition_talk": {"zh": "诫勉谈话", "en": "Admonition talk"},
    "accountability.sanction.suspension": {"zh": "停职检查", "en": "Suspension"},
    "accountability.sanction.transfer": {"zh": "调离", "en": "Transfer"},
    "accountability.sanction.demotion": {"zh": "降职", "en": "Demotion"},
    "accountability.sanction.removal": {"zh": "免职", "en": "Removal from post"},
    "accountability.sanction.ordered_resignation": {"zh": "责令辞职", "en": "Ordered to resign"},
    "accountability.sanction.notified_criticism": {"zh": "通报批评", "en": "Notified criticism"},
    "accountability.sanction.written_self_criticism": {"zh": "书面检查", "en": "Written self-criticism"},
    "accountability.sanction.ordered_apology": {"zh": "责令公开道歉", "en": "Ordered public apology"},
    "accountability.category.disciplinary": {"zh": "党纪政务处分", "en": "Disciplinary"},
    "accountability.category.organisational": {"zh": "组织处理", "en": "Organisational"},
    "accountability.category.other": {"zh": "其他问责", "en": "Other accountability"},
    "accountability.deduction.none": {"zh": "无", "en": "None"},
    "accountability.deduction.proposed": {"zh": "待确认", "en": "Proposed"},
    "accountability.deduction.confirmed": {"zh": "已扣分", "en": "Confirmed"},
    "accountability.deduction.declined": {"zh": "不扣分", "en": "Declined"},
    "accountability.deduction.exempted": {"zh": "已免责", "en": "Exempted"},
    "accountability.exempt": {"zh": "容错免责", "en": "Exempt (容错免责)"},
    # ------------------------------------------------------------ the register page
    "accountability.title": {"zh": "问责案件", "en": "Accountability cases"},
    "accountability.intro": {
        "zh": "不作为、慢作为、乱作为问题的案件登记：立案、调查、处理决定、典型问题通报，"
        "处理人员（姓名加密保存、脱敏显示）以及对所在单位的扣分建议。扣分经确认后计入评议的加减分。",
        "en": "The register of cases of inaction, slow action and misconduct: opened, investigated, "
        "decided and published as typical cases, with the persons handled (names stored encrypted, "
        "shown masked) and the deduction each decided case proposes for its unit, which counts in the "
        "appraisal once confirmed.",
    },
    "accountability.error": {"zh": "操作未完成：{detail}", "en": "Not done: {detail}"},
    "accountability.all": {"zh": "全部", "en": "All"},
    "accountability.no_campaign": {"zh": "不属于评议活动", "en": "No campaign"},
    "accountability.filter.campaign": {"zh": "评议活动", "en": "Campaign"},
    "accountability.filter.type": {"zh": "问题类型", "en": "Type"},
    "accountability.filter.status": {"zh": "状态", "en": "Status"},
    "accountability.filter.text": {"zh": "搜索", "en": "Search"},
    "accountability.filter.text_hint": {
        "zh": "编号、单位、事实、处理机关",
        "en": "Number, unit, facts, disciplinary body",
    },
    "accountability.metric.cases": {"zh": "案件", "en": "Cases"},
    "accountability.metric.persons": {"zh": "处理人员", "en": "Persons handled"},
    "accountability.metric.disciplinary": {"zh": "党纪政务处分（人）", "en": "Disciplinary (persons)"},
    "accountability.metric.organisational": {"zh": "组织处理（人）", "en": "Organisational (persons)"},
    "accountability.counts.header": {"zh": "统计", "en": "Counts"},
    "accountability.counts.by_type": {"zh": "按问题类型", "en": "By type"},
    "accountability.counts.by_category": {"zh": "按处理方式", "en": "By sanction category"},
    "accountability.counts.by_unit": {"zh": "按单位", "en": "By unit"},
    "accountability.col.number": {"zh": "编号", "en": "Number"},
    "accountability.col.unit": {"zh": "单位", "en": "Unit"},
    "accountability.col.type": {"zh": "类型", "en": "Type"},
    "accountability.col.subtype": {"zh": "情形", "en": "Sub-type"},
    "accountability.col.status": {"zh": "状态", "en": "Status"},
    "accountability.col.opened_on": {"zh": "立案日期", "en": "Opened on"},
    "accountability.col.persons": {"zh": "处理人数", "en": "Persons"},
    "accountability.col.deduction": {"zh": "扣分", "en": "Deduction"},
    "accountability.col.cases": {"zh": "案件数", "en": "Cases"},
    "accountability.col.category": {"zh": "处理方式", "en": "Category"},
    "accountability.col.step": {"zh": "环节", "en": "Step"},
    "accountability.col.date": {"zh": "日期", "en": "Date"},
    "accountability.col.name": {"zh": "姓名", "en": "Name"},
    "accountability.col.post": {"zh": "职务", "en": "Post"},
    "accountability.col.level": {"zh": "职级", "en": "Level"},
    "accountability.col.sanction": {"zh": "处理方式", "en": "Sanction"},
    "accountability.col.sanctioned_on": {"zh": "处理日期", "en": "Sanctioned on"},
    "accountability.list.header": {"zh": "案件登记", "en": "Register"},
    "accountability.list.empty": {"zh": "没有符合条件的案件。", "en": "No cases match."},
    "accountability.list.found": {"zh": "共 {n} 件。", "en": "{n} case(s)."},
    "accountability.tab.detail": {"zh": "案件详情", "en": "Case"},
    "accountability.tab.open": {"zh": "立案", "en": "Open a case"},
    "accountability.tab.import": {"zh": "导入", "en": "Import"},
    "accountability.tab.rule": {"zh": "扣分规则", "en": "Deduction rule"},
    # the case
    "accountability.detail.choose": {"zh": "选择案件", "en": "Case"},
    "accountability.detail.none": {"zh": "暂无案件。", "en": "No cases yet."},
    "accountability.detail.heading": {"zh": "{number}：{unit}", "en": "{number}: {unit}"},
    "accountability.detail.kind": {"zh": "{type}／{subtype}", "en": "{type} / {subtype}"},
    "accountability.detail.source": {"zh": "来源：{source} {ref}", "en": "Source: {source} {ref}"},
    "accountability.detail.body": {"zh": "处理机关：{body}", "en": "Disciplinary body: {body}"},
    "accountability.detail.campaign": {"zh": "评议活动：{campaign}", "en": "Campaign: {campaign}"},
    "accountability.detail.facts": {"zh": "问题事实", "en": "Facts"},
    "accountability.detail.decision": {"zh": "处理决定", "en": "Decision"},
    "accountability.detail.steps": {"zh": "办理环节", "en": "Steps"},
    "accountability.detail.exempt": {
        "zh": "本案已经容错免责，不扣分。",
        "en": "This case is exempt (容错免责): it carries no deduction.",
    },
    "accountability.advance.header": {"zh": "推进到下一环节", "en": "Next step"},
    "accountability.advance.to": {"zh": "下一环节：{step}", "en": "Next step: {step}"},
    "accountability.advance.on": {"zh": "日期", "en": "Date"},
    "accountability.advance.note": {"zh": "说明", "en": "Note"},
    "accountability.advance.decision": {"zh": "处理决定（必填）", "en": "Decision (required)"},
    "accountability.advance.run": {"zh": "确认", "en": "Confirm"},
    "accountability.advance.done": {
        "zh": "案件 {number} 已进入“{step}”。",
        "en": "Case {number} is now {step}.",
    },
    "accountability.advance.final": {
        "zh": "本案已通报，不能再修改。",
        "en": "This case is published: it can no longer change.",
    },
    "accountability.edit.header": {"zh": "修改案件", "en": "Correct the case"},
    "accountability.edit.run": {"zh": "保存修改", "en": "Save"},
    "accountability.edit.done": {"zh": "案件 {number} 已修改。", "en": "Case {number} was corrected."},
    "accountability.persons.header": {"zh": "处理人员", "en": "Persons handled"},
    "accountability.persons.none": {"zh": "尚未登记处理人员。", "en": "No person handled is recorded yet."},
    "accountability.persons.masked": {
        "zh": "姓名已脱敏显示；如确需查看完整姓名，可逐人查看，查看记录会写入审计日志。",
        "en": "Names are shown masked. An admin may see one name in full; each look is written to the "
        "audit trail.",
    },
    "accountability.persons.add": {"zh": "登记处理人员", "en": "Add a person handled"},
    "accountability.persons.add.run": {"zh": "登记", "en": "Add"},
    "accountability.persons.added": {"zh": "已登记处理人员。", "en": "The person was added."},
    "accountability.persons.has_date": {"zh": "填写处理日期", "en": "Give the date of the sanction"},
    "accountability.persons.choose": {"zh": "选择人员", "en": "Person"},
    "accountability.persons.reveal": {"zh": "查看完整姓名", "en": "Show the full name"},
    "accountability.persons.revealed": {"zh": "完整姓名：{name}", "en": "Full name: {name}"},
    "accountability.persons.remove": {"zh": "删除此人", "en": "Remove this person"},
    "accountability.persons.removed": {"zh": "已删除处理人员。", "en": "The person was removed."},
    "accountability.deduction.header": {"zh": "扣分", "en": "Deduction"},
    "accountability.deduction.state": {"zh": "扣分状态：{state}", "en": "Deduction: {state}"},
    "accountability.deduction.proposal": {
        "zh": "按本活动的扣分规则，建议对该单位扣 {points} 分。",
        "en": "The campaign's rule proposes a deduction of {points} points for the unit.",
    },
    "accountability.deduction.outlook": {
        "zh": "该单位已扣 {total} 分，确认后合计 {after} 分；评分时最多扣 {cap} 分。",
        "en": "The unit has {total} deduction points; after this {after}. Scoring applies at most {cap}.",
    },
    "accountability.deduction.over_cap": {
        "zh": "确认后合计超过上限 {cap} 分，超出部分不计入评分。",
        "en": "After this the total is over the cap of {cap}: scoring applies no more than the cap.",
    },
    "accountability.deduction.confirm": {"zh": "确认扣分", "en": "Confirm the deduction"},
    "accountability.deduction.confirmed_flash": {
        "zh": "已扣分，记入加减分第 {id} 条。",
        "en": "The deduction was confirmed as adjustment {id}.",
    },
    "accountability.deduction.decline_reason": {"zh": "不扣分的理由", "en": "Reason for declining"},
    "accountability.deduction.decline": {"zh": "不扣分", "en": "Decline"},
    "accountability.deduction.declined_flash": {"zh": "已决定不扣分。", "en": "The deduction was declined."},
    "accountability.deduction.reason_required": {"zh": "请填写理由。", "en": "Give a reason."},
    "accountability.deduction.no_campaign": {
        "zh": "本案不属于评议活动，不产生扣分。",
        "en": "This case belongs to no campaign: it proposes no deduction.",
    },
    "accountability.publication.header": {"zh": "典型问题通报", "en": "Publication as a typical case"},
    "accountability.publication.summary": {
        "zh": "公开摘要（不得出现处理人员姓名）",
        "en": "Public summary (must not name a person handled)",
    },
    "accountability.publication.marked": {
        "zh": "已列入通报，通报后公开显示。",
        "en": "Marked for publication: shown to the public once published.",
    },
    "accountability.publication.mark": {"zh": "列入通报", "en": "Mark for publication"},
    "accountability.publication.unmark": {"zh": "撤出通报", "en": "Take off the publication list"},
    "accountability.publication.marked_flash": {"zh": "已列入通报。", "en": "Marked for publication."},
    "accountability.publication.unmarked_flash": {
        "zh": "已撤出通报。",
        "en": "Taken off the publication list.",
    },
    # opening
    "accountability.open.campaign": {
        "zh": "评议活动（扣分计入该活动）",
        "en": "Campaign (deductions count in it)",
    },
    "accountability.open.type": {"zh": "问题类型", "en": "Type"},
    "accountability.open.number": {"zh": "案件编号", "en": "Case number"},
    "accountability.open.unit": {"zh": "被问责单位", "en": "Unit"},
    "accountability.open.subtype": {"zh": "具体情形", "en": "Sub-type"},
    "accountability.open.source": {"zh": "线索来源", "en": "Source"},
    "accountability.open.source_ref": {"zh": "来源编号", "en": "Source reference"},
    "accountability.open.body": {"zh": "处理机关", "en": "Disciplinary body"},
    "accountability.open.opened_on": {"zh": "立案日期", "en": "Opened on"},
    "accountability.open.facts": {"zh": "问题事实", "en": "Facts"},
    "accountability.open.run": {"zh": "立案", "en": "Open the case"},
    "accountability.open.done": {"zh": "已立案：{number}。", "en": "Case {number} was opened."},
    "accountability.open.no_units": {"zh": "没有可选的单位。", "en": "There is no unit to choose."},
    # import
    "accountability.import.intro": {
        "zh": "案件文件每行一案，列：案件编号、单位编码、类型、情形、来源、来源编号、处理机关、立案日期、"
        "状态（已立案、已调查或已决定）、调查日期、决定日期、处理决定、问题事实。处理人员放在第二个文件"
        "或 Excel 的第二个工作表：案件编号、姓名、职务、职级、处理方式。表头也可以用英文列名。"
        "有任何问题则整份文件不导入。",
        "en": "The cases file has one case a row with the columns number, unit_code, type, subtype, source, "
        "source_ref, body, opened_on, status (opened, investigated or decided), investigated_on, "
        "decided_on, decision and facts. The persons handled go in a second file or the workbook's "
        "second sheet: number, name, post, level, sanction. A file with any defect imports nothing.",
    },
    "accountability.import.cases": {
        "zh": "案件文件（CSV 或 XLSX，最大 {mb} MB）",
        "en": "Cases file (CSV or XLSX, up to {mb} MB)",
    },
    "accountability.import.persons": {
        "zh": "处理人员文件（可选，最大 {mb} MB）",
        "en": "Persons file (optional, up to {mb} MB)",
    },
    "accountability.import.run": {"zh": "导入", "en": "Import"},
    "accountability.import.no_file": {"zh": "请先选择案件文件。", "en": "Choose the cases file first."},
    "accountability.import.rejected": {
        "zh": "文件有 {n} 处问题，未导入任何内容：",
        "en": "The file has {n} defect(s); nothing was imported:",
    },
    "accountability.import.done": {
        "zh": "已导入 {cases} 件案件、{persons} 名处理人员；{proposed} 件提出扣分建议。",
        "en": "Imported {cases} case(s) and {persons} person(s); {proposed} propose a deduction.",
    },
    # the rule
    "accountability.rule.intro": {
        "zh": "每件已作出处理决定的案件，按类型对所在单位建议扣分（单件不超过评分方法的扣分上限 {cap} 分）。"
        "默认值为本平台的设定，不是文件规定。填 0 表示该类型不扣分。",
        "en": "Each decided case proposes a deduction for its unit by type (at most the method's "
        "deduction cap of {cap}). The defaults are this platform's, not a source's. 0 proposes nothing.",
    },
    "accountability.rule.choose": {"zh": "评议活动", "en": "Campaign"},
    "accountability.rule.none": {"zh": "还没有评议活动。", "en": "There is no campaign yet."},
    "accountability.rule.points": {"zh": "{type}（分）", "en": "{type} (points)"},
    "accountability.rule.save": {"zh": "保存规则", "en": "Save the rule"},
    "accountability.rule.saved": {"zh": "扣分规则已保存。", "en": "The rule was saved."},
    "accountability.rule.frozen": {
        "zh": "该活动已公示，规则不能再修改。",
        "en": "The campaign is published: its rule can no longer change.",
    },
    # ------------------------------------------------------------ the importer's wordings
    "accountability.defect.required": {"zh": "{field} 为空。", "en": "The {field} is empty."},
    "accountability.defect.unknown_value": {
        "zh": "“{value}”不是有效的 {field}（可选：{known}）。",
        "en": '"{value}" is not a known {field} (one of: {known}).',
    },
    "accountability.defect.subtype_of": {
        "zh": "情形“{subtype}”不属于类型“{type}”。",
        "en": 'The sub-type "{subtype}" does not belong to the type "{type}".',
    },
    "accountability.defect.case_exists": {
        "zh": "案件“{case}”已在登记中，请在页面上修改。",
        "en": 'Case "{case}" is already in the register: correct it on the page.',
    },
    "accountability.defect.future": {"zh": "{on} 是将来的日期。", "en": "The date {on} is in the future."},
    "accountability.defect.date_order": {
        "zh": "{on} 早于本案的 {earlier_field}（{earlier}）。",
        "en": "The date {on} is before the {earlier_field} of the case ({earlier}).",
    },
    "accountability.defect.number": {
        "zh": "案件编号应为 1 至 {max} 个字符，不含空格。",
        "en": "Give a case number of 1 to {max} characters without spaces.",
    },
    "accountability.defect.person_case": {
        "zh": "案件“{case}”既不在案件文件中，也不在登记中。",
        "en": 'Case "{case}" is neither in the cases file nor in the register.',
    },
    "accountability.defect.person_published": {
        "zh": "案件“{case}”已通报，处理人员不能再修改。",
        "en": 'Case "{case}" is published: its persons can no longer change.',
    },
    # ------------------------------------------------------------ the public page
    "typical.title": {"zh": "典型问题通报", "en": "Typical cases"},
    "typical.intro": {
        "zh": "对不作为、慢作为、乱作为典型问题的通报。通报不公开处理人员姓名，只列职务和处理方式。",
        "en": "Published typical cases of inaction, slow action and misconduct. Notices give each "
        "person's post and sanction, never a name.",
    },
    "typical.empty": {"zh": "目前没有通报的典型问题。", "en": "No typical case has been published yet."},
    "typical.count": {"zh": "{n} 件", "en": "{n} case(s)"},
    "typical.case": {"zh": "{number} · {unit}", "en": "{number} · {unit}"},
    "typical.dates": {
        "zh": "{subtype}｜处理决定 {decided}｜通报 {published}",
        "en": "{subtype} | decided {decided} | published {published}",
    },
    "typical.person": {"zh": "{post}：{sanction}", "en": "{post}: {sanction}"},
    "typical.error": {"zh": "暂时无法显示：{detail}", "en": "Cannot be shown just now: {detail}"},
}
