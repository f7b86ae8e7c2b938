"""The light answering path: the citizen survey as plain server-rendered HTML routes.

The Streamlit page (app_pages/survey.py) keeps a websocket and reruns its script on every
click for each person answering. These routes serve the same path as short HTTP requests
that ``st.App`` (asgi.py) answers beside the script, calling the same services with the
same rules: the same questions, scales, item sets (题组) and comment rules, the twelve
harms, one answer per unit per person, a token spent with the answer in one
transaction, refusals in the page's own words (``survey.*`` keys of the catalogue).

``GET  /a?t=TOKEN``   the token way in: the questionnaire of the token's unit
``GET  /a``           the verified-number way in: choose the appraisal and search the unit
``GET  /a/q``         the questionnaire (``?t=`` or ``?c=&u=``); first the number's
                      verification on that way, and the respondent group first when the
                      questions follow it (``&g=``)
``POST /a/code``      send a one-time code; ``POST /a/verify`` check it
``POST /a/q``         the answers: named gaps, or the confirmation page
``POST /a/send``      store them; 303 to ``GET /a/done`` (the thanks, with the receipt)

No JavaScript: radio buttons, check boxes and plain forms, drawn for 375 px phones and
desktop screens alike. Chinese first, English complete: a link switches, and the choice is
kept in a cookie (``appraisal_lang``).

Nothing is kept in this process between requests, so any process behind a proxy can serve
any step (no sticky sessions): the way in travels in the URL and in hidden fields (``t``,
or the campaign and unit), the answers travel in the confirmation form's hidden fields and
are checked again when sent, and what only the server may say (a verified number's keyed
hash, the number a code was sent to) travels in a cookie sealed with AES-GCM under a key
derived from the platform's secret (``APPRAISAL_SECRET_KEY`` / ``secret.key``), so the
person can neither read nor change it; the codes and rate limits themselves are in the
database (survey/verification.py).

Security: every POST form carries a CSRF token tied to the sealed cookie (HMAC of its
random id), checked before anything else; cookies are HttpOnly and SameSite=Lax; a body
over ``APPRAISAL_HTTP_MAX_BODY_BYTES`` gets 413 unread (ui/http_limits.py), with a page in
the person's language; every value is HTML-escaped (:class:`Safe` marks the only trusted
markup); responses carry a Content-Security-Policy without scripts (the one inline style
allowed by its hash), ``X-Frame-Options: DENY``, ``Referrer-Policy: no-referrer`` (the
token is in the URL) and ``Cache-Control: no-store``. An unexpected error gets a plain
page with a reference, the traceback goes to the server log (as ui/errors.py does).

Plain Starlette, run in the Streamlit process by ``st.App`` or alone::

    uvicorn ui.survey_routes:app --port 8503
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from html import escape
from typing import Any, Final
from urllib.parse import urlencode

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from db.crypto import keyed_hash, mask_phone
from db.uow import UnitOfWork
from services.clock import Clock, utcnow
from services.errors import NotFound, ServiceError
from services.invitations import ANSWER_PATH, InvitationInfo, peek, survey_link
from services.questionnaire import (
    Questionnaire,
    QuestionView,
    UnitView,
    find_units,
    items_for,
    load_questionnaire,
    open_campaigns,
    question_views,
)
from services.responses import already_answered, client_hashes, fit_comment, submit_response
from survey.problems import INACTION, MAX_COMMENT_CHARS, PROBLEM_TYPES, TWELVE_HARMS
from survey.verification import (
    CodeExpired,
    PhoneVerification,
    SimulatedVerifier,
    TooManyRequests,
    VerificationRefused,
    VerificationUnavailable,
    clean_code,
    make_verifier,
)
from ui.auth_routes import client_address, trust_proxy
from ui.http_limits import bounded_body
from ui.messages import DEFAULT_LANG, LANGS, MESSAGES, t
from ui.survey import SMS_LOCALES, refusal_text

log = logging.getLogger(__name__)

UowFactory = Callable[[str], UnitOfWork]

ROOT: Final = ANSWER_PATH
STATE_COOKIE: Final = "appraisal_answer"
LANG_COOKIE: Final = "appraisal_lang"
LANG_COOKIE_DAYS: Final = 365
STATE_HOURS: Final = 12  # a verified number is kept this long after it was last written
DONE_HOURS: Final = 24  # the thanks page's link (with its receipt) works this long
MAX_LISTED: Final = 50  # units listed for one search; more: ask for more words
# Longer than any code a verifier sends (ours have 6 digits, Twilio Verify's at most 10),
# as on the page: such a text is not a code and is refused without using an attempt.
MAX_CODE_CHARS: Final = 10
ATTRIBUTES: Final = ("age_band", "sex", "district")


def answer_root() -> str:
    """Where the light path is served. The one place to change it."""
    return ROOT


def answer_link(base_url: str, token: str) -> str:
    """An invitation's link (``<base>/a?t=TOKEN``): the one that invitations print and send."""
    return survey_link(base_url, token)


def default_uow(actor: str) -> UnitOfWork:
    return UnitOfWork(actor=actor)


LOOPBACK: Final = frozenset({"127.0.0.1", "::1", "localhost"})


def client_network(request: Request) -> str | None:
    """The client's network address, for the verification's rate limits and the burst
    checks, read as the survey page reads it (ui/survey.py ``client_network``): a reverse
    proxy on this machine (the usual deployment, deploy/) is trusted to have appended the
    client's address to X-Forwarded-For, as is any proxy when ``APPRAISAL_TRUST_PROXY`` is
    set (:func:`ui.auth_routes.client_address`); a remote peer's headers are not, or a
    client would get a fresh network for every code it asks for by forging them."""
    peer = request.client.host if request.client else None
    if peer in LOOPBACK and not trust_proxy():
        hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
        if hops:
            return hops[-1]
        real_ip = request.headers.get("x-real-ip", "").strip()
        if real_ip:
            return real_ip
    return client_address(request)


