"""Messages of inspection rounds and visits (明察暗访): app_pages/inspections.py and app_pages/visits.py."""

from __future__ import annotations

from typing import Final

# The twelve harms (十二害) as the pages show them: the character and what it means.
_HARMS: Final = {
    "冷": ("冷（态度冷漠）", "冷 Cold: indifferent to the public"),
    "硬": ("硬（言行生硬）", "硬 Harsh: curt words and manners"),
    "推": ("推（推诿扯皮）", "推 Passing the buck"),
    "等": ("等（消极等待）", "等 Waiting: acting only when pushed"),
    "靠": ("靠（依赖上级）", "靠 Relying on others to decide"),
    "要": ("要（吃拿卡要）", "要 Asking for favours or fees"),
    "庸": ("庸（庸碌无为）", "庸 Mediocre: doing the minimum"),
    "懒": ("懒（懒政怠工）", "懒 Lazy: idling, phones or games at work"),
    "散": ("散（纪律松散）", "散 Lax: absent, late, off post"),
    "假": ("假（弄虚作假）", "假 Faking: false records or reports"),
    "慢": ("慢（办事拖慢）", "慢 Slow service"),
    "拖": ("拖（拖延推迟）", "拖 Delaying past the deadline"),
}

MESSAGES: Final[dict[str, dict[str, str]]] = {
    **{f"inspections.harm.{h}": {"zh": zh, "en": en} for h, (zh, en) in _HARMS.items()},
    # ------------------------------------------------------------ shared by both pages
    "inspections.error.denied": {
        "zh": "您没有进行此操作的权限。",
        "en": "You are not allowed to do this.",
    },
    "inspections.error.not_found": {"zh": "未找到：{detail}", "en": "Not found: {detail}"},
    "inspections.error.refused": {"zh": "未能完成：{detail}", "en": "Not done: {detail}"},
    "inspections.mode.open": {"zh": "明察", "en": "Open (announced)"},
    "inspections.mode.covert": {"zh": "暗访", "en": "Covert (unannounced)"},
    "inspections.status.planned": {"zh": "计划中", "en": "Planned"},
    "inspections.status.active": {"zh": "进行中", "en": "Active"},
    "inspections.status.closed": {"zh": "已结束", "en": "Closed"},
    "inspections.visit_status.recorded": {"zh": "待核实", "en": "Awaiting verification"},
    "inspections.visit_status.verified": {"zh": "已核实", "en": "Verified"},
    "inspections.visit_status.rejected": {"zh": "已退回", "en": "Rejected"},
    "inspections.count.expected": {"zh": "应到人数", "en": "Staff expected"},
    "inspections.count.present": {"zh": "到岗人数", "en": "Present"},
    "inspections.count.on_post": {"zh": "在岗人数", "en": "On post"},
    "inspections.count.focused": {"zh": "专注工作人数", "en": "Focused on work"},
    "inspections.rates.line": {
        "zh": "到岗率 {attendance} · 在岗率 {on_post} · 专注率 {focus}",
        "en": "Attendance {attendance} · On post {on_post} · Focus {focus}",
    },
    # ------------------------------------------------------------ the admin's page
    "inspections.title": {"zh": "明察暗访", "en": "Inspections"},
    "inspections.intro": {
        "zh": "安排明察暗访轮次（检查单位、检查人员、时间），开始和结束轮次，核实检查人员提交的检查记录。"
        "只有核实后的记录计入三率（到岗率、在岗率、专注率）和问题扣分。",
        "en": "Plan inspection rounds (units, inspectors, dates), start and close them, and verify the "
        "visits the inspectors record. Only verified visits count towards the three rates (attendance, "
        "on post, focus) and the deductions for findings.",
    },
    "inspections.campaign": {"zh": "评议活动", "en": "Appraisal"},
    "inspections.no_campaigns": {
        "zh": "还没有评议活动，请先在“评议活动”页新建。",
        "en": "There is no appraisal yet; create one on the Appraisals page first.",
    },
    "inspections.tab.rounds": {"zh": "检查轮次", "en": "Rounds"},
    "inspections.tab.plan": {"zh": "安排新轮次", "en": "Plan a round"},
    "inspections.tab.visits": {"zh": "核实检查记录", "en": "Verify visits"},
    "inspections.rounds.empty": {
        "zh": "本次评议还没有检查轮次。",
        "en": "This appraisal has no inspection rounds yet.",
    },
    "inspections.col.code": {"zh": "编号", "en": "Code"},
    "inspections.col.name": {"zh": "名称", "en": "Name"},
    "inspections.col.mode": {"zh": "方式", "en": "Mode"},
    "inspections.col.period": {"zh": "时间", "en": "Period"},
    "inspections.col.status": {"zh": "状态", "en": "Status"},
    "inspections.col.units": {"zh": "单位数", "en": "Units"},
    "inspections.col.inspectors": {"zh": "检查人员", "en": "Inspectors"},
    "inspections.rounds.choose": {"zh": "选择轮次", "en": "Choose a round"},
    "inspections.start": {"zh": "开始本轮检查", "en": "Start the round"},
    "inspections.started": {
        "zh": "轮次 {code} 已开始，检查人员可以提交检查记录。",
        "en": "Round {code} has started; its inspectors can record visits.",
    },
    "inspections.close": {"zh": "结束本轮检查", "en": "Close the round"},
    "inspections.closed": {
        "zh": "轮次 {code} 已结束，不再接收新的检查记录。",
        "en": "Round {code} is closed; no more visits can be recorded.",
    },
    "inspections.closed_note": {
        "zh": "本轮已结束，不能再修改；已提交的记录仍可核实。",
        "en": "This round is closed and can no longer be changed; its visits can still be verified.",
    },
    "inspections.edit": {"zh": "修改本轮安排", "en": "Change the round"},
    "inspections.edit.save": {"zh": "保存修改", "en": "Save changes"},
    "inspections.edited": {"zh": "轮次 {code} 已修改。", "en": "Round {code} was changed."},
    "inspections.field.code": {"zh": "轮次编号", "en": "Round code"},
    "inspections.field.name": {"zh": "轮次名称", "en": "Round name"},
    "inspections.field.mode": {"zh": "检查方式", "en": "Mode"},
    "inspections.field.starts_on": {"zh": "开始日期", "en": "Starts on"},
    "inspections.field.ends_on": {"zh": "结束日期", "en": "Ends on"},
    "inspections.field.units": {"zh": "检查单位", "en": "Units to visit"},
    "inspections.field.inspectors": {"zh": "检查人员", "en": "Inspectors"},
    "inspections.field.notes": {"zh": "备注", "en": "Notes"},
    "inspections.plan.help": {
        "zh": "先按序列和区县筛选单位（可多选），再在下方确认要检查的单位。"
        "检查人员须是“明察暗访检查员”账号。",
        "en": "Filter the units by category and district (several at once), then confirm the units to visit "
        "below. Inspectors must be accounts with the Inspector role.",
    },
    "inspections.plan.no_inspectors": {
        "zh": "还没有检查员账号：请先在“账号管理”页开设角色为“明察暗访检查员”的账号。",
        "en": "There are no inspector accounts yet: open accounts with the Inspector role "
        "on the Accounts page first.",
    },
    "inspections.plan.categories": {"zh": "按序列筛选", "en": "By category"},
    "inspections.plan.districts": {"zh": "按区县筛选", "en": "By district"},
    "inspections.plan.no_district": {"zh": "未填区县", "en": "No district"},
    "inspections.plan.matching": {
        "zh": "符合筛选条件的单位：{n} 个（共 {total} 个）。",
        "en": "Units matching the filters: {n} of {total}.",
    },
    "inspections.plan.submit": {"zh": "安排本轮检查", "en": "Plan the round"},
    "inspections.planned": {
        "zh": "已安排轮次 {code}，共 {units} 个单位；开始后检查人员即可提交记录。",
        "en": "Round {code} is planned with {units} units; once started, its inspectors can record visits.",
    },
    "inspections.filter.round": {"zh": "轮次", "en": "Round"},
    "inspections.filter.status": {"zh": "状态", "en": "Status"},
    "inspections.filter.unit": {"zh": "单位", "en": "Unit"},
    "inspections.filter.all": {"zh": "全部", "en": "All"},
    "inspections.visits.empty": {"zh": "没有符合条件的检查记录。", "en": "No visits match."},
    "inspections.visits.count": {"zh": "共 {n} 条检查记录。", "en": "{n} visit(s)."},
    "inspections.visit.by": {
        "zh": "检查人员：{inspector}；提交时间：{created}",
        "en": "Inspector: {inspector}; submitted {created}",
    },
    "inspections.visit.findings": {"zh": "发现的问题", "en": "Findings"},
    "inspections.visit.no_findings": {"zh": "未发现问题。", "en": "No findings."},
    "inspections.visit.show_photos": {"zh": "查看照片（{n} 张）", "en": "Show the photos ({n})"},
    "inspections.visit.decided": {
        "zh": "{status}：{by}，{at}；说明：{note}",
        "en": "{status} by {by} on {at}; note: {note}",
    },
    "inspections.decide.note": {
        "zh": "核实说明（退回时必填）",
        "en": "Note (required to reject)",
    },
    "inspections.decide.verify": {"zh": "核实通过", "en": "Verify"},
    "inspections.decide.reject": {"zh": "退回", "en": "Reject"},
    "inspections.decide.note_needed": {
        "zh": "退回检查记录须写明理由。",
        "en": "Say why the visit is rejected.",
    },
    "inspections.decide.verified": {
        "zh": "{unit} 的检查记录已核实。",
        "en": "The visit to {unit} is verified.",
    },
    "inspections.decide.rejected": {
        "zh": "{unit} 的检查记录已退回。",
        "en": "The visit to {unit} is rejected.",
    },
    # ------------------------------------------------------------ the inspector's page
    "visits.title": {"zh": "检查记录", "en": "Inspection visits"},
    "visits.no_rounds": {
        "zh": "目前没有分配给您、正在进行的检查轮次。",
        "en": "No active inspection round is assigned to you at the moment.",
    },
    "visits.error.photo": {"zh": "照片无法保存：{detail}", "en": "The photo cannot be stored: {detail}"},
    "visits.round": {"zh": "检查轮次", "en": "Round"},
    "visits.round_option": {
        "zh": "{name}（{mode}，{start} 至 {end}）",
        "en": "{name} ({mode}, {start} to {end})",
    },
    "visits.unit": {"zh": "检查单位（未检查的在前）", "en": "Unit (not yet visited first)"},
    "visits.visited": {"zh": "已检查 {n} 次", "en": "Visited {n}×"},
    "visits.day": {"zh": "检查日期", "en": "Date of the visit"},
    "visits.day.outside": {
        "zh": "检查日期须在本轮期间（{start} 至 {end}）内。",
        "en": "The date of the visit must be within the round's period ({start} to {end}).",
    },
    "visits.time": {"zh": "检查时间（北京时间）", "en": "Time (Beijing time)"},
    "visits.time.missing": {"zh": "请填写检查时间。", "en": "Enter the time of the visit."},
    "visits.counts": {"zh": "人员情况", "en": "Staff"},
    "visits.counts.help": {
        "zh": "填写四个人数后显示到岗率、在岗率、专注率。",
        "en": "Enter the four head counts to see the attendance, on-post and focus rates.",
    },
    "visits.counts.impossible": {
        "zh": "人数不合理：应至少应到 1 人，且专注 ≤ 在岗 ≤ 到岗 ≤ 应到。",
        "en": "These counts are impossible: at least 1 expected, and focused ≤ on post ≤ present ≤ expected.",
    },
    "visits.counts.missing": {"zh": "请填写全部四个人数。", "en": "Enter all four head counts."},
    "visits.harms": {
        "zh": "发现的问题（十二害，可多选）",
        "en": "Findings (the twelve harms, several at once)",
    },
    "visits.finding": {"zh": "{harm}：具体情况", "en": "{harm}: what was seen"},
    "visits.finding.missing": {
        "zh": "请写明这些问题的具体情况：{harms}",
        "en": "Describe what was seen for: {harms}",
    },
    "visits.notes": {"zh": "其他情况（选填）", "en": "Other notes (optional)"},
    "visits.photos": {
        "zh": "照片（最多 {n} 张，每张不超过 {mb} MB；位置等信息保存前会被清除）",
        "en": "Photos (at most {n}, {mb} MB each; location and other metadata are removed before storing)",
    },
    "visits.camera": {"zh": "用手机相机拍照", "en": "Take a photo with the camera"},
    "visits.camera.take": {"zh": "拍照", "en": "Take a photo"},
    "visits.review": {"zh": "检查并提交", "en": "Review and submit"},
    "visits.confirm.header": {"zh": "请确认后提交", "en": "Check before submitting"},
    "visits.confirm.summary": {
        "zh": "单位：{unit}  \n时间：{at}  \n应到/到岗/在岗/专注：{counts}  \n"
        "问题：{findings}  \n照片：{photos} 张",
        "en": "Unit: {unit}  \nTime: {at}  \nExpected/present/on post/focused: {counts}  \n"
        "Findings: {findings}  \nPhotos: {photos}",
    },
    "visits.confirm.save": {"zh": "确认提交", "en": "Submit"},
    "visits.confirm.back": {"zh": "返回修改", "en": "Back to editing"},
    "visits.saving": {"zh": "正在保存……", "en": "Saving…"},
    "visits.saved": {
        "zh": "已提交对 {unit} 的检查记录，等待核实。",
        "en": "The visit to {unit} is submitted and awaits verification.",
    },
    "visits.today": {"zh": "我今天的检查记录", "en": "My visits today"},
    "visits.today.none": {"zh": "今天还没有提交检查记录。", "en": "No visits submitted today yet."},
    "visits.today.line": {
        "zh": "{rates}；问题：{findings}；照片 {photos} 张",
        "en": "{rates}; findings: {findings}; photos: {photos}",
    },
}
