"""Message catalogue section: see ui/messages.py (zh and en side by side; no streamlit).

The unit register and reorganisations (app_pages/units.py), and the wordings of
services/register_file.py, services/units.py and services/reorganisations.py."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {
    # ------------------------------------------------------------ the page
    "register.title": {"zh": "评议对象名录", "en": "Unit register"},
    "register.intro": {
        "zh": "本市参加评议的单位：编码、名称、序列、区县、性质、主管部门、主要负责人和联络员。"
        "可按 CSV 或 Excel 文件导入导出，逐个新增、修改、撤销，并记录机构改革（更名、合并、拆分、调整序列）。"
        "已开始评议的活动保留评议时的单位名称和序列，不受名录修改影响。",
        "en": "The units the city appraises: code, name, category, district, kind, department, head "
        "and liaison. Import and export the register as CSV or Excel, add, correct and retire units, "
        "and record reorganisations (rename, merge, split, move). Campaigns that have started keep "
        "the units as they were appraised.",
    },
    "register.metric.active": {"zh": "在册单位", "en": "Active units"},
    "register.metric.retired": {"zh": "已撤销单位", "en": "Retired units"},
    "register.search": {"zh": "搜索", "en": "Search"},
    "register.search.hint": {
        "zh": "编码、名称、主管部门、负责人或区县",
        "en": "Code, name, department, head or district",
    },
    "register.filter.all": {"zh": "全部", "en": "All"},
    "register.filter.retired": {"zh": "包括已撤销的单位", "en": "Include retired units"},
    "register.found": {"zh": "共 {n} 个单位。", "en": "{n} unit(s)."},
    "register.none": {"zh": "没有符合条件的单位。", "en": "No units match."},
    "register.col.code": {"zh": "编码", "en": "Code"},
    "register.col.name": {"zh": "名称", "en": "Name"},
    "register.col.category": {"zh": "序列", "en": "Category"},
    "register.col.district": {"zh": "区县", "en": "District"},
    "register.col.kind": {"zh": "性质", "en": "Kind"},
    "register.col.department": {"zh": "主管部门", "en": "Department"},
    "register.col.head_name": {"zh": "主要负责人", "en": "Head"},
    "register.col.head_since": {"zh": "任职日期", "en": "Head since"},
    "register.col.liaison_name": {"zh": "联络员", "en": "Liaison"},
    "register.col.liaison_phone": {"zh": "联络电话", "en": "Liaison phone"},
    "register.col.retired_on": {"zh": "撤销日期", "en": "Retired on"},
    "register.col.status": {"zh": "状态", "en": "Status"},
    "register.col.reason": {"zh": "原因", "en": "Reason"},
    "register.col.on": {"zh": "日期", "en": "Date"},
    "register.col.format": {"zh": "文件格式", "en": "File format"},
    "register.col.predecessors": {"zh": "前身单位", "en": "Predecessors"},
    "register.col.principal": {"zh": "主要前身单位", "en": "Principal predecessor"},
    "register.col.parts": {"zh": "拆分后的单位", "en": "Parts"},
    "register.col.units": {"zh": "单位", "en": "Units"},
    "register.col.into": {"zh": "合并后的单位", "en": "Merged unit"},
    "register.status.active": {"zh": "在册", "en": "Active"},
    "register.status.retired": {
        "zh": "{on} 撤销（承继：{successor}）",
        "en": "Retired {on} (successor: {successor})",
    },
    "register.tab.file": {"zh": "导入导出", "en": "Import and export"},
    "register.tab.add": {"zh": "新增单位", "en": "Add a unit"},
    "register.tab.edit": {"zh": "修改或撤销", "en": "Correct or retire"},
    "register.tab.reorg": {"zh": "机构改革", "en": "Reorganisations"},
    "register.error": {"zh": "未能完成：{detail}", "en": "Not done: {detail}"},
    "register.reason": {"zh": "原因", "en": "Reason"},
    "register.confirm_first": {
        "zh": "请先勾选确认框，核对将要撤销的单位。",
        "en": "Tick the confirmation box first, after checking which units will be retired.",
    },
    # import and export
    "register.import.help": {
        "zh": "CSV（UTF-8 或 GBK）或 Excel（.xlsx）文件，第一行为表头。必需列：编码（code）、名称（name）、"
        "序列（category）；可选列：区县、性质、主管部门、主要负责人、任职日期、联络员、联络电话。"
        "编码已存在的单位按文件更新，文件中没有的列保持不变；有任何问题时整个文件都不导入。",
        "en": "A CSV (UTF-8 or GBK) or Excel (.xlsx) file with a header row. Required columns: code, "
        "name, category; optional: district, kind, department, head_name, head_since, liaison_name, "
        "liaison_phone. Units whose code exists are updated; columns the file leaves out stay as they "
        "are. With any defect nothing is imported.",
    },
    "register.import.file": {"zh": "名录文件（最大 {mb} MB）", "en": "Register file (at most {mb} MB)"},
    "register.import.run": {"zh": "检查并导入", "en": "Check and import"},
    "register.import.no_file": {"zh": "请先选择文件。", "en": "Choose a file first."},
    "register.import.rejected": {
        "zh": "文件有 {n} 处问题，未导入任何内容：",
        "en": "The file has {n} defect(s); nothing was imported:",
    },
    "register.import.done": {
        "zh": "已读取 {rows} 行：新增 {created} 个单位，更新 {updated} 个，{unchanged} 个不变。",
        "en": "Read {rows} rows: {created} units created, {updated} updated, {unchanged} unchanged.",
    },
    "register.export.header": {"zh": "导出名录", "en": "Export the register"},
    "register.export.help": {
        "zh": "导出的文件可以修改后再次导入。联络员姓名和电话已脱敏（如 张*、138****5678），"
        "原样导入时保持原值。",
        "en": "The exported file can be edited and imported again. Liaison names and phones are "
        "masked (such as 张*, 138****5678); left as they are, they keep the stored values.",
    },
    "register.export.csv": {"zh": "下载 CSV", "en": "Download CSV"},
    "register.export.xlsx": {"zh": "下载 Excel", "en": "Download Excel"},
    # adding, correcting, retiring
    "register.add.run": {"zh": "新增", "en": "Add"},
    "register.add.done": {"zh": "已新增单位 {name}（{code}）。", "en": "Added {name} ({code})."},
    "register.edit.unit": {"zh": "单位", "en": "Unit"},
    "register.edit.help": {
        "zh": "用于更正名录。更换主要负责人须填写新负责人的任职日期；"
        "已生效的更名、调整序列请在“机构改革”中记录。"
        "联络员姓名和电话留空表示不变。",
        "en": "For corrections. A new head needs the date the new head took post; a rename or a move "
        "that took effect is recorded under Reorganisations. Leave the liaison empty to keep it.",
    },
    "register.edit.clear_liaison": {"zh": "清除联络员", "en": "Remove the liaison"},
    "register.edit.run": {"zh": "保存", "en": "Save"},
    "register.edit.unchanged": {"zh": "没有修改。", "en": "Nothing changed."},
    "register.edit.done": {"zh": "已保存单位 {code} 的修改。", "en": "Saved the changes to {code}."},
    "register.retire.header": {"zh": "撤销单位", "en": "Retire a unit"},
    "register.retire.on": {"zh": "撤销日期", "en": "Retired on"},
    "register.retire.run": {"zh": "撤销 {code}", "en": "Retire {code}"},
    "register.retire.done": {"zh": "已撤销单位 {code}。", "en": "Retired {code}."},
    "register.reinstate.header": {"zh": "恢复误撤销的单位", "en": "Reinstate a unit retired by mistake"},
    "register.reinstate.run": {"zh": "恢复", "en": "Reinstate"},
    "register.reinstate.done": {"zh": "已恢复单位 {code}。", "en": "Reinstated {code}."},
    # reorganisations
    "register.reorg.help": {
        "zh": "机构改革按生效日期记录，并据此承继往年评议结果：更名和调整序列的单位保留自己的历史；"
        "合并后的单位承继主要前身单位的历史；拆分出的每个单位都承继原单位的历史。",
        "en": "Reorganisations are recorded with their effective dates, and carry past results: a "
        "renamed or moved unit keeps its own past; a merged unit takes its principal predecessor's; "
        "each part of a split takes the past of the unit it came from.",
    },
    "register.reorg.kind": {"zh": "类型", "en": "Kind"},
    "register.kind.rename": {"zh": "更名", "en": "Rename"},
    "register.kind.merge": {"zh": "合并", "en": "Merge"},
    "register.kind.split": {"zh": "拆分", "en": "Split"},
    "register.kind.move": {"zh": "调整序列", "en": "Move to another category"},
    "register.what.predecessors": {"zh": "前身单位", "en": "Predecessors"},
    "register.what.parts": {"zh": "拆分后的单位", "en": "Parts"},
    "register.reorg.on": {"zh": "生效日期", "en": "Effective date"},
    "register.reorg.done": {"zh": "已记录{kind}（第 {id} 号）。", "en": "Recorded the {kind} (no. {id})."},
    "register.reorg.drafts": {
        "zh": "草稿状态的评议活动 {campaigns} 仍包含已撤销的单位，请重新选择参评单位。",
        "en": "Draft campaigns {campaigns} still list a retired unit: choose their units again.",
    },
    "register.rename.new": {"zh": "新名称", "en": "New name"},
    "register.rename.run": {"zh": "记录更名", "en": "Record the rename"},
    "register.move.new": {"zh": "新序列", "en": "New category"},
    "register.move.run": {"zh": "记录调整序列", "en": "Record the move"},
    "register.merge.predecessors": {"zh": "前身单位（至少两个）", "en": "Predecessors (two or more)"},
    "register.merge.principal": {"zh": "主要前身单位", "en": "Principal predecessor"},
    "register.merge.principal_help": {
        "zh": "合并后的单位承继该单位的往年评议结果（如连续不满意）。",
        "en": "The merged unit takes this unit's past results (such as being unsatisfactory).",
    },
    "register.merge.into": {"zh": "合并为", "en": "Merged into"},
    "register.merge.into_new": {"zh": "新单位", "en": "A new unit"},
    "register.merge.into_existing": {"zh": "已有单位", "en": "An existing unit"},
    "register.merge.target": {"zh": "合并后的单位", "en": "Merged unit"},
    "register.merge.confirm": {
        "zh": "我已核对：{n} 个单位（{units}）将于生效日期撤销，并由合并后的单位承继。",
        "en": "Checked: {n} unit(s) ({units}) will be retired on the effective date and continued by the "
        "merged unit.",
    },
    "register.merge.run": {"zh": "记录合并", "en": "Record the merger"},
    "register.split.keep": {"zh": "原单位保留为其中一部分", "en": "The unit stays as one of the parts"},
    "register.split.existing": {"zh": "承接部分职能的已有单位", "en": "Existing units taking a part"},
    "register.split.count": {"zh": "新设单位数", "en": "New units"},
    "register.split.part": {"zh": "新设单位 {n}", "en": "New unit {n}"},
    "register.split.confirm": {
        "zh": "我已核对：{code} 拆分为 {n} 个单位。",
        "en": "Checked: {code} is split into {n} units.",
    },
    "register.split.retires": {
        "zh": "{code} 将于生效日期撤销。",
        "en": "{code} will be retired on the effective date.",
    },
    "register.split.run": {"zh": "记录拆分", "en": "Record the split"},
    "register.reorg.list": {"zh": "机构改革记录", "en": "Reorganisations recorded"},
    "register.reorg.none": {"zh": "还没有记录机构改革。", "en": "No reorganisations recorded yet."},
    "register.reorg.before": {"zh": "改革前", "en": "Before"},
    "register.reorg.after": {"zh": "改革后", "en": "After"},
    "register.reorg.by": {"zh": "记录人", "en": "Recorded by"},
    "register.reorg.at": {"zh": "记录时间（北京时间）", "en": "Recorded at (Beijing time)"},
    "register.reorg.principal_mark": {"zh": "（主要）", "en": " (principal)"},
    # ------------------------------------------------------------ file defects (services/register_file.py)
    "register.defect.required": {
        "zh": "“{field}”为空，每个单位都必须填写。",
        "en": "The {field} is empty; every unit needs one.",
    },
    "register.defect.code_spaces": {
        "zh": "“{value}”前后有空格，编码不能带空格（打印出来会像另一个编码）。",
        "en": "“{value}” has spaces before or after it; a code must not (it would print like another code).",
    },
    "register.defect.code_twice": {
        "zh": "编码“{code}”重复出现（第 {first} 行）。",
        "en": "Code “{code}” appears twice (line {first}).",
    },
    "register.defect.code_alike": {
        "zh": "编码“{code}”与第 {first} 行的“{other}”只有大小写、全半角或空格的差别，容易被当成同一个。",
        "en": "Code “{code}” differs from “{other}” (line {first}) only by case, full/half width or "
        "spaces, so people would take the two for one.",
    },
    "register.defect.code_alike_register": {
        "zh": "编码“{code}”与名录中的单位“{other}”只有大小写、全半角或空格的差别，请使用该编码。",
        "en": "Code “{code}” differs from the register's unit “{other}” only by case, full/half width "
        "or spaces; use that code.",
    },
    "register.defect.masked": {
        "zh": "“{value}”是脱敏后的内容，与名录中的不一致；请填写完整内容，或保持导出时的原样。",
        "en": "“{value}” is masked and does not match what the register holds; type it in full or leave "
        "it as exported.",
    },
    "register.defect.head_since": {
        "zh": "主要负责人由 {old} 变为 {new}，请填写新负责人的任职日期（任职日期列）。",
        "en": "The head changed from {old} to {new}: give the date the new head took post (head_since).",
    },
    "register.defect.retired": {
        "zh": "单位 {code} 已于 {on} 撤销，请先恢复再修改。",
        "en": "Unit {code} was retired on {on}: reinstate it before changing it.",
    },
    "register.defect.retired_mismatch": {
        "zh": "名录中此处为“{stored}”：单位的撤销和恢复请在名录页面或用 "
        "python -m db units retire 办理，不能通过导入。",
        "en": "The register has “{stored}” here: units are retired and reinstated on the register page "
        "or with python -m db units retire, not by import.",
    },
    # ------------------------------------------------------------ refusals (units, reorganisations)
    "register.refused.unknown": {
        "zh": "名录中没有单位 {code}。",
        "en": "There is no unit {code} in the register.",
    },
    "register.refused.code_taken": {
        "zh": "名录中已有单位 {code}。",
        "en": "The register already has a unit {code}.",
    },
    "register.refused.code_alike": {
        "zh": "编码“{code}”与名录中的单位“{other}”只有大小写、全半角或空格的差别。",
        "en": "Code “{code}” differs from the register's unit “{other}” only by case, "
        "full/half width or spaces.",
    },
    "register.refused.retired": {
        "zh": "单位 {code} 已于 {on} 撤销，请先恢复再修改。",
        "en": "Unit {code} was retired on {on}: reinstate it before changing it.",
    },
    "register.refused.not_retired": {"zh": "单位 {code} 未撤销。", "en": "Unit {code} is not retired."},
    "register.refused.retired_by_event": {
        "zh": "单位 {code} 因机构改革（{kind}，{on}）撤销，不能直接恢复，请另行记录机构改革。",
        "en": "Unit {code} was retired by a reorganisation ({kind} on {on}); "
        "record a new reorganisation instead.",
    },
    "register.refused.field_empty": {"zh": "“{field}”不能为空。", "en": "The {field} may not be empty."},
    "register.refused.field_unknown": {
        "zh": "{field} 不是名录的字段（可修改：{known}）。",
        "en": "{field} is not a field of the register (fields: {known}).",
    },
    "register.refused.head_since": {
        "zh": "更换主要负责人（{old} 改为 {new}）须填写新负责人的任职日期，且晚于 {since}。",
        "en": "A new head ({new}, after {old}) needs the date the new head took post, later than {since}.",
    },
    "register.refused.reason": {"zh": "请填写原因。", "en": "Give a reason."},
    "register.refused.future": {
        "zh": "{on} 晚于今天（{today}），请在生效后再记录。",
        "en": "{on} is after today ({today}): record it once it has taken effect.",
    },
    "register.refused.before_last": {
        "zh": "{on} 早于单位 {code} 最近一次机构改革的生效日期（{last}），机构改革须按时间顺序记录。",
        "en": "{on} is before the last reorganisation of unit {code} ({last}); events are recorded in order.",
    },
    "register.refused.bad_value": {"zh": "{field}有误：{detail}", "en": "{field}: {detail}"},
    "register.refused.fewer_than_two": {
        "zh": "{kind}至少需要两个{what}，现在只有 {n} 个。",
        "en": "A {kind} needs at least two {what}, not {n}.",
    },
    "register.refused.named_twice": {
        "zh": "单位 {code} 出现了两次：单位不能与自身合并或拆分。",
        "en": "Unit {code} is named twice: a unit cannot be merged or split with itself.",
    },
    "register.refused.principal": {
        "zh": "主要前身单位 {code} 不在前身单位（{codes}）之中。",
        "en": "The principal predecessor {code} is not among the predecessors ({codes}).",
    },
    "register.refused.cycle": {
        "zh": "单位 {target} 已是 {code} 的前身单位，这样记录会使单位成为自己的前身。",
        "en": "Unit {target} is already a predecessor of {code}: "
        "the event would make a unit its own predecessor.",
    },
    "register.refused.unchanged": {
        "zh": "单位 {code} 的{field}已经是“{value}”。",
        "en": "Unit {code} already has {field} {value}.",
    },
}
