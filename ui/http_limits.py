"""Request-body limits of our plain HTTP routes (webhooks, signing in).

Starlette reads a body as far as the client sends it: ``await request.body()`` on a
200 MB POST holds 200 MB (and more while parsing it) before the route can look at a
signature or a password. These routes only ever take small forms (Twilio's callbacks
are a few KB, a login form less), so :func:`bounded_body` refuses anything larger with
413 *before* reading it: at once when ``Content-Length`` announces too much, otherwise
(chunked transfer, or a ``Content-Length`` that lies) as soon as the bytes received pass
the limit, leaving the rest of the stream unread.

Use it first thing in a route::

    body = await bounded_body(request)
    if isinstance(body, Response):
        return body
    form = await request.form()  # parses the bytes already read, not the stream

Plain Starlette (no streamlit import): the routes run inside ``st.App`` and alone.
"""

from __future__ import annotations

from contextlib import aclosing

from starlette.requests import Request
from starlette.responses import Response

import config


def max_body_bytes() -> int:
    """``APPRAISAL_HTTP_MAX_BODY_BYTES``; a value that is not a positive number falls
    back to the default rather than lifting the limit."""
    try:
        value = int(config.HTTP_MAX_BODY_BYTES.get().strip())
    except ValueError:
        value = 0
    return value if value > 0 else int(config.HTTP_MAX_BODY_BYTES.default)


def _too_large(limit: int) -> Response:
    # "Connection: close" lets the server drop the connection instead of draining
    # (reading) the unread rest of the body to keep the connection alive.
    return Response(
        f"request body larger than {limit} bytes",
        status_code=413,
        media_type="text/plain",
        headers={"Connection": "close"},
    )


async def bounded_body(request: Request, limit: int | None = None) -> bytes | Response:
    """The request's body, or a 413 response when it is larger than ``limit`` bytes
    (default :func:`max_body_bytes`), with at most ``limit`` plus one received chunk
    read. A malformed ``Content-Length`` gets 400.

    The bytes read are kept on the request, so ``request.body()`` and
    ``request.form()`` afterwards return them instead of reading the stream again."""
    cap = max_body_bytes() if limit is None else limit
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0:
            return Response("malformed Content-Length", status_code=400, media_type="text/plain")
        if length > cap:
            return _too_large(cap)
    chunks: list[bytes] = []
    size = 0
    async with aclosing(request.stream()) as stream:
        async for chunk in stream:
            size += len(chunk)
            if size > cap:
                return _too_large(cap)
            chunks.append(chunk)
    body = b"".join(chunks)
    # Starlette's Request caches the body in ``_body``; ``stream()``, ``body()`` and
    # ``form()`` read it from there once it is set.
    request._body = body
    return body
