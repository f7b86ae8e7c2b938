"""The one message catalogue: every piece of UI text, in Chinese and English.

Pages never hold literal UI text; they call ``t(key, lang)``. Keeping both languages
side by side makes a missing translation visible in review and in
``tests/test_messages.py``. This module does not import streamlit.
"""

from __future__ import annotations

from typing import Final, Literal

Lang = Literal["zh", "en"]

LANGS: Final[tuple[Lang, ...]] = ("zh", "en")
DEFAULT_LANG: Final[Lang] = "zh"

MESSAGES: Final[dict[str, dict[str, str]]] = {
    # Application shell
    "app.title": {
        "zh": "十佳十差评议平台",
        "en": "Ten Best, Ten Worst appraisal platform",
    },
    # The same label in both languages keeps the selector findable whatever is selected.
    "app.language": {"zh": "语言 / Language", "en": "语言 / Language"},
    "lang.zh": {"zh": "中文", "en": "中文"},
    "lang.en": {"zh": "English", "en": "English"},
    "nav.home": {"zh": "首页", "en": "Home"},
    "nav.login": {"zh": "登录", "en": "Sign in"},
    "nav.survey": {"zh": "参加评议", "en": "Take the survey"},
    "nav.invitations": {"zh": "评议邀请码", "en": "Invitation codes"},
    "nav.review": {"zh": "问卷复核", "en": "Response review"},
    "nav.sampling": {"zh": "抽样", "en": "Sampling"},
    "nav.calls": {"zh": "电话访问", "en": "Calls"},
    "nav.fieldwork": {"zh": "访问进度", "en": "Fieldwork"},
    "nav.results": {"zh": "结果公示", "en": "Results"},
    "nav.unit": {"zh": "单位结果", "en": "A unit's result"},
    "nav.indicators": {"zh": "大数据指标", "en": "Indicators"},
    "nav.adjustments": {"zh": "加扣分与否决", "en": "Adjustments"},
    "nav.scoring": {"zh": "计分与发布", "en": "Scoring and publishing"},
    "nav.appeals": {"zh": "申诉", "en": "Appeals"},
    "nav.rectification": {"zh": "亮牌与整改", "en": "Cards and rectification"},
    "nav.bulletin": {"zh": "评议通报", "en": "Bulletin"},
    "nav.section.public": {"zh": "公众", "en": "Public"},
    "nav.section.staff": {"zh": "工作台", "en": "Staff"},
    # Accounts and login (services/auth.py, app_pages/login.py)
    "role.admin": {"zh": "组织部管理员", "en": "Organization department administrator"},
    "role.supervisor": {"zh": "第三方督导", "en": "Contractor's supervisor"},
    "role.caller": {"zh": "第三方访问员", "en": "Contractor's caller"},
    "role.liaison": {"zh": "单位联络员", "en": "Unit liaison"},
    "role.inspector": {"zh": "明察暗访检查员", "en": "Inspector"},
    "auth.signed_in_as": {"zh": "当前用户：{name}（{role}）", "en": "Signed in as {name} ({role})"},
    "auth.logout": {"zh": "退出登录", "en": "Sign out"},
    "auth.login_link": {"zh": "工作人员登录", "en": "Staff sign-in"},
    "auth.expired": {
        "zh": "登录已失效（长时间未操作或已退出），请重新登录。",
        "en": "Your session has ended (idle too long, or signed out); please sign in again.",
    },
    "auth.sign_in_first": {
        "zh": "此页面供工作人员使用，请先登录。",
        "en": "This page is for staff; please sign in first.",
    },
    "auth.not_allowed": {
        "zh": "您的角色（{role}）不能使用此页面。",
        "en": "Your role ({role}) cannot use this page.",
    },
    "login.title": {"zh": "工作人员登录", "en": "Staff sign-in"},
    "login.intro": {
        "zh": "组织部管理员、第三方调查机构的督导和访问员、各单位联络员使用本平台账号登录。"
        "群众参加评议和查看公示结果无需登录。",
        "en": (
            "Organization-department administrators, the contractor's supervisors and callers, "
            "and unit liaisons sign in with their platform account. Citizens need no account "
            "to take part or to see published results."
        ),
    },
    "login.username": {"zh": "用户名", "en": "Username"},
    "login.password": {"zh": "密码", "en": "Password"},
    "login.submit": {"zh": "登录", "en": "Sign in"},
    "login.error.invalid": {"zh": "用户名或密码不正确。", "en": "Wrong username or password."},
    "login.already": {"zh": "您已登录：{name}（{role}）。", "en": "You are signed in as {name} ({role})."},
    "login.idle_note": {
        "zh": "{minutes} 分钟无操作将自动退出登录。",
        "en": "You are signed out after {minutes} minutes without activity.",
    },
    # Home page
    "home.subtitle": {
        "zh": "群众满意度评议：问卷、电话抽访与大数据指标，分序列排名，评出十佳十差，亮红黄牌。",
        "en": (
            "Public satisfaction appraisal: surveys, phone sampling and big-data indicators, "
            "ranked within each category into ten best and ten worst, with red and yellow cards."
        ),
    },
    "home.method.header": {"zh": "评议方法", "en": "How units are scored"},
    "home.method.intro": {
        "zh": "每个评议对象的综合得分由三部分加权合成，再计入加分、扣分和一票否决：",
        "en": (
            "Each appraised unit's composite score is a weighted blend of three components, "
            "then bonus points, deductions and vetoes are applied:"
        ),
    },
    "home.component.survey": {"zh": "问卷评议", "en": "Surveys"},
    "home.component.survey.help": {
        "zh": "群众和服务对象填写满意度问卷，按评议主体加权。",
        "en": "Citizens and service recipients answer a satisfaction questionnaire, weighted by group.",
    },
    "home.component.phone": {"zh": "第三方电话抽访", "en": "Phone sampling"},
    "home.component.phone.help": {
        "zh": "第三方随机抽取服务对象电话回访，按 AAPOR 标准计算应答率。",
        "en": "A third party calls a random sample of service recipients; AAPOR response rates are computed.",
    },
    "home.component.bigdata": {"zh": "大数据指标", "en": "Big-data indicators"},
    "home.component.bigdata.help": {
        "zh": "办结率、热线满意率、超时办结等行政数据，在同序列内标准化。",
        "en": (
            "Administrative data such as complaint closure and hotline satisfaction rates, "
            "normalized within the category."
        ),
    },
    "home.ranking.header": {"zh": "排名、十佳十差与红黄牌", "en": "Ranking, lists and cards"},
    "home.ranking.body": {
        "zh": (
            "- **分序列排名**：窗口服务、执法监管、综合部门、基层站所等各自排名，不跨序列比较。\n"
            "- **十佳十差**：每个序列前 N 名为十佳、后 N 名为十差，N = min(10, ⌊序列单位数/2⌋)；"
            "样本量不足的单位不参加排名并注明原因。\n"
            "- **等次**：满意（≥85）、比较满意（≥75）、基本满意（≥60）、不满意。\n"
            "- **红黄牌**：十差单位亮黄牌；被一票否决或连续两年不满意的亮红牌。\n"
            "- **连续两年不满意**：主要负责人就地免职，结果中列明负责人。\n"
            "- **不确定性**：每个得分附 95% 区间和进入十佳/十差的概率（自助法重抽样）。"
        ),
        "en": (
            "- **Within-category ranking**: window services, law enforcement, general departments, "
            "grassroots stations and so on are ranked separately, never against each other.\n"
            "- **Ten best, ten worst**: the top N of each category form the best list and the bottom N "
            "the worst list, N = min(10, ⌊units in category / 2⌋); units with too few responses are "
            "not ranked and the reason is given.\n"
            "- **Grades**: satisfied (≥85), fairly satisfied (≥75), basically satisfied (≥60), "
            "dissatisfied.\n"
            "- **Cards**: worst-list units get a yellow card; vetoed units and units unsatisfactory "
            "two years running get a red card.\n"
            "- **Two years running**: the unit's head is removed from post, and the results name the head.\n"
            "- **Uncertainty**: every score carries a 95% interval and the probability of being in the "
            "best or worst list (bootstrap resampling)."
        ),
    },
    "home.offline.header": {"zh": "离线复核", "en": "Recompute it yourself"},
    "home.offline.body": {
        "zh": (
            "评议数据包（一次评议的全部输入，不含个人信息）可由任何人用离线评分程序重新计算，"
            "结果附每个输入文件的 SHA-256，可与公布的结果逐一核对："
        ),
        "en": (
            "A bundle (all inputs of one appraisal, without personal data) can be recomputed by anyone "
            "with the offline scorer; the results carry each input file's SHA-256 so they can be "
            "matched to the published ones:"
        ),
    },
    # Citizen survey (app_pages/survey.py)
    # @@survey-messages@@
    "survey.title": {"zh": "群众满意度评议", "en": "Public satisfaction survey"},
    "survey.intro": {
        "zh": "您的评价将作为“十佳十差”评议的依据。每人对每个单位评价一次，评价内容不公开个人信息。",
        "en": (
            "Your rating counts towards the Ten Best, Ten Worst appraisal. Each person rates each unit "
            "once; nothing that identifies you is published."
        ),
    },
    "survey.no_open": {
        "zh": "目前没有正在进行的评议，感谢关注。",
        "en": "No appraisal is taking answers at the moment. Thank you for your interest.",
    },
    "survey.campaign": {"zh": "评议活动", "en": "Appraisal"},
    "survey.rating": {"zh": "您正在评价：{unit}", "en": "You are rating: {unit}"},
    "survey.reference": {"zh": "办事凭证号：{reference}", "en": "Service reference: {reference}"},
    "survey.change_unit": {"zh": "评价其他单位", "en": "Rate another unit"},
    "survey.step.unit": {"zh": "第一步：选择要评价的单位", "en": "Step 1: choose the unit to rate"},
    "survey.search": {"zh": "搜索单位名称", "en": "Search by name"},
    "survey.search.placeholder": {"zh": "如：派出所、行政审批局", "en": "E.g. police station, permit office"},
    "survey.district_filter": {"zh": "所在区", "en": "District"},
    "survey.category_filter": {"zh": "单位类别", "en": "Kind of unit"},
    "survey.all": {"zh": "全部", "en": "All"},
    "survey.no_unit_found": {
        "zh": "没有找到符合条件的单位，请换个关键词试试。",
        "en": "No unit matches; try other words.",
    },
    "survey.units_found": {"zh": "找到 {n} 个单位", "en": "{n} units found"},
    "survey.unit": {"zh": "评价单位", "en": "Unit"},
    "survey.unit.placeholder": {"zh": "请选择单位", "en": "Choose a unit"},
    "survey.unit.choose": {"zh": "评价这个单位", "en": "Rate this unit"},
    "survey.step.verify": {"zh": "第二步：验证手机号", "en": "Step 2: verify your mobile number"},
    "survey.verify.why": {
        "zh": (
            "为保证每人对每个单位只评价一次，需要验证手机号。"
            "号码只以加密摘要形式保存，不会显示给任何人，也不会用于其他用途。"
        ),
        "en": (
            "To keep to one rating per person per unit we verify your mobile number. It is kept only as "
            "a keyed digest, shown to nobody and used for nothing else."
        ),
    },
    "survey.verify.number": {"zh": "手机号码", "en": "Mobile number"},
    "survey.verify.send": {"zh": "获取验证码", "en": "Send me a code"},
    "survey.verify.sent": {
        "zh": "验证码已发送至 {number}，10 分钟内有效。",
        "en": "A code was sent to {number}; it is valid for 10 minutes.",
    },
    "survey.verify.simulated": {
        "zh": "演示环境（未接短信平台）：验证码为 {code}",
        "en": "Demo setup (no SMS provider): the code is {code}",
    },
    "survey.verify.code": {"zh": "短信验证码", "en": "Code from the SMS"},
    "survey.verify.check": {"zh": "验证", "en": "Verify"},
    "survey.verify.done": {"zh": "已验证手机号：{number}", "en": "Verified number: {number}"},
    "survey.group": {"zh": "您的身份", "en": "You are"},
    "survey.questions": {"zh": "满意度评价", "en": "Your ratings"},
    "survey.questions.help": {
        "zh": "每题请选择一项；不了解情况的请选“不了解”。",
        "en": "Choose one answer per question; if you cannot judge, choose 'don't know'.",
    },
    "survey.problems": {"zh": "存在的问题（可多选，可不选）", "en": "Problems you met (any, or none)"},
    "survey.problems.help": {
        "zh": "如在办事中遇到以下作风问题，请勾选。",
        "en": "Tick any of these work-style problems you met.",
    },
    "survey.problems.harms": {"zh": "“十二害”", "en": "The 'twelve harms'"},
    "survey.problems.inaction": {"zh": "为官不为", "en": "Misused office"},
    "survey.comment": {"zh": "意见建议（选填）", "en": "Comments and suggestions (optional)"},
    "survey.comment.placeholder": {
        "zh": "请具体说明遇到的问题或建议，请勿填写姓名、电话等个人信息",
        "en": "Say what happened or what should change; please leave out names and phone numbers",
    },
    "survey.about_you": {"zh": "关于您（选填）", "en": "About you (optional)"},
    "survey.about_you.help": {
        "zh": "用于按人群结构加权，使结果更有代表性；不填不影响评价。",
        "en": "Used to weight the answers so that the result represents the public; you may skip it.",
    },
    "survey.age_band": {"zh": "年龄段", "en": "Age band"},
    "survey.age_years": {"zh": "{band} 岁", "en": "{band} years"},
    "survey.sex": {"zh": "性别", "en": "Sex"},
    "survey.sex.male": {"zh": "男", "en": "Male"},
    "survey.sex.female": {"zh": "女", "en": "Female"},
    "survey.district": {"zh": "居住区", "en": "District you live in"},
    "survey.skip": {"zh": "不填", "en": "Prefer not to say"},
    "survey.next": {"zh": "下一步：核对并提交", "en": "Next: check and send"},
    "survey.missing_group": {"zh": "请选择您的身份。", "en": "Please say who you are."},
    "survey.missing_answers": {
        "zh": "第 {numbers} 题尚未作答（不了解可选“不了解”）。",
        "en": "Question(s) {numbers} are not answered yet (choose 'don't know' if you cannot judge).",
    },
    "survey.confirm.title": {"zh": "请核对您的评价", "en": "Please check your answers"},
    "survey.confirm.question": {"zh": "项目", "en": "Question"},
    "survey.confirm.answer": {"zh": "您的回答", "en": "Your answer"},
    "survey.confirm.back": {"zh": "返回修改", "en": "Go back and change"},
    "survey.confirm.submit": {"zh": "确认提交", "en": "Send my answers"},
    "survey.done.title": {"zh": "提交成功，感谢您的参与！", "en": "Sent. Thank you for taking part!"},
    "survey.done.body": {
        "zh": "您对“{unit}”的评价已记录，将计入本年度评议结果。",
        "en": "Your rating of '{unit}' is recorded and counts towards this year's result.",
    },
    "survey.done.code": {
        "zh": "回执编号：{code}（如需申诉或查询，请提供此编号）",
        "en": "Receipt number: {code} (quote it if you enquire or complain)",
    },
    "survey.done.another": {"zh": "继续评价其他单位", "en": "Rate another unit"},
    "survey.refused.closed": {
        "zh": "本次评议尚未开始或已经结束，暂不能提交评价。",
        "en": "This appraisal has not opened yet or is closed; no answers can be sent.",
    },
    "survey.refused.unknown_token": {
        "zh": "评议码无效，请核对链接或二维码，或向办事窗口重新索取。",
        "en": (
            "This invitation code is not valid. Check the link or QR code, "
            "or ask the service window for a new one."
        ),
    },
    "survey.refused.used_token": {
        "zh": "此评议码已使用过。一次办事只能评价一次，感谢您的参与。",
        "en": "This invitation code has already been used: each service is rated once. Thank you.",
    },
    "survey.refused.duplicate": {
        "zh": "您已经评价过该单位，每人对每个单位只能评价一次。",
        "en": "You have already rated this unit; each person rates each unit once.",
    },
    "survey.refused.other": {
        "zh": "评价未能保存，请检查后重试；如多次失败，请联系评议办公室。",
        "en": (
            "Your answers could not be saved. Please check and try again; "
            "if it keeps failing, contact the appraisal office."
        ),
    },
    "survey.refused.invalid_number": {
        "zh": "请输入正确的 11 位中国大陆手机号码。",
        "en": "Please enter a valid 11-digit mainland China mobile number.",
    },
    "survey.refused.too_many_requests": {
        "zh": "获取验证码过于频繁，请约 {minutes} 分钟后再试。",
        "en": "Too many codes were requested; please try again in about {minutes} minutes.",
    },
    "survey.refused.code_expired": {
        "zh": "验证码已过期或尚未获取，请重新获取验证码。",
        "en": "The code has expired or none was sent; please ask for a new one.",
    },
    "survey.refused.code_wrong": {
        "zh": "验证码不正确，还可尝试 {left} 次。",
        "en": "The code is wrong; {left} tries left.",
    },
    "survey.refused.too_many_attempts": {
        "zh": "验证码错误次数过多，该验证码已失效，请重新获取。",
        "en": "Too many wrong codes: this code is void; please ask for a new one.",
    },
    "survey.refused.verification_unavailable": {
        "zh": "短信验证服务暂时不可用，请稍后再试。",
        "en": "The SMS verification service is unavailable at the moment; please try again later.",
    },
    # Problem types (survey/problems.py): the twelve harms and the three kinds of misused office
    "problem.cold_hard_shirking": {"zh": "冷硬推", "en": "Cold, harsh, passing the buck"},
    "problem.waiting_relying": {"zh": "等靠要", "en": "Waiting, relying on others, asking for more"},
    "problem.mediocre_lazy_lax": {"zh": "庸懒散", "en": "Mediocre, lazy, lax"},
    "problem.false_slow_delay": {"zh": "假慢拖", "en": "Pretence, slowness, procrastination"},
    "problem.inaction": {"zh": "不作为", "en": "Inaction"},
    "problem.slow_action": {"zh": "慢作为", "en": "Slow action"},
    "problem.misconduct": {"zh": "乱作为", "en": "Misconduct"},
    # Unit categories of the demo city (other categories are shown as they are named)
    "category.office": {"zh": "机关处室", "en": "Government offices"},
    "category.grassroots": {"zh": "基层站所", "en": "Grassroots stations"},
    "category.health": {"zh": "医疗卫生单位", "en": "Health services"},
    "category.utility": {"zh": "公共服务企业", "en": "Public utilities"},
    # Published results, public (app_pages/results.py, app_pages/unit.py)
    "results.title": {"zh": "评议结果公示", "en": "Published results"},
    "results.none": {
        "zh": "目前还没有公示的评议结果。",
        "en": "No appraisal results have been published yet.",
    },
    "results.campaign": {"zh": "评议活动", "en": "Appraisal"},
    "results.notice_period": {
        "zh": "公示期至 {until}。公示期内，被评议单位可对结果提出申诉。",
        "en": "In its public notice period until {until}; appraised units may appeal until then.",
    },
    "results.final": {
        "zh": "公示期已结束，结果已确定。",
        "en": "The notice period is over; the results are final.",
    },
    "results.metric.units": {"zh": "评议单位", "en": "Units appraised"},
    "results.metric.ranked": {"zh": "参加排名", "en": "Units ranked"},
    "results.metric.red": {"zh": "红牌", "en": "Red cards"},
    "results.metric.yellow": {"zh": "黄牌", "en": "Yellow cards"},
    "results.tab.lists": {"zh": "十佳十差", "en": "Ten best, ten worst"},
    "results.tab.ranking": {"zh": "完整排名", "en": "Full ranking"},
    "results.tab.cards": {"zh": "红黄牌", "en": "Red and yellow cards"},
    "results.tab.files": {"zh": "下载与核验", "en": "Downloads and checks"},
    "results.group": {"zh": "{group}（{n} 个单位参加排名）", "en": "{group} ({n} units ranked)"},
    "results.best": {"zh": "十佳", "en": "Ten best"},
    "results.worst": {"zh": "十差", "en": "Ten worst"},
    "results.not_robust": {
        "zh": "　↳ 不确定性较大：重抽样中仅 {p}% 的情形列入十差，建议核实或延长调查后再定。",
        "en": "   ↳ Uncertain: in the resampling this unit was in the worst list only {p}% of the time.",
    },
    "results.card.red": {"zh": "红牌", "en": "Red card"},
    "results.card.yellow": {"zh": "黄牌", "en": "Yellow card"},
    "results.list.best": {"zh": "十佳", "en": "Best"},
    "results.list.worst": {"zh": "十差", "en": "Worst"},
    "results.grade.satisfied": {"zh": "满意", "en": "Satisfied"},
    "results.grade.fairly_satisfied": {"zh": "比较满意", "en": "Fairly satisfied"},
    "results.grade.basically_satisfied": {"zh": "基本满意", "en": "Basically satisfied"},
    "results.grade.dissatisfied": {"zh": "不满意", "en": "Dissatisfied"},
    "results.ranking.group": {"zh": "序列", "en": "Group"},
    "results.ranking.help": {
        "zh": (
            "得分区间为 95% 置信区间，排名区间为重抽样中排名的 2.5%–97.5% 分位；"
            "“列入十差概率”越低，十差结论越不稳健。"
        ),
        "en": (
            "Score intervals are 95% intervals; rank intervals are the 2.5th–97.5th percentiles of the "
            "rank over the resamples; a low probability of the worst list marks a fragile verdict."
        ),
    },
    "results.col.rank": {"zh": "排名", "en": "Rank"},
    "results.col.name": {"zh": "单位", "en": "Unit"},
    "results.col.score": {"zh": "综合得分", "en": "Score"},
    "results.col.ci": {"zh": "得分区间", "en": "Score interval"},
    "results.col.rank_ci": {"zh": "排名区间", "en": "Rank interval"},
    "results.col.grade": {"zh": "等次", "en": "Grade"},
    "results.col.card": {"zh": "亮牌", "en": "Card"},
    "results.col.p_worst": {"zh": "列入十差概率", "en": "P(worst list)"},
    "results.col.p_worst.help": {
        "zh": "自助法重抽样中该单位列入十差的比例",
        "en": "Share of bootstrap resamples in which the unit is in the worst list",
    },
    "results.col.note": {"zh": "说明", "en": "Note"},
    "results.col.detail": {"zh": "详情", "en": "Details"},
    "results.col.detail.text": {"zh": "查看", "en": "Open"},
    "results.cards.red": {"zh": "红牌（{n} 个）", "en": "Red cards ({n})"},
    "results.cards.yellow": {"zh": "黄牌（{n} 个）", "en": "Yellow cards ({n})"},
    "results.cards.none": {"zh": "无", "en": "None"},
    "results.reason.veto": {"zh": "一票否决", "en": "Vetoed"},
    "results.reason.consecutive": {
        "zh": "连续两年不满意，主要负责人{head}就地免职",
        "en": "Unsatisfactory two years running; the head, {head}, is removed from post",
    },
    "results.reason.worst": {"zh": "列入本序列十差", "en": "In its group's worst list"},
    "results.files.intro": {
        "zh": (
            "以下文件均来自公示时冻结的结果快照；评议数据包不含任何个人信息，"
            "任何人都可用离线评分程序重新计算并核对 SHA-256。"
        ),
        "en": (
            "These files come from the snapshot frozen at publication. The bundle holds no personal "
            "data; anyone can recompute it with the offline scorer and compare the SHA-256."
        ),
    },
    "results.files.xlsx": {"zh": "下载排名表（XLSX）", "en": "Ranking (XLSX)"},
    "results.files.pdf": {"zh": "下载红黄牌公示（PDF）", "en": "Notice of the cards (PDF)"},
    "results.files.snapshot": {"zh": "下载结果快照（JSON）", "en": "Results snapshot (JSON)"},
    "results.files.bundle": {"zh": "下载评议数据包（ZIP）", "en": "Bundle to recompute (ZIP)"},
    "results.files.sha": {"zh": "SHA-256：{sha}", "en": "SHA-256: {sha}"},
    "results.files.no_bundle": {
        "zh": "本次公示未随附评议数据包。",
        "en": "This publication holds no bundle.",
    },
    "results.files.no_font": {
        "zh": "服务器缺少中文字体（fonts-noto-cjk），暂不能生成 PDF。",
        "en": "The server lacks the Chinese font (fonts-noto-cjk); the PDF cannot be made.",
    },
    "unit.title": {"zh": "单位评议结果", "en": "A unit's result"},
    "unit.choose": {"zh": "单位", "en": "Unit"},
    "unit.choose.placeholder": {"zh": "请选择或输入单位名称", "en": "Choose or type a unit"},
    "unit.caption": {
        "zh": "序列：{group} · 主要负责人：{head} · 单位代码：{code}",
        "en": "Group: {group} · Head: {head} · Code: {code}",
    },
    "unit.card.red": {"zh": "本单位被亮红牌。", "en": "This unit received a red card."},
    "unit.card.yellow": {"zh": "本单位被亮黄牌。", "en": "This unit received a yellow card."},
    "unit.consecutive": {
        "zh": "连续两年评议不满意，主要负责人{head}就地免职。",
        "en": "Unsatisfactory two years running: the head, {head}, is removed from post.",
    },
    "unit.ineligible": {
        "zh": "本单位未参加排名：{reason}",
        "en": "This unit was not ranked: {reason}",
    },
    "unit.final": {"zh": "综合得分", "en": "Score"},
    "unit.final.help": {"zh": "95% 区间：{low}–{high}", "en": "95% interval: {low}–{high}"},
    "unit.rank": {"zh": "序列排名", "en": "Rank in group"},
    "unit.rank.help": {"zh": "排名区间：{low}–{high}", "en": "Rank interval: {low}–{high}"},
    "unit.grade": {"zh": "等次", "en": "Grade"},
    "unit.uncertainty": {
        "zh": (
            "得分 95% 区间 {low}–{high}，排名区间 {rlow}–{rhigh}；"
            "重抽样中列入十佳的概率 {pbest}%，列入十差的概率 {pworst}%。"
        ),
        "en": (
            "Score 95% interval {low}–{high}, rank interval {rlow}–{rhigh}; in the resampling the unit "
            "is in the best list {pbest}% and in the worst list {pworst}% of the time."
        ),
    },
    "unit.components": {"zh": "各部分得分", "en": "Components"},
    "unit.survey.detail": {
        "zh": "有效问卷 {n} 份，满意率 {rate}%",
        "en": "{n} counted answers, {rate}% satisfied",
    },
    "unit.phone.detail": {
        "zh": "电话访问完成 {n} 个，满意率 {rate}%",
        "en": "{n} completed interviews, {rate}% satisfied",
    },
    "unit.bonus": {"zh": "加分", "en": "Bonus points"},
    "unit.deduction": {"zh": "扣分", "en": "Deductions"},
    "unit.veto": {"zh": "一票否决", "en": "Veto"},
    "unit.yes": {"zh": "是", "en": "Yes"},
    "unit.no": {"zh": "否", "en": "No"},
    "unit.trend": {"zh": "历年结果", "en": "Over the years"},
    "unit.year": {"zh": "年度", "en": "Year"},
    "unit.name_then": {"zh": "当年名称", "en": "Name then"},
    "unit.problems": {"zh": "群众反映的问题", "en": "Problems people named"},
    "unit.problems.type": {"zh": "问题类型", "en": "Problem"},
    "unit.problems.count": {"zh": "次数", "en": "Times named"},
    "unit.problems.none": {"zh": "没有群众勾选作风问题。", "en": "Nobody ticked a work-style problem."},
    # Invitation codes, staff (app_pages/invitations.py)
    # @@invitations-messages@@
    "invitations.intro": {
        "zh": (
            "为窗口取号、热线工单等具体服务生成一次性评议邀请码，打印成二维码放在窗口，"
            "或以短信链接发给办事群众。每个邀请码只能评价一次，且只对应所选单位。"
        ),
        "en": (
            "Issue single-use invitation codes for individual services (window tickets, hotline cases), "
            "print them as QR codes for the counter or send the links by SMS. Each code rates one "
            "service of the chosen unit, once."
        ),
    },
    "invitations.no_campaigns": {
        "zh": "目前没有处于筹备或实施阶段的评议活动，暂不能生成邀请码。",
        "en": "No appraisal is in preparation or fieldwork, so no invitation codes can be issued now.",
    },
    "invitations.campaign": {"zh": "评议活动", "en": "Appraisal"},
    "invitations.campaign_option": {"zh": "{name}（{code}，{status}）", "en": "{name} ({code}, {status})"},
    "invitations.status.draft": {"zh": "筹备中", "en": "In preparation"},
    "invitations.status.fieldwork": {"zh": "实施中", "en": "In fieldwork"},
    "invitations.draft_note": {
        "zh": "该评议尚在筹备，邀请码可以提前生成和印制，评议开始实施后方可扫码填写。",
        "en": "This appraisal is still in preparation: codes can be issued and printed now, "
        "and work once its fieldwork opens.",
    },
    "invitations.form.header": {"zh": "生成一批邀请码", "en": "Issue a batch"},
    "invitations.form.unit": {"zh": "被评议单位", "en": "Unit"},
    "invitations.form.unit_option": {"zh": "{name}（{code}）", "en": "{name} ({code})"},
    "invitations.form.unit_placeholder": {
        "zh": "输入单位名称或编码查找",
        "en": "Type a unit's name or code to search",
    },
    "invitations.form.count": {"zh": "数量", "en": "Number of codes"},
    "invitations.form.count_help": {
        "zh": "每张 A4 纸打印 {per_sheet} 个二维码；每批最多 {max} 个。",
        "en": "An A4 page holds {per_sheet} QR codes; a batch holds at most {max}.",
    },
    "invitations.form.kind": {"zh": "发放方式", "en": "Handed out as"},
    "invitations.form.kind_help": {
        "zh": "窗口取号：打印后随号票发给办事群众；热线工单：回访时发给来电人；短信：把链接以短信发送。",
        "en": "Window ticket: printed and handed out with the queue ticket; hotline case: given to the "
        "caller on follow-up; SMS: the link is sent by text message.",
    },
    "invitations.kind.ticket": {"zh": "窗口取号", "en": "Window ticket"},
    "invitations.kind.hotline": {"zh": "热线工单", "en": "Hotline case"},
    "invitations.kind.sms": {"zh": "短信", "en": "SMS"},
    "invitations.form.references": {
        "zh": "取号或工单编号（可不填，每行一个）",
        "en": "Ticket or case numbers (optional, one per line)",
    },
    "invitations.form.references_placeholder": {
        "zh": "例如：\nA0231\nA0232",
        "en": "For example:\nA0231\nA0232",
    },
    "invitations.form.references_help": {
        "zh": "填写时行数须与数量一致，编号印在二维码下方；不填则按“单位编码-序号”自动编号。",
        "en": "If given, one line per code (as many lines as codes); the number is printed under the "
        "QR code. Left empty, codes are numbered <unit code>-<serial>.",
    },
    "invitations.form.link_base": {
        "zh": "二维码和短信链接指向：{base}",
        "en": "QR codes and SMS links point to: {base}",
    },
    "invitations.form.submit": {"zh": "生成邀请码", "en": "Issue codes"},
    "invitations.local_address": {
        "zh": (
            "当前链接地址 {base} 是本机地址，群众的手机无法打开。"
            "请让系统管理员设置 APPRAISAL_PUBLIC_URL 为对外公开的评议网址后再生成。"
        ),
        "en": (
            "The link address {base} is a local one that citizens' phones cannot open. Ask the "
            "system administrator to set APPRAISAL_PUBLIC_URL to the public survey address first."
        ),
    },
    "invitations.working": {"zh": "正在生成邀请码和二维码……", "en": "Issuing codes and drawing QR codes…"},
    "invitations.pdf_title": {
        "zh": "{campaign} · {unit} · 评议邀请码",
        "en": "{campaign} · {unit} · invitation codes",
    },
    "invitations.csv.reference": {"zh": "编号", "en": "Reference"},
    "invitations.csv.link": {"zh": "评议链接", "en": "Link"},
    "invitations.batch.done": {
        "zh": "已为{unit}（{code}）生成 {count} 个{kind}邀请码。",
        "en": "{count} invitation codes ({kind}) issued for {unit} ({code}).",
    },
    "invitations.batch.once": {
        "zh": (
            "请现在下载二维码打印页和链接表并妥善保存。为防泄露，系统只保存邀请码的摘要，"
            "刷新或关闭浏览器页面、清除本批或再生成一批后，这些二维码和链接将无法再次显示或下载。"
        ),
        "en": (
            "Download the printable QR sheet and the list of links now and keep them safe. Only a "
            "digest of each code is stored: once you reload or close the browser page, clear this "
            "batch or issue another one, these QR codes and links cannot be shown or downloaded again."
        ),
    },
    "invitations.batch.pdf": {"zh": "下载二维码打印页（PDF）", "en": "Download QR sheet (PDF)"},
    "invitations.batch.csv": {"zh": "下载短信链接表（CSV）", "en": "Download links for SMS (CSV)"},
    "invitations.batch.clear": {"zh": "已保存，清除本批", "en": "Saved, clear this batch"},
    "invitations.batch.link_note": {
        "zh": "链接地址：{base}。CSV 为 UTF-8 编码，可直接用 Excel 打开。",
        "en": "Link address: {base}. The CSV is UTF-8 and opens directly in Excel.",
    },
    "invitations.summary.header": {
        "zh": "各单位邀请码发放与使用情况",
        "en": "Codes issued and used, by unit",
    },
    "invitations.summary.units": {"zh": "已发放单位", "en": "Units with codes"},
    "invitations.summary.issued": {"zh": "已发放", "en": "Issued"},
    "invitations.summary.used": {"zh": "已使用", "en": "Used"},
    "invitations.summary.rate": {"zh": "使用率", "en": "Use rate"},
    "invitations.summary.none": {
        "zh": "本次评议尚未发放邀请码。",
        "en": "No invitation codes have been issued for this appraisal yet.",
    },
    "invitations.summary.col.unit": {"zh": "单位", "en": "Unit"},
    "invitations.summary.col.code": {"zh": "编码", "en": "Code"},
    "invitations.summary.col.category": {"zh": "类别", "en": "Category"},
    "invitations.summary.col.unused": {"zh": "未使用", "en": "Unused"},
    "invitations.error.permission": {
        "zh": "您没有生成邀请码的权限。",
        "en": "You are not allowed to issue invitation codes.",
    },
    "invitations.error.not_found": {
        "zh": "未找到所选评议或单位，请刷新页面后重试。（{reason}）",
        "en": "The chosen appraisal or unit was not found; reload the page and try again. ({reason})",
    },
    "invitations.error.refused": {
        "zh": "未能生成邀请码：{reason}",
        "en": "No codes were issued: {reason}",
    },
    "invitations.error.campaign_changed": {
        "zh": "评议活动列表已有变化（原选评议可能已结束），当前选择为“{name}”。请核对后重新提交。",
        "en": "The list of appraisals has changed (the one you chose may have closed); "
        "now selected: {name}. Check your choice and submit again.",
    },
    "invitations.error.no_unit": {"zh": "请先选择被评议单位。", "en": "Choose a unit first."},
    "invitations.error.references_count": {
        "zh": "填写了 {given} 个编号，但数量为 {count}：编号须每个邀请码一个。未生成任何邀请码。",
        "en": "{given} numbers given for {count} codes: give one number per code. No codes were issued.",
    },
    # Sampling frames and sample draws, staff (app_pages/sampling.py)
    # @@sampling-messages@@
    "sampling.intro": {
        "zh": "导入抽样框（与各单位打过交道的办事群众名单）和拒访名单，先预览抽样设计，"
        "再由第三方督导抽取电话样本。页面上不显示任何姓名或电话号码。",
        "en": "Import sampling frames (the people who dealt with each unit) and the do-not-call list, "
        "preview the design, then the contractor's supervisor draws the phone sample. "
        "No name or number is ever shown here.",
    },
    "sampling.no_campaigns": {
        "zh": "没有处于草稿或调查阶段的评议活动，无法抽样。",
        "en": "No appraisal is in draft or fieldwork, so there is nothing to sample for.",
    },
    "sampling.campaign": {"zh": "评议活动", "en": "Appraisal"},
    "sampling.campaign_option": {"zh": "{name}（{code}，{status}）", "en": "{name} ({code}, {status})"},
    "sampling.status.draft": {"zh": "草稿", "en": "Draft"},
    "sampling.status.fieldwork": {"zh": "调查中", "en": "Fieldwork"},
    "sampling.working": {"zh": "正在处理……", "en": "Working…"},
    "sampling.error.permission": {
        "zh": "您没有管理抽样的权限。",
        "en": "You may not manage sampling.",
    },
    "sampling.error.not_found": {"zh": "找不到：{reason}", "en": "Not found: {reason}"},
    "sampling.error.refused": {"zh": "未能完成：{reason}", "en": "Not done: {reason}"},
    "sampling.frames.header": {"zh": "抽样框", "en": "Sampling frames"},
    "sampling.frame.tab": {"zh": "导入抽样框", "en": "Import a frame"},
    "sampling.frame.rule": {
        "zh": "CSV（UTF-8、带BOM的UTF-8、GBK/GB18030）或 XLSX，必需列：单位编码、姓名、手机号；"
        "可选列：办件日期、办件编号、评议主体。缺列、单位或评议主体不存在、日期无法识别时"
        "整个文件不导入；无效号码、重复号码和拒访号码逐行跳过并列出。",
        "en": "CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX with the columns unit_id, name and phone, "
        "and optionally service_date, case_number and respondent_group. A missing column, an unknown unit "
        "or group or an unreadable date refuses the whole file; invalid, repeated and do-not-call numbers "
        "are skipped row by row and listed.",
    },
    "sampling.frame.upload": {"zh": "抽样框文件", "en": "Frame file"},
    "sampling.frame.check": {"zh": "只检查，不导入", "en": "Check only"},
    "sampling.frame.import": {"zh": "检查并导入", "en": "Check and import"},
    "sampling.frame.check_ok": {
        "zh": "{file} 可以导入：{rows} 行中 {stored} 行将被保存。",
        "en": "{file} can be imported: {stored} of {rows} rows would be stored.",
    },
    "sampling.frame.check_refuses": {
        "zh": "{file} 有结构性问题，导入时将被整体拒绝，请先改正下列问题。",
        "en": "{file} has structural defects and would be refused as a whole; fix the rows below first.",
    },
    "sampling.frame.imported": {
        "zh": "已导入 {file}：{rows} 行中保存了 {stored} 行（已加密）。",
        "en": "Imported {file}: {stored} of {rows} rows stored (encrypted).",
    },
    "sampling.frame.nothing": {
        "zh": "{file} 中没有可保存的新号码，未建立抽样框。",
        "en": "{file} holds no new number to store; no frame was created.",
    },
    "sampling.frame.refused": {
        "zh": "{file} 未导入：存在结构性问题，未保存任何数据。",
        "en": "{file} was refused: it has structural defects, nothing was stored.",
    },
    "sampling.frame.report": {
        "zh": "{file}（{encoding}）：{rows} 行，保存 {stored} 行；"
        "跳过无效号码 {invalid}、重复号码 {duplicate}、拒访号码 {dnc}。",
        "en": "{file} ({encoding}): {rows} rows, {stored} stored; skipped {invalid} invalid, "
        "{duplicate} repeated and {dnc} do-not-call numbers.",
    },
    "sampling.kind.structure": {"zh": "拒绝整个文件", "en": "Refuses the file"},
    "sampling.kind.invalid_phone": {"zh": "跳过：号码无效", "en": "Skipped: invalid number"},
    "sampling.kind.duplicate": {"zh": "跳过：号码重复", "en": "Skipped: repeated number"},
    "sampling.kind.do_not_call": {"zh": "跳过：拒访名单", "en": "Skipped: do-not-call list"},
    "sampling.dnc.tab": {"zh": "拒访名单", "en": "Do-not-call list"},
    "sampling.dnc.rule": {
        "zh": "含“手机号”列（可选“原因”列）的 CSV 或 XLSX。号码只以密钥散列保存，拒访号码不会被抽中。",
        "en": "CSV or XLSX with a phone column (and optionally reason). Numbers are kept only as keyed "
        "hashes and are never drawn.",
    },
    "sampling.dnc.upload": {"zh": "拒访名单文件", "en": "Do-not-call file"},
    "sampling.dnc.import": {"zh": "加入拒访名单", "en": "Add to the do-not-call list"},
    "sampling.dnc.report": {
        "zh": "{file}：{rows} 行，新增 {added} 个号码，{already} 个已在名单中。",
        "en": "{file}: {rows} rows, {added} numbers added, {already} already listed.",
    },
    "sampling.frames.count": {"zh": "抽样框", "en": "Frames"},
    "sampling.frames.entries": {"zh": "名单行数", "en": "Frame rows"},
    "sampling.frames.callable": {"zh": "可抽人数", "en": "Callable people"},
    "sampling.frames.blocked": {"zh": "拒访屏蔽", "en": "Blocked (do not call)"},
    "sampling.frames.none": {
        "zh": "该评议活动还没有抽样框，请先导入。",
        "en": "This appraisal has no sampling frame yet; import one first.",
    },
    "sampling.frames.by_unit": {"zh": "各单位抽样框", "en": "Frame by unit"},
    "sampling.frames.frame": {"zh": "{name}：{entries} 行（{at}）", "en": "{name}: {entries} rows ({at})"},
    "sampling.col.unit": {"zh": "单位", "en": "Unit"},
    "sampling.col.code": {"zh": "编码", "en": "Code"},
    "sampling.col.groups": {"zh": "评议主体", "en": "Respondent groups"},
    "sampling.col.frame": {"zh": "抽样框 N", "en": "Frame N"},
    "sampling.col.target": {"zh": "目标有效样本", "en": "Target completes"},
    "sampling.col.to_draw": {"zh": "抽取人数", "en": "To draw"},
    "sampling.col.completes": {"zh": "预计有效样本", "en": "Expected completes"},
    "sampling.col.calls": {"zh": "预计拨打次数", "en": "Expected calls"},
    "sampling.col.margin": {"zh": "预计误差（百分点）", "en": "Expected margin (points)"},
    "sampling.col.capped": {"zh": "抽样框不足", "en": "Frame too small"},
    "sampling.col.batch": {"zh": "当前批次", "en": "Batch"},
    "sampling.col.cases": {"zh": "样本数", "en": "Cases"},
    "sampling.col.open": {"zh": "本批未结束", "en": "Open in batch"},
    "sampling.col.done": {"zh": "已完成访问", "en": "Completes"},
    "sampling.col.remaining": {"zh": "剩余可抽", "en": "Left in frame"},
    "sampling.col.eligible": {"zh": "可补抽", "en": "Replacement due"},
    "sampling.sample.section": {"zh": "电话样本", "en": "Phone sample"},
    "sampling.design.header": {"zh": "抽样设计", "en": "Sample design"},
    "sampling.design.moe": {"zh": "目标误差（±百分点）", "en": "Target margin of error (± points)"},
    "sampling.design.moe_help": {
        "zh": "单位满意率估计的置信区间半宽；越小需要的样本越多。",
        "en": "Half-width of the interval around a unit's satisfaction rate; smaller needs more interviews.",
    },
    "sampling.design.confidence": {"zh": "置信水平", "en": "Confidence level"},
    "sampling.design.expected_p": {"zh": "预计满意率（%）", "en": "Expected satisfaction rate (%)"},
    "sampling.design.expected_p_help": {
        "zh": "不确定时用 50%，所需样本最多。",
        "en": "When unsure use 50%, which needs the most interviews.",
    },
    "sampling.design.response_rate": {"zh": "预计应答率（%）", "en": "Expected response rate (%)"},
    "sampling.design.response_rate_help": {
        "zh": "抽中的人中预计完成访问的比例（以往调查的 AAPOR RR3）。",
        "en": "Share of drawn people expected to complete the interview (AAPOR RR3 of earlier fieldwork).",
    },
    "sampling.design.attempts": {"zh": "每个样本预计拨打次数", "en": "Expected attempts per case"},
    "sampling.design.attempts_help": {
        "zh": "用于估算电话成本。",
        "en": "Used to estimate the cost in calls.",
    },
    "sampling.design.quotas": {"zh": "按评议主体配额", "en": "Quotas by respondent group"},
    "sampling.design.quotas_help": {
        "zh": "按抽样框中各评议主体的人数比例分配每个单位的样本。",
        "en": "Spread each unit's sample over its respondent groups in proportion to the frame.",
    },
    "sampling.design.fixed": {"zh": "每个单位固定有效样本数", "en": "Fixed completes per unit"},
    "sampling.design.fixed_completes": {"zh": "固定有效样本数", "en": "Completes per unit"},
    "sampling.design.seed": {"zh": "随机种子", "en": "Random seed"},
    "sampling.design.seed_help": {
        "zh": "记录在案；同一种子和同一抽样框可以重现抽样结果。",
        "en": "Recorded with the sample: the same seed and frame reproduce the draw.",
    },
    "sampling.design.preview": {"zh": "预览抽样设计", "en": "Preview the design"},
    "sampling.preview.first": {
        "zh": "先预览抽样设计，确认样本量和成本后再抽样。",
        "en": "Preview the design first; draw once the sizes and cost look right.",
    },
    "sampling.preview.header": {"zh": "抽样设计预览", "en": "Design preview"},
    "sampling.preview.to_draw": {"zh": "抽取人数", "en": "People to draw"},
    "sampling.preview.completes": {"zh": "预计有效样本", "en": "Expected completes"},
    "sampling.preview.calls": {"zh": "预计拨打次数", "en": "Expected calls"},
    "sampling.preview.capped": {"zh": "抽样框不足的单位", "en": "Units with too small a frame"},
    "sampling.preview.total": {"zh": "合计", "en": "Total"},
    "sampling.preview.capped_note": {
        "zh": "部分单位的抽样框人数不足以达到目标误差：将抽取全部人员，预计误差见表。",
        "en": "Some units' frames are too small for the target margin: everyone is drawn; "
        "see the expected margin.",
    },
    "sampling.draw.button": {
        "zh": "抽取 {n} 人（种子 {seed}）",
        "en": "Draw {n} people (seed {seed})",
    },
    "sampling.draw.supervisors_only": {
        "zh": "抽样和补抽由第三方督导进行。",
        "en": "Drawing the sample and its replacement batches is for the contractor's supervisors.",
    },
    "sampling.draw.done": {
        "zh": "已抽取 {cases} 个样本（{units} 个单位，{first}–{last}，种子 {seed}），等待分配给访问员。",
        "en": "Drew {cases} cases ({units} units, {first}–{last}, seed {seed}); they wait to be assigned.",
    },
    "sampling.sample.header": {"zh": "样本进度", "en": "Sample progress"},
    "sampling.sample.info": {
        "zh": "样本已于 {at} 由 {by} 抽取，种子 {seed}；已补抽 {batches} 批。",
        "en": "Drawn by {by} on {at} with seed {seed}; {batches} replacement batch(es) so far.",
    },
    "sampling.replace.none": {
        "zh": "目前没有需要补抽的单位（本批样本未结束、已达目标或抽样框已用完）。",
        "en": "No unit needs a replacement batch now (batch still open, target reached or frame used up).",
    },
    "sampling.replace.unit": {"zh": "需补抽的单位", "en": "Unit due a replacement batch"},
    "sampling.replace.button": {"zh": "释放补抽批次", "en": "Release a replacement batch"},
    "sampling.replace.done": {
        "zh": "已为{unit}释放第 {batch} 批：{cases} 个样本（{first}–{last}）。",
        "en": "Released batch {batch} for {unit}: {cases} cases ({first}–{last}).",
    },
    # Caller workstation (app_pages/calls.py)
    # @@calls-messages@@
    "calls.my_phone": {"zh": "我的接听电话", "en": "My phone"},
    "calls.my_phone.help": {
        "zh": "点击“拨打”时，系统先呼叫这部电话，接通后再为您接通受访者，对方看到的是单位号码。",
        "en": (
            "Click-to-call rings this phone first, then connects the respondent, "
            "who sees the agency's number."
        ),
    },
    "calls.my_phone.number": {
        "zh": "手机或座机（座机请带国家代码，如 +86 10 …）",
        "en": "Mobile, or a line with its country code",
    },
    "calls.my_phone.save": {"zh": "保存", "en": "Save"},
    "calls.my_phone.saved": {"zh": "已保存：{phone}", "en": "Saved: {phone}"},
    "calls.my_phone.refused": {"zh": "未能保存：{reason}", "en": "Not saved: {reason}"},
    "calls.title": {"zh": "电话访问工作台", "en": "Call workstation"},
    "calls.intro": {
        "zh": "按队列逐个拨打分配给您的样本：到期的预约回访排在最前，其次是到期重拨，然后是新样本。"
        "号码和姓名只显示脱敏形式；每次通话结束后请如实记录结果。",
        "en": "Call the cases assigned to you in queue order: callbacks that are due first, then retries "
        "that are due, then new cases. Numbers and names are shown masked only; record the outcome "
        "of every call truthfully.",
    },
    "calls.empty": {"zh": "您目前没有待访问的样本。", "en": "You have no cases to call right now."},
    "calls.none_due": {
        "zh": "暂无到期的样本：其余样本已约定或安排在稍后拨打。",
        "en": "No case is due: the others are booked or scheduled for later.",
    },
    "calls.queue.header": {"zh": "访问队列（到期 {due} / 共 {total}）", "en": "Queue ({due} due of {total})"},
    "calls.col.case": {"zh": "样本", "en": "Case"},
    "calls.col.unit": {"zh": "被评议单位", "en": "Unit"},
    "calls.col.phone": {"zh": "号码", "en": "Number"},
    "calls.col.kind": {"zh": "类型", "en": "Type"},
    "calls.col.due": {"zh": "拨打时间", "en": "Due at"},
    "calls.col.attempts": {"zh": "已拨次数", "en": "Attempts"},
    "calls.col.last": {"zh": "上次结果", "en": "Last outcome"},
    "calls.col.when": {"zh": "时间", "en": "When"},
    "calls.col.outcome": {"zh": "结果", "en": "Outcome"},
    "calls.col.seconds": {"zh": "时长（秒）", "en": "Seconds"},
    "calls.col.note": {"zh": "备注", "en": "Note"},
    "calls.kind.callback": {"zh": "预约回访", "en": "Callback"},
    "calls.kind.retry": {"zh": "重拨", "en": "Retry"},
    "calls.kind.new": {"zh": "新样本", "en": "New"},
    "calls.kind.scheduled": {"zh": "稍后拨打", "en": "Later"},
    "calls.pick": {"zh": "当前样本", "en": "Current case"},
    "calls.pick.option": {"zh": "{case} · {unit} · {kind}", "en": "{case} · {unit} · {kind}"},
    "calls.case.header": {"zh": "样本 {case}：{unit}", "en": "Case {case}: {unit}"},
    "calls.case.phone": {"zh": "号码", "en": "Number"},
    "calls.case.name": {"zh": "受访者", "en": "Respondent"},
    "calls.case.attempts": {"zh": "已拨 / 上限", "en": "Attempts / limit"},
    "calls.case.callback": {"zh": "约定时间", "en": "Callback at"},
    "calls.script.header": {"zh": "开场白（请逐字宣读）", "en": "Introduction (read word for word)"},
    "calls.script.help": {
        "zh": "开场白须说明委托单位和调查机构，并征得受访者对录音的同意；不同意录音的，不得录音。",
        "en": "The introduction names the commissioning department and the contractor and asks consent "
        "to record; without consent the call must not be recorded. It is read in Chinese.",
    },
    "calls.call.record": {"zh": "录音（须征得同意）", "en": "Record the call (with consent)"},
    "calls.call.button": {"zh": "拨打", "en": "Call"},
    "calls.call.unavailable": {
        "zh": "一键拨号暂不可用，请点击“手动拨号”查看号码，用座席电话拨打后记录结果。",
        "en": "Click-to-call is not available; choose “Dial by hand” to see the number, dial it, "
        "then record the outcome.",
    },
    "calls.call.started": {
        "zh": "正在接通：您的电话会先响起，接听后系统再拨打受访者。",
        "en": "Connecting: your phone rings first, then the respondent is dialled.",
    },
    "calls.call.manual": {
        "zh": "结果只能记在一次通话上：请点击“拨打”，或点击“手动拨号”查看号码后用座席电话拨打。",
        "en": "An outcome goes only on a call: choose “Call”, or “Dial by hand” to see the number and "
        "dial it from your desk phone.",
    },
    "calls.history.header": {"zh": "以往拨打（{n} 次）", "en": "Earlier calls ({n})"},
    "calls.outcome.header": {"zh": "本次结果", "en": "Outcome of this call"},
    "calls.outcome.disposition": {"zh": "结果代码（AAPOR）", "en": "Disposition (AAPOR)"},
    "calls.outcome.placeholder": {"zh": "请选择", "en": "Choose"},
    "calls.outcome.option": {"zh": "{label}（{kind}）", "en": "{label} ({kind})"},
    "calls.final": {"zh": "结案", "en": "Final"},
    "calls.temporary": {"zh": "再拨", "en": "Retry"},
    "calls.disposition.1.1": {"zh": "完成", "en": "Complete"},
    "calls.disposition.1.2": {"zh": "部分完成", "en": "Partial"},
    "calls.disposition.2.11": {"zh": "拒访", "en": "Refusal"},
    "calls.disposition.2.12": {"zh": "中途挂断", "en": "Break-off"},
    "calls.disposition.2.21": {"zh": "约定回访", "en": "Callback appointment"},
    "calls.disposition.2.32": {"zh": "身体原因无法受访", "en": "Physically or mentally unable"},
    "calls.disposition.2.33": {"zh": "语言障碍", "en": "Language barrier"},
    "calls.disposition.3.12": {"zh": "占线", "en": "Busy"},
    "calls.disposition.3.13": {"zh": "无人接听", "en": "No answer"},
    "calls.disposition.3.14": {"zh": "语音信箱 / 答录机", "en": "Voicemail / answering machine"},
    "calls.disposition.3.16": {"zh": "关机 / 无法接通", "en": "Switched off / cannot connect"},
    "calls.disposition.4.31": {"zh": "空号 / 停机", "en": "Non-working number"},
    "calls.disposition.4.41": {"zh": "号码错误（非样本本人）", "en": "Wrong number (not the sampled person)"},
    "calls.disposition.4.70": {"zh": "非目标人群", "en": "Not in the target population"},
    "calls.callback.help": {
        "zh": "仅在选择“约定回访”时填写受访者约定的时间（北京时间）。",
        "en": "Only for a callback: the time the respondent named (Beijing time).",
    },
    "calls.callback.day": {"zh": "回访日期", "en": "Callback day"},
    "calls.callback.time": {"zh": "回访时间", "en": "Callback time"},
    "calls.questions.header": {"zh": "电话问卷", "en": "Phone questionnaire"},
    "calls.questions.help": {
        "zh": "逐题宣读题目和选项，“不了解”不读出，受访者主动表示不清楚时选择。完成访问须答完全部题目。",
        "en": 'Read each question and its options; do not read out "don\'t know", choose it when the '
        "respondent says so. A complete interview needs every question answered.",
    },
    "calls.consent": {"zh": "受访者同意录音", "en": "The respondent agreed to the recording"},
    "calls.note": {"zh": "备注", "en": "Note"},
    "calls.save": {"zh": "保存结果", "en": "Save the outcome"},
    "calls.saved.closed": {"zh": "样本 {case} 已结案（{code}）。", "en": "Case {case} is closed ({code})."},
    "calls.saved.callback": {
        "zh": "已记录：样本 {case} 将于 {when} 回访。",
        "en": "Saved: case {case} will be called back at {when}.",
    },
    "calls.saved.retry": {
        "zh": "已记录：样本 {case} 将于 {when} 之后再拨。",
        "en": "Saved: case {case} will be tried again after {when}.",
    },
    "calls.error.no_disposition": {"zh": "请先选择结果代码。", "en": "Choose a disposition first."},
    "calls.error.unanswered": {
        "zh": "完成访问须回答全部题目（可选“不了解”）。",
        "en": 'A complete interview needs every question answered ("don\'t know" allowed).',
    },
    "calls.error.answers_without_interview": {
        "zh": "只有“完成”或“部分完成”才能记录答案，请清除答案或更改结果代码。",
        "en": "Answers go only with a complete or partial interview: clear them or change the disposition.",
    },
    "calls.error.denied": {"zh": "该样本未分配给您。", "en": "This case is not assigned to you."},
    "calls.error.not_found": {"zh": "找不到该样本或通话。", "en": "The case or call was not found."},
    "calls.error.refused": {
        "zh": "未能保存：该样本可能已结案或访问已结束，请刷新后重试。",
        "en": "Not saved: the case may be closed or fieldwork over; reload and try again.",
    },
    # Fieldwork dashboard (app_pages/fieldwork.py)
    # @@fieldwork-messages@@
    "fieldwork.title": {"zh": "访问进度与质量监控", "en": "Fieldwork progress and assurance"},
    "fieldwork.intro": {
        "zh": "第三方电话抽访的进度、AAPOR 应答率、访问员工作量和质量标记。督导可调配样本并记录复核结果；"
        "组织部管理员只能查看。",
        "en": "Progress of the contractor's phone survey, AAPOR outcome rates, callers' workload and "
        "quality flags. Supervisors reassign cases and record back-checks; administrators only watch.",
    },
    "fieldwork.no_campaigns": {"zh": "还没有评议活动。", "en": "There is no campaign yet."},
    "fieldwork.campaign": {"zh": "评议活动", "en": "Campaign"},
    "fieldwork.contractor.header": {
        "zh": "调查机构总体（{cases} 个样本）",
        "en": "The contractor overall ({cases} cases)",
    },
    "fieldwork.rates.help": {
        "zh": "按 AAPOR 标准定义计算（与 fieldwork.csv 同一算法）；"
        "未结案样本按最近一次结果计，未拨打的计为 3.11。",
        "en": "AAPOR Standard Definitions, computed as fieldwork.csv is; open cases count with their latest "
        "outcome, cases never called as 3.11.",
    },
    "fieldwork.units.header": {"zh": "各单位进度", "en": "Progress per unit"},
    "fieldwork.target.sample": {
        "zh": "目标完成数取自抽样设计；设计未列出的单位取最低有效电话样本数（min_phone）。",
        "en": "Targets come from the sample design; units it does not list use the minimum phone sample "
        "(min_phone).",
    },
    "fieldwork.target.min_phone": {
        "zh": "尚无抽样设计：目标完成数为最低有效电话样本数（min_phone）。",
        "en": "No sample design yet: the target is the minimum phone sample (min_phone).",
    },
    "fieldwork.col.unit": {"zh": "单位", "en": "Unit"},
    "fieldwork.col.cases": {"zh": "样本", "en": "Cases"},
    "fieldwork.col.called": {"zh": "已拨打", "en": "Called"},
    "fieldwork.col.closed": {"zh": "已结案", "en": "Closed"},
    "fieldwork.col.completes": {"zh": "完成", "en": "Completes"},
    "fieldwork.col.target": {"zh": "目标", "en": "Target"},
    "fieldwork.col.caller": {"zh": "访问员", "en": "Caller"},
    "fieldwork.col.attempts": {"zh": "拨打次数", "en": "Calls"},
    "fieldwork.col.per_hour": {"zh": "每小时拨打", "en": "Calls per hour"},
    "fieldwork.col.short": {"zh": "过短访问", "en": "Too short"},
    "fieldwork.col.top_share": {"zh": "最多选项占比", "en": "Top option share"},
    "fieldwork.col.p_adjusted": {"zh": "校正 p 值", "en": "Adjusted p"},
    "fieldwork.col.flag": {"zh": "标记", "en": "Flag"},
    "fieldwork.col.case": {"zh": "样本", "en": "Case"},
    "fieldwork.col.seconds": {"zh": "时长（秒）", "en": "Seconds"},
    "fieldwork.col.min_seconds": {"zh": "最短合理时长（秒）", "en": "Shortest plausible (s)"},
    "fieldwork.col.phone": {"zh": "号码", "en": "Number"},
    "fieldwork.col.recording": {"zh": "录音", "en": "Recording"},
    "fieldwork.col.outcome": {"zh": "复核结果", "en": "Back-check"},
    "fieldwork.col.note": {"zh": "说明", "en": "Note"},
    "fieldwork.callers.header": {"zh": "访问员", "en": "Callers"},
    "fieldwork.callers.none": {
        "zh": "还没有访问员参与本活动。",
        "en": "No caller works on this campaign yet.",
    },
    "fieldwork.callers.help": {
        "zh": "每位访问员的答案分布与其他访问员合并分布作卡方检验，按访谈内题目相关性校正，"
        "并作 Holm 多重比较校正；"
        "校正 p 值低于 {alpha} 的标记为异常。标记只提示需要复听录音，不能单独作为处理依据。",
        "en": "Each caller's answer distribution is tested against all other callers' (chi-square, "
        "corrected for answers within one interview and Holm-adjusted for the number of callers); an "
        "adjusted p below {alpha} is flagged. A flag asks for listening to recordings, it proves nothing.",
    },
    "fieldwork.flag.outlier": {"zh": "答案分布异常", "en": "Unusual answers"},
    "fieldwork.flag.warning": {
        "zh": "以下访问员的答案分布明显不同于其他访问员，请抽听录音：{callers}",
        "en": "These callers' answers differ clearly from the others'; listen to their recordings: {callers}",
    },
    "fieldwork.hours.header": {"zh": "各时段拨打量（北京时间）", "en": "Calls by hour of day (Beijing time)"},
    "fieldwork.hours.hour": {"zh": "时", "en": "Hour"},
    "fieldwork.short.header": {"zh": "过短访问（{n} 个）", "en": "Interviews too short ({n})"},
    "fieldwork.short.help": {
        "zh": "完成访问的时长短于按每秒 4 字宣读开场白、题目、选项和结束语再加每题作答时间所需的最短时长。",
        "en": "Completed interviews shorter than reading the introduction, questions, options and closing "
        "at 4 characters a second plus time to answer each question.",
    },
    "fieldwork.assign.header": {"zh": "调配样本", "en": "Assign cases"},
    "fieldwork.assign.no_callers": {"zh": "还没有访问员账号。", "en": "There are no callers yet."},
    "fieldwork.assign.no_open": {"zh": "没有未结案的样本。", "en": "No open cases."},
    "fieldwork.assign.case": {"zh": "样本", "en": "Case"},
    "fieldwork.assign.case_option": {"zh": "{case} · {unit} · {caller}", "en": "{case} · {unit} · {caller}"},
    "fieldwork.assign.nobody": {"zh": "未分配", "en": "Unassigned"},
    "fieldwork.assign.caller": {"zh": "分配给", "en": "Assign to"},
    "fieldwork.assign.submit": {"zh": "分配", "en": "Assign"},
    "fieldwork.assign.done": {
        "zh": "样本 {case} 已分配给 {caller}。",
        "en": "Case {case} now belongs to {caller}.",
    },
    "fieldwork.bulk.help": {
        "zh": "批量分配：所选单位中尚未分配的样本轮流分给所选访问员。一次超过 {page} 个样本时，"
        "须先确认数量才会分配。",
        "en": "Bulk: the unassigned cases of the chosen units are dealt to the chosen callers in turn. "
        "More than {page} cases at once are assigned only after you confirm the count.",
    },
    "fieldwork.bulk.units": {"zh": "单位", "en": "Units"},
    "fieldwork.bulk.callers": {"zh": "访问员", "en": "Callers"},
    "fieldwork.bulk.submit": {"zh": "轮流分配", "en": "Deal in turn"},
    "fieldwork.bulk.done": {"zh": "已分配 {n} 个样本。", "en": "{n} cases assigned."},
    "fieldwork.backcheck.header": {"zh": "复核抽样", "en": "Back-check sample"},
    "fieldwork.backcheck.help": {
        "zh": "从已完成访问中按访问员分层随机抽取（每位访问员至少 1 个），抽样结果由种子决定、可重现；"
        "督导复听录音或回拨核实后记录结果，记入操作日志。",
        "en": "A random sample of completed interviews, stratified by caller (at least one each) and "
        "reproducible from its seed; supervisors re-listen or call back and record the outcome, which "
        "goes into the audit trail.",
    },
    "fieldwork.backcheck.rate": {"zh": "复核比例（%）", "en": "Share checked (%)"},
    "fieldwork.backcheck.seed": {"zh": "随机种子", "en": "Seed"},
    "fieldwork.backcheck.none": {"zh": "还没有完成的访问。", "en": "No completed interviews yet."},
    "fieldwork.backcheck.confirmed": {"zh": "属实", "en": "Confirmed"},
    "fieldwork.backcheck.not_confirmed": {"zh": "不属实", "en": "Not confirmed"},
    "fieldwork.backcheck.case": {"zh": "复核样本", "en": "Case checked"},
    "fieldwork.backcheck.result": {"zh": "复核结果", "en": "Result"},
    "fieldwork.backcheck.note": {
        "zh": "说明（不属实时必填）",
        "en": "Note (required when not confirmed)",
    },
    "fieldwork.backcheck.submit": {"zh": "记录复核结果", "en": "Record the back-check"},
    "fieldwork.backcheck.done": {
        "zh": "样本 {case} 的复核结果已记录。",
        "en": "Back-check of case {case} recorded.",
    },
    "fieldwork.error.denied": {"zh": "您无权进行此操作。", "en": "You may not do this."},
    "fieldwork.error.not_found": {
        "zh": "找不到所选的活动、样本或访问员。",
        "en": "Campaign, case or caller not found.",
    },
    "fieldwork.error.refused": {
        "zh": "操作未能完成：样本可能已结案、访问已结束，或缺少必填说明。",
        "en": "Not done: the case may be closed, fieldwork over, or a required note missing.",
    },
    # Telephony (services/telephony.py, webhooks)
    # @@telephony-messages@@
    "telephony.sms.header": {"zh": "短信邀请", "en": "Invitations by SMS"},
    "telephony.sms.intro": {
        "zh": "向所选单位抽样框中尚未邀请的服务对象各发送一条含一次性评价链接的短信"
        "（拒访名单中的号码除外）。",
        "en": "Send each person in the unit's sampling frame not yet invited one SMS with a single-use "
        "survey link (numbers on the do-not-call list are skipped).",
    },
    "telephony.sms.limit": {"zh": "最多发送条数", "en": "Send at most"},
    "telephony.sms.submit": {"zh": "发送短信邀请", "en": "Send SMS invitations"},
    "telephony.sms.sent": {"zh": "已发送 {count} 条短信邀请。", "en": "{count} SMS invitations sent."},
    "telephony.sms.none": {
        "zh": "没有需要发送的对象：该单位抽样框中的服务对象均已邀请。",
        "en": "Nobody to invite: everyone in the unit's sampling frame has been invited.",
    },
    "telephony.sms.not_fieldwork": {
        "zh": "评议活动进入实施阶段后才能发送短信邀请。",
        "en": "SMS invitations can be sent once the campaign is in fieldwork.",
    },
    # Indicators, overdue cases, adjustments, bulletin (app_pages/indicators.py, adjustments.py, bulletin.py)
    # @@indicators-messages@@
    "indicators.title": {"zh": "大数据指标", "en": "Big-data indicators"},
    "indicators.intro": {
        "zh": (
            "定义评议的大数据指标，导入其他系统导出的指标数据（CSV 或 XLSX），逐件登记超时办结件并办理容错免"
            "责。冻结日期之后，任何数值变更都须填写更正理由，并连同变更前后的数值记入操作日志。"
        ),
        "en": (
            "Define the appraisal's big-data indicators, import their values from other systems' exports "
            "(CSV or XLSX), and keep overdue approvals case by case with their fault-tolerance exemptions. "
            "After an indicator's freeze date every change needs a correction reason and is logged with its "
            "value before and after."
        ),
    },
    "indicators.no_campaigns": {"zh": "还没有评议活动。", "en": "There is no appraisal yet."},
    "indicators.campaign": {"zh": "评议活动", "en": "Appraisal"},
    "indicators.frozen_campaign": {
        "zh": "该评议结果已公示，指标数据不能再修改，以下仅供查看。",
        "en": (
            "This appraisal's result is published: its indicators can no longer change and are shown "
            "read-only."
        ),
    },
    "indicators.error": {"zh": "操作未完成：{detail}", "en": "Not done: {detail}"},
    "indicators.none": {"zh": "尚未定义指标。", "en": "No indicator is defined yet."},
    "indicators.tab.definitions": {"zh": "指标定义", "en": "Definitions"},
    "indicators.tab.values": {"zh": "指标数据", "en": "Values"},
    "indicators.tab.cases": {"zh": "超时办结与容错免责", "en": "Overdue cases and exemptions"},
    "indicators.direction.higher": {"zh": "越高越好", "en": "Higher is better"},
    "indicators.direction.lower": {"zh": "越低越好", "en": "Lower is better"},
    "indicators.method.minmax": {"zh": "极差标准化", "en": "Min-max"},
    "indicators.method.target": {"zh": "目标值法", "en": "Floor and target"},
    "indicators.col.code": {"zh": "指标代码", "en": "Code"},
    "indicators.col.name": {"zh": "指标名称", "en": "Name"},
    "indicators.col.direction": {"zh": "方向", "en": "Direction"},
    "indicators.col.weight": {"zh": "权重", "en": "Weight"},
    "indicators.col.method": {"zh": "计分方法", "en": "Method"},
    "indicators.col.floor": {"zh": "起评值", "en": "Floor"},
    "indicators.col.target": {"zh": "目标值", "en": "Target"},
    "indicators.col.source": {"zh": "数据来源系统", "en": "Source system"},
    "indicators.col.freeze": {"zh": "冻结日期", "en": "Freeze date"},
    "indicators.col.frozen": {"zh": "已冻结", "en": "Frozen"},
    "indicators.col.values": {"zh": "数据条数", "en": "Values"},
    "indicators.col.unit_code": {"zh": "单位编码", "en": "Unit code"},
    "indicators.col.unit_name": {"zh": "被评议单位", "en": "Unit"},
    "indicators.col.value": {"zh": "数值", "en": "Value"},
    "indicators.col.case": {"zh": "办件编号", "en": "Case number"},
    "indicators.col.promised": {"zh": "承诺办结时间", "en": "Promised by"},
    "indicators.col.completed": {"zh": "实际办结时间", "en": "Completed at"},
    "indicators.col.hours": {"zh": "超时（小时）", "en": "Hours late"},
    "indicators.col.exempt": {"zh": "已免责", "en": "Exempt"},
    "indicators.col.exempt_reason": {"zh": "免责理由", "en": "Exemption reason"},
    "indicators.col.exempted_by": {"zh": "办理人", "en": "Granted by"},
    "indicators.form.header": {"zh": "新增或修改指标", "en": "Add or change an indicator"},
    "indicators.form.help": {
        "zh": (
            "填写已有指标代码即修改该指标；目标值法须填写起评值和目标值（越低越好的指标起评值高于目标值）。"
        ),
        "en": (
            "An existing code changes that indicator. The target method needs a floor and a target (for a "
            "lower-is-better indicator the floor lies above the target)."
        ),
    },
    "indicators.form.has_freeze": {"zh": "设定冻结日期", "en": "Set a freeze date"},
    "indicators.form.save": {"zh": "保存指标", "en": "Save indicator"},
    "indicators.form.created": {"zh": "已新增指标 {code}。", "en": "Indicator {code} added."},
    "indicators.form.updated": {"zh": "已修改指标 {code}。", "en": "Indicator {code} changed."},
    "indicators.values.indicator": {"zh": "指标", "en": "Indicator"},
    "indicators.values.frozen": {
        "zh": "该指标已于 {date} 冻结：任何数值变更都须填写更正理由，并记入操作日志。",
        "en": "This indicator was frozen on {date}: every change needs a correction reason and is logged.",
    },
    "indicators.values.freeze_on": {
        "zh": "该指标将于 {date} 之后冻结。",
        "en": "This indicator freezes after {date}.",
    },
    "indicators.import.header": {"zh": "导入指标数据", "en": "Import values"},
    "indicators.import.help": {
        "zh": (
            "CSV（UTF-8、GBK 或 GB18030 编码）或 XLSX 文件，列为 unit_id（或 unit_name）、indicator_id 和 val"
            "ue；没有 indicator_id 列时全部计入所选指标 {code}。文件有任何问题则整份不导入，并列出文件、行和"
            "列。"
        ),
        "en": (
            "A CSV (UTF-8, GBK or GB18030) or XLSX file with columns unit_id (or unit_name), indicator_id "
            "and value; without an indicator_id column every row is a value of the chosen indicator {code}. "
            "A file with any defect is not imported at all; each defect is listed with file, line and column."
        ),
    },
    "indicators.import.file": {"zh": "选择文件", "en": "Choose a file"},
    "indicators.import.reason": {
        "zh": "更正理由（冻结日期之后必填）",
        "en": "Correction reason (required after the freeze date)",
    },
    "indicators.import.run": {"zh": "导入", "en": "Import"},
    "indicators.import.no_file": {"zh": "请先选择文件。", "en": "Choose a file first."},
    "indicators.import.rejected": {
        "zh": "文件未导入：发现 {n} 处问题，请修改后重新导入。",
        "en": "The file was not imported: {n} problem(s) found. Fix them and import it again.",
    },
    "indicators.import.done": {
        "zh": "已导入 {rows} 行：新增 {added} 个数值，修改 {changed} 个，{unchanged} 个未变。",
        "en": "{rows} rows imported: {added} values added, {changed} changed, {unchanged} unchanged.",
    },
    "indicators.edit.header": {"zh": "修改单个数值", "en": "Change one value"},
    "indicators.edit.help": {
        "zh": "数值留空即删除该单位的数据。冻结日期之后须填写更正理由。",
        "en": (
            "Leave the value empty to remove the unit's value. After the freeze date give a correction "
            "reason."
        ),
    },
    "indicators.edit.reason": {"zh": "更正理由", "en": "Correction reason"},
    "indicators.edit.save": {"zh": "保存数值", "en": "Save value"},
    "indicators.edit.no_unit": {"zh": "请先选择。", "en": "Choose one first."},
    "indicators.edit.done": {
        "zh": "已修改单位 {unit} 的数值。",
        "en": "The value of unit {unit} was changed.",
    },
    "indicators.edit.unchanged": {"zh": "数值未变。", "en": "The value is unchanged."},
    "indicators.cases.intro": {
        "zh": (
            "网上审批超时办结件逐件登记；容错免责须经申请、受理、核实、决定的程序（见“容错免责”页面），"
            "决定免责的办件不计入。超时办结指标按单位统计未免责的办件数，越少越好。"
        ),
        "en": (
            "Overdue online approvals are kept case by case; a case is exempted (fault tolerance) only by "
            "the procedure of application, acceptance, verification and decision (the Fault tolerance "
            "page). The overtime indicator counts each unit's cases not exempted; fewer is better."
        ),
    },
    "indicators.cases.total": {"zh": "超时办件", "en": "Overdue cases"},
    "indicators.cases.exempt": {"zh": "已免责", "en": "Exempted"},
    "indicators.cases.counted": {"zh": "计入指标", "en": "Counted"},
    "indicators.cases.import_header": {"zh": "导入超时办件", "en": "Import overdue cases"},
    "indicators.cases.import_help": {
        "zh": (
            "CSV 或 XLSX 文件，列为 unit_id（或 unit_name）、case_number、promised_at、completed_at，可选 sou"
            "rce_system；时间未注明时区的按北京时间。已导入的相同办件再次导入时跳过。"
        ),
        "en": (
            "A CSV or XLSX file with columns unit_id (or unit_name), case_number, promised_at, completed_at "
            "and optionally source_system; times without a zone are Beijing time. Cases already imported "
            "with the same data are skipped."
        ),
    },
    "indicators.cases.import_run": {"zh": "导入办件", "en": "Import cases"},
    "indicators.cases.imported": {
        "zh": "已导入 {added} 件超时办件，{unchanged} 件此前已导入。",
        "en": "{added} overdue cases imported; {unchanged} were already there.",
    },
    "indicators.exempt.header": {"zh": "容错免责", "en": "Fault-tolerance exemption"},
    "indicators.compute.header": {"zh": "计算超时办结指标", "en": "Compute the overtime indicator"},
    "indicators.compute.no_indicator": {
        "zh": "请先定义一个“越低越好”的指标（如 overtime）。",
        "en": "First define a lower-is-better indicator (such as overtime).",
    },
    "indicators.compute.help": {
        "zh": "按单位统计未免责的超时办件数，写入所选指标；没有超时办件的单位记为 0。",
        "en": (
            "Counts each unit's overdue cases not exempted into the chosen indicator; a unit without any "
            "gets 0."
        ),
    },
    "indicators.compute.run": {"zh": "计算并写入", "en": "Compute and store"},
    "indicators.compute.done": {
        "zh": "指标 {code} 已按 {units} 个单位计算，{changed} 个数值有变化。",
        "en": "Indicator {code} computed for {units} units; {changed} values changed.",
    },
    "adjustments.title": {"zh": "加分、扣分与一票否决", "en": "Bonus, deductions and vetoes"},
    "adjustments.intro": {
        "zh": (
            "录入加分（完成拼搏目标）、扣分（查实的不作为问题）和一票否决，每项须写明理由并附证明材料。已录入"
            "的项目不能修改，只能填写理由后撤销；所有操作记入操作日志。"
        ),
        "en": (
            "Enter bonus points (a striving target met), deductions (a verified case of inaction) and "
            "vetoes, each with a reason and an evidence document. An entry is never edited, only removed "
            "with a reason; everything is logged."
        ),
    },
    "adjustments.no_campaigns": {"zh": "还没有评议活动。", "en": "There is no appraisal yet."},
    "adjustments.campaign": {"zh": "评议活动", "en": "Appraisal"},
    "adjustments.frozen_campaign": {
        "zh": "该评议结果已公示，加减分不能再修改，以下仅供查看。",
        "en": (
            "This appraisal's result is published: adjustments can no longer change and are shown read-only."
        ),
    },
    "adjustments.error": {"zh": "操作未完成：{detail}", "en": "Not done: {detail}"},
    "adjustments.caps": {
        "zh": "按评议办法，每个单位最多加 {bonus} 分、扣 {deduction} 分；单项分值不得超过上限。",
        "en": (
            "By the method a unit gains at most {bonus} bonus points and loses at most {deduction}; no entry "
            "may exceed its cap."
        ),
    },
    "adjustments.kind.bonus": {"zh": "加分", "en": "Bonus"},
    "adjustments.kind.deduction": {"zh": "扣分", "en": "Deduction"},
    "adjustments.kind.veto": {"zh": "一票否决", "en": "Veto"},
    "adjustments.col.id": {"zh": "编号", "en": "No."},
    "adjustments.col.unit": {"zh": "被评议单位", "en": "Unit"},
    "adjustments.col.kind": {"zh": "类别", "en": "Kind"},
    "adjustments.col.points": {"zh": "分值", "en": "Points"},
    "adjustments.col.reason": {"zh": "理由", "en": "Reason"},
    "adjustments.col.evidence": {"zh": "证明材料", "en": "Evidence"},
    "adjustments.col.size": {"zh": "大小", "en": "Size"},
    "adjustments.col.bonus": {"zh": "加分合计", "en": "Bonus entered"},
    "adjustments.col.bonus_applied": {"zh": "计入加分", "en": "Bonus applied"},
    "adjustments.col.deduction": {"zh": "扣分合计", "en": "Deductions entered"},
    "adjustments.col.deduction_applied": {"zh": "计入扣分", "en": "Deductions applied"},
    "adjustments.col.veto": {"zh": "一票否决", "en": "Vetoed"},
    "adjustments.form.header": {"zh": "录入", "en": "Enter an adjustment"},
    "adjustments.form.points_help": {
        "zh": "加分、扣分须为正数；一票否决不填分值。",
        "en": "Bonus and deduction points are positive; a veto has none.",
    },
    "adjustments.form.evidence": {
        "zh": "证明材料（不超过 {mb} MB）",
        "en": "Evidence document (at most {mb} MB)",
    },
    "adjustments.form.add": {"zh": "录入", "en": "Enter"},
    "adjustments.form.no_unit": {"zh": "请先选择单位。", "en": "Choose a unit first."},
    "adjustments.form.reason_required": {"zh": "请写明理由。", "en": "Write the reason."},
    "adjustments.form.evidence_required": {
        "zh": "请上传证明材料（决定文件、查实的案件材料等）。",
        "en": "Attach the evidence document (the decision, the verified case file).",
    },
    "adjustments.form.too_large": {
        "zh": "证明材料为 {size} MB，超过 {mb} MB 上限，请上传较小的扫描件或摘录。",
        "en": "The evidence is {size} MB, over the {mb} MB limit: upload a smaller scan or an extract.",
    },
    "adjustments.form.added": {"zh": "已为 {unit} 录入。", "en": "Entered for {unit}."},
    "adjustments.list.header": {"zh": "已录入", "en": "Entered"},
    "adjustments.list.empty": {"zh": "尚未录入加减分或一票否决。", "en": "No adjustment entered yet."},
    "adjustments.totals.header": {"zh": "各单位合计（按上限计入）", "en": "Per unit, with the caps applied"},
    "adjustments.choose": {"zh": "选择一项", "en": "Choose an entry"},
    "adjustments.option": {
        "zh": "#{id} · {unit} · {kind} {points}",
        "en": "#{id} · {unit} · {kind} {points}",
    },
    "adjustments.download": {"zh": "下载证明材料 {name}", "en": "Download evidence {name}"},
    "adjustments.remove.reason": {"zh": "撤销理由", "en": "Reason for removal"},
    "adjustments.remove.run": {"zh": "撤销该项", "en": "Remove entry"},
    "adjustments.remove.reason_required": {
        "zh": "请写明撤销理由。",
        "en": "Write the reason for the removal.",
    },
    "adjustments.remove.done": {"zh": "已撤销第 {id} 项。", "en": "Entry {id} removed."},
    "bulletin.title": {"zh": "评议通报", "en": "Fieldwork bulletin"},
    "bulletin.intro": {
        "zh": "评议期间按周或按月通报：各评议主体中不满意评价最多的单位（评分低于 {below} 分的回答）。",
        "en": (
            "Weekly or monthly during fieldwork: per respondent group, the units with the most dissatisfied "
            "answers (answers scored below {below})."
        ),
    },
    "bulletin.none": {"zh": "目前没有公开的评议通报。", "en": "No bulletin is public at the moment."},
    "bulletin.error": {"zh": "无法显示通报：{detail}", "en": "The bulletin cannot be shown: {detail}"},
    "bulletin.campaign": {"zh": "评议活动", "en": "Appraisal"},
    "bulletin.public": {"zh": "向公众公开通报", "en": "Show the bulletin to the public"},
    "bulletin.public_help": {"zh": "关闭时仅管理员可见。", "en": "When off, only administrators see it."},
    "bulletin.public_on": {"zh": "通报已向公众公开。", "en": "The bulletin is now public."},
    "bulletin.public_off": {
        "zh": "通报已改为仅管理员可见。",
        "en": "The bulletin is now for administrators only.",
    },
    "bulletin.period": {"zh": "通报周期", "en": "Period"},
    "bulletin.period.week": {"zh": "按周", "en": "Week"},
    "bulletin.period.month": {"zh": "按月", "en": "Month"},
    "bulletin.period.range": {"zh": "自选日期", "en": "Date range"},
    "bulletin.anchor": {"zh": "所在日期", "en": "Any day of the period"},
    "bulletin.range": {"zh": "起止日期", "en": "From and to"},
    "bulletin.range_incomplete": {"zh": "请选择起止日期。", "en": "Choose the first and the last day."},
    "bulletin.min_answers": {"zh": "最少回答数", "en": "Minimum answers"},
    "bulletin.min_answers_help": {
        "zh": "回答数少于此数的单位不列入通报，以免个别评价左右排名。",
        "en": "Units with fewer scored answers are left out, so a handful of answers cannot top the list.",
    },
    "bulletin.heading": {"zh": "{name}：{start} 至 {end}", "en": "{name}: {start} to {end}"},
    "bulletin.definition": {
        "zh": (
            "统计期内有效问卷中，评分低于 {below} 分的回答（即“不满意”）计为不满意评价；“不了解”不计入。占比"
            "为不满意评价占有效评分回答的比例；有效评分回答不少于 {n} 个的单位方列入，按不满意评价数排序。"
        ),
        "en": (
            "Among the counted responses of the period, an answer scored below {below} (dissatisfied) counts "
            "as a dissatisfied answer; don't-know answers are not counted. The share is of the scored "
            "answers; units with at least {n} scored answers are listed, by the number of dissatisfied "
            "answers."
        ),
    },
    "bulletin.responses": {"zh": "本期有效问卷 {n} 份", "en": "{n} counted responses in the period"},
    "bulletin.no_rows": {
        "zh": "本期没有达到最少回答数且有不满意评价的单位。",
        "en": "No unit with enough answers had a dissatisfied answer in the period.",
    },
    "bulletin.col.rank": {"zh": "序号", "en": "No."},
    "bulletin.col.unit": {"zh": "单位", "en": "Unit"},
    "bulletin.col.dissatisfied": {"zh": "不满意评价", "en": "Dissatisfied answers"},
    "bulletin.col.scored": {"zh": "有效评分回答", "en": "Scored answers"},
    "bulletin.col.share": {"zh": "不满意占比", "en": "Share dissatisfied"},
    # Scoring, review charts and publishing, staff (app_pages/scoring.py)
    # @@scoring-messages@@
    "scoring.title": {"zh": "计分与发布", "en": "Scoring and publishing"},
    "scoring.intro": {
        "zh": (
            "用离线计分程序的同一套代码为评议计分，审核排名、十佳十差、亮牌和不确定性，"
            "再按流程提请发布：发布须由另一名管理员批准。"
        ),
        "en": (
            "Score a campaign with the offline scorer's own code, review the ranking, "
            "the lists, the cards and their uncertainty, then take the campaign through "
            "its lifecycle: publishing needs a second admin's approval."
        ),
    },
    "scoring.no_campaigns": {"zh": "还没有评议活动。", "en": "There are no campaigns yet."},
    "scoring.campaign": {"zh": "评议活动", "en": "Campaign"},
    "scoring.campaign_option": {"zh": "{name}（{code}，{status}）", "en": "{name} ({code}, {status})"},
    "scoring.status.draft": {"zh": "草稿", "en": "Draft"},
    "scoring.status.fieldwork": {"zh": "调查中", "en": "Fieldwork"},
    "scoring.status.scoring": {"zh": "计分中", "en": "Scoring"},
    "scoring.status.review": {"zh": "审核中", "en": "Review"},
    "scoring.status.published": {"zh": "公示中", "en": "Published (notice period)"},
    "scoring.status.final": {"zh": "已定案", "en": "Final"},
    "scoring.error.denied": {"zh": "您没有执行此操作的权限。", "en": "You may not do this."},
    "scoring.error.frozen": {
        "zh": "结果已发布，输入数据不能再更改。",
        "en": "The results are published: the inputs can no longer change.",
    },
    "scoring.error.not_found": {
        "zh": "找不到该评议活动或计分记录。",
        "en": "No such campaign or scoring run.",
    },
    "scoring.error.refused": {"zh": "当前状态下不能执行此操作。", "en": "This step is not possible now."},
    "scoring.reason.self_approval": {
        "zh": "{user} 提请了本次发布，不能再由本人批准：发布须由另一名管理员批准。",
        "en": (
            "{user} requested this publication and cannot also approve it: publishing needs a second admin."
        ),
    },
    "scoring.reason.no_request": {
        "zh": "还没有管理员提请发布。",
        "en": "No admin has requested publication yet.",
    },
    "scoring.reason.already_requested": {
        "zh": "{user} 已提请发布，正等待另一名管理员批准。",
        "en": "{user} has already requested publication; it waits for a second admin's approval.",
    },
    "scoring.reason.outdated_request": {
        "zh": "提请发布后又重新计分了：请为新的计分结果重新提请发布。",
        "en": "The campaign was scored again after the request: request publication of the new run.",
    },
    "scoring.reason.inputs_changed": {
        "zh": "第 {run} 次计分之后输入数据有改动：请重新计分，再为新结果提请发布。",
        "en": (
            "The inputs changed after scoring run {run}: score again and request publication of the new run."
        ),
    },
    "scoring.reason.notice": {"zh": "公示期到 {ends} 才结束。", "en": "The notice period runs until {ends}."},
    "scoring.reason.appeals": {"zh": "还有 {n} 件申诉未处理。", "en": "{n} appeal(s) are still undecided."},
    "scoring.reason.score_first": {
        "zh": "进入计分阶段后还没有计分：请先计分。",
        "en": "There is no scoring run since the campaign entered scoring: score it first.",
    },
    "scoring.reason.no_responses": {
        "zh": "还没有收到任何问卷。",
        "en": "The campaign has no survey responses.",
    },
    "scoring.reason.open_cases": {
        "zh": "有 {n} 个电话样本已拨打但没有最终结果，请先结案（例如记为未接通）。",
        "en": (
            "{n} phone case(s) were called but have no final disposition; close them "
            "(e.g. as non-contact) first."
        ),
    },
    "scoring.reason.not_runnable": {
        "zh": "评议活动处于“{status}”状态：只有调查中或计分中才能计分。",
        "en": "The campaign's status is “{status}”: scoring runs during fieldwork or scoring only.",
    },
    "scoring.reason.wrong_status": {
        "zh": "评议活动处于“{status}”状态，此步骤需要“{needed}”状态。",
        "en": "The campaign's status is “{status}”; this step needs “{needed}”.",
    },
    "scoring.lifecycle.header": {"zh": "流程与发布", "en": "Lifecycle and publishing"},
    "scoring.lifecycle.status": {"zh": "状态", "en": "Status"},
    "scoring.lifecycle.latest_run": {"zh": "最新计分", "en": "Latest run"},
    "scoring.lifecycle.notice_ends": {"zh": "公示期截止", "en": "Notice period ends"},
    "scoring.lifecycle.open_appeals": {"zh": "待处理申诉", "en": "Open appeals"},
    "scoring.lifecycle.requested": {
        "zh": "{user} 已提请发布第 {run} 次计分结果，等待另一名管理员批准。",
        "en": "{user} requested publication of run {run}; it waits for a second admin's approval.",
    },
    "scoring.lifecycle.no_steps": {
        "zh": "当前状态下您没有可执行的流程步骤。",
        "en": "There is no lifecycle step for you to take now.",
    },
    "scoring.publication.done": {
        "zh": "已发布：第 {run} 次计分，由 {requested} 提请、{approved} 批准，发布时间 {at}。",
        "en": "Published: run {run}, requested by {requested}, approved by {approved}, at {at}.",
    },
    "scoring.publication.snapshot": {"zh": "结果快照 SHA-256", "en": "Results snapshot SHA-256"},
    "scoring.publication.bundle": {"zh": "数据包 SHA-256", "en": "Bundle SHA-256"},
    "scoring.step.start_scoring": {"zh": "结束调查，开始计分", "en": "Close fieldwork, start scoring"},
    "scoring.step.reopen_fieldwork": {"zh": "重新开放调查", "en": "Reopen fieldwork"},
    "scoring.step.start_review": {"zh": "提交结果审核", "en": "Start review"},
    "scoring.step.return_to_scoring": {"zh": "退回计分", "en": "Return to scoring"},
    "scoring.step.request_publication": {"zh": "提请发布", "en": "Request publication"},
    "scoring.step.approve_publication": {"zh": "批准发布", "en": "Approve publication"},
    "scoring.step.finalize": {"zh": "公示期满，定案", "en": "Finalize"},
    "scoring.confirm.start_scoring": {
        "zh": "确定结束 {code} 的调查并开始计分吗？",
        "en": "Close fieldwork of {code} and start scoring?",
    },
    "scoring.confirm.reopen_fieldwork": {
        "zh": "确定重新开放 {code} 的调查吗？之后须重新计分。",
        "en": "Reopen fieldwork of {code}? The campaign must then be scored again.",
    },
    "scoring.confirm.start_review": {
        "zh": "确定以最新计分结果进入审核吗？",
        "en": "Start the review of {code} with its latest scoring run?",
    },
    "scoring.confirm.return_to_scoring": {
        "zh": "确定把 {code} 退回计分吗？",
        "en": "Return {code} to scoring?",
    },
    "scoring.confirm.request_publication": {
        "zh": "确定提请发布 {code} 的最新计分结果吗？须由另一名管理员批准。",
        "en": "Request publication of the latest run of {code}? Another admin must approve it.",
    },
    "scoring.confirm.approve_publication": {
        "zh": "确定批准发布 {code} 吗？结果将冻结并公示，公示期开始。",
        "en": (
            "Approve publication of {code}? The results are frozen and made public; the notice period starts."
        ),
    },
    "scoring.confirm.finalize": {"zh": "确定将 {code} 定案吗？", "en": "Make the results of {code} final?"},
    "scoring.confirm.yes": {"zh": "确认", "en": "Confirm"},
    "scoring.confirm.no": {"zh": "取消", "en": "Cancel"},
    "scoring.done.start_scoring": {
        "zh": "{code} 已结束调查，进入计分。",
        "en": "{code}: fieldwork closed, scoring started.",
    },
    "scoring.done.reopen_fieldwork": {"zh": "{code} 已重新开放调查。", "en": "{code}: fieldwork reopened."},
    "scoring.done.start_review": {"zh": "{code} 已进入结果审核。", "en": "{code}: review started."},
    "scoring.done.return_to_scoring": {"zh": "{code} 已退回计分。", "en": "{code}: returned to scoring."},
    "scoring.done.request_publication": {
        "zh": "已提请发布 {code}，等待另一名管理员批准。",
        "en": "Publication of {code} requested; it waits for a second admin.",
    },
    "scoring.done.approve_publication": {
        "zh": "{code} 已发布，公示期开始。",
        "en": "{code} is published; the notice period has started.",
    },
    "scoring.done.finalize": {"zh": "{code} 已定案。", "en": "{code} is final."},
    "scoring.run.header": {"zh": "计分", "en": "Scoring"},
    "scoring.run.replicates": {"zh": "自助抽样次数", "en": "Bootstrap replicates"},
    "scoring.run.replicates_help": {
        "zh": "用于得分和排名区间、进入十佳/十差的概率；0 表示不计算不确定性。默认取评议方案的设置。",
        "en": (
            "For the score and rank intervals and the list probabilities; 0 computes "
            "no uncertainty. The default is the campaign's setting."
        ),
    },
    "scoring.run.help": {
        "zh": (
            "计分使用与离线计分程序（python -m scoring score）相同的代码，并记录输入数据包的 "
            "SHA-256 和操作人。"
        ),
        "en": (
            "Scoring runs the offline scorer's code (python -m scoring score) and records "
            "the input bundle's SHA-256 and who ran it."
        ),
    },
    "scoring.run.button": {"zh": "计分", "en": "Score"},
    "scoring.run.running": {
        "zh": "正在计分（{n} 次自助抽样）……",
        "en": "Scoring ({n} bootstrap replicates)…",
    },
    "scoring.run.done": {
        "zh": "第 {run} 次计分完成，输入 SHA-256：{sha}",
        "en": "Scoring run {run} done; input SHA-256: {sha}",
    },
    "scoring.run.not_now": {
        "zh": "评议活动处于“{status}”状态：只有调查中或计分中才能计分。",
        "en": "The campaign's status is “{status}”: scoring runs during fieldwork or scoring only.",
    },
    "scoring.no_runs": {"zh": "还没有计分记录。", "en": "The campaign has not been scored yet."},
    "scoring.run.choose": {"zh": "计分记录", "en": "Scoring run"},
    "scoring.run.option": {
        "zh": "第 {id} 次 · {at} · {by} · {n} 次抽样",
        "en": "Run {id} · {at} · {by} · {n} replicates",
    },
    "scoring.run.meta": {
        "zh": "方法版本 {version} · 随机种子 {seed} · 自助抽样 {n} 次",
        "en": "Method version {version} · seed {seed} · {n} replicates",
    },
    "scoring.run.sha": {"zh": "本次计分的输入 SHA-256", "en": "This run's input SHA-256"},
    "scoring.tab.lists": {"zh": "十佳十差", "en": "Best and worst"},
    "scoring.tab.ranking": {"zh": "完整排名", "en": "Full ranking"},
    "scoring.tab.cards": {"zh": "亮牌与连续不满意（{n}）", "en": "Cards and consecutive ({n})"},
    "scoring.tab.ineligible": {"zh": "不参与排名（{n}）", "en": "Not ranked ({n})"},
    "scoring.tab.funnel": {"zh": "漏斗图", "en": "Funnel plot"},
    "scoring.tab.intervals": {"zh": "排名区间", "en": "Rank intervals"},
    "scoring.tab.sensitivity": {"zh": "权重敏感性", "en": "Weight sensitivity"},
    "scoring.no_uncertainty": {
        "zh": "本次计分没有自助抽样，没有区间和概率。",
        "en": "This run drew no bootstrap replicates: there are no intervals or probabilities.",
    },
    "scoring.lists.best": {"zh": "十佳（{n}）", "en": "Best ({n})"},
    "scoring.lists.worst": {"zh": "十差（{n}）", "en": "Worst ({n})"},
    "scoring.lists.empty": {"zh": "无", "en": "None"},
    "scoring.lists.not_robust": {
        "zh": (
            "以下十差单位的排名证据不足（列入十差的概率低于 0.9）：{units}。可先延长调查、"
            "补充样本，再确定名单。"
        ),
        "en": (
            "These worst-list places are not robust (P(worst list) below 0.9): {units}. "
            "Consider extending fieldwork before naming them."
        ),
    },
    "scoring.not_robust": {"zh": "证据不足，建议补充调查", "en": "Not robust: consider more fieldwork"},
    "scoring.col.group": {"zh": "序列", "en": "Group"},
    "scoring.col.rank": {"zh": "排名", "en": "Rank"},
    "scoring.col.unit": {"zh": "单位", "en": "Unit"},
    "scoring.col.final": {"zh": "综合得分", "en": "Score"},
    "scoring.col.final_ci": {"zh": "得分区间", "en": "Score interval"},
    "scoring.col.rank_ci": {"zh": "排名区间", "en": "Rank interval"},
    "scoring.col.p_best": {"zh": "列入十佳概率", "en": "P(best list)"},
    "scoring.col.p_worst": {"zh": "列入十差概率", "en": "P(worst list)"},
    "scoring.col.p_worst_help": {
        "zh": "自助抽样中该单位落入十差的比例；十差单位达到 0.9 才算稳健。",
        "en": (
            "Share of bootstrap replicates in which the unit falls in the worst list; "
            "a worst-list place is robust at 0.9 or more."
        ),
    },
    "scoring.col.list": {"zh": "名单", "en": "List"},
    "scoring.col.grade": {"zh": "等次", "en": "Grade"},
    "scoring.col.card": {"zh": "亮牌", "en": "Card"},
    "scoring.col.note": {"zh": "说明", "en": "Note"},
    "scoring.col.why": {"zh": "原因", "en": "Why"},
    "scoring.col.head": {"zh": "主要负责人", "en": "Head"},
    "scoring.col.reason": {"zh": "原因", "en": "Reason"},
    "scoring.col.missing": {"zh": "还缺的调查", "en": "Fieldwork missing"},
    "scoring.cards.header": {"zh": "红黄牌（{n}）", "en": "Red and yellow cards ({n})"},
    "scoring.cards.veto": {"zh": "一票否决", "en": "Vetoed"},
    "scoring.cards.consecutive": {"zh": "连续两年不满意", "en": "Unsatisfactory two years running"},
    "scoring.cards.worst": {"zh": "列入十差", "en": "In the worst list"},
    "scoring.consecutive.header": {
        "zh": "连续不满意单位（{n}）",
        "en": "Consecutive unsatisfactory units ({n})",
    },
    "scoring.consecutive.help": {
        "zh": "按规定，连续不满意单位的主要负责人就地免职。",
        "en": ("By the rules, the head of a unit unsatisfactory in consecutive years is removed from post."),
    },
    "scoring.ineligible.help": {
        "zh": "参与排名至少需要 {survey} 份有效问卷和 {phone} 个成功电话访问（以及大数据指标）。",
        "en": (
            "A unit is ranked with at least {survey} valid survey answers and {phone} "
            "complete phone interviews (and its big-data indicators)."
        ),
    },
    "scoring.ineligible.none": {"zh": "所有单位都参与排名。", "en": "Every unit is ranked."},
    "scoring.reason_code.few_survey": {"zh": "问卷不足", "en": "Too few survey answers"},
    "scoring.reason_code.few_phone": {"zh": "电话访问不足", "en": "Too few phone interviews"},
    "scoring.reason_code.no_bigdata": {"zh": "缺大数据指标", "en": "Big-data indicators missing"},
    "scoring.missing.survey": {
        "zh": "问卷 {have} 份，需 {need} 份",
        "en": "Survey answers {have} of {need} needed",
    },
    "scoring.missing.phone": {
        "zh": "电话成功访问 {have} 个，需 {need} 个",
        "en": "Phone completes {have} of {need}",
    },
    "scoring.missing.bigdata": {
        "zh": "大数据指标不足一半权重",
        "en": "Big-data indicators cover less than half their weight",
    },
    "scoring.list_sep": {"zh": "；", "en": "; "},
    "scoring.chart.group": {"zh": "序列", "en": "Group"},
    "scoring.funnel.measure": {"zh": "指标", "en": "Measure"},
    "scoring.funnel.measure.score": {"zh": "问卷得分", "en": "Survey score"},
    "scoring.funnel.measure.satisfaction": {"zh": "问卷满意率（%）", "en": "Survey satisfaction (%)"},
    "scoring.funnel.x": {"zh": "有效样本量", "en": "Effective sample size"},
    "scoring.funnel.target": {"zh": "序列均值", "en": "Group mean"},
    "scoring.funnel.limit95": {"zh": "95% 控制限", "en": "95% limits"},
    "scoring.funnel.limit998": {"zh": "99.8% 控制限", "en": "99.8% limits"},
    "scoring.funnel.other": {"zh": "其他", "en": "Other"},
    "scoring.funnel.help": {
        "zh": (
            "控制限 = 序列均值 ± z·σ/√n（z = 1.96 和 3.09），均值 {target:.1f}，单份问卷离散程度 "
            "σ = {sd:.1f}，离散比 φ = {phi:.2f}。落在 99.8% 控制限之外的单位与均值的差异超出抽样误"
            "差所能解释的范围。"
        ),
        "en": (
            "Limits = group mean ± z·σ/√n (z = 1.96 and 3.09); mean {target:.1f}, spread "
            "of one answer σ = {sd:.1f}, overdispersion φ = {phi:.2f}. A unit outside "
            "the 99.8% limits differs from the mean by more than sampling noise explains."
        ),
    },
    "scoring.funnel.outside": {"zh": "99.8% 控制限之外：{units}", "en": "Outside the 99.8% limits: {units}"},
    "scoring.funnel.empty": {"zh": "该序列没有可作图的单位。", "en": "No unit of this group can be plotted."},
    "scoring.inputs_changed": {
        "zh": "注意：当前输入数据与本次计分的输入不同（SHA-256 不一致），以下分析基于当前数据。",
        "en": (
            "Note: the current inputs differ from this run's (another SHA-256); this "
            "analysis uses the current inputs."
        ),
    },
    "scoring.intervals.help": {
        "zh": "每个单位的排名及其 95% 自助抽样区间；区间相互重叠的单位，名次差异可能只是抽样误差。",
        "en": (
            "Each unit's rank with its 95% bootstrap interval; units whose intervals "
            "overlap may differ only by sampling noise."
        ),
    },
    "scoring.intervals.low": {"zh": "区间下限", "en": "Interval low"},
    "scoring.intervals.high": {"zh": "区间上限", "en": "Interval high"},
    "scoring.sens.help": {
        "zh": (
            "把每项权重（问卷、电话、大数据）调整 ±5 和 ±10 个百分点，其余权重按比例缩放使总和为 "
            "1，用当前数据重新计分（不抽样），看十佳十差名单如何变化。每种设置下都在名单上的单位为"
            "“稳定”。"
        ),
        "en": (
            "Each component weight (survey, phone, big data) is moved by ±5 and ±10 "
            "points, the others rescaled to sum to 1, and the current inputs are scored "
            "again (no bootstrap) to see how the lists change. A unit on a list in "
            "every setting is stable."
        ),
    },
    "scoring.sens.run": {"zh": "分析权重敏感性", "en": "Analyse weight sensitivity"},
    "scoring.sens.running": {"zh": "正在按不同权重重新计分……", "en": "Scoring under other weights…"},
    "scoring.sens.stable_best": {"zh": "稳定的十佳（{n}）", "en": "Stable best ({n})"},
    "scoring.sens.stable_worst": {"zh": "稳定的十差（{n}）", "en": "Stable worst ({n})"},
    "scoring.sens.setting": {"zh": "{component} {delta} 个百分点", "en": "{component} {delta} points"},
    "scoring.sens.stable": {"zh": "稳定", "en": "Stable"},
    "scoring.sens.col.setting": {"zh": "设置", "en": "Setting"},
    "scoring.sens.col.weights": {"zh": "权重", "en": "Weights"},
    "scoring.sens.col.entered_best": {"zh": "进入十佳", "en": "Entered best"},
    "scoring.sens.col.left_best": {"zh": "退出十佳", "en": "Left best"},
    "scoring.sens.col.entered_worst": {"zh": "进入十差", "en": "Entered worst"},
    "scoring.sens.col.left_worst": {"zh": "退出十差", "en": "Left worst"},
    "scoring.sens.col.base": {"zh": "现名单", "en": "Current list"},
    "scoring.sens.col.best": {"zh": "在十佳的设置数", "en": "Settings on best"},
    "scoring.sens.col.worst": {"zh": "在十差的设置数", "en": "Settings on worst"},
    "scoring.sens.col.stable": {"zh": "稳定性", "en": "Stability"},
    "scoring.component.survey": {"zh": "问卷", "en": "Survey"},
    "scoring.component.phone": {"zh": "电话", "en": "Phone"},
    "scoring.component.bigdata": {"zh": "大数据", "en": "Big data"},
    # Appeals, cards and rectification (app_pages/appeals.py, app_pages/rectification.py)
    # @@appeals-messages@@
    "appeals.title": {"zh": "申诉", "en": "Appeals"},
    "appeals.intro": {
        "zh": (
            "公示期内，单位联络员可就本单位的评议结果、某份问卷或某项大数据指标值提出申诉，并附理由和证明材料；"
            "管理员逐件审核决定，每项决定均记入操作日志。申诉成立的，更正相应数据后重新计分并重新公示。"
        ),
        "en": (
            "During the notice period a unit's liaison may appeal against the unit's result, one response "
            "or one indicator value, with reasons and evidence; admins decide each appeal, and every "
            "decision is logged. An upheld appeal corrects the data, re-scores the campaign and "
            "republishes the result."
        ),
    },
    "appeals.no_campaigns": {
        "zh": "目前没有已公示的评议活动。",
        "en": "No campaign has published results yet.",
    },
    "appeals.campaign": {"zh": "评议活动", "en": "Campaign"},
    "appeals.campaign_option": {"zh": "{name}（{code}）", "en": "{name} ({code})"},
    "appeals.snapshot": {
        "zh": "当前公示结果快照 SHA-256：{sha}",
        "en": "SHA-256 of the results snapshot now published: {sha}",
    },
    "appeals.target.result": {"zh": "评议结果", "en": "The result"},
    "appeals.target.response": {"zh": "某份问卷", "en": "A response"},
    "appeals.target.indicator_value": {"zh": "某项指标值", "en": "An indicator value"},
    "appeals.status.open": {"zh": "待处理", "en": "Open"},
    "appeals.status.upheld": {"zh": "申诉成立", "en": "Upheld"},
    "appeals.status.rejected": {"zh": "申诉不成立", "en": "Rejected"},
    "appeals.file.header": {"zh": "提出申诉：{unit}（{code}）", "en": "File an appeal: {unit} ({code})"},
    "appeals.file.open": {
        "zh": "公示期至 {until}，期间可提出申诉。",
        "en": "Appeals are open until {until}.",
    },
    "appeals.file.closed": {
        "zh": "该评议活动不在公示期内，不能再提出申诉。",
        "en": "This campaign is not in its notice period: appeals are closed.",
    },
    "appeals.file.target": {"zh": "申诉对象", "en": "Appeal against"},
    "appeals.file.response": {"zh": "问卷编号", "en": "Response"},
    "appeals.file.indicator": {"zh": "指标", "en": "Indicator"},
    "appeals.file.none": {"zh": "没有可选项", "en": "Nothing to choose"},
    "appeals.file.reasons": {"zh": "申诉理由", "en": "Reasons"},
    "appeals.file.reasons_placeholder": {
        "zh": "说明事实和依据，例如受访者并非本单位服务对象。",
        "en": "State the facts and grounds, e.g. the respondent was never served by the unit.",
    },
    "appeals.file.evidence": {
        "zh": "证明材料（可选，单个文件，不超过 {mb} MB）",
        "en": "Evidence (optional, one file, at most {mb} MB)",
    },
    "appeals.file.submit": {"zh": "提交申诉", "en": "Submit the appeal"},
    "appeals.file.reasons_required": {"zh": "请填写申诉理由。", "en": "Give the reasons for the appeal."},
    "appeals.file.ref_required": {
        "zh": "请选择要申诉的问卷或指标。",
        "en": "Choose the response or indicator you appeal against.",
    },
    "appeals.file.too_large": {
        "zh": "证明材料超过 {mb} MB，请压缩或分拆后再上传。",
        "en": "The evidence file is larger than {mb} MB; compress or split it.",
    },
    "appeals.file.done": {"zh": "申诉 #{id} 已提交。", "en": "Appeal #{id} was filed."},
    "appeals.mine.header": {"zh": "本单位的申诉", "en": "Your unit's appeals"},
    "appeals.mine.empty": {"zh": "本单位尚未提出申诉。", "en": "Your unit has not appealed."},
    "appeals.tab.open": {"zh": "待处理（{n}）", "en": "Open ({n})"},
    "appeals.tab.decided": {"zh": "已处理（{n}）", "en": "Decided ({n})"},
    "appeals.decide.empty": {"zh": "没有待处理的申诉。", "en": "No appeal is waiting for a decision."},
    "appeals.decided.empty": {"zh": "尚无已处理的申诉。", "en": "No appeal has been decided yet."},
    "appeals.decide.choose": {"zh": "选择申诉", "en": "Choose an appeal"},
    "appeals.decide.option": {"zh": "#{id} · {unit} · {target}", "en": "#{id} · {unit} · {target}"},
    "appeals.decide.heading": {
        "zh": "**申诉 #{id}**：{unit}（{code}），对象：{target} {ref}",
        "en": "**Appeal #{id}**: {unit} ({code}), against: {target} {ref}",
    },
    "appeals.decide.filed": {"zh": "提交时间：{at}", "en": "Filed: {at}"},
    "appeals.decide.evidence": {"zh": "下载证明材料：{name}", "en": "Download the evidence: {name}"},
    "appeals.decide.no_evidence": {"zh": "未附证明材料。", "en": "No evidence was attached."},
    "appeals.consequence.result": {
        "zh": "申诉成立时：不改动数据，重新计分并重新公示（结果快照更新，记录本次复核）。",
        "en": (
            "If upheld: no data change; the campaign is re-scored and republished "
            "(a new snapshot records the review)."
        ),
    },
    "appeals.consequence.response": {
        "zh": "申诉成立时：该问卷作废（不再计分，决定写入其复核说明），重新计分并重新公示。",
        "en": (
            "If upheld: the response is withdrawn (no longer counted, the decision as its note), "
            "then the campaign is re-scored and republished."
        ),
    },
    "appeals.consequence.indicator_value": {
        "zh": "申诉成立时：按下面填写的更正值修改该指标值，重新计分并重新公示。",
        "en": (
            "If upheld: the indicator value is replaced by the corrected value below, "
            "then the campaign is re-scored and republished."
        ),
    },
    "appeals.decide.decision": {"zh": "处理意见", "en": "Decision and its reasons"},
    "appeals.decide.corrected": {"zh": "更正后的指标值", "en": "Corrected indicator value"},
    "appeals.decide.uphold": {"zh": "申诉成立", "en": "Uphold"},
    "appeals.decide.reject": {"zh": "申诉不成立", "en": "Reject"},
    "appeals.decide.decision_required": {
        "zh": "请填写处理意见。",
        "en": "Give the reasons for the decision.",
    },
    "appeals.decide.corrected_required": {
        "zh": "申诉成立须填写更正后的指标值。",
        "en": "Upholding needs the corrected indicator value.",
    },
    "appeals.decide.working": {"zh": "正在重新计分并公示……", "en": "Re-scoring and republishing…"},
    "appeals.decide.upheld_outcome": {
        "zh": (
            "申诉 #{id} 成立：已重新计分（计分记录 #{run}），新的公示快照 SHA-256：{sha}"
            "（原快照 {previous} 保留不变）。"
        ),
        "en": (
            "Appeal #{id} upheld: re-scored (run {run}); new snapshot SHA-256 {sha} "
            "(the earlier snapshot {previous} is kept unchanged)."
        ),
    },
    "appeals.decide.rejected_outcome": {
        "zh": "申诉 #{id} 不成立，结果不变。",
        "en": "Appeal #{id} rejected; the result stands.",
    },
    "appeals.col.id": {"zh": "编号", "en": "No."},
    "appeals.col.unit": {"zh": "单位", "en": "Unit"},
    "appeals.col.target": {"zh": "对象", "en": "Against"},
    "appeals.col.ref": {"zh": "编号/指标", "en": "Reference"},
    "appeals.col.status": {"zh": "状态", "en": "Status"},
    "appeals.col.reasons": {"zh": "理由", "en": "Reasons"},
    "appeals.col.evidence": {"zh": "证明材料", "en": "Evidence"},
    "appeals.col.decision": {"zh": "处理意见", "en": "Decision"},
    "appeals.col.filed": {"zh": "提交时间", "en": "Filed"},
    "appeals.col.decided": {"zh": "处理时间", "en": "Decided"},
    "appeals.error.denied": {"zh": "您没有进行此项操作的权限。", "en": "You may not do this."},
    "appeals.error.not_found": {"zh": "未找到：{detail}", "en": "Not found: {detail}"},
    "appeals.error.refused": {"zh": "操作未完成：{detail}", "en": "Not done: {detail}"},
    "cards.tab": {"zh": "红黄牌", "en": "Cards"},
    "cards.help": {
        "zh": (
            "亮牌后：单位提交整改方案 → 组织部回头看检查 → 销牌；连续两年不满意或次年再次亮牌的，"
            "升级为红牌并建议对主要负责人就地免职。"
        ),
        "en": (
            "After a card: the unit submits a rectification plan → the organization department checks it → "
            "the card is lifted; a unit unsatisfactory two years running, or carded again the next year, is "
            "escalated to a red card with the recommendation to remove its head."
        ),
    },
    "cards.metric.cards": {"zh": "亮牌单位", "en": "Cards"},
    "cards.metric.open": {"zh": "整改中", "en": "Open cards"},
    "cards.issue": {"zh": "按公示结果亮牌", "en": "Issue the published cards"},
    "cards.issued": {
        "zh": "新亮牌 {created} 个，已有 {existing} 个。",
        "en": "{created} card(s) issued, {existing} already existed.",
    },
    "cards.no_longer": {
        "zh": "以下单位在最新公示结果中已不再亮牌，请核处：{units}",
        "en": "No longer carded in the latest publication, to be reviewed: {units}",
    },
    "cards.empty": {"zh": "尚无亮牌记录。", "en": "No card cases yet."},
    "cards.col.unit": {"zh": "单位", "en": "Unit"},
    "cards.col.color": {"zh": "牌色", "en": "Card"},
    "cards.col.status": {"zh": "进度", "en": "Step"},
    "cards.col.reasons": {"zh": "亮牌原因", "en": "Reasons"},
    "cards.col.head": {"zh": "建议免职", "en": "Head removal"},
    "cards.col.items": {"zh": "未完成整改事项", "en": "Open ledger items"},
    "cards.color.red": {"zh": "红牌", "en": "Red"},
    "cards.color.yellow": {"zh": "黄牌", "en": "Yellow"},
    "cards.status.issued": {"zh": "已亮牌", "en": "Issued"},
    "cards.status.plan": {"zh": "已报整改方案", "en": "Plan submitted"},
    "cards.status.check": {"zh": "已回头看", "en": "Checked"},
    "cards.status.lifted": {"zh": "已销牌", "en": "Lifted"},
    "cards.status.escalated": {"zh": "已升级", "en": "Escalated"},
    "cards.reason.worst_list": {"zh": "列入十差", "en": "On the ten-worst list"},
    "cards.reason.veto": {"zh": "一票否决", "en": "Veto"},
    "cards.reason.consecutive": {"zh": "连续两年不满意", "en": "Unsatisfactory two years running"},
    "cards.reason.below_red_line": {"zh": "低于红牌分数线", "en": "Below the red-card line"},
    "cards.reason.carded_again": {"zh": "上年已亮牌", "en": "Carded the year before"},
    "cards.yes": {"zh": "是", "en": "Yes"},
    "cards.choose": {"zh": "选择亮牌单位", "en": "Choose a card"},
    "cards.head_removal": {
        "zh": "建议对该单位主要负责人就地免职。",
        "en": "The removal of the unit's head is recommended.",
    },
    "cards.plan": {"zh": "整改方案", "en": "Rectification plan"},
    "cards.check_note": {"zh": "回头看检查意见", "en": "Follow-up check"},
    "cards.plan.input": {"zh": "本单位整改方案", "en": "Your unit's rectification plan"},
    "cards.plan.submit": {"zh": "提交整改方案", "en": "Submit the plan"},
    "cards.plan.done": {"zh": "整改方案已提交。", "en": "The plan was submitted."},
    "cards.check.input": {"zh": "回头看检查意见", "en": "Findings of the follow-up check"},
    "cards.check.submit": {"zh": "记录回头看", "en": "Record the check"},
    "cards.check.done": {"zh": "回头看已记录。", "en": "The check was recorded."},
    "cards.lift": {"zh": "销牌", "en": "Lift the card"},
    "cards.lift.done": {"zh": "已销牌。", "en": "The card was lifted."},
    "cards.escalate": {"zh": "升级处理", "en": "Escalate"},
    "cards.escalate.input": {"zh": "升级理由", "en": "Reasons for escalating"},
    "cards.escalate.submit": {"zh": "升级为红牌并建议免职", "en": "Escalate: red card, head removal"},
    "cards.escalate.done": {"zh": "已升级为红牌。", "en": "The card was escalated."},
    "cards.closed": {"zh": "该案已办结。", "en": "This case is closed."},
    "rectification.title": {"zh": "亮牌与整改", "en": "Cards and rectification"},
    "rectification.intro": {
        "zh": "红黄牌整改进度和整改台账。单位联络员只能查看和更新本单位的事项。",
        "en": (
            "Card cases and the rectification ledger. A unit's liaison sees and updates only "
            "the own unit's items."
        ),
    },
    "rectification.no_campaigns": {
        "zh": "目前没有已公示的评议活动。",
        "en": "No campaign has published results yet.",
    },
    "rectification.campaign": {"zh": "评议活动", "en": "Campaign"},
    "rectification.campaign_option": {"zh": "{name}（{code}）", "en": "{name} ({code})"},
    "rectification.metric.items": {"zh": "整改事项", "en": "Ledger items"},
    "rectification.metric.overdue": {"zh": "逾期事项", "en": "Overdue items"},
    "rectification.tab.ledger": {"zh": "整改台账", "en": "Ledger"},
    "rectification.tab.rates": {"zh": "整改率", "en": "Rates"},
    "rectification.help": {
        "zh": "问卷、电话抽访反映的问题和成立的申诉都列入台账，逐项明确责任单位、完成时限和进展。",
        "en": (
            "Problems raised by surveys and calls, and upheld appeals, become ledger items with the unit "
            "responsible, a deadline and progress."
        ),
    },
    "rectification.generate": {"zh": "生成整改事项", "en": "Open ledger items"},
    "rectification.generate.help": {
        "zh": "从公示结果的问卷问题类型、电话不满意回答、成立的申诉和亮牌中生成事项；已有事项不重复生成。",
        "en": (
            "Items from the survey's problem types, dissatisfied phone answers, upheld appeals and cards; "
            "items already in the ledger are not repeated."
        ),
    },
    "rectification.generate.deadline": {"zh": "完成时限", "en": "Deadline"},
    "rectification.generate.submit": {"zh": "生成", "en": "Open items"},
    "rectification.generate.done": {
        "zh": "新增 {n} 项：问卷 {survey}、电话 {call}、申诉 {appeal}、亮牌 {card}。",
        "en": "{n} new item(s): survey {survey}, calls {call}, appeals {appeal}, cards {card}.",
    },
    "rectification.filter.unit": {"zh": "单位", "en": "Unit"},
    "rectification.filter.status": {"zh": "状态", "en": "Status"},
    "rectification.filter.all": {"zh": "全部", "en": "All"},
    "rectification.filter.overdue": {"zh": "只看逾期", "en": "Overdue only"},
    "rectification.empty": {"zh": "没有符合条件的整改事项。", "en": "No ledger items to show."},
    "rectification.source.survey": {"zh": "问卷", "en": "Survey"},
    "rectification.source.call": {"zh": "电话抽访", "en": "Calls"},
    "rectification.source.appeal": {"zh": "申诉", "en": "Appeal"},
    "rectification.source.card": {"zh": "亮牌", "en": "Card"},
    "rectification.status.open": {"zh": "未开始", "en": "Open"},
    "rectification.status.in_progress": {"zh": "整改中", "en": "In progress"},
    "rectification.status.done": {"zh": "已完成", "en": "Done"},
    # stored by data imported before overdue was computed
    "rectification.status.overdue": {"zh": "逾期", "en": "Overdue"},
    "rectification.overdue": {"zh": "逾期", "en": "Overdue"},
    "rectification.col.id": {"zh": "编号", "en": "No."},
    "rectification.col.unit": {"zh": "责任单位", "en": "Unit"},
    "rectification.col.source": {"zh": "来源", "en": "Source"},
    "rectification.col.description": {"zh": "问题", "en": "Problem"},
    "rectification.col.deadline": {"zh": "完成时限", "en": "Deadline"},
    "rectification.col.status": {"zh": "状态", "en": "Status"},
    "rectification.col.overdue": {"zh": "逾期", "en": "Overdue"},
    "rectification.col.note": {"zh": "进展情况", "en": "Progress"},
    "rectification.col.evidence": {"zh": "佐证材料", "en": "Evidence"},
    "rectification.edit.header": {"zh": "更新整改事项", "en": "Update an item"},
    "rectification.edit.choose": {"zh": "选择事项", "en": "Choose an item"},
    "rectification.edit.status": {"zh": "状态", "en": "Status"},
    "rectification.edit.note": {"zh": "进展情况", "en": "Progress note"},
    "rectification.edit.deadline": {"zh": "完成时限", "en": "Deadline"},
    "rectification.edit.evidence": {
        "zh": "佐证材料（可选，单个文件，不超过 {mb} MB）",
        "en": "Evidence (optional, one file, at most {mb} MB)",
    },
    "rectification.edit.download": {"zh": "下载佐证材料：{name}", "en": "Download the evidence: {name}"},
    "rectification.edit.too_large": {
        "zh": "佐证材料超过 {mb} MB，请压缩或分拆后再上传。",
        "en": "The evidence file is larger than {mb} MB; compress or split it.",
    },
    "rectification.edit.save": {"zh": "保存", "en": "Save"},
    "rectification.edit.done": {"zh": "事项 #{id} 已更新。", "en": "Item #{id} was updated."},
    "rectification.rates.help": {
        "zh": "整改率 = 已完成事项 ÷ 全部事项；逾期指超过完成时限仍未完成。",
        "en": "Rectification rate = done items ÷ all items; overdue = past the deadline and not done.",
    },
    "rectification.rates.items": {"zh": "事项数", "en": "Items"},
    "rectification.rates.rate": {"zh": "整改率", "en": "Rate"},
    "rectification.overdue.header": {"zh": "逾期事项（{n}）", "en": "Overdue items ({n})"},
    "rectification.overdue.line": {
        "zh": "{unit}：{description}（时限 {deadline}）",
        "en": "{unit}: {description} (due {deadline})",
    },
    "rectification.overdue.none": {"zh": "没有逾期事项。", "en": "No item is overdue."},
    "rectification.error.denied": {"zh": "您没有进行此项操作的权限。", "en": "You may not do this."},
    "rectification.error.not_found": {"zh": "未找到：{detail}", "en": "Not found: {detail}"},
    "rectification.error.refused": {"zh": "操作未完成：{detail}", "en": "Not done: {detail}"},
    # Response review, staff (app_pages/review.py)
    # @@review-messages@@
    "review.title": {"zh": "问卷复核", "en": "Response review"},
    "review.intro": {
        "zh": (
            "对疑似异常的问卷进行人工复核。质量检查标记的问卷先行隔离、暂不计分，"
            "经复核认定有效的恢复计入，不予采信的继续隔离；问卷一律不删除，每项决定均记入操作日志。"
        ),
        "en": (
            "Review suspicious survey responses by hand. Responses flagged by the quality check are held "
            "back from scoring; those you accept count again, those you reject stay held back. No response "
            "is ever deleted, and every decision is written to the audit trail."
        ),
    },
    "review.no_campaigns": {
        "zh": "目前没有可复核的评议活动（已公示或已定稿的评议不能再修改问卷）。",
        "en": (
            "No appraisal is open for review (once published or final, its responses can no longer change)."
        ),
    },
    "review.campaign": {"zh": "评议活动", "en": "Appraisal"},
    "review.campaign_option": {"zh": "{name}（{code}，{status}）", "en": "{name} ({code}, {status})"},
    "review.campaign_status.draft": {"zh": "筹备中", "en": "Draft"},
    "review.campaign_status.fieldwork": {"zh": "调查中", "en": "Fieldwork"},
    "review.campaign_status.scoring": {"zh": "计分中", "en": "Scoring"},
    "review.campaign_status.review": {"zh": "审核中", "en": "Under review"},
    "review.campaign_status.published": {"zh": "公示中", "en": "Published"},
    "review.campaign_status.final": {"zh": "已定稿", "en": "Final"},
    "review.check.header": {"zh": "质量检查", "en": "Quality check"},
    "review.check.help": {
        "zh": (
            "按作答用时、答案雷同、同一设备或网络集中提交、短时集中好评、评语雷同等规则检查全部有效及隔离问卷，"
            "将新发现的可疑问卷隔离待审。已人工复核的问卷只更新标记，不改变复核结论。"
        ),
        "en": (
            "Checks every counted or held-back response for answering time, identical answers, bursts from "
            "one device or network, sudden waves of favourable answers and copied comments, and holds back "
            "newly found suspicious responses for review. Responses already decided keep their decision."
        ),
    },
    "review.check.run": {"zh": "运行质量检查", "en": "Run the quality check"},
    "review.check.running": {"zh": "正在检查问卷……", "en": "Checking the responses…"},
    "review.check.done": {"zh": "**质量检查已完成**", "en": "**Quality check finished**"},
    "review.check.checked": {"zh": "检查问卷", "en": "Responses checked"},
    "review.check.flagged": {"zh": "存在异常标记", "en": "Flagged"},
    "review.check.quarantined": {"zh": "本次新隔离", "en": "Newly held back"},
    "review.check.no_qr": {"zh": "扫码零答卷单位", "en": "Units with no QR answers"},
    "review.check.no_qr_units": {
        "zh": "以下单位已发放评议二维码，但没有收到任何扫码答卷，请核实二维码是否张贴、发放到位：{units}",
        "en": (
            "These units were given survey QR codes but no answer came in through them; check that the "
            "codes were put up and handed out: {units}"
        ),
    },
    "review.counts.header": {"zh": "复核进度", "en": "Review status"},
    "review.counts.pending": {"zh": "待复核", "en": "Waiting for review"},
    "review.counts.accepted": {"zh": "认定有效", "en": "Accepted"},
    "review.counts.rejected": {"zh": "不予采信", "en": "Rejected"},
    "review.counts.counted": {"zh": "计入统计的问卷", "en": "Responses counted"},
    "review.counts.counted_help": {
        "zh": "本次评议共收到问卷 {total} 份，其中有效问卷（含复核认定有效的）计入统计。",
        "en": "{total} responses received in all; the valid ones (accepted ones included) are counted.",
    },
    "review.counts.flagged": {"zh": "有标记但未隔离 {n} 份", "en": "{n} flagged but not held back"},
    "review.counts.withdrawn": {"zh": "评议人撤回 {n} 份", "en": "{n} withdrawn by the respondent"},
    "review.counts.duplicate": {"zh": "重复录入 {n} 份", "en": "{n} entered twice"},
    "review.counts.flags": {"zh": "各类异常标记的问卷数", "en": "Responses per quality flag"},
    "review.flag.too_fast": {"zh": "作答过快", "en": "Too fast"},
    "review.flag.too_fast.help": {
        "zh": "作答用时明显短于阅读题目所需时间。",
        "en": "Answered faster than the questions can be read.",
    },
    "review.flag.straight_lining": {"zh": "答案雷同", "en": "Straight-lining"},
    "review.flag.straight_lining.help": {
        "zh": "所有题目选择同一选项。",
        "en": "The same option chosen for every question.",
    },
    "review.flag.device_burst": {"zh": "同一设备集中提交", "en": "Device burst"},
    "review.flag.device_burst.help": {
        "zh": "同一设备在短时间内对同一单位提交多份问卷。",
        "en": "Several responses about one unit from one device within minutes.",
    },
    "review.flag.network_burst": {"zh": "同一网络集中提交", "en": "Network burst"},
    "review.flag.network_burst.help": {
        "zh": "同一网络在短时间内对同一单位提交多份问卷。",
        "en": "Several responses about one unit from one network within minutes.",
    },
    "review.flag.mobilisation": {"zh": "疑似组织刷票", "en": "Mobilised answers"},
    "review.flag.mobilisation.help": {
        "zh": "某单位短时间内好评数量远超其平时水平，疑似组织本单位人员集中作答。",
        "en": (
            "A wave of favourable answers for one unit far above its usual rate: "
            "staff answering for their own unit."
        ),
    },
    "review.flag.identical_comment": {"zh": "评语雷同", "en": "Identical comment"},
    "review.flag.identical_comment.help": {
        "zh": "多份问卷填写了相同的意见建议。",
        "en": "The same comment on several responses.",
    },
    "review.channel.wechat": {"zh": "微信", "en": "WeChat"},
    "review.channel.sms": {"zh": "短信", "en": "SMS"},
    "review.channel.web": {"zh": "网页", "en": "Web"},
    "review.channel.kiosk": {"zh": "现场终端", "en": "Kiosk"},
    "review.channel.paper": {"zh": "纸质问卷", "en": "Paper"},
    "review.channel.phone": {"zh": "电话", "en": "Phone"},
    "review.decision.pending": {"zh": "待复核", "en": "Waiting"},
    "review.decision.accepted": {"zh": "认定有效", "en": "Accepted"},
    "review.decision.rejected": {"zh": "不予采信", "en": "Rejected"},
    "review.decision.flagged": {"zh": "有标记未隔离", "en": "Flagged, counted"},
    "review.tab.pending": {"zh": "待复核（{n}）", "en": "Waiting ({n})"},
    "review.tab.decided": {"zh": "已复核（{n}）", "en": "Decided ({n})"},
    "review.tab.compare": {"zh": "隔离问卷对得分的影响", "en": "Scores with and without held-back responses"},
    "review.queue.empty": {"zh": "没有待复核的问卷。", "en": "No response is waiting for review."},
    "review.queue.help": {
        "zh": "勾选要处理的问卷（可多选），填写复核理由后认定有效或不予采信。",
        "en": "Tick the responses to decide (one or many), give a reason, then accept or reject them.",
    },
    "review.queue.filter_flags": {"zh": "按异常标记筛选（须同时具备）", "en": "Filter by flag (all of)"},
    "review.queue.filter_unit": {"zh": "按单位名称或代码筛选", "en": "Filter by unit name or code"},
    "review.queue.select_all": {"zh": "全选当前显示的 {n} 份问卷", "en": "Select all {n} responses shown"},
    "review.queue.counter": {
        "zh": "显示 {shown} 份（待复核共 {total} 份），已选 {selected} 份",
        "en": "{shown} shown of {total} waiting, {selected} selected",
    },
    "review.col.select": {"zh": "选择", "en": "Select"},
    "review.col.code": {"zh": "问卷编号", "en": "Response"},
    "review.col.unit": {"zh": "被评单位", "en": "Unit"},
    "review.col.unit_code": {"zh": "单位代码", "en": "Unit code"},
    "review.col.unit_name": {"zh": "单位名称", "en": "Unit"},
    "review.col.group": {"zh": "评议人类别", "en": "Respondent group"},
    "review.col.channel": {"zh": "渠道", "en": "Channel"},
    "review.col.submitted_at": {"zh": "提交时间", "en": "Submitted"},
    "review.col.duration": {"zh": "用时（秒）", "en": "Time (s)"},
    "review.col.mean_score": {"zh": "平均分", "en": "Mean score"},
    "review.col.mean_score_help": {
        "zh": "该问卷各题得分的平均值（0—100，“不了解”不计）。",
        "en": "Mean of the response's item scores (0-100, \"don't know\" left out).",
    },
    "review.col.flags": {"zh": "异常标记", "en": "Flags"},
    "review.col.comment": {"zh": "意见建议", "en": "Comment"},
    "review.col.decision": {"zh": "复核结论", "en": "Decision"},
    "review.col.review_note": {"zh": "复核理由", "en": "Reason"},
    "review.col.flag": {"zh": "异常标记", "en": "Flag"},
    "review.col.meaning": {"zh": "含义", "en": "Meaning"},
    "review.col.n": {"zh": "问卷数", "en": "Responses"},
    "review.col.item": {"zh": "题目", "en": "Question"},
    "review.col.answer": {"zh": "回答", "en": "Answer"},
    "review.col.score": {"zh": "分值", "en": "Score"},
    "review.col.n_quarantined": {"zh": "隔离问卷", "en": "Held back"},
    "review.col.survey_without": {"zh": "问卷得分（不计隔离）", "en": "Survey score (without)"},
    "review.col.survey_with": {"zh": "问卷得分（计入隔离）", "en": "Survey score (with)"},
    "review.col.survey_delta": {"zh": "问卷得分变化", "en": "Survey score change"},
    "review.col.final_without": {"zh": "综合得分（不计隔离）", "en": "Final score (without)"},
    "review.col.final_with": {"zh": "综合得分（计入隔离）", "en": "Final score (with)"},
    "review.col.rank_without": {"zh": "名次（不计隔离）", "en": "Rank (without)"},
    "review.col.rank_with": {"zh": "名次（计入隔离）", "en": "Rank (with)"},
    "review.col.rank_move": {"zh": "名次变化", "en": "Rank change"},
    "review.col.rank_move_help": {
        "zh": "正数表示计入隔离问卷后名次上升，负数表示下降。",
        "en": "Positive: the unit moves up if the held-back responses counted; negative: it moves down.",
    },
    "review.detail.choose": {"zh": "查看问卷详情", "en": "Show a response"},
    "review.detail.heading": {
        "zh": "**问卷 {code}** · {unit}（{unit_code}）",
        "en": "**Response {code}** · {unit} ({unit_code})",
    },
    "review.detail.meta": {
        "zh": "{group} · {channel} · 提交于 {submitted_at} · 用时 {duration} 秒 · 作答 {items} 题",
        "en": "{group} · {channel} · submitted {submitted_at} · {duration} s · {items} questions answered",
    },
    "review.detail.no_comment": {"zh": "未填写意见建议。", "en": "No comment."},
    "review.detail.note": {"zh": "复核理由：{note}", "en": "Reason: {note}"},
    "review.decide.header": {"zh": "复核决定", "en": "Decision"},
    "review.decide.reason": {"zh": "复核理由（必填）", "en": "Reason (required)"},
    "review.decide.reason_placeholder": {
        "zh": "例如：经电话回访，确认为本人真实评价",
        "en": "E.g. confirmed by a call back as the respondent's own answers",
    },
    "review.decide.accept": {"zh": "认定有效（{n} 份）", "en": "Accept ({n})"},
    "review.decide.reject": {"zh": "不予采信（{n} 份）", "en": "Reject ({n})"},
    "review.decide.help": {
        "zh": "认定有效的问卷恢复计入统计；不予采信的问卷继续隔离、不计分，但予以保留备查。",
        "en": (
            "Accepted responses count again; rejected ones stay held back and out of the scores, "
            "kept on record."
        ),
    },
    "review.decide.none_selected": {
        "zh": "请先在列表中勾选要处理的问卷。",
        "en": "Tick the responses to decide in the list first.",
    },
    "review.decide.reason_required": {
        "zh": "请填写复核理由，未作任何更改。",
        "en": "Give a reason for the decision; nothing was changed.",
    },
    "review.decide.accepted": {
        "zh": "已将 {n} 份问卷认定为有效，恢复计入统计。",
        "en": "{n} responses accepted; they count again.",
    },
    "review.decide.rejected": {
        "zh": "已对 {n} 份问卷不予采信，继续隔离、不计入统计。",
        "en": "{n} responses rejected; they stay held back.",
    },
    "review.decided.empty": {"zh": "尚无已复核的问卷。", "en": "No response has been decided yet."},
    "review.decided.help": {
        "zh": "已作出复核结论的问卷及其理由。如需改变结论，请联系系统管理员。",
        "en": "Responses already decided, with their reasons.",
    },
    "review.flagged.header": {
        "zh": "有异常标记但仍计入统计的问卷（{n} 份）",
        "en": "Flagged responses still counted ({n})",
    },
    "review.flagged.help": {
        "zh": "这些问卷带有异常标记，但尚未隔离，目前仍计入统计；运行质量检查后将隔离待审。",
        "en": (
            "These responses carry flags but are not held back and still count; "
            "the quality check will hold them back."
        ),
    },
    "review.compare.help": {
        "zh": (
            "分别按不计入和计入全部隔离问卷重新计算各单位的问卷得分、综合得分和名次，便于判断复核结论对排名的影响。"
            "计算需调用计分引擎，可能需要几秒钟；结果仅供参考，不保存。"
        ),
        "en": (
            "Scores every unit without and with all held-back responses (survey score, final score, rank), "
            "to show what the review decisions change. This runs the scoring engine and may take a few "
            "seconds; nothing is stored."
        ),
    },
    "review.compare.run": {"zh": "计算得分对比", "en": "Compare the scores"},
    "review.compare.running": {"zh": "正在计算……", "en": "Scoring…"},
    "review.compare.units_moved": {"zh": "名次发生变化的单位", "en": "Units whose rank changes"},
    "review.compare.units_with_quarantined": {
        "zh": "有隔离问卷的单位",
        "en": "Units with held-back responses",
    },
    "review.compare.responses": {"zh": "隔离问卷总数", "en": "Held-back responses"},
    "review.compare.only_affected": {
        "zh": "只显示名次变化或有隔离问卷的单位",
        "en": "Only units whose rank changes or that have held-back responses",
    },
    "review.compare.legend": {
        "zh": "名次发生变化的单位以底色标出并排在前面。",
        "en": "Units whose rank changes are highlighted and listed first.",
    },
    "review.error.denied": {"zh": "您没有复核问卷的权限。", "en": "You may not review responses."},
    "review.error.frozen": {
        "zh": "该评议结果已公示，问卷不能再更改。",
        "en": "This appraisal is published: its responses can no longer change.",
    },
    "review.error.not_found": {
        "zh": "找不到所选的评议或问卷，可能已被他人更改，请刷新页面。",
        "en": "The appraisal or response was not found; someone may have changed it. Reload the page.",
    },
    "review.error.refused": {
        "zh": "操作未能完成，请检查所选问卷的状态后重试。",
        "en": "The action could not be done; check the state of the chosen responses and try again.",
    },
    # Sign-in throttling and account locks (services/auth.py, app_pages/accounts.py)
    "login.throttled.title": {"zh": "登录尝试过多", "en": "Too many sign-in attempts"},
    "login.throttled.wait": {
        "zh": "登录失败次数较多，请 {seconds} 秒后再试。",
        "en": "Several sign-ins have failed. Please wait {seconds} seconds and try again.",
    },
    "login.throttled.locked": {
        "zh": "登录失败次数过多，已暂时锁定。请 {minutes} 分钟后再试，或请管理员解锁。",
        "en": "Too many sign-ins have failed, so signing in is locked for now. "
        "Try again in {minutes} minutes, or ask an administrator to unlock it.",
    },
    "login.throttled.back": {"zh": "返回登录页", "en": "Back to sign-in"},
    "nav.accounts": {"zh": "账号管理", "en": "Accounts"},
    "nav.units": {"zh": "评议对象名录", "en": "Unit register"},
    "nav.inspections": {"zh": "明察暗访", "en": "Inspections"},
    "nav.visits": {"zh": "检查记录", "en": "Inspection visits"},
    "nav.inspection_results": {"zh": "三率与通报", "en": "Inspection rates and bulletin"},
    "nav.inspection_bulletin": {"zh": "明察暗访通报", "en": "Inspection bulletin"},
    "nav.accountability": {"zh": "问责案件", "en": "Accountability cases"},
    "nav.typical_cases": {"zh": "典型问题通报", "en": "Typical cases"},
    "nav.fault_tolerance": {"zh": "容错免责", "en": "Fault tolerance"},
    "nav.campaigns": {"zh": "评议活动", "en": "Campaigns"},
    "nav.questionnaire": {"zh": "问卷设计", "en": "Questionnaire"},
    "accounts.title": {"zh": "登录锁定", "en": "Sign-in locks"},
    "accounts.intro": {
        "zh": "多次登录失败的账号和网络地址会被暂时锁定，{minutes} 分钟后自动解除。"
        "确认是本人操作后，可在此提前解锁；解锁记入留痕。",
        "en": "Accounts and network addresses with many failed sign-ins are locked for {minutes} minutes. "
        "Once you know it was the person themselves, you can unlock them here; unlocking is recorded "
        "in the audit trail.",
    },
    "accounts.none": {
        "zh": "目前没有被锁定的账号或网络地址。",
        "en": "No account or network address is locked.",
    },
    "accounts.section.accounts": {"zh": "被锁定的账号", "en": "Locked accounts"},
    "accounts.section.networks": {"zh": "被锁定的网络地址", "en": "Locked network addresses"},
    "accounts.col.username": {"zh": "用户名", "en": "Username"},
    "accounts.col.name": {"zh": "姓名", "en": "Name"},
    "accounts.col.address": {"zh": "网络地址", "en": "Network address"},
    "accounts.col.failures": {"zh": "失败次数", "en": "Failed sign-ins"},
    "accounts.col.until": {"zh": "锁定至（北京时间）", "en": "Locked until (Beijing time)"},
    "accounts.unlock_account": {"zh": "解锁账号 {name}", "en": "Unlock account {name}"},
    "accounts.unlock_network": {"zh": "解锁网络地址 {name}", "en": "Unlock network address {name}"},
    "accounts.unlocked": {"zh": "已解锁：{name}", "en": "Unlocked: {name}"},
    "accounts.error": {"zh": "操作未完成：{detail}", "en": "Not done: {detail}"},
    # Unexpected errors and the survey's limits (ui/errors.py, app_pages/survey.py)
    "error.unexpected": {
        "zh": "抱歉，系统出现意外错误，请稍后再试。如需帮助，请向评议办公室提供错误编号 {ref}。",
        "en": (
            "Sorry, something went wrong. Please try again later. "
            "If you need help, give the appraisal office this reference: {ref}."
        ),
    },
    "survey.comment.limit": {
        "zh": "最多 {limit} 字，超出部分不会保存。",
        "en": "At most {limit} characters; anything longer is cut.",
    },
    "survey.comment.cut": {
        "zh": (
            "您的意见建议超过 {limit} 字，只保留了前 {limit} 字，后面的 {cut} 字未保留。"
            "如需修改，请点“返回修改”。"
        ),
        "en": (
            "Your comment was longer than {limit} characters: the first {limit} are kept and "
            "the last {cut} were cut. To change it, choose 'Go back and change'."
        ),
    },
    "survey.refused.comment_too_long": {
        "zh": "意见建议最多 {limit} 字，请删减后再提交。",
        "en": "Comments may be at most {limit} characters long; please shorten yours and send it again.",
    },
    "survey.verify.code_too_long": {
        "zh": "请只输入短信中的数字验证码。",
        "en": "Please enter only the digits of the code from the SMS.",
    },
    # Staff pages: ranking workbook, uploads, times (services/exports.py via ui/labels.py)
    # ui/widgets.py: words Streamlit would otherwise say in English
    "widgets.choose": {"zh": "请选择", "en": "Choose"},
    "widgets.upload.browse": {"zh": "选择文件", "en": "Choose a file"},
    # Scoring page: said only when a publication request is waiting
    "scoring.confirm.request_lapses": {
        "zh": "待批准的发布申请将撤销。",
        "en": "The publication request waiting for approval lapses.",
    },
    "scoring.lifecycle.own_request": {
        "zh": "您提请的发布须由另一名管理员批准。",
        "en": "You requested this publication: another admin must approve it.",
    },
    # The ranking XLSX (ui/labels.py): sheet, column and row titles in the reader's language
    "results.xlsx.about": {"zh": "说明", "en": "About"},
    "results.xlsx.about.campaign": {"zh": "评议代码", "en": "Campaign"},
    "results.xlsx.about.name": {"zh": "评议名称", "en": "Name"},
    "results.xlsx.about.year": {"zh": "年度", "en": "Year"},
    "results.xlsx.about.status": {"zh": "状态", "en": "Status"},
    "results.xlsx.about.published_at": {"zh": "发布时间（北京时间）", "en": "Published (Beijing time)"},
    "results.xlsx.about.snapshot_sha256": {"zh": "结果快照 SHA-256", "en": "Results snapshot SHA-256"},
    "results.xlsx.about.bundle_sha256": {"zh": "评议数据包 SHA-256", "en": "Bundle SHA-256"},
    "results.xlsx.about.input_sha256": {"zh": "计分输入 SHA-256", "en": "Scoring input SHA-256"},
    "results.xlsx.about.method_version": {"zh": "计分方法版本", "en": "Method version"},
    "results.xlsx.group": {"zh": "序列", "en": "Group"},
    "results.xlsx.rank": {"zh": "序列排名", "en": "Rank"},
    "results.xlsx.unit_id": {"zh": "单位代码", "en": "Unit code"},
    "results.xlsx.name": {"zh": "单位名称", "en": "Unit"},
    "results.xlsx.final_score": {"zh": "综合得分", "en": "Final score"},
    "results.xlsx.final_ci_low": {"zh": "得分 95% 区间下限", "en": "Score, 95% interval low"},
    "results.xlsx.final_ci_high": {"zh": "得分 95% 区间上限", "en": "Score, 95% interval high"},
    "results.xlsx.rank_ci_low": {"zh": "名次 95% 区间上沿", "en": "Rank, 95% interval best"},
    "results.xlsx.rank_ci_high": {"zh": "名次 95% 区间下沿", "en": "Rank, 95% interval worst"},
    "results.xlsx.survey_score": {"zh": "问卷评议得分", "en": "Survey score"},
    "results.xlsx.phone_score": {"zh": "电话抽访得分", "en": "Phone score"},
    "results.xlsx.bigdata_score": {"zh": "大数据指标得分", "en": "Indicator score"},
    "results.xlsx.grade": {"zh": "等次", "en": "Grade"},
    "results.xlsx.list": {"zh": "十佳/十差", "en": "Best/worst list"},
    "results.xlsx.card": {"zh": "亮牌", "en": "Card"},
    "results.xlsx.p_worst": {"zh": "进入十差的概率", "en": "Probability of the worst list"},
    "results.xlsx.ineligible_reason": {"zh": "不参加排名的原因", "en": "Why not ranked"},
    # Fieldwork, calls and import defects (app_pages/fieldwork.py, calls.py, ui/defects.py)
    # Defects of uploaded files, one wording per kind (services/defects.py, ui/defects.py)
    "defects.file": {"zh": "文件", "en": "File"},
    "defects.line": {"zh": "行", "en": "Line"},
    "defects.column": {"zh": "列", "en": "Column"},
    "defects.kind": {"zh": "处理", "en": "Outcome"},
    "defects.message": {"zh": "问题", "en": "Problem"},
    "defects.more": {
        "zh": "只显示前 {shown} 个问题，共 {total} 个。",
        "en": "Showing the first {shown} of {total} defects.",
    },
    "import.defect.empty": {"zh": "文件是空的。", "en": "The file is empty."},
    "import.defect.too_large": {
        "zh": "文件超过 {mb} MB，请拆分后分别导入。",
        "en": "The file is larger than {mb} MB; split it.",
    },
    "import.defect.not_xlsx": {
        "zh": "无法作为 Excel 工作簿（.xlsx）读取，请重新另存为 .xlsx 或 CSV 文件。",
        "en": "Cannot be read as an Excel workbook (.xlsx); save it again as .xlsx or as CSV.",
    },
    "import.defect.not_chinese": {
        "zh": "文件不是 UTF-8 编码，按 GBK/GB18030 读出的也不是中文（如 {shown}），"
        "可能是日文 Shift-JIS 或繁体 Big5 编码，请另存为 UTF-8 编码的 CSV 文件。",
        "en": "The file is not UTF-8, and read as GBK/GB18030 it is not Chinese text (such as {shown}); "
        "it may be Shift-JIS or Big5. Save it as UTF-8.",
    },
    "import.defect.long_line": {
        "zh": "该行超过 {max} 字节，不像是数据文件的一行，请检查文件是否正确。",
        "en": "The line is longer than {max} bytes; is this really the data file?",
    },
    "import.defect.stray_cr": {
        "zh": "该行以单独的回车符结尾（旧版 Mac 换行格式），请以 Windows（CRLF）或 Unix（LF）换行格式另存。",
        "en": "A carriage return ends this line without a line feed (old Mac OS line endings); "
        "save the file with Windows (CRLF) or Unix (LF) line endings.",
    },
    "import.defect.nul": {
        "zh": "单元格含有空字符（字节 0），文件已损坏或不是文本导出。",
        "en": "The cell holds a NUL character (byte 0); the file is damaged or not a text export.",
    },
    "import.defect.not_text": {
        "zh": "文件既不是 UTF-8 也不是 GBK/GB18030 编码的文本，请另存为 UTF-8 编码的 CSV 文件。",
        "en": "The file is neither UTF-8 nor GBK/GB18030 text; save it as UTF-8.",
    },
    "import.defect.not_csv": {
        "zh": "无法按 CSV 格式读取（{detail}），请检查引号和分隔符，或另存为 .xlsx 文件。",
        "en": "Cannot be read as CSV ({detail}); check quotes and separators, or save it as .xlsx.",
    },
    "import.defect.no_header": {"zh": "文件没有表头行。", "en": "The file has no header row."},
    "import.defect.column_twice": {
        "zh": "表头中“{name}”列出现了两次。",
        "en": "Column “{name}” appears twice in the header.",
    },
    "import.defect.field_twice": {
        "zh": "有两列都表示“{name}”（{first}、{second}），请只保留一列。",
        "en": "Two columns hold “{name}” ({first}, {second}); keep one.",
    },
    "import.defect.column_missing": {
        "zh": "缺少必需的“{name}”列（可用的列名：{accepted}）。",
        "en": "The required column “{name}” is missing (accepted headers: {accepted}).",
    },
    "import.defect.too_many_rows": {
        "zh": "文件有 {rows} 行，一次最多导入 {max} 行，请拆分。",
        "en": "The file has {rows} rows; at most {max} are accepted at once, split it.",
    },
    "import.defect.field_count": {
        "zh": "该行有 {actual} 个字段，表头有 {expected} 个。",
        "en": "The line has {actual} fields, the header has {expected}.",
    },
    "import.defect.no_rows": {"zh": "文件只有表头，没有数据行。", "en": "The file has no data rows."},
    "import.defect.too_long": {"zh": "超过 {max} 个字符。", "en": "Longer than {max} characters."},
    "import.defect.formula_like": {
        "zh": "“{value}”不能以 =、+、-、@、制表符或回车开头（电子表格会把它当作公式）。",
        "en": "“{value}” must not begin with =, +, -, @, a tab or a carriage return "
        "(a spreadsheet would take it for a formula).",
    },
    "import.defect.unit_missing": {"zh": "缺少单位。", "en": "The unit is missing."},
    "import.defect.unit_unknown": {
        "zh": "单位“{unit}”不是评议活动 {campaign} 的被评议单位。",
        "en": "Unit “{unit}” is not appraised in campaign {campaign}.",
    },
    "import.defect.unit_ambiguous": {
        "zh": "单位名称“{unit}”在本活动中不唯一，请改用单位编码（unit_id）。",
        "en": "Unit name “{unit}” is ambiguous here: use unit_id.",
    },
    "import.defect.group_unknown": {
        "zh": "未知的评议主体“{group}”（本活动的评议主体：{known}）。",
        "en": "Unknown respondent group “{group}” (campaign groups: {known}).",
    },
    "import.defect.not_a_date": {
        "zh": "不是日期，请写成 YYYY-MM-DD（如 2025-03-01）。",
        "en": "Not a date; write it as YYYY-MM-DD.",
    },
    "import.defect.phone_missing": {"zh": "缺少手机号码。", "en": "No phone number given."},
    "import.defect.phone_invalid": {
        "zh": "不是可拨打的中国大陆手机号码（应为 13–19 开头的 11 位数字；不接受座机和境外号码）。",
        "en": "Not a mainland China mobile number: {detail}.",
    },
    "import.defect.phone_twice": {
        "zh": "单位 {unit} 的同一号码已在第 {first} 行出现。",
        "en": "The same number for unit {unit} is on line {first}.",
    },
    "import.defect.phone_in_frame": {
        "zh": "该号码已在单位 {unit} 的抽样框“{frame}”中。",
        "en": "The number is already in frame “{frame}” for unit {unit}.",
    },
    "import.defect.phone_do_not_call": {
        "zh": "该号码在拒访名单上。",
        "en": "The number is on the do-not-call list.",
    },
    "import.defect.indicator_missing": {"zh": "缺少指标。", "en": "The indicator is missing."},
    "import.defect.indicator_unknown": {
        "zh": "指标“{code}”不是评议活动 {campaign} 定义的指标。",
        "en": "Indicator “{code}” is not defined in campaign {campaign}.",
    },
    "import.defect.not_a_number": {
        "zh": "“{value}”不是有效的数值。",
        "en": "“{value}” is not a finite number.",
    },
    "import.defect.value_twice": {
        "zh": "单位“{unit}”的指标 {indicator} 已在第 {first} 行有数值。",
        "en": "Unit “{unit}” already has a value of {indicator} on line {first}.",
    },
    "import.defect.not_a_time": {
        "zh": "“{value}”不是日期时间（如 2025-03-01 09:00）。",
        "en": "“{value}” is not a date and time (such as 2025-03-01 09:00).",
    },
    "import.defect.case_number": {
        "zh": "办件编号应为 1 到 {max} 个字符。",
        "en": "Give a case number of 1 to {max} characters.",
    },
    "import.defect.case_twice": {
        "zh": "办件“{case}”重复出现（第 {first} 行）。",
        "en": "Case “{case}” appears twice (line {first}).",
    },
    "import.defect.case_in_time": {
        "zh": "办件“{case}”按时办结，不属于超时办件。",
        "en": "Case “{case}” was completed in time: it is not overdue.",
    },
    "import.defect.case_changed": {
        "zh": "办件“{case}”以前导入时的单位或时间与本次不同。",
        "en": "Case “{case}” was imported before with another unit or other times.",
    },
    "import.defect.other": {"zh": "文件无法读取：{detail}", "en": "The file cannot be read: {detail}"},
    # Fieldwork dashboard: actions first, one searchable table, completes per day (app_pages/fieldwork.py)
    "fieldwork.bulk.all_units": {"zh": "全部单位（{n} 个）", "en": "All units ({n})"},
    "fieldwork.bulk.units.placeholder": {"zh": "选择单位", "en": "Choose units"},
    "fieldwork.bulk.callers.placeholder": {"zh": "选择访问员", "en": "Choose callers"},
    "fieldwork.bulk.confirm": {
        "zh": "此次将分配 {n} 个样本给 {callers} 位访问员，超过一页的数量。"
        "确认后才会分配；目前尚未分配任何样本。",
        "en": "This deals {n} cases to {callers} callers, more than a page. Nothing is assigned until you "
        "confirm.",
    },
    "fieldwork.bulk.confirm_button": {"zh": "确认分配 {n} 个样本", "en": "Assign {n} cases"},
    "fieldwork.bulk.cancel": {"zh": "取消", "en": "Cancel"},
    "fieldwork.units.search": {"zh": "搜索单位", "en": "Search units"},
    "fieldwork.units.search.placeholder": {
        "zh": "输入单位名称或编码的一部分",
        "en": "Part of a unit's name or code",
    },
    "fieldwork.units.shown": {
        "zh": "显示 {shown} 个单位，共 {total} 个；点击列名排序。",
        "en": "Showing {shown} of {total} units; click a column header to sort.",
    },
    "fieldwork.col.code": {"zh": "编码", "en": "Code"},
    "fieldwork.col.progress": {"zh": "进度", "en": "Progress"},
    "fieldwork.col.progress.help": {
        "zh": "已完成访问数占目标完成数的比例",
        "en": "Completed interviews as a share of the target",
    },
    "fieldwork.daily.header": {
        "zh": "每日完成访问（北京时间，按访问员）",
        "en": "Completed interviews per day (Beijing time) and caller",
    },
    "fieldwork.daily.none": {"zh": "还没有完成的访问。", "en": "No completed interviews yet."},
    "fieldwork.daily.day": {"zh": "日期", "en": "Day"},
    "fieldwork.daily.caller": {"zh": "访问员", "en": "Caller"},
    "fieldwork.daily.completes": {"zh": "完成访问", "en": "Completes"},
    # Manual dialling on the caller workstation (app_pages/calls.py)
    "calls.manual.button": {"zh": "手动拨号", "en": "Dial by hand"},
    "calls.manual.number": {
        "zh": "请用座席电话拨打 {number}。号码只向您显示、只用于本样本，本次查看已记入审计日志；"
        "通话结束后在下方记录结果。",
        "en": "Dial {number} from your desk phone. The number is shown only to you and only for this "
        "case, and this reveal is in the audit trail; record the outcome below after the call.",
    },
    "calls.manual.open": {
        "zh": "本样本有一次手动拨号尚未记录结果；需要再次查看号码请点击“手动拨号”。",
        "en": "A manual dial of this case awaits its outcome; choose “Dial by hand” to see the number again.",
    },
    "calls.error.no_call": {
        "zh": "本样本没有通话记录，不能记录结果：请先点击“拨打”或“手动拨号”。",
        "en": "This case has no call on record, so no outcome can be recorded: choose “Call” or "
        "“Dial by hand” first.",
    },
}

