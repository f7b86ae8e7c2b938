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
    "nav.section.public": {"zh": "公众", "en": "Public"},
    "nav.section.staff": {"zh": "工作台", "en": "Staff"},
    # Accounts and login (services/auth.py, app_pages/login.py)
    "role.admin": {"zh": "组织部管理员", "en": "administrator, organization department"},
    "role.supervisor": {"zh": "第三方督导", "en": "contractor's supervisor"},
    "role.caller": {"zh": "第三方访问员", "en": "contractor's caller"},
    "role.liaison": {"zh": "单位联络员", "en": "unit liaison"},
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
    # Invitation codes, staff (app_pages/invitations.py)
    # @@invitations-messages@@
    # Response review, staff (app_pages/review.py)
    # @@review-messages@@
}


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
