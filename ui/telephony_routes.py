"""Telephony webhooks: the HTTP routes a voice provider calls during a call (Twilio here).

``asgi.py`` serves these routes in the Streamlit process through ``st.App(..., routes=...)``.
The module is plain Starlette (no streamlit import), so the same routes also run alone,
e.g. on a separate host that Twilio can reach::

    uvicorn ui.telephony_routes:app --host 0.0.0.0 --port 8502

A body larger than ``APPRAISAL_HTTP_MAX_BODY_BYTES`` gets 413 before it is read
(:mod:`ui.http_limits`). Then every request is checked before anything else: the
``X-Twilio-Signature`` must be Twilio's HMAC of the URL and parameters under
``TWILIO_AUTH_TOKEN``; the URL checked is ``APPRAISAL_WEBHOOK_BASE_URL`` plus the route's
path and query, because behind a reverse proxy or tunnel the URL this process sees
(``http://127.0.0.1:8501/...``) is not the one Twilio called and signed. Trusting
``Host``/``X-Forwarded-*`` instead would let whoever can reach the process choose the URL
that is checked. A request that fails the check, or names another call, gets 403 and
changes nothing.

A request already handled is recognised by what its signature covers (the URL checked
and the parameters, :func:`survey.twilio_telephony.replay_key`), never by an unsigned
header such as ``I-Twilio-Idempotency-Token``. Twilio's retry of a request we answered
too slowly is that same request, and a replay cannot be told from it, so both are
answered as already handled: the status and recording callbacks with 204, ``<Dial
action>`` with the same ``<Hangup/>``, the questionnaire with the TwiML of the call as it
stands (for a retry, the prompt the first delivery got). Nothing is written and no
receipt is added.

Custom ``st.App`` routes get no XSRF protection from Streamlit; the signature is the
protection.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Final
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import config
from db.uow import UnitOfWork
from services import telephony as service
from services.clock import Clock, utcnow
from survey import twilio_telephony as tw
from survey.telephony import IvrPrompt
from ui.http_limits import bounded_body

log = logging.getLogger(__name__)

UowFactory = Callable[[str], UnitOfWork]
TWIML: Final = "text/xml"
ACTOR: Final = f"webhook:{tw.PROVIDER}"


def default_uow(actor: str) -> UnitOfWork:
    return UnitOfWork(actor=actor)


def _forbidden(reason: str) -> Response:
    return Response(reason, status_code=403, media_type="text/plain")


class _Signed:
    """A webhook whose signature checked out: its parameters, attempt and replay key."""

    def __init__(
        self, params: ImmutableMultiDict[str, str], attempt_id: int, key: str, base_url: str
    ) -> None:
        self.params = params
        self.attempt_id = attempt_id
        self.key = key
        self.base_url = base_url

    def get(self, name: str) -> str:
        return str(self.params.get(name, ""))


def telephony_routes(
    uow_factory: UowFactory = default_uow,
    *,
    auth_token: str | None = None,
    base_url: str | None = None,
    clock: Clock = utcnow,
) -> list[Route]:
    """The Twilio webhooks under ``/telephony/twilio/``. ``auth_token`` and ``base_url``
    default to the settings, read on each request."""

    async def verify(request: Request, name: str) -> _Signed | Response:
        body = await bounded_body(request)
        if isinstance(body, Response):
            return body
        token = auth_token if auth_token is not None else config.TWILIO_AUTH_TOKEN.get().strip()
        base = (base_url if base_url is not None else config.WEBHOOK_BASE_URL.get()).strip().rstrip("/")
        if not token or not base:
            log.error(
                "a Twilio webhook arrived but %s or %s is not set; refused",
                config.TWILIO_AUTH_TOKEN.name,
                config.WEBHOOK_BASE_URL.name,
            )
            return _forbidden("webhooks are not configured")
        query = request.url.query
        url = f"{base}{tw.PATHS[name]}" + (f"?{query}" if query else "")
        try:
            params = ImmutableMultiDict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            return _forbidden("malformed body")
        signature = request.headers.get(tw.SIGNATURE_HEADER, "")
        if not tw.signature_valid(token, url, params, signature):
            log.warning("Twilio webhook %s with a missing or wrong signature refused", tw.PATHS[name])
            return _forbidden("invalid signature")
        try:
            attempt_id = int(request.query_params.get("attempt", ""))
        except ValueError:
            return _forbidden("no call attempt")
        return _Signed(params, attempt_id, tw.replay_key(url, params), base)

    async def run(call: Callable[[], object], already_handled: Response) -> Response | None:
        """Run the service call; None when it applied, else the answer to send."""
        try:
            await run_in_threadpool(call)
        except service.WebhookReplayed as exc:
            log.info("Twilio webhook already handled (a retry or a replay), nothing changed: %s", exc)
            return already_handled
        except service.WebhookRejected as exc:
            log.warning("Twilio webhook refused: %s", exc)
            return _forbidden(str(exc))
        return None

    async def status(request: Request) -> Response:
        signed = await verify(request, "status")
        if isinstance(signed, Response):
            return signed
        event = tw.call_event(signed.attempt_id, signed.params)
        if event is None:
            return Response(status_code=204)
        refused = await run(
            lambda: service.record_call_event(
                uow_factory(ACTOR), event, provider=tw.PROVIDER, receipt_key=signed.key, clock=clock
            ),
            Response(status_code=204),
        )
        return refused or Response(status_code=204)

    async def dial(request: Request) -> Response:
        signed = await verify(request, "dial")
        if isinstance(signed, Response):
            return signed
        event = tw.dial_event(signed.attempt_id, signed.params)
        # The respondent's leg is over: end the caller's leg too (also on a retry).
        hangup = Response(tw.hangup_twiml(), media_type=TWIML)
        if event is not None:
            refused = await run(
                lambda: service.record_call_event(
                    uow_factory(ACTOR), event, provider=tw.PROVIDER, receipt_key=signed.key, clock=clock
                ),
                hangup,
            )
            if refused is not None:
                return refused
        return hangup

    async def recording(request: Request) -> Response:
        signed = await verify(request, "recording")
        if isinstance(signed, Response):
            return signed
        event = tw.recording_event(signed.attempt_id, signed.params)
        refused = await run(
            lambda: service.record_recording(
                uow_factory(ACTOR), event, provider=tw.PROVIDER, receipt_key=signed.key, clock=clock
            ),
            Response(status_code=204),
        )
        return refused or Response(status_code=204)

    async def ivr(request: Request) -> Response:
        signed = await verify(request, "ivr")
        if isinstance(signed, Response):
            return signed
        query = request.query_params

        def number(name: str) -> int:
            try:
                return max(0, int(query.get(name, "0")))
            except ValueError:
                return 0

        def step(replayed: bool = False) -> IvrPrompt:
            return service.ivr_step(
                uow_factory(ACTOR),
                provider=tw.PROVIDER,
                receipt_key=signed.key,
                attempt_id=signed.attempt_id,
                call_sid=signed.get("CallSid"),
                item_code=query.get("item") or None,
                digits=signed.get("Digits") or None,
                step=number("step"),
                no_input=number("no_input"),
                answered_by=signed.get("AnsweredBy"),
                replayed=replayed,
                clock=clock,
            )

        try:
            try:
                prompt = await run_in_threadpool(step)
            except service.WebhookReplayed as exc:
                log.info("Twilio IVR webhook already handled (a retry or a replay): %s", exc)
                prompt = await run_in_threadpool(step, True)
        except service.WebhookRejected as exc:
            log.warning("Twilio IVR webhook refused: %s", exc)
            return _forbidden(str(exc))
        return Response(tw.ivr_twiml(prompt, signed.base_url, signed.attempt_id), media_type=TWIML)

    def post(path: str, endpoint: Callable[[Request], Awaitable[Response]]) -> Route:
        return Route(path, endpoint, methods=["POST"])

    return [
        post(tw.PATHS["status"], status),
        post(tw.PATHS["dial"], dial),
        post(tw.PATHS["recording"], recording),
        post(tw.PATHS["ivr"], ivr),
    ]


def telephony_app(
    uow_factory: UowFactory = default_uow,
    *,
    auth_token: str | None = None,
    base_url: str | None = None,
    clock: Clock = utcnow,
) -> Starlette:
    """The webhooks as a Starlette app of their own (for uvicorn, or tests)."""
    return Starlette(
        routes=telephony_routes(uow_factory, auth_token=auth_token, base_url=base_url, clock=clock)
    )


app = telephony_app()
