"""Message catalogue section: see ui/messages.py (zh and en side by side; no streamlit).

The campaign designer (评议活动设计, app_pages/campaigns.py), next year in one step (换届)
and the margins file's defects (services/designer.py wordings).
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {
    "designer.intro": {
        "zh": "按序列列出评议活动；新建活动（空白、复制或由上年换届），并设计所选活动：参评单位、评议"
        "主体与权重、"
        "计分方法、等次方案和人口比例。调查开始后方法设置锁定。",
        "en": "Campaigns by series; create one (blank, as a copy, or next year's from last year's) "
        "and design the "
        "chosen one: units, respondent groups and weights, method, grade scheme and population margins. "
        "The method is locked once fieldwork opens.",
    },
    "designer.none": {
        "zh": "还没有评议活动，请先新建一个。",
        "en": "There are no campaigns yet: create one.",
    },
    "designer.campaign": {"zh": "评议活动", "en": "Campaign"},
    "designer.error": {"zh": "操作未完成：{detail}", "en": "Not done: {detail}"},
    "designer.saved": {"zh": "{code} 的设置已保存。", "en": "{code}: settings saved."},
    "designer.save": {"zh": "保存", "en": "Save"},
    "designer.sep": {"zh": "，", "en": ", "},
    "designer.none_value": {"zh": "（未填）", "en": "(none)"},
    "designer.line": {"zh": "第 {line} 行", "en": "Line {line}"},
    "designer.defect": {"zh": "{field}（{where}）：{detail}", "en": "{field} ({where}): {detail}"},
    "designer.locked": {
        "zh": "该活动处于“{status}”阶段，设置已锁定。如需修改方法，请在“流程”中退回草稿并说明理由。",
        "en": "This campaign is in {status}: its settings are locked. To change the method, return "
        "it to draft "
        "with a reason under Lifecycle.",
    },
    # the list
    "designer.col.series": {"zh": "序列", "en": "Series"},
    "designer.col.code": {"zh": "代码", "en": "Code"},
    "designer.col.name": {"zh": "名称", "en": "Name"},
    "designer.col.year": {"zh": "年度", "en": "Year"},
    "designer.col.status": {"zh": "阶段", "en": "Status"},
    "designer.col.units": {"zh": "参评单位数", "en": "Units"},
    "designer.col.category": {"zh": "单位类别", "en": "Category"},
    "designer.col.district": {"zh": "所属区", "en": "District"},
    "designer.col.kind": {"zh": "单位性质", "en": "Kind"},
    "designer.col.label_zh": {"zh": "中文名称", "en": "Chinese label"},
    "designer.col.label_en": {"zh": "英文名称", "en": "English label"},
    "designer.col.weight": {"zh": "权重", "en": "Weight"},
    "designer.col.band": {"zh": "等次代码", "en": "Band name"},
    "designer.col.lower": {"zh": "分数下限", "en": "Lower bound"},
    "designer.col.variable": {"zh": "变量", "en": "Variable"},
    "designer.col.category_value": {"zh": "类别", "en": "Category"},
    "designer.col.share": {"zh": "人口比例", "en": "Population share"},
    # a new campaign
    "designer.new.title": {"zh": "新建评议活动", "en": "New campaign"},
    "designer.new.mode": {"zh": "新建方式", "en": "Start from"},
    "designer.new.mode.blank": {"zh": "空白", "en": "Blank"},
    "designer.new.mode.copy": {"zh": "复制已有活动", "en": "A copy of a campaign"},
    "designer.new.mode.rollover": {"zh": "由上年换届", "en": "Last year's (next year in one step)"},
    "designer.new.source": {"zh": "来源活动", "en": "From campaign"},
    "designer.new.series_code": {"zh": "序列代码", "en": "Series code"},
    "designer.new.series_name": {"zh": "序列名称（新序列时填写）", "en": "Series name (for a new series)"},
    "designer.new.create": {"zh": "新建", "en": "Create"},
    "designer.new.created": {
        "zh": "已新建评议活动 {code}（草稿）。",
        "en": "Campaign {code} created (draft).",
    },
    "designer.new.rolled": {
        "zh": "已由上年换届新建 {code}，带入 {n} 个参评单位。请完成下列待办事项。",
        "en": "Campaign {code} made from last year's with {n} unit(s). See what is still to do.",
    },
    "designer.todo.title": {"zh": "{code} 待办事项", "en": "Still to do for {code}"},
    "designer.todo.dates": {
        "zh": "设置调查起止日期。",
        "en": "Set the fieldwork dates (opening and closing day).",
    },
    "designer.todo.margins_check": {
        "zh": "按今年的人口数据核对人口比例（{variables}）。",
        "en": "Check the raking margins ({variables}) against this year's population figures.",
    },
    "designer.todo.margins_none": {
        "zh": "尚未设置人口比例：如需加权，请补充。",
        "en": "No raking margins are set: add them if answers are raked.",
    },
    "designer.todo.frames": {
        "zh": "导入电话抽样框和免打扰名单。",
        "en": "Import the sampling frames and the do-not-call list for the phone sample.",
    },
    "designer.todo.indicators": {
        "zh": "设置大数据指标并导入指标值（上年 {n} 项）。",
        "en": "Define the big-data indicators and import their values (last year: {n}).",
    },
    "designer.todo.not_taken": {
        "zh": "同类别中有 {n} 个在册单位上年未参评，未带入：{codes}",
        "en": "{n} active unit(s) of the same categories were not appraised last year and are not "
        "taken over: "
        "{codes}",
    },
    "designer.todo.dropped": {
        "zh": "{n} 个单位已撤销且无承继单位，未带入：{codes}",
        "en": "{n} unit(s) were retired without a successor and are dropped: {codes}",
    },
    "designer.todo.history": {
        "zh": "往年评议结果未能生成，请在“往年结果”中重新生成。",
        "en": "The history could not be derived: derive it again under History.",
    },
    "designer.todo.history_check": {
        "zh": "调查开始前核对生成的往年评议结果（{n} 条）。",
        "en": "Check the derived history ({n} entries) before fieldwork opens.",
    },
    # tabs
    "designer.tab.basics": {"zh": "基本信息", "en": "Basics"},
    "designer.tab.units": {"zh": "参评单位", "en": "Units"},
    "designer.tab.groups": {"zh": "评议主体", "en": "Groups"},
    "designer.tab.method": {"zh": "计分方法", "en": "Method"},
    "designer.tab.grades": {"zh": "等次方案", "en": "Grades"},
    "designer.tab.margins": {"zh": "人口比例", "en": "Margins"},
    "designer.tab.history": {"zh": "往年结果", "en": "History"},
    "designer.tab.lifecycle": {"zh": "流程", "en": "Lifecycle"},
    # fields (a defect names the one it belongs to)
    "designer.field.code": {"zh": "活动代码", "en": "Campaign code"},
    "designer.field.name": {"zh": "活动名称", "en": "Campaign name"},
    "designer.field.year": {"zh": "年度", "en": "Year"},
    "designer.field.series": {"zh": "序列", "en": "Series"},
    "designer.field.components": {"zh": "组成权重", "en": "Component weights"},
    "designer.field.survey_weight": {"zh": "问卷评议权重", "en": "Survey weight"},
    "designer.field.phone_weight": {"zh": "电话抽访权重", "en": "Phone weight"},
    "designer.field.bigdata_weight": {"zh": "大数据指标权重", "en": "Big-data weight"},
    "designer.field.groups": {"zh": "评议主体及权重", "en": "Respondent groups and weights"},
    "designer.field.satisfied_at": {"zh": "满意度门槛分", "en": "Satisfied at (score)"},
    "designer.field.min_indicator_share": {"zh": "指标最低覆盖比例", "en": "Least share of indicators"},
    "designer.field.min_survey": {"zh": "最少有效问卷数", "en": "Least survey answers"},
    "designer.field.min_phone": {"zh": "最少电话访问数", "en": "Least phone interviews"},
    "designer.field.group_by": {"zh": "排名范围", "en": "Ranked within"},
    "designer.field.top_n": {"zh": "十佳十差名额", "en": "Best and worst list size"},
    "designer.field.worst_only_below": {
        "zh": "仅低于此分者列入十差（可空）",
        "en": "Worst list only below (optional)",
    },
    "designer.field.grades": {"zh": "等次方案", "en": "Grade scheme"},
    "designer.field.caps": {"zh": "加减分上限", "en": "Adjustment caps"},
    "designer.field.bonus_cap": {"zh": "加分上限", "en": "Bonus cap"},
    "designer.field.deduction_cap": {"zh": "扣分上限", "en": "Deduction cap"},
    "designer.field.red_below": {"zh": "低于此分亮红牌（可空）", "en": "Red card below (optional)"},
    "designer.field.consecutive_years": {"zh": "连续不满意年数", "en": "Consecutive years"},
    "designer.field.margins": {"zh": "人口比例", "en": "Raking margins"},
    "designer.field.trims": {"zh": "权重截尾", "en": "Weight trims"},
    "designer.field.trim_low": {"zh": "权重下限", "en": "Trim low"},
    "designer.field.trim_high": {"zh": "权重上限", "en": "Trim high"},
    "designer.field.replicates": {"zh": "自助法重复次数", "en": "Bootstrap replicates"},
    "designer.field.seed": {"zh": "随机种子", "en": "Random seed"},
    "designer.field.fieldwork": {"zh": "调查日期", "en": "Fieldwork dates"},
    "designer.field.fieldwork_opens": {"zh": "调查开始日期", "en": "Fieldwork opens"},
    "designer.field.fieldwork_closes": {"zh": "调查结束日期", "en": "Fieldwork closes"},
    "designer.field.public_bulletin": {"zh": "评议通报向公众公开", "en": "Bulletin is public"},
    "designer.field.notice_days": {"zh": "公示天数", "en": "Notice days"},
    "designer.field.platform": {"zh": "平台设置", "en": "Platform settings"},
    "designer.field.method": {"zh": "方法设置", "en": "Method settings"},
    "designer.section.eligibility": {"zh": "参评条件", "en": "Eligibility"},
    "designer.section.ranking": {"zh": "排名", "en": "Ranking"},
    "designer.section.rules": {"zh": "加减分、亮牌与连续不满意", "en": "Caps, cards and consecutive years"},
    "designer.section.uncertainty": {"zh": "不确定性与加权", "en": "Uncertainty and weighting"},
    "designer.group_by.category": {"zh": "本类别内", "en": "Within each category"},
    "designer.group_by.all": {"zh": "全部单位", "en": "All units together"},
    # units
    "designer.units.now": {"zh": "当前参评单位 {n} 个。", "en": "{n} unit(s) take part now."},
    "designer.units.include": {"zh": "另外加入的单位", "en": "Also include"},
    "designer.units.exclude": {"zh": "排除的单位", "en": "Exclude"},
    "designer.units.preview": {
        "zh": "按所选条件共 **{n}** 个单位。",
        "en": "The filters choose **{n}** unit(s).",
    },
    "designer.units.apply": {"zh": "设为参评单位", "en": "Make these the units"},
    "designer.units.done": {"zh": "{code} 的参评单位已设为 {n} 个。", "en": "{code}: {n} unit(s) take part."},
    # groups, grades, margins
    "designer.groups.help": {
        "zh": "每行一个评议主体：代码、中英文名称和在问卷得分中的权重（权重之和为 1）。",
        "en": "One respondent group per row: code, labels and its weight in the survey score "
        "(weights add up to 1).",
    },
    "designer.grades.custom": {"zh": "使用本活动自定的等次", "en": "Use the campaign's own bands"},
    "designer.grades.help": {
        "zh": "默认为满意（85）、比较满意（75）、基本满意（60）三档，其余为不满意。自定等次时，每行一"
        "档：代码（小写英文）、"
        "分数下限和中英文名称。",
        "en": "By default three bands: satisfied (85), fairly satisfied (75), basically satisfied "
        "(60); the rest "
        "are dissatisfied. With the campaign's own bands, one per row: a lowercase name, its lower bound and "
        "its labels.",
    },
    "designer.grades.name": {"zh": "第 {n} 档 代码", "en": "Band {n}: name"},
    "designer.grades.lower": {"zh": "第 {n} 档 分数下限", "en": "Band {n}: lower bound"},
    "designer.grades.label_zh": {"zh": "第 {n} 档 中文名称", "en": "Band {n}: Chinese label"},
    "designer.grades.label_en": {"zh": "第 {n} 档 英文名称", "en": "Band {n}: English label"},
    "designer.grades.own_help": {
        "zh": "最多 {n} 档，自上而下填写；空行不计。低于最低一档下限的为“不满意”。",
        "en": "Up to {n} bands, from the top; empty rows are left out. Below the lowest bound is "
        "dissatisfied.",
    },
    "designer.defect.no_bands": {
        "zh": "本活动自定的等次方案还没有任何一档：请至少填写一档的代码和分数下限",
        "en": "The campaign's own grade scheme has no band: name at least one band with its lower bound",
    },
    "designer.defect.default_band_names": {
        "zh": "自定等次须使用自己的代码：satisfied、fairly_satisfied、basically_satisfied 是默认方案的代码",
        "en": "The campaign's own bands need names of their own: satisfied, fairly_satisfied and "
        "basically_satisfied are the default scheme's",
    },
    "designer.defect.own_band_names": {
        "zh": "“{name}”不是默认方案的等次：如需自定等次，请打开“使用本活动自定的等次”",
        "en": 'Band "{name}" is not a band of the default scheme: turn on the campaign\'s own bands to '
        "name bands",
    },
    "designer.defect.band_bound": {
        "zh": "等次“{name}”没有填写分数下限",
        "en": 'Band "{name}" has no lower bound',
    },
    "designer.margins.help": {
        "zh": "每行一个变量类别的人口比例，同一变量的比例之和为 1。也可导入 variable,category,share 文件。",
        "en": "One population share per variable and category; each variable's shares add up to 1. "
        "Or import a "
        "variable,category,share file.",
    },
    "designer.margins.file": {
        "zh": "人口比例文件（CSV 或 XLSX，最大 {mb} MB）",
        "en": "Margins file (CSV or XLSX, at most {mb} MB)",
    },
    "designer.margins.import": {"zh": "导入人口比例", "en": "Import margins"},
    "designer.margins.rejected": {
        "zh": "文件有 {n} 处问题，未导入任何内容：",
        "en": "The file has {n} problem(s); nothing was imported:",
    },
    "designer.margins.done": {"zh": "{code} 的人口比例已导入。", "en": "{code}: margins imported."},
    "designer.history.missing": {"zh": "往年结果功能尚未启用。", "en": "The history is not available yet."},
    # lifecycle
    "designer.lifecycle.status": {"zh": "当前阶段：**{status}**", "en": "Status: **{status}**"},
    "designer.lifecycle.open_help": {
        "zh": "开始调查需要：参评单位、问卷题目、评议主体、调查日期和有效的计分方法。开始后方法、单位"
        "和问卷锁定。",
        "en": "Opening fieldwork needs units, survey items, respondent groups, fieldwork dates and a "
        "valid method. "
        "Afterwards the method, units and questionnaire are locked.",
    },
    "designer.lifecycle.open": {"zh": "开始调查", "en": "Open fieldwork"},
    "designer.lifecycle.not_ready": {
        "zh": "还不能开始调查：{detail}",
        "en": "Fieldwork cannot open yet: {detail}",
    },
    "designer.lifecycle.opened": {"zh": "{code} 已开始调查。", "en": "{code}: fieldwork is open."},
    "designer.lifecycle.reason": {
        "zh": "退回草稿的理由（记入留痕）",
        "en": "Reason for returning to draft (audited)",
    },
    "designer.lifecycle.back": {"zh": "退回草稿", "en": "Return to draft"},
    "designer.lifecycle.returned": {"zh": "{code} 已退回草稿。", "en": "{code}: returned to draft."},
    "designer.lifecycle.frozen": {
        "zh": "结果已发布，活动不能再退回草稿。",
        "en": "The results are published: the campaign cannot return to draft.",
    },
    # defects of a margins file (services/designer.py wordings)
    "designer.defect.share": {
        "zh": "“{value}”不是 0 到 1 之间的人口比例",
        "en": '"{value}" is not a population share between 0 and 1',
    },
    "designer.defect.cell_empty": {"zh": "单元格为空", "en": "The cell is empty"},
    "designer.defect.margin_twice": {
        "zh": "“{variable}”的类别“{category}”重复出现（第 {first} 行）",
        "en": 'Category "{category}" of "{variable}" appears twice (line {first})',
    },
    "designer.defect.margin_sum": {
        "zh": "“{variable}”的比例之和为 {total}，不是 1",
        "en": 'The shares of "{variable}" add up to {total}, not 1',
    },
    "designer.defect.spaces": {
        "zh": "“{value}”前后有空格；代码不能有",
        "en": '"{value}" has spaces before or after it; an id must not',
    },
}
