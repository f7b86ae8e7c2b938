"""The shared request-body limit of the plain HTTP routes (ui/http_limits.py): a body up to
the limit is read once and can still be parsed as a form; a larger one, or a malformed
``Content-Length``, is refused. (That the stream is left unread is shown, route by route,
in tests/test_telephony_routes.py.)"""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from ui.http_limits import bounded_body, max_body_bytes

LIMIT = 100


async def echo(request: Request) -> Response:
    body = await bounded_body(request, LIMIT)
    if isinstance(body, Response):
        return body
    form = await request.form()  # as a login route would, after the limit
    return JSONResponse({"size": len(body), "form": dict(form), "again": len(await request.body())})


CLIENT = TestClient(Starlette(routes=[Route("/echo", echo, methods=["POST"])]))
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_a_body_within_the_limit_is_read_once_and_parses_as_a_form() -> None:
    body = "username=wang&password=" + "p" * (LIMIT - len("username=wang&password="))
    reply = CLIENT.post("/echo", content=body, headers=FORM)
    assert reply.status_code == 200
    assert reply.json() == {
        "size": LIMIT,
        "form": {"username": "wang", "password": "p" * (LIMIT - 23)},
        "again": LIMIT,
    }


def test_one_byte_more_gets_413_and_closes_the_connection() -> None:
    reply = CLIENT.post("/echo", content="a=" + "x" * (LIMIT - 1), headers=FORM)
    assert reply.status_code == 413
    assert reply.headers["connection"] == "close"


def test_a_malformed_content_length_gets_400() -> None:
    for value in ("-1", "lots"):
        reply = CLIENT.post("/echo", content="a=1", headers={**FORM, "Content-Length": value})
        assert reply.status_code == 400, value


@pytest.mark.parametrize(("value", "limit"), [("2048", 2048), ("", 65536), ("0", 65536), ("many", 65536)])
def test_the_default_limit_comes_from_the_setting(
    monkeypatch: pytest.MonkeyPatch, value: str, limit: int
) -> None:
    # a setting that is not a positive number keeps the default rather than lifting the limit
    monkeypatch.setenv("APPRAISAL_HTTP_MAX_BODY_BYTES", value)
    assert max_body_bytes() == limit
