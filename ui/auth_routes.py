"""HTTP routes for signing in and out, served beside the Streamlit app by ``st.App``.

Streamlit cannot set cookies, so the login form on the login page posts to
``POST /auth/login``, which checks the password, opens a session and sets an HttpOnly,
SameSite=Lax cookie holding the session token before redirecting to the app; the
script reads the cookie through ``st.context.cookies`` on every run and asks
:func:`services.auth.current_user`, which enforces the idle timeout on the server.

This module is plain Starlette (no streamlit import), so the routes can be tested with
``starlette.testclient.TestClient`` and served alone by any ASGI server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final
from urllib.parse import urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from db.uow import UnitOfWork
from services import auth
from services.clock import Clock, utcnow
from ui.messages import LANGS

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
    """A form posted from another site (login CSRF); browsers send Origin with POSTs."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc != request.headers.get("host", "")


def auth_routes(
    uow_factory: UowFactory = default_uow,
    *,
    clock: Clock = utcnow,
    idle_minutes: int | None = None,
) -> list[Route]:
    """``POST /auth/login``, ``POST|GET /auth/logout`` and ``GET /auth/session``."""

    async def login(request: Request) -> Response:
        form = await request.form()
        username = str(form.get("username", "")).strip()
        password = str(form.get("password", ""))
        lang = str(form.get("lang", ""))
        lang = lang if lang in LANGS else ""
        if _cross_site(request):
            return Response("cross-site login refused", status_code=403)
        result = None
        if username and password:
            result = await run_in_threadpool(auth.login, uow_factory("web"), username, password, clock=clock)
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
        Route("/auth/logout", logout, methods=["POST", "GET"]),
        Route("/auth/session", session, methods=["GET"]),
    ]
