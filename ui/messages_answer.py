"""Message catalogue section: see ui/messages.py (zh and en side by side; no streamlit).

The light HTML answering path (ui/survey_routes.py). It says what the survey page says
with the page's own keys (``survey.*``); these are only the words a plain HTML page needs
besides them: a search button, a step without JavaScript, and the pages a browser can
reach that Streamlit never shows (an expired form, a body too large, an error).
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {
    "answer.search.submit": {"zh": "搜索", "en": "Search"},
    "answer.units_more": {
        "zh": "只列出前 {shown} 个单位，请输入更多关键词缩小范围。",
        "en": "Only the first {shown} units are listed; add words to narrow the search.",
    },
    "answer.group.continue": {"zh": "下一步", "en": "Continue"},
    "answer.group.change": {"zh": "更改身份", "en": "Change"},
    "answer.unknown_unit": {
        "zh": "找不到这个单位，请重新选择。",
        "en": "This unit cannot be found; please choose it again.",
    },
    "answer.back": {"zh": "返回评议首页", "en": "Back to the survey"},
    "answer.expired.title": {"zh": "页面已过期", "en": "This page has expired"},
    "answer.expired": {
        "zh": "页面已过期，或浏览器没有保存本站的 Cookie。请重新打开评议页面后再提交，您的回答未被保存。",
        "en": (
            "This page has expired, or your browser did not keep this site's cookie. Open the "
            "survey again and send your answers from there; nothing was saved."
        ),
    },
    "answer.too_large.title": {"zh": "提交的内容过长", "en": "Too much to send"},
    "answer.too_large": {
        "zh": "提交的内容过长（例如粘贴了很长的文字），请返回删减后再试，您的回答未被保存。",
        "en": (
            "What you sent is too long (a long pasted text, say). Go back, shorten it and try "
            "again; nothing was saved."
        ),
    },
    "answer.refused.title": {"zh": "未能完成", "en": "Not done"},
    "answer.error.title": {"zh": "系统出错", "en": "Something went wrong"},
}