# ---------------------------------------------------------------- HTML with escaping


class Safe(str):
    """Markup that is already safe (built here from escaped parts); anything else is text."""


def esc(value: object) -> Safe:
    return value if isinstance(value, Safe) else Safe(escape(str(value), quote=True))


def join(parts: Iterable[object]) -> Safe:
    return Safe("".join(esc(p) for p in parts))


def el(tag: str, attrs: Mapping[str, object] | None = None, *children: object) -> Safe:
    """``<tag attrs>children</tag>``; attribute values and text children are escaped.
    An attribute set to True is written bare, one set to None or False is left out."""
    written = []
    for name, value in (attrs or {}).items():
        if value is None or value is False:
            continue
        written.append(f" {name}" if value is True else f' {name}="{esc(value)}"')
    return Safe(f"<{tag}{''.join(written)}>{join(children)}</{tag}>")


def void(tag: str, attrs: Mapping[str, object]) -> Safe:
    written = "".join(
        f" {name}" if value is True else f' {name}="{esc(value)}"'
        for name, value in attrs.items()
        if value is not None and value is not False
    )
    return Safe(f"<{tag}{written}>")


def hidden(name: str, value: object) -> Safe:
    return void("input", {"type": "hidden", "name": name, "value": value})


CSS: Final = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
font-size:16px;line-height:1.6;color:#222;margin:0;background:#f6f6f6}
header{background:#b71c1c;color:#fff;padding:.6rem 1rem;display:flex;justify-content:space-between;
align-items:center;gap:1rem}
header a{color:#fff}
main{max-width:44rem;margin:0 auto;padding:1rem;background:#fff;min-height:100vh}
h1{font-size:1.35rem;margin:.2rem 0 .5rem}
h2{font-size:1.15rem;margin:1.2rem 0 .4rem}
p.note,.note{color:#555;font-size:.92rem}
.error{background:#fdecea;border-left:4px solid #b71c1c;padding:.6rem .8rem;margin:.8rem 0}
.warn{background:#fff8e1;border-left:4px solid #f9a825;padding:.6rem .8rem;margin:.8rem 0}
.info{background:#e8f4fd;border-left:4px solid #1e88e5;padding:.6rem .8rem;margin:.8rem 0}
.ok{background:#e8f5e9;border-left:4px solid #2e7d32;padding:.6rem .8rem;margin:.8rem 0}
fieldset{border:1px solid #ddd;border-radius:.5rem;margin:.8rem 0;padding:.5rem .7rem;min-width:0}
legend{font-weight:600;padding:0 .3rem}
.opts{display:flex;flex-wrap:wrap;gap:.4rem}
.opts label,.checks label{display:inline-flex;align-items:center;gap:.35rem;border:1px solid #ccc;
border-radius:.5rem;padding:.45rem .7rem;cursor:pointer;background:#fff}
.checks{display:flex;flex-direction:column;gap:.35rem}
.opts label:has(input:checked),.checks label:has(input:checked){border-color:#b71c1c;background:#fdecea}
input[type=radio],input[type=checkbox]{width:1.1rem;height:1.1rem;margin:0;accent-color:#b71c1c}
input[type=text],input[type=tel],input[type=search],select,textarea{font:inherit;width:100%;
padding:.5rem;border:1px solid #bbb;border-radius:.4rem;background:#fff}
textarea{min-height:7rem}
label.field{display:block;margin:.6rem 0 .2rem;font-weight:600}
button,.button{font:inherit;display:inline-block;text-align:center;text-decoration:none;border-radius:.5rem;
padding:.65rem 1rem;border:1px solid #b71c1c;background:#fff;color:#b71c1c;cursor:pointer;margin:.3rem 0}
button.primary,.button.primary{background:#b71c1c;color:#fff}
.actions{display:flex;flex-wrap:wrap;gap:.6rem;margin-top:1rem}
.actions>*{flex:1 1 12rem}
ul.units{list-style:none;padding:0;margin:.5rem 0}
ul.units li{margin:.35rem 0}
ul.units a{display:block;padding:.6rem .8rem;border:1px solid #ddd;border-radius:.5rem;text-decoration:none;
color:#222;background:#fff}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #e3e3e3;text-align:left;padding:.45rem .3rem;vertical-align:top;
overflow-wrap:anywhere}
.grid{display:grid;grid-template-columns:1fr;gap:.4rem}
@media (min-width:40rem){.grid{grid-template-columns:1fr 1fr 1fr}}
details{margin:.8rem 0}
summary{cursor:pointer;font-weight:600}
"""
STYLE_HASH: Final = base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode("ascii")
SECURITY_HEADERS: Final = {
    # No script at all; the one inline style by its hash; forms post only here.
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # The token is in the URL: never hand it to another site as a Referer.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def document(lang: str, title: str, body: Safe, switch_href: str | None) -> str:
    other = "en" if lang == "zh" else "zh"
    switch = el(
        "a", {"href": switch_href, "lang": "en" if other == "en" else "zh-CN"}, t(f"lang.{other}", lang)
    )
    return "<!doctype html>" + el(
        "html",
        {"lang": "zh-CN" if lang == "zh" else "en"},
        Safe(
            '<head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"{el('title', None, title)}<style>{CSS}</style></head>"
        ),
        el(
            "body",
            None,
            el("header", None, el("span", None, t("app.title", lang)), switch if switch_href else ""),
            el("main", None, body),
        ),
    )


# ---------------------------------------------------------------- sealed values


def _aead() -> AESGCM:
    # A key of its own, derived from the platform's secret: what these cookies seal is
    # never mistaken for personal data the database keeps (db/crypto.py), nor the reverse.
    return AESGCM(bytes.fromhex(keyed_hash("answer-path/sealed/v1", purpose="answer-seal-key")))


def seal(value: Mapping[str, Any], purpose: str) -> str:
    """``value`` encrypted and authenticated (AES-GCM), URL-safe, stamped with the time."""
    nonce = os.urandom(12)
    plain = json.dumps({**value, "at": time.time()}, ensure_ascii=False, separators=(",", ":"))
    sealed = nonce + _aead().encrypt(nonce, plain.encode("utf-8"), purpose.encode("ascii"))
    return base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")


def unseal(text: str | None, purpose: str, max_age_seconds: float) -> dict[str, Any] | None:
    """What :func:`seal` sealed for ``purpose``; None if it is missing, changed, sealed for
    another purpose or under another key, or older than ``max_age_seconds``."""
    if not text or len(text) > 4096:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        plain = _aead().decrypt(raw[:12], raw[12:], purpose.encode("ascii"))
        value = json.loads(plain)
    except (binascii.Error, ValueError, InvalidTag):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("at"), int | float):
        return None
    if not 0 <= time.time() - value["at"] <= max_age_seconds:
        return None
    return value


@dataclass(frozen=True, slots=True)
class State:
    """What one browser's answering needs the server to vouch for, in the sealed cookie."""

    sid: str  # random; the CSRF token is its HMAC
    pending: str = ""  # the number a code was sent to, as typed
    respondent: str = ""  # keyed hash of the verified number (never the number)
    masked: str = ""  # the verified number as shown, 138****5678

    @staticmethod
    def new() -> State:
        return State(secrets.token_urlsafe(16))

    @staticmethod
    def read(request: Request) -> State | None:
        value = unseal(request.cookies.get(STATE_COOKIE), "state", STATE_HOURS * 3600)
        if value is None or not isinstance(value.get("sid"), str):
            return None
        fields = {name: str(value.get(name) or "") for name in ("pending", "respondent", "masked")}
        return State(value["sid"], **fields)

    @property
    def csrf(self) -> str:
        return keyed_hash(self.sid, purpose="answer-csrf")


def started_stamp(form_key: str, now: float | None = None) -> str:
    """When a questionnaire was first shown, signed: the answering time (a quality signal)
    cannot be lengthened by editing the form."""
    at = str(int(now if now is not None else time.time()))
    return f"{at}.{_stamp_signature(form_key, at)}"


def _stamp_signature(form_key: str, at: str) -> str:
    return keyed_hash(f"{form_key}\x00{at}", purpose="answer-started")[:24]


def started_at(form_key: str, stamp: str) -> float | None:
    at, _, signature = stamp.partition(".")
    if not at.isdigit() or len(at) > 12:
        return None
    return float(at) if hmac.compare_digest(signature, _stamp_signature(form_key, at)) else None


# ---------------------------------------------------------------- the way in


@dataclass(frozen=True, slots=True)
class Way:
    """The questionnaire being answered and how the person came in."""

    q: Questionnaire
    unit: UnitView
    token: str | None = None
    info: InvitationInfo | None = None

    @property
    def params(self) -> dict[str, str]:
        """What identifies it in a URL or a form: the token, or the campaign and unit."""
        if self.token is not None:
            return {"t": self.token}
        return {"c": self.q.campaign.code, "u": self.unit.code}

    @property
    def form_key(self) -> str:
        return f"{self.q.campaign.code}-{self.unit.code}"


class UnknownUnit(NotFound):
    """The unit named in the URL is not appraised by the campaign."""


@dataclass(slots=True)
class Draft:
    group: str | None
    answers: dict[str, str | None]
    problems: list[str]
    comment: str
    attributes: dict[str, str]
    questions: tuple[QuestionView, ...]

    @property
    def missing(self) -> list[str]:
        return [str(q.number) for q in self.questions if self.answers.get(q.code) is None]


def read_draft(way: Way, form: Mapping[str, Any], problems: list[str], lang: str) -> Draft:
    """The answers in a posted form, keeping only what this questionnaire offers."""
    q = way.q
    group = str(form.get("g", ""))
    group = group if group in {g.code for g in q.groups} else None
    questions = (
        question_views(items_for(q, way.unit.category, group), lang)
        if group is not None or not q.group_first
        else ()
    )
    answers: dict[str, str | None] = {}
    for question in questions:
        chosen = str(form.get(f"i.{question.code}", ""))
        answers[question.code] = chosen if chosen in dict(question.options) else None
    allowed = {"age_band": q.age_bands, "sex": q.sexes, "district": q.districts}
    attributes = {}
    for name in ATTRIBUTES:
        value = str(form.get(name, ""))
        if value and value in allowed[name]:
            attributes[name] = value
    # Browsers send line breaks as CRLF; stored (and counted) as the page stores them.
    comment = str(form.get("comment", "")).replace("\r\n", "\n").replace("\r", "\n")
    return Draft(
        group=group,
        answers=answers,
        problems=[p for p in PROBLEM_TYPES if p in set(problems)],
        comment=comment,
        attributes=attributes,
        questions=questions,
    )


# ---------------------------------------------------------------- the routes


class _Page:
    """One request's language, state and helpers for drawing and answering it."""

    def __init__(self, request: Request) -> None:
        self.request = request
        asked = request.query_params.get("lang", "")
        cookie = request.cookies.get(LANG_COOKIE, "")
        self.lang_asked = asked if asked in LANGS else ""
        lang = self.lang_asked or (cookie if cookie in LANGS else DEFAULT_LANG)
        self.lang: str = lang
        self.state = State.read(request)
        self.new_state: State | None = None  # set when the cookie must be (re)written

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def url(self, path: str = "", params: Mapping[str, str] | None = None) -> str:
        root = self.request.scope.get("root_path", "").rstrip("/")
        query = urlencode({k: v for k, v in (params or {}).items() if v})
        return f"{root}{answer_root()}{path}" + (f"?{query}" if query else "")

    def ensure_state(self) -> State:
        if self.state is None:
            self.state = self.new_state = State.new()
        return self.state

    def keep(self, state: State) -> None:
        self.state = self.new_state = state

    def csrf_field(self) -> Safe:
        return hidden("csrf", self.ensure_state().csrf)

    def switch_href(self, path: str = "", params: Mapping[str, str] | None = None) -> str:
        other = "en" if self.lang == "zh" else "zh"
        return self.url(path, {**(params or {}), "lang": other})

    def finish(self, response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        secure = self.request.url.scheme == "https"
        cookie_path = self.url()
        if self.new_state is not None:
            response.set_cookie(
                STATE_COOKIE,
                seal(asdict(self.new_state), "state"),
                path=cookie_path,
                httponly=True,
                samesite="lax",
                secure=secure,
            )
        if self.lang_asked:
            response.set_cookie(
                LANG_COOKIE,
                self.lang_asked,
                max_age=LANG_COOKIE_DAYS * 86400,
                path=cookie_path,
                httponly=True,
                samesite="lax",
                secure=secure,
            )
        return response

    def html(
        self,
        title: str,
        body: Safe,
        *,
        status: int = 200,
        switch: tuple[str, Mapping[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        if switch is None:
            # a GET page: the same address in the other language
            params = {k: v for k, v in self.request.query_params.items() if k != "lang"}
            other = "en" if self.lang == "zh" else "zh"
            href = f"{self.request.url.path}?{urlencode({**params, 'lang': other})}"
        else:
            href = self.switch_href(*switch)
        page = document(self.lang, title, body, href)
        return self.finish(HTMLResponse(page, status_code=status, headers=dict(headers or {})))

    def redirect(self, path: str, params: Mapping[str, str] | None = None) -> Response:
        return self.finish(RedirectResponse(self.url(path, params), status_code=303))

    def message(self, kind: str, text: str) -> Safe:
        return el("div", {"class": kind, "role": "alert" if kind == "error" else None}, text)

    def refusal(self, exc: Exception, way: Way | None = None, *, status: int | None = None) -> Response:
        """A refusal of the survey in the page's words, with a way back."""
        if status is None:
            status = 404 if isinstance(exc, NotFound) else 409
        text = self.t("answer.unknown_unit") if isinstance(exc, UnknownUnit) else refusal_text(exc, self.lang)
        back = {"c": way.q.campaign.code} if way is not None and way.token is None else {}
        body = join(
            [
                el("h1", None, self.t("survey.title")),
                self.message("error", text),
                el(
                    "p", None, el("a", {"class": "button", "href": self.url("", back)}, self.t("answer.back"))
                ),
            ]
        )
        return self.html(self.t("answer.refused.title"), body, status=status)


def survey_routes(
    uow_factory: UowFactory = default_uow,
    *,
    verification: PhoneVerification | None = None,
    clock: Clock = utcnow,
) -> list[Route]:
    """The light answering path's routes under :func:`answer_root`. ``verification``
    defaults to one per process on the configured verifier (``APPRAISAL_VERIFIER``)."""

    lock = threading.Lock()
    made: list[PhoneVerification] = [verification] if verification is not None else []

    def phone_verification() -> PhoneVerification:
        with lock:
            if not made:
                try:
                    made.append(PhoneVerification(make_verifier()))
                except ValueError as exc:
                    # misconfigured: say "unavailable", the log says why (not kept: a fix takes effect)
                    log.error("phone verification is not configured: %s", exc)
                    raise VerificationUnavailable(str(exc)) from exc
            return made[0]

    def uow() -> UnitOfWork:
        return uow_factory("web")

    # ------------------------------------------------------------ the way in

    def resolve(params: Mapping[str, Any]) -> Way:
        """The questionnaire named by ``t`` or by ``c`` and ``u``; refusals raise."""
        token = str(params.get("t", "") or "")
        if token:
            info = peek(uow(), token)
            q = load_questionnaire(uow(), info.campaign_code)
            unit = q.unit(info.unit_code)
            assert unit is not None  # the invitation's unit is one of its campaign's
            return Way(q, unit, token, info)
        q = load_questionnaire(uow(), str(params.get("c", "")))
        unit = q.unit(str(params.get("u", "")))
        if unit is None:
            raise UnknownUnit("this unit is not appraised in this campaign")
        return Way(q, unit)

    def heading(page: _Page, way: Way) -> list[object]:
        parts: list[object] = [
            el("h1", None, page.t("survey.title")),
            el("p", {"class": "note"}, page.t("survey.intro")),
            el("h2", None, page.t("survey.rating", unit=way.unit.name)),
        ]
        if way.info is not None and way.info.reference:
            parts.append(el("p", {"class": "note"}, page.t("survey.reference", reference=way.info.reference)))
        if way.token is None:
            parts.append(
                el(
                    "p",
                    None,
                    el("a", {"href": page.url("", {"c": way.q.campaign.code})}, page.t("survey.change_unit")),
                )
            )
            state = page.state
            if state is not None and state.respondent:
                parts.append(el("p", {"class": "note"}, page.t("survey.verify.done", number=state.masked)))
        return parts

    # ------------------------------------------------------------ choosing a unit

    def choose(page: _Page) -> Response:
        query = page.request.query_params
        campaigns = open_campaigns(uow())
        title = page.t("survey.title")
        parts: list[object] = [el("h1", None, title), el("p", {"class": "note"}, page.t("survey.intro"))]
        if not campaigns:
            parts.append(page.message("info", page.t("survey.no_open")))
            return page.html(title, join(parts))
        codes = [c.code for c in campaigns]
        code = codes[0] if len(codes) == 1 else query.get("c", "")
        if code not in codes:
            parts.append(el("h2", None, page.t("survey.campaign")))
            parts.append(
                el(
                    "ul",
                    {"class": "units"},
                    *(
                        el("li", None, el("a", {"href": page.url("", {"c": c.code})}, c.name))
                        for c in campaigns
                    ),
                )
            )
            return page.html(title, join(parts))
        q = load_questionnaire(uow(), code)
        state = page.state
        if state is not None and state.respondent:
            parts.append(el("p", {"class": "note"}, page.t("survey.verify.done", number=state.masked)))
        text, district, category = query.get("s", ""), query.get("d", ""), query.get("k", "")
        districts = list(dict.fromkeys(u.district for u in q.units if u.district))
        district = district if district in districts else ""
        category = category if category in q.categories else ""

        def options(values: Iterable[str], chosen: str, label: Callable[[str], str]) -> list[Safe]:
            return [
                el("option", {"value": ""}, page.t("survey.all")),
                *(el("option", {"value": v, "selected": v == chosen}, label(v)) for v in values),
            ]

        parts.append(el("h2", None, page.t("survey.step.unit")))
        parts.append(
            el(
                "form",
                {"method": "get", "action": page.url(), "role": "search"},
                hidden("c", code) if len(codes) > 1 else "",
                el("label", {"class": "field", "for": "s"}, page.t("survey.search")),
                void(
                    "input",
                    {
                        "type": "search",
                        "id": "s",
                        "name": "s",
                        "value": text,
                        "placeholder": page.t("survey.search.placeholder"),
                        "maxlength": 100,
                    },
                ),
                el(
                    "div",
                    {"class": "grid"},
                    el(
                        "div",
                        None,
                        el("label", {"class": "field", "for": "d"}, page.t("survey.district_filter")),
                        el("select", {"id": "d", "name": "d"}, *options(districts, district, str)),
                    ),
                    el(
                        "div",
                        None,
                        el("label", {"class": "field", "for": "k"}, page.t("survey.category_filter")),
                        el(
                            "select",
                            {"id": "k", "name": "k"},
                            *options(
                                q.categories, category, lambda c: data_label(page.lang, f"category.{c}", c)
                            ),
                        ),
                    ),
                ),
                el("button", {"type": "submit", "class": "primary"}, page.t("answer.search.submit")),
            )
        )
        found = find_units(q.units, text[:100], district=district, category=category)
        if not found:
            parts.append(page.message("warn", page.t("survey.no_unit_found")))
        else:
            parts.append(el("p", {"class": "note"}, page.t("survey.units_found", n=len(found))))
            parts.append(
                el(
                    "ul",
                    {"class": "units"},
                    *(
                        el(
                            "li",
                            None,
                            el(
                                "a",
                                {"href": page.url("/q", {"c": code, "u": u.code})},
                                f"{u.name}（{u.district}）" if u.district else u.name,
                            ),
                        )
                        for u in found[:MAX_LISTED]
                    ),
                )
            )
            if len(found) > MAX_LISTED:
                parts.append(el("p", {"class": "note"}, page.t("answer.units_more", shown=MAX_LISTED)))
        return page.html(title, join(parts))

    # ------------------------------------------------------------ verifying a number

    def verify_page(page: _Page, way: Way, error: str = "", status: int = 200) -> Response:
        state = page.ensure_state()
        parts = heading(page, way)
        parts += [
            el("h2", None, page.t("survey.step.verify")),
            el("p", {"class": "note"}, page.t("survey.verify.why")),
        ]
        if error:
            parts.append(page.message("error", error))
        parts.append(
            el(
                "form",
                {"method": "post", "action": page.url("/code")},
                page.csrf_field(),
                *(hidden(k, v) for k, v in way.params.items()),
                el("label", {"class": "field", "for": "number"}, page.t("survey.verify.number")),
                # No maxlength (as on the page): the browser would cut a paste silently;
                # a number that cannot be read is refused in words.
                void(
                    "input",
                    {
                        "type": "tel",
                        "id": "number",
                        "name": "number",
                        "value": state.pending,
                        "placeholder": "138 0000 0000",
                        "autocomplete": "tel",
                        "inputmode": "tel",
                    },
                ),
                el("button", {"type": "submit"}, page.t("survey.verify.send")),
            )
        )
        if state.pending:
            parts.append(page.message("info", page.t("survey.verify.sent", number=mask_phone(state.pending))))
            simulated = simulated_sms(state.pending)
            if simulated:
                parts.append(el("p", {"class": "note"}, page.t("survey.verify.simulated", code=simulated)))
            parts.append(
                el(
                    "form",
                    {"method": "post", "action": page.url("/verify")},
                    page.csrf_field(),
                    *(hidden(k, v) for k, v in way.params.items()),
                    el("label", {"class": "field", "for": "code"}, page.t("survey.verify.code")),
                    void(
                        "input",
                        {
                            "type": "text",
                            "id": "code",
                            "name": "code",
                            "autocomplete": "one-time-code",
                            "inputmode": "numeric",
                        },
                    ),
                    el("button", {"type": "submit", "class": "primary"}, page.t("survey.verify.check")),
                )
            )
        return page.html(page.t("survey.step.verify"), join(parts), status=status, switch=("/q", way.params))

    def simulated_sms(number: str) -> str | None:
        """The demo's simulated SMS, shown on screen as the page shows it; None with a real
        SMS provider."""
        try:
            verification = phone_verification()
            verifier = verification.verifier
            if not isinstance(verifier, SimulatedVerifier):
                return None
            return verifier.pending_code(verification.normalize(number))
        except VerificationRefused:
            return None

    def send_code(page: _Page, form: Mapping[str, Any]) -> Response:
        way = resolve(form)
        if way.token is not None:
            return page.redirect("/q", way.params)
        number = str(form.get("number", ""))[:100]
        state = page.ensure_state()
        try:
            phone_verification().start(
                number, network=client_network(page.request), locale=SMS_LOCALES[page.lang]
            )
        except VerificationRefused as exc:
            page.keep(replace(state, pending=""))
            status = 429 if isinstance(exc, TooManyRequests) else 400
            return verify_page(page, way, refusal_text(exc, page.lang), status)
        page.keep(replace(state, pending=number))
        return page.redirect("/q", way.params)

    def check_code(page: _Page, form: Mapping[str, Any]) -> Response:
        way = resolve(form)
        state = page.ensure_state()
        code = str(form.get("code", ""))
        if way.token is not None:
            return page.redirect("/q", way.params)
        if not state.pending:
            return verify_page(page, way, refusal_text(CodeExpired(), page.lang), 400)
        if len(clean_code(code[:100])) > MAX_CODE_CHARS:  # e.g. the whole SMS pasted: no attempt spent
            return verify_page(page, way, page.t("survey.verify.code_too_long"), 400)
        try:
            respondent = phone_verification().check(state.pending, code)
        except VerificationRefused as exc:
            return verify_page(page, way, refusal_text(exc, page.lang), 400)
        page.keep(replace(state, pending="", respondent=respondent, masked=mask_phone(state.pending)))
        return page.redirect("/q", way.params)

    # ------------------------------------------------------------ the questionnaire

    def gate(page: _Page, way: Way) -> Response | None:
        """On the verified-number way: the verification step, or the duplicate refusal."""
        if way.token is not None:
            return None
        state = page.state
        if state is None or not state.respondent:
            return verify_page(page, way)
        if already_answered(uow(), way.q.campaign.code, way.unit.code, state.respondent):
            body = join(
                [
                    *heading(page, way),
                    page.message("warn", page.t("survey.refused.duplicate")),
                    el(
                        "p",
                        None,
                        el(
                            "a",
                            {"class": "button primary", "href": page.url("", {"c": way.q.campaign.code})},
                            page.t("survey.change_unit"),
                        ),
                    ),
                ]
            )
            return page.html(page.t("survey.title"), body, status=409, switch=("/q", way.params))
        return None

    def group_page(page: _Page, way: Way) -> Response:
        """Item sets follow the respondent group: it is chosen first (a GET, nothing kept)."""
        parts = heading(page, way)
        parts.append(
            el(
                "form",
                {"method": "get", "action": page.url("/q")},
                *(hidden(k, v) for k, v in way.params.items()),
                group_fieldset(page, way, None),
                el("p", {"class": "note"}, page.t("qdesign.survey.group_first")),
                el("button", {"type": "submit", "class": "primary"}, page.t("answer.group.continue")),
            )
        )
        return page.html(page.t("survey.title"), join(parts), switch=("/q", way.params))

    def group_fieldset(page: _Page, way: Way, chosen: str | None) -> Safe:
        return el(
            "fieldset",
            None,
            el("legend", None, page.t("survey.group")),
            el(
                "div",
                {"class": "opts"},
                *(
                    el(
                        "label",
                        None,
                        void(
                            "input",
                            {"type": "radio", "name": "g", "value": g.code, "checked": g.code == chosen},
                        ),
                        g.label(page.lang),
                    )
                    for g in way.q.groups
                ),
            ),
        )

    def form_page(
        page: _Page,
        way: Way,
        group: str | None,
        draft: Draft | None = None,
        errors: Iterable[str] = (),
        started: str = "",
    ) -> Response:
        q = way.q
        parts = heading(page, way)
        parts += [page.message("error", e) for e in errors]
        questions = question_views(items_for(q, way.unit.category, group), page.lang)
        answers = draft.answers if draft is not None else {}
        chosen_problems = set(draft.problems) if draft is not None else set()
        attributes = draft.attributes if draft is not None else {}
        fields: list[object] = [
            page.csrf_field(),
            *(hidden(k, v) for k, v in way.params.items()),
            hidden("started", started or started_stamp(way.form_key)),
        ]
        if q.group_first:
            assert group is not None
            label = next(g.label(page.lang) for g in q.groups if g.code == group)
            fields += [
                hidden("g", group),
                el(
                    "p",
                    None,
                    f"{page.t('survey.group')}：{label} "
                    if page.lang == "zh"
                    else f"{page.t('survey.group')}: {label} ",
                    el("a", {"href": page.url("/q", way.params)}, page.t("answer.group.change")),
                ),
            ]
        else:
            fields.append(group_fieldset(page, way, group))
        fields += [
            el("h2", None, page.t("survey.questions")),
            el("p", {"class": "note"}, page.t("survey.questions.help")),
        ]
        for question in questions:
            fields.append(
                el(
                    "fieldset",
                    {"class": "q"},
                    el("legend", None, f"{question.number}. {question.text}"),
                    el(
                        "div",
                        {"class": "opts"},
                        *(
                            el(
                                "label",
                                None,
                                void(
                                    "input",
                                    {
                                        "type": "radio",
                                        "name": f"i.{question.code}",
                                        "value": code,
                                        "checked": answers.get(question.code) == code,
                                    },
                                ),
                                text,
                            )
                            for code, text in question.options
                        ),
                    ),
                )
            )
        problem_boxes: list[object] = []
        for heading_key, codes in (
            ("survey.problems.harms", TWELVE_HARMS),
            ("survey.problems.inaction", INACTION),
        ):
            problem_boxes.append(el("p", {"class": "note"}, page.t(heading_key)))
            problem_boxes.append(
                el(
                    "div",
                    {"class": "checks"},
                    *(
                        el(
                            "label",
                            None,
                            void(
                                "input",
                                {
                                    "type": "checkbox",
                                    "name": "p",
                                    "value": c,
                                    "checked": c in chosen_problems,
                                },
                            ),
                            page.t(f"problem.{c}"),
                        )
                        for c in codes
                    ),
                )
            )
        fields.append(
            el(
                "fieldset",
                None,
                el("legend", None, page.t("survey.problems")),
                el("p", {"class": "note"}, page.t("survey.problems.help")),
                *problem_boxes,
            )
        )
        # No maxlength (as on the page): the browser would drop a long paste silently; what
        # does not fit is cut on the confirmation, which says so.
        fields += [
            el("label", {"class": "field", "for": "comment"}, page.t("survey.comment")),
            el(
                "textarea",
                {"id": "comment", "name": "comment", "placeholder": page.t("survey.comment.placeholder")},
                Safe("\n" + esc(draft.comment if draft is not None else "")),
            ),
            el("p", {"class": "note"}, page.t("survey.comment.limit", limit=MAX_COMMENT_CHARS)),
        ]

        def select(name: str, values: Iterable[str], show: Callable[[str], str], label_key: str) -> Safe:
            return el(
                "div",
                None,
                el("label", {"class": "field", "for": name}, page.t(label_key)),
                el(
                    "select",
                    {"id": name, "name": name},
                    el("option", {"value": ""}, page.t("survey.skip")),
                    *(
                        el("option", {"value": v, "selected": attributes.get(name) == v}, show(v))
                        for v in values
                    ),
                ),
            )

        fields.append(
            el(
                "details",
                {"open": bool(attributes)},
                el("summary", None, page.t("survey.about_you")),
                el("p", {"class": "note"}, page.t("survey.about_you.help")),
                el(
                    "div",
                    {"class": "grid"},
                    select(
                        "age_band",
                        q.age_bands,
                        lambda v: page.t("survey.age_years", band=v),
                        "survey.age_band",
                    ),
                    select(
                        "sex", q.sexes, lambda v: data_label(page.lang, f"survey.sex.{v}", v), "survey.sex"
                    ),
                    select("district", q.districts, str, "survey.district"),
                ),
            )
        )
        fields.append(
            el(
                "div",
                {"class": "actions"},
                el("button", {"type": "submit", "class": "primary"}, page.t("survey.next")),
            )
        )
        parts.append(el("form", {"method": "post", "action": page.url("/q")}, *fields))
        params = {**way.params, "g": group or ""} if q.group_first else way.params
        return page.html(page.t("survey.title"), join(parts), switch=("/q", params))

    def questionnaire(page: _Page) -> Response:
        query = page.request.query_params
        try:
            way = resolve(query)
        except ServiceError as exc:
            return page.refusal(exc)
        gated = gate(page, way)
        if gated is not None:
            return gated
        group = query.get("g", "")
        group = group if group in {g.code for g in way.q.groups} else None
        if way.q.group_first and group is None:
            return group_page(page, way)
        return form_page(page, way, group)

    def checked(page: _Page, form: Any) -> tuple[Way, Draft] | Response:
        """The way and the answers of a posted questionnaire, or the response to give."""
        try:
            way = resolve(form)
        except ServiceError as exc:
            return page.refusal(exc)
        gated = gate(page, way)
        if gated is not None:
            return gated
        return way, read_draft(way, form, [str(p) for p in form.getlist("p")], page.lang)

    def problems_of(page: _Page, way: Way, draft: Draft) -> list[str]:
        errors = []
        if draft.group is None:
            errors.append(page.t("survey.missing_group"))
        if draft.missing:
            sep = "、" if page.lang == "zh" else ", "
            errors.append(page.t("survey.missing_answers", numbers=sep.join(draft.missing)))
        return errors

    def post_questionnaire(page: _Page, form: Any) -> Response:
        result = checked(page, form)
        if isinstance(result, Response):
            return result
        way, draft = result
        started = str(form.get("started", ""))
        if way.q.group_first and draft.group is None:
            return group_page(page, way)
        if form.get("edit"):
            return form_page(page, way, draft.group, draft, started=started)
        errors = problems_of(page, way, draft)
        if errors:
            return form_page(page, way, draft.group, draft, errors, started=started)
        kept, cut = fit_comment(draft.comment)
        draft.comment = kept
        return confirmation(page, way, draft, cut, started)

    def confirmation(page: _Page, way: Way, draft: Draft, cut: int, started: str) -> Response:
        q = way.q
        parts = heading(page, way)
        parts.append(el("h2", None, page.t("survey.confirm.title")))
        if cut:
            parts.append(page.message("warn", page.t("survey.comment.cut", limit=MAX_COMMENT_CHARS, cut=cut)))
        groups = {g.code: g for g in q.groups}
        assert draft.group is not None
        rows: list[tuple[str, str]] = [
            (page.t("survey.unit"), way.unit.name),
            (page.t("survey.group"), groups[draft.group].label(page.lang)),
        ]
        for question in draft.questions:
            rows.append(
                (
                    f"{question.number}. {question.text}",
                    dict(question.options)[str(draft.answers[question.code])],
                )
            )
        if draft.problems:
            sep = "、" if page.lang == "zh" else "; "
            rows.append((page.t("survey.problems"), sep.join(page.t(f"problem.{p}") for p in draft.problems)))
        if draft.comment:
            rows.append((page.t("survey.comment"), draft.comment))
        parts.append(
            el(
                "table",
                None,
                el(
                    "thead",
                    None,
                    el(
                        "tr",
                        None,
                        el("th", None, page.t("survey.confirm.question")),
                        el("th", None, page.t("survey.confirm.answer")),
                    ),
                ),
                el("tbody", None, *(el("tr", None, el("td", None, a), el("td", None, b)) for a, b in rows)),
            )
        )
        fields: list[object] = [
            page.csrf_field(),
            *(hidden(k, v) for k, v in way.params.items()),
            hidden("started", started),
            hidden("g", draft.group),
            *(hidden(f"i.{code}", option) for code, option in draft.answers.items()),
            *(hidden("p", p) for p in draft.problems),
            *(hidden(name, value) for name, value in draft.attributes.items()),
            # a textarea keeps line breaks, which a hidden input's value would not
            el("textarea", {"name": "comment", "hidden": True}, Safe("\n" + esc(draft.comment))),
            el(
                "div",
                {"class": "actions"},
                el(
                    "button",
                    {"type": "submit", "name": "edit", "value": "1", "formaction": page.url("/q")},
                    page.t("survey.confirm.back"),
                ),
                el("button", {"type": "submit", "class": "primary"}, page.t("survey.confirm.submit")),
            ),
        ]
        parts.append(el("form", {"method": "post", "action": page.url("/send")}, *fields))
        params = {**way.params, "g": draft.group} if q.group_first else way.params
        return page.html(page.t("survey.confirm.title"), join(parts), switch=("/q", params))

    def send(page: _Page, form: Any) -> Response:
        result = checked(page, form)
        if isinstance(result, Response):
            return result
        way, draft = result
        started = str(form.get("started", ""))
        errors = problems_of(page, way, draft)
        if errors:  # a form that never came from the confirmation: ask again
            if way.q.group_first and draft.group is None:
                return group_page(page, way)
            return form_page(page, way, draft.group, draft, errors, started=started)
        assert draft.group is not None
        state = page.state
        respondent = state.respondent if state is not None and way.token is None else None
        first_shown = started_at(way.form_key, started)
        device_hash, network_hash = client_hashes(
            client_network(page.request), page.request.headers.get("user-agent")
        )
        try:
            code = submit_response(
                uow(),
                way.q.campaign.code,
                way.unit.code,
                draft.group,
                {k: v for k, v in draft.answers.items() if v is not None},
                respondent,
                channel=way.info.kind if way.info is not None else "web",
                attributes=draft.attributes,
                invitation_token=way.token,
                comment=draft.comment,
                problem_types=draft.problems,
                duration_seconds=max(0.0, time.time() - first_shown) if first_shown is not None else None,
                device_hash=device_hash,
                network_hash=network_hash,
                clock=clock,
            )
        except ServiceError as exc:
            return page.refusal(exc, way)
        done = {
            "code": code,
            "unit": way.unit.name,
            "way": "token" if way.token is not None else "phone",
            "c": way.q.campaign.code,
        }
        return page.redirect("/done", {"d": seal(done, "done")})

    def thanks(page: _Page) -> Response:
        done = unseal(page.request.query_params.get("d"), "done", DONE_HOURS * 3600)
        if done is None:
            return page.redirect("")
        parts: list[object] = [
            el("h1", None, page.t("survey.title")),
            page.message("ok", page.t("survey.done.title")),
            el("p", None, page.t("survey.done.body", unit=done["unit"])),
            el("p", {"class": "note"}, page.t("survey.done.code", code=done["code"])),
        ]
        state = page.state
        if done.get("way") == "phone" and state is not None and state.respondent:
            parts.append(
                el(
                    "p",
                    None,
                    el(
                        "a",
                        {"class": "button primary", "href": page.url("", {"c": str(done.get("c", ""))})},
                        page.t("survey.done.another"),
                    ),
                )
            )
        return page.html(page.t("survey.done.title"), join(parts))

    # ------------------------------------------------------------ the HTTP layer

    def entry(page: _Page) -> Response:
        return questionnaire(page) if page.request.query_params.get("t") else choose(page)

    def expired(page: _Page) -> Response:
        body = join(
            [
                el("h1", None, page.t("answer.expired.title")),
                page.message("error", page.t("answer.expired")),
                el("p", None, el("a", {"class": "button", "href": page.url()}, page.t("answer.back"))),
            ]
        )
        return page.html(page.t("answer.expired.title"), body, status=403, switch=("", {}))

    def too_large(page: _Page, refused: Response) -> Response:
        body = join(
            [
                el("h1", None, page.t("answer.too_large.title")),
                page.message("error", page.t("answer.too_large")),
                el("p", None, el("a", {"class": "button", "href": page.url()}, page.t("answer.back"))),
            ]
        )
        # Connection: close as http_limits says: the rest of the body is not read
        headers = {k: v for k, v in refused.headers.items() if k.lower() == "connection"}
        return page.html(
            page.t("answer.too_large.title"),
            body,
            status=refused.status_code,
            switch=("", {}),
            headers=headers,
        )

    def unexpected(page: _Page, exc: BaseException) -> Response:
        reference = secrets.token_hex(4)
        log.error("unexpected error on the answering path, reference %s", reference, exc_info=exc)
        body = join(
            [
                el("h1", None, page.t("answer.error.title")),
                page.message("error", page.t("error.unexpected", ref=reference)),
                el("p", None, el("a", {"class": "button", "href": page.url()}, page.t("answer.back"))),
            ]
        )
        return page.html(page.t("answer.error.title"), body, status=500, switch=("", {}))

    def get(handler: Callable[[_Page], Response]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            page = _Page(request)
            try:
                return await run_in_threadpool(handler, page)
            except Exception as exc:
                return unexpected(page, exc)

        return endpoint

    def post(handler: Callable[[_Page, Any], Response]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            page = _Page(request)
            try:
                body = await bounded_body(request)
                if isinstance(body, Response):
                    return too_large(page, body) if body.status_code == 413 else page.finish(body)
                form = await request.form()
                state = page.state
                if state is None or not hmac.compare_digest(str(form.get("csrf", "")), state.csrf):
                    return expired(page)
                return await run_in_threadpool(handler, page, form)
            except Exception as exc:
                return unexpected(page, exc)

        return endpoint

    root = answer_root()
    return [
        Route(root, get(entry), methods=["GET"]),
        Route(f"{root}/q", get(questionnaire), methods=["GET"]),
        Route(f"{root}/q", post(post_questionnaire), methods=["POST"]),
        Route(f"{root}/code", post(send_code), methods=["POST"]),
        Route(f"{root}/verify", post(check_code), methods=["POST"]),
        Route(f"{root}/send", post(send), methods=["POST"]),
        Route(f"{root}/done", get(thanks), methods=["GET"]),
    ]


def data_label(lang: str, key: str, fallback: str) -> str:
    """Catalogue text if the catalogue has it, else the value itself (categories and bands
    come from the campaign's data), as on the page."""
    return t(key, lang) if key in MESSAGES else fallback


def answer_app(
    uow_factory: UowFactory = default_uow,
    *,
    verification: PhoneVerification | None = None,
    clock: Clock = utcnow,
) -> Starlette:
    """The light answering path as a Starlette app of its own (uvicorn, tests)."""
    return Starlette(routes=survey_routes(uow_factory, verification=verification, clock=clock))


app = answer_app()
