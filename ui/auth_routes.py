"""HTTP routes for signing in and out, served beside the Streamlit app by ``st.App``.

Streamlit cannot set cookies, so the login form on the login page posts to
``POST /auth/login``, which checks the password, opens a session and sets an HttpOnly,
SameSite=Lax cookie holding the session token before redirecting to the app; the
script reads the cookie through ``st.context.cookies`` on every run and asks
:func:`services.auth.current_user`, which enforces the idle timeout on the server.
Signing out is ``POST /auth/logout`` only (a GET, which any other site can make a
browser send, changes nothing), with the same cross-site check as signing in. A sign-in
refused by the throttle (too many failures for the account or the network) gets 429 and a
short page in the person's language.

This module is plain Starlette (no streamlit import), so the routes can be tested with
``starlette.testclient.TestClient`` and served alone by any ASGI server.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from html import escape
from typing import Final
from urllib.parse import urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

import config
from db.uow import UnitOfWork
from services import auth
from services.clock import Clock, utcnow
from ui.http_limits import bounded_body
from ui.messages import DEFAULT_LANG, LANGS, t

COOKIE_NAME: Final = "appraisal_session"
LOGIN_PAGE: Final = "login"

UowFactory = Callable[[str], UnitOfWork]


def default_uow(actor: str) -> UnitOfWork:
    return UnitOfWork(actor=actor)


def _app_url(request: Request, path: str = "", **query: str) -> str:
    # Relative to the app's root, so the redirect also works behind a path prefix.
    root = request.scope.get("root_path", "").rstrip("/")
    query_string = urlencode({k: v for k, v in query.items() if v})
    return f"{root}/{path}" + (f"?{query_string}" if query_string else "")


def _cross_site(request: Request) -> bool:
    """A form posted from another site (login or logout CSRF). Browsers send Origin with
    POSTs; without it, a Referer naming another site counts too. Neither: not a browser's
    cross-site form (a script or a privacy setting), let through as before."""
    origin = request.headers.get("origin")
    if origin == "null":
        return True
    source = origin or request.headers.get("referer")
    if not source:
        return False
    return urlsplit(source).netloc != request.headers.get("host", "")


def trust_proxy() -> bool:
    """``APPRAISAL_TRUST_PROXY``: whether a reverse proxy in front sets X-Forwarded-For."""
    return config.TRUST_PROXY.get().strip().lower() in {"1", "true", "yes", "on"}


def client_address(request: Request) -> str | None:
    """The client's network address for the sign-in throttle.

    The connection's peer, unless a trusted reverse proxy is in front (a setting): then the
    last address in X-Forwarded-For, the one that proxy appended (the ones before it are
    whatever the client sent), or its X-Real-IP. Without the setting the headers are
    ignored, or an attacker would get a fresh network for every guess by forging them."""
    peer = request.client.host if request.client else None
    if trust_proxy():
        hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
        if hops:
            return hops[-1]
        real_ip = request.headers.get("x-real-ip", "").strip()
        if real_ip:
            return real_ip
    return peer


THROTTLED_PAGE: Final = """<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.6">
<h1 style="font-size: 1.4rem">{title}</h1>
<p>{message}</p>
<p><a href="{back_url}">{back}</a></p>
</body>
</html>
"""


def _throttled(request: Request, lang: str, refusal: auth.LoginThrottled) -> Response:
    """429 with a plain page in the person's language (the form's ``lang``, else Chinese)."""
    shown = lang or DEFAULT_LANG
    wait = max(1, math.ceil(refusal.retry_after))
    if refusal.locked_until is not None or wait >= 60:
        message = t("login.throttled.locked", shown, minutes=math.ceil(wait / 60))
    else:
        message = t("login.throttled.wait", shown, seconds=wait)
    page = THROTTLED_PAGE.format(
        lang="zh-CN" if shown == "zh" else shown,
        title=escape(t("login.throttled.title", shown)),
        message=escape(message),
        back_url=escape(_app_url(request, LOGIN_PAGE, lang=lang)),
        back=escape(t("login.throttled.back", shown)),
    )
    return HTMLResponse(page, status_code=429, headers={"Retry-After": str(wait)})


def auth_routes(
    uow_factory: UowFactory = default_uow,
    *,
    clock: Clock = utcnow,
    idle_minutes: int | None = None,
) -> list[Route]:
    """``POST /auth/login``, ``POST /auth/logout`` and ``GET /auth/session``."""

    async def login(request: Request) -> Response:
        # The same small body limit as the webhooks: a sign-in form is a few hundred bytes,
        # and an unbounded body would be read into memory before anything is checked.
        body = await bounded_body(request)
        if isinstance(body, Response):
            return body
        form = await request.form()
        username = str(form.get("username", "")).strip()
        password = str(form.get("password", ""))
        lang = str(form.get("lang", ""))
        lang = lang if lang in LANGS else ""
        if _cross_site(request):
            return Response("cross-site login refused", status_code=403)
        result = None
        if username and password:
            try:
                result = await run_in_threadpool(
                    auth.login,
                    uow_factory("web"),
                    username,
                    password,
                    network=client_address(request),
                    clock=clock,
                )
            except auth.LoginThrottled as refusal:
                return _throttled(request, lang, refusal)
        if result is None:
            # Back to the login page, which explains in the user's language; 303 turns the POST into a GET.
            return RedirectResponse(
                _app_url(request, LOGIN_PAGE, error="invalid", lang=lang), status_code=303
            )
        token, _user = result
        response = RedirectResponse(_app_url(request, lang=lang), status_code=303)
        response.set_cookie(
            COOKIE_NAME,
            token,
            max_age=auth.MAX_SESSION_HOURS * 3600,
            path=_app_url(request),
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return response

    async def logout(request: Request) -> Response:
        body = await bounded_body(request)
        if isinstance(body, Response):
            return body
        if _cross_site(request):
            return Response("cross-site logout refused", status_code=403)
        token = request.cookies.get(COOKIE_NAME)
        if token:
            await run_in_threadpool(auth.logout, uow_factory("web"), token, clock=clock)
        lang = request.query_params.get("lang", "")
        response = RedirectResponse(_app_url(request, lang=lang if lang in LANGS else ""), status_code=303)
        response.delete_cookie(COOKIE_NAME, path=_app_url(request), httponly=True, samesite="lax")
        return response

    async def session(request: Request) -> Response:
        user = await run_in_threadpool(
            auth.current_user,
            uow_factory("web"),
            request.cookies.get(COOKIE_NAME),
            idle_minutes=idle_minutes,
            clock=clock,
        )
        if user is None:
            return JSONResponse({"signed_in": False}, status_code=401)
        return JSONResponse(
            {
                "signed_in": True,
                "username": user.username,
                "role": user.role.value,
                "display_name": user.display_name,
            }
        )

    return [
        Route("/auth/login", login, methods=["POST"]),
        # POST only: a GET (a link or an image on any site) must not sign anyone out.
        Route("/auth/logout", logout, methods=["POST"]),
        Route("/auth/session", session, methods=["GET"]),
    ]
