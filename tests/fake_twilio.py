"""A fake Twilio REST server on loopback, for driving the real ``twilio`` SDK in tests.

:class:`FakeTwilio` runs a small HTTP server in a thread on 127.0.0.1 that answers the
Calls and Messages endpoints the way Twilio does (201 with a JSON resource) and records
every request it receives (method, path, headers, form fields). :class:`LoopbackHttpClient`
is the SDK's own ``TwilioHttpClient`` with ``https://api.twilio.com`` rewritten to the
server, so everything else (serialization, auth, error handling) is the SDK's real code.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

TWILIO_API = "https://api.twilio.com"
ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"


@dataclass(slots=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]

    def field(self, name: str) -> str:
        values = self.form.get(name, [])
        assert len(values) == 1, f"{name}: {values}"
        return values[0]


@dataclass(slots=True)
class FakeTwilio:
    """Records requests; ``fail_with`` = (HTTP status, Twilio error code) makes it refuse."""

    requests: list[Received] = field(default_factory=list)
    fail_with: tuple[int, int] | None = None
    fail_to: set[str] = field(default_factory=set)  # numbers whose SMS/calls are refused
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                received = Received(
                    "POST",
                    self.path,
                    {k: v for k, v in self.headers.items()},
                    parse_qs(body, keep_blank_values=True),
                )
                fake.requests.append(received)
                to = received.form.get("To", [""])[0]
                if fake.fail_with is not None or to in fake.fail_to:
                    status, code = fake.fail_with or (400, 21211)
                    self._reply(status, {"code": code, "message": "refused by the fake", "status": status})
                elif self.path.endswith("/Calls.json"):
                    self._reply(201, {"sid": "CA" + secrets.token_hex(16), "status": "queued", "to": to})
                elif self.path.endswith("/Messages.json"):
                    self._reply(201, {"sid": "SM" + secrets.token_hex(16), "status": "queued", "to": to})
                else:
                    self._reply(404, {"code": 20404, "message": "not found", "status": 404})

            def _reply(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def calls(self) -> list[Received]:
        return [r for r in self.requests if r.path.endswith("/Calls.json")]

    def messages(self) -> list[Received]:
        return [r for r in self.requests if r.path.endswith("/Messages.json")]


class LoopbackHttpClient(TwilioHttpClient):
    """The SDK's HTTP client, sending to the fake server instead of api.twilio.com."""

    def __init__(self, base_url: str) -> None:
        super().__init__(timeout=10)
        self.base_url = base_url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        assert url.startswith(TWILIO_API), url
        return super().request(method, self.base_url + url[len(TWILIO_API) :], *args, **kwargs)