# The set-up pages' sections of the catalogue (issue 11) live in their own modules, one per
# area, merged here; a key defined twice is an error, not a silent override.
_SECTIONS: Final[tuple[str, ...]] = (
    "ui.messages_register",  # unit register and reorganisations (app_pages/units.py)
    "ui.messages_designer",  # campaign designer, history, rollover (app_pages/campaigns.py)
    "ui.messages_questionnaire",  # questionnaire designer and preview (app_pages/questionnaire.py)
    "ui.messages_accounts",  # account management and password rules (app_pages/accounts.py)
    "ui.messages_grades",  # grade schemes: band labels (results and scoring pages)
    "ui.messages_history",  # derived history and heads who changed (ui/history.py)
    "ui.messages_pages",  # paging of long staff lists (app_pages/review.py)
    "ui.messages_answer",  # the light HTML answering path (ui/survey_routes.py)
    "ui.messages_inspections",  # inspection rounds and visits (app_pages/inspections.py, visits.py)
    "ui.messages_inspection_results",  # three rates, feeds, bulletin (inspection_results, _bulletin)
    "ui.messages_accountability",  # accountability cases (app_pages/accountability.py, typical_cases.py)
    "ui.messages_fault_tolerance",  # the fault-tolerance procedure (app_pages/fault_tolerance.py)
    "ui.messages_heads",  # what happens to heads (app_pages/rectification.py, services/heads.py)
)


def _merge_sections() -> None:
    import importlib

    for name in _SECTIONS:
        section: dict[str, dict[str, str]] = importlib.import_module(name).MESSAGES
        twice = sorted(set(section) & set(MESSAGES))
        if twice:
            raise KeyError(f"{name} defines keys that ui/messages.py already has: {twice}")
        MESSAGES.update(section)


_merge_sections()


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """Return the text for ``key`` in ``lang``, formatted with ``values`` if any.

    Raises ``KeyError`` for an unknown key and ``ValueError`` for an unknown language,
    so that a typo fails a test instead of showing a raw key to a user.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
    try:
        text = MESSAGES[key][lang]
    except KeyError:
        raise KeyError(f"message {key!r} is not in ui/messages.py") from None
    return text.format(**values) if values else text
