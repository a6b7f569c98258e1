"""What every route shares: the runtime (engines, the writer, settings), replies, templates,
the request-size limit and the security headers.

Headers on every reply: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``
(an invitation link carries its token: no other site may see it), ``X-Frame-Options: DENY`` and
``Cache-Control: no-store``; pages other than the survey (which has its own hash-pinned
Content-Security-Policy) get a policy that allows no script at all.
"""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, PackageLoader
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from .store import RateLimit, Reply
from .studies import Study, get_study
from .writer import Writer

DEFAULT_MAX_BODY = 256 * 1024
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")


@dataclass
class Runtime:
    """One server process's connections and settings (all state lives in the database)."""

    reader: Engine
    writer_engine: Engine
    limit: RateLimit = field(default_factory=RateLimit)
    max_body: int = DEFAULT_MAX_BODY
    secure_cookies: bool = False
    study_ttl: float = 2.0
    _writer: Writer | None = None
    _secret: bytes | None = None
    _studies: dict[str, tuple[float, Study]] = field(default_factory=dict)
    _blocked: dict[str, float] = field(default_factory=dict)

    @property
    def writer(self) -> Writer:
        if self._writer is None:  # made in the serving process (threads do not survive fork)
            self._writer = Writer(self.writer_engine)
        return self._writer

    @property
    def secret(self) -> bytes:
        if self._secret is None:
            from .security import server_secret

            self._secret = server_secret(self.writer_engine)
        return self._secret

    def cached_study(self, slug: str) -> Study | None:
        """The study if it was read less than ``study_ttl`` seconds ago (no database trip)."""
        hit = self._studies.get(slug)
        if hit and time.monotonic() - hit[0] < self.study_ttl:
            return hit[1]
        return None

    def is_blocked(self, client: str) -> bool:
        """Whether the database said ``client`` is over the failed-lookup limit in the
        current window (a memo of the database's answer, so a blocked guesser costs nothing;
        another worker asks its database the first time)."""
        until = self._blocked.get(client)
        if until is None:
            return False
        if time.time() >= until:
            del self._blocked[client]
            return False
        return True

    def mark_blocked(self, client: str) -> None:
        w = self.limit.window
        self._blocked[client] = (int(time.time()) // w + 1) * w
        if len(self._blocked) > 100_000:  # a flood of addresses: forget the oldest
            for key in list(self._blocked)[:50_000]:
                del self._blocked[key]

    def study(self, slug: str) -> Study:
        """The study (read at most every ``study_ttl`` seconds; its settings do not change
        while it runs, and counts are always decided in the database)."""
        hit = self._studies.get(slug)
        now = time.monotonic()
        if hit and now - hit[0] < self.study_ttl:
            return hit[1]
        with self.reader.connect() as conn:
            study = get_study(conn, slug)
        self._studies[slug] = (now, study)
        return study

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self.reader.dispose()
        self.writer_engine.dispose()


def runtime(request: Request) -> Runtime:
    return request.app.state.rt


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def reply(r: Reply) -> JSONResponse:
    return JSONResponse(r.body, status_code=r.status)


def error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status)


def _no_constants(name: str):
    raise ValueError(f"{name} is not a JSON number")


def parse_json(raw: bytes) -> Any:
    """The body as JSON; ValueError with a reason when it is not (NaN and Infinity refused)."""
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except UnicodeDecodeError:
        raise ValueError("the body is not UTF-8 text") from None
    except RecursionError:
        raise ValueError("the body is nested too deeply") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"the body is not JSON ({e.msg} at line {e.lineno} column "
                         f"{e.colno})") from None


def parse_form(raw: bytes) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (first value of each field)."""
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {k: v[0] for k, v in fields.items()}


@functools.cache
def templates() -> Environment:
    return Environment(loader=PackageLoader("collect", "templates"), autoescape=True)


def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(templates().get_template(template).render(**context),
                        status_code=status)


class Guard:
    """ASGI middleware: refuse bodies over ``max_body`` bytes (413) before a route sees
    them, and add the security headers to every reply."""

    def __init__(self, app, max_body: int = DEFAULT_MAX_BODY):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_survey = scope["path"].startswith("/s/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"no-referrer"),
                         (b"x-frame-options", b"DENY"),
                         (b"cache-control", b"no-store")]
                if not is_survey:
                    extra.append((b"content-security-policy", PAGE_CSP.encode()))
                else:
                    extra.append((b"content-security-policy", b"frame-ancestors 'none'"))
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await self._too_large(send_with_headers)
            return
        chunks, size = [], 0
        if scope.get("method") in ("POST", "PUT", "PATCH", "DELETE"):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body = message.get("body", b"")
                size += len(body)
                if size > self.max_body:
                    await self._too_large(send_with_headers)
                    return
                chunks.append(body)
                if not message.get("more_body"):
                    break
        data = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": data, "more_body": False}
            return await receive()

        await self.app(scope, replay, send_with_headers)

    async def _too_large(self, send) -> None:
        body = json.dumps({"error": "too_large", "message": "the request body is larger than "
                           f"{self.max_body} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
