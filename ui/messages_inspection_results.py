"""Messages of the three rates (三率), their feed to indicators or deductions, and the
monthly bulletin (通报): app_pages/inspection_results.py and app_pages/inspection_bulletin.py.
"""

from __future__ import annotations

from typing import Final

_P = "inspection_results."

MESSAGES: Final[dict[str, dict[str, str]]] = {
    # ------------------------------------------------------------ the admin page
    _P + "title": {"zh": "三率与通报", "en": "Three rates and bulletin"},
    _P + "intro": {
        "zh": "明察暗访经管理员核实的检查记录，按单位汇总到岗率、在岗率、专注率（各次检查人数合计之比）；"
        "按规则写入大数据指标，或把核实的问题折算为扣分；每月通报可预览并向社会公开。",
        "en": "Verified inspection visits, pooled per unit into the attendance, on-post and focus rates "
        "(sums of head counts over the visits); by the rule they become indicator values, or verified "
        "findings become deductions; each month's bulletin can be previewed and made public.",
    },
    _P + "error": {"zh": "操作未完成：{detail}", "en": "Not done: {detail}"},
    _P + "campaign": {"zh": "评议活动", "en": "Campaign"},
    _P + "no_campaigns": {"zh": "还没有评议活动。", "en": "There is no campaign yet."},
    _P + "frozen_campaign": {
        "zh": "该评议结果已公示，规则、指标和扣分不能再修改，只能查看。",
        "en": "This campaign's result is published: the rule, values and deductions can only be viewed.",
    },
    _P + "period": {"zh": "统计期间", "en": "Period"},
    _P + "period.month": {"zh": "按月", "en": "Month (A)"},
    _P + "period.custom": {"zh": "自定义", "en": "Custom dates"},
    _P + "year": {"zh": "年", "en": "Year"},
    _P + "month": {"zh": "月", "en": "Month"},
    _P + "dates": {"zh": "起止日期（北京时间）", "en": "From and to (Beijing dates)"},
    _P + "dates_incomplete": {"zh": "请选择开始和结束日期。", "en": "Choose the first and the last day."},
    _P + "round": {"zh": "检查轮次", "en": "Round"},
    _P + "round.all": {"zh": "全部轮次", "en": "All rounds"},
    _P + "period_caption": {
        "zh": "统计 {start} 至 {end} 经核实的检查。",
        "en": "Verified visits from {start} to {end}.",
    },
    # the rates table
    _P + "rates.header": {"zh": "各单位三率", "en": "Rates per unit"},
    _P + "rates.empty": {
        "zh": "这一期间没有经核实的检查记录。",
        "en": "There is no verified visit in this period.",
    },
    _P + "col.unit": {"zh": "单位", "en": "Unit"},
    _P + "col.visits": {"zh": "检查次数", "en": "Visits"},
    _P + "col.expected": {"zh": "应到人数合计", "en": "Staff expected"},
    _P + "col.attendance": {"zh": "到岗率 %", "en": "Attendance %"},
    _P + "col.on_post": {"zh": "在岗率 %", "en": "On post %"},
    _P + "col.focus": {"zh": "专注率 %", "en": "Focus %"},
    _P + "col.findings": {"zh": "问题", "en": "Findings"},
    _P + "col.first": {"zh": "首次检查", "en": "First visit"},
    _P + "col.last": {"zh": "最近检查", "en": "Last visit"},
    # the rule
    _P + "rule.header": {"zh": "计分规则", "en": "The rule"},
    _P + "rule.help": {
        "zh": "二选一：三率写入大数据指标（问题已体现在三率中），"
        "或每个核实的问题扣分（不超过扣分上限 {cap} 分）。",
        "en": "One of two: the rates become indicator values (findings already lower them), or each verified "
        "finding deducts points (at most the deduction cap of {cap}).",
    },
    _P + "rule.feed": {"zh": "检查结果用于", "en": "The inspections feed"},
    _P + "rule.feed.rates": {"zh": "大数据指标（三率）", "en": "Indicators (the three rates)"},
    _P + "rule.feed.deductions": {"zh": "扣分（核实的问题）", "en": "Deductions (verified findings)"},
    _P + "rule.indicator.attendance": {"zh": "到岗率写入指标", "en": "Attendance rate into"},
    _P + "rule.indicator.on_post": {"zh": "在岗率写入指标", "en": "On-post rate into"},
    _P + "rule.indicator.focus": {"zh": "专注率写入指标", "en": "Focus rate into"},
    _P + "rule.none": {"zh": "（不写入）", "en": "(none)"},
    _P + "rule.no_indicators": {
        "zh": "该评议还没有“越高越好”的指标：先在“大数据指标”页定义。",
        "en": "The campaign has no higher-is-better indicator yet: define one on the indicators page.",
    },
    _P + "rule.points": {"zh": "每个问题扣分", "en": "Points per finding"},
    _P + "rule.save": {"zh": "保存规则", "en": "Save the rule"},
    _P + "rule.saved": {"zh": "规则已保存。", "en": "The rule is saved."},
    # feeding
    _P + "feed.header": {"zh": "写入", "en": "Feed"},
    _P + "feed.reason": {
        "zh": "更正理由（指标已过冻结日期时必填）",
        "en": "Correction reason (needed after an indicator's freeze date)",
    },
    _P + "feed.rates": {"zh": "写入大数据指标", "en": "Feed the indicators"},
    _P + "feed.deductions": {"zh": "问题折算为扣分", "en": "Turn findings into deductions"},
    _P + "feed.rates_done": {
        "zh": "已写入 {units} 个单位（新增 {added}、修改 {changed}、未变 {unchanged}、更正 {corrections}）。",
        "en": "{units} unit(s) fed ({added} added, {changed} changed, {unchanged} unchanged, "
        "{corrections} correction(s)).",
    },
    _P + "feed.kept": {
        "zh": "无核实检查、保留原值的单位：{units}",
        "en": "Units without a verified visit keep their values: {units}",
    },
    _P + "feed.deductions_done": {
        "zh": "扣分 {n} 条（每个问题 {points} 分，上限 {cap} 分），替换原有 {replaced} 条。",
        "en": "{n} deduction(s) ({points} per finding, cap {cap}); {replaced} earlier entr(ies) replaced.",
    },
    _P + "feed.deduction_line": {
        "zh": "{unit}：问题 {findings} 个，扣 {points} 分",
        "en": "{unit}: {findings} finding(s), {points} point(s) deducted",
    },
    _P + "feed.no_indicator": {
        "zh": "规则还没有指定写入的指标。",
        "en": "The rule names no indicator to feed.",
    },
    # the bulletin preview
    _P + "bulletin.header": {"zh": "月度通报预览：{month}", "en": "Monthly bulletin preview: {month}"},
    _P + "bulletin.public": {"zh": "向社会公开本月通报", "en": "Show this month's bulletin to the public"},
    _P + "bulletin.public_help": {
        "zh": "公开后在“明察暗访通报”页展示（不含检查人员姓名和照片）。",
        "en": "Shown on the public inspection bulletin page (without inspectors' names or photos).",
    },
    _P + "bulletin.public_on": {"zh": "本月通报已公开。", "en": "This month's bulletin is public."},
    _P + "bulletin.public_off": {
        "zh": "本月通报已取消公开。",
        "en": "This month's bulletin is no longer public.",
    },
    _P + "bulletin.custom_month": {
        "zh": "自定义期间时，预览开始日期所在月份。",
        "en": "With custom dates, the month of the first day is previewed.",
    },
    # ------------------------------------------------------------ the bulletin (both pages)
    _P + "public.title": {"zh": "明察暗访通报", "en": "Inspection bulletin"},
    _P + "public.intro": {
        "zh": "按月通报明察暗访经核实的结果：受检单位、发现的问题（冷硬推、等靠要、庸懒散、假慢拖）"
        "和三率偏低的单位。",
        "en": "Monthly results of verified inspection visits: the units visited, the problems found (the "
        "twelve harms) and the units with the lowest rates.",
    },
    _P + "public.empty": {
        "zh": "目前没有公开的明察暗访通报。",
        "en": "No inspection bulletin is public yet.",
    },
    _P + "public.error": {
        "zh": "通报暂时无法显示，请稍后再试。",
        "en": "The bulletin cannot be shown just now; please try again later.",
    },
    _P + "bulletin.title": {"zh": "{campaign} · {year}年{month}月", "en": "{campaign} · {month_name} {year}"},
    _P + "bulletin.visits": {"zh": "检查次数", "en": "Visits"},
    _P + "bulletin.units": {"zh": "受检单位", "en": "Units visited"},
    _P + "bulletin.findings": {"zh": "发现问题", "en": "Findings"},
    _P + "bulletin.rates": {
        "zh": "总体到岗率 {attendance}%，在岗率 {on_post}%，专注率 {focus}%。",
        "en": "Overall attendance {attendance}%, on post {on_post}%, focus {focus}%.",
    },
    _P + "bulletin.by_harm": {"zh": "问题类型：{harms}", "en": "By kind: {harms}"},
    _P + "bulletin.with_findings": {"zh": "发现问题的单位", "en": "Units with findings"},
    _P + "bulletin.no_findings": {"zh": "本月检查未发现问题。", "en": "No problem was found this month."},
    _P + "bulletin.unit_line": {
        "zh": "{unit}（检查 {visits} 次）：{harms}",
        "en": "{unit} ({visits} visit(s)): {harms}",
    },
    _P + "bulletin.finding_line": {
        "zh": "{date} {harm}：{description}",
        "en": "{date} {harm}: {description}",
    },
    _P + "bulletin.lowest": {"zh": "三率偏低的单位", "en": "Lowest rates"},
    _P + "bulletin.lowest_line": {
        "zh": "{unit}：到岗率 {attendance}%，在岗率 {on_post}%，专注率 {focus}%",
        "en": "{unit}: attendance {attendance}%, on post {on_post}%, focus {focus}%",
    },
    _P + "bulletin.no_visits": {"zh": "本月没有经核实的检查。", "en": "No verified visit this month."},
    # provenance of a computed value (app_pages/indicators.py)
    _P + "provenance": {
        "zh": "由 {start} 至 {end} 的 {visits} 次明察暗访计算",
        "en": "Computed from {visits} inspection visit(s) between {start} and {end}",
    },
    _P + "col.provenance": {"zh": "数据来源说明", "en": "Provenance"},
    # the twelve harms (十二害)
    _P + "harm.冷": {"zh": "冷", "en": "Cold (冷)"},
    _P + "harm.硬": {"zh": "硬", "en": "Harsh (硬)"},
    _P + "harm.推": {"zh": "推", "en": "Shirking (推)"},
    _P + "harm.等": {"zh": "等", "en": "Waiting (等)"},
    _P + "harm.靠": {"zh": "靠", "en": "Leaning on others (靠)"},
    _P + "harm.要": {"zh": "要", "en": "Asking for favours (要)"},
    _P + "harm.庸": {"zh": "庸", "en": "Mediocre (庸)"},
    _P + "harm.懒": {"zh": "懒", "en": "Lazy (懒)"},
    _P + "harm.散": {"zh": "散", "en": "Lax (散)"},
    _P + "harm.假": {"zh": "假", "en": "False (假)"},
    _P + "harm.慢": {"zh": "慢", "en": "Slow (慢)"},
    _P + "harm.拖": {"zh": "拖", "en": "Delaying (拖)"},
}
