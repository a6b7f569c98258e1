"""The collection server (Starlette, run by uvicorn): the survey, its API and the admin side.

Respondent side:

=====================================  =============================================================
``GET /s/{study}`` (``?t=TOKEN``)      the instrument's own HTML survey (``engagekit survey --format
                                       html``), wired to this server; an invitation resumes on its
                                       saved page. A closed, not yet open or full study, a used or
                                       invalid invitation get a short page saying so.
``POST /api/s/{study}/consent``        ``{"decision": "agreed"|"declined", "respondent_id"}``:
                                       201 ``{"consent_id"}``. Time, instrument version, language
                                       and the SHA-256 of the consent text are stored; a decline
                                       stores that row and nothing else.
``PUT /api/s/{study}/partial``         ``{"respondent_id", "page", "answers", "started_at",
                                       "display_order"}``: 200; the page to resume on.
``POST /api/s/{study}/responses``      one response in the survey's JSON shape, with an
                                       ``Idempotency-Key`` header (without one, the body's hash is
                                       the key) and ``X-Engagekit-Consent`` when the instrument
                                       asks consent: 201 ``{"id"}``; an identical replay 200 and
                                       the same id; another body under the key, a used invitation
                                       or a full quota 409; answers that break the instrument 422
                                       naming item and value; a closed study 410; a bad token 403;
                                       too many bad tokens from one address 429.
``GET /healthz``                       200 ``{"ok": true}`` when the database answers.
=====================================  =============================================================

Every body is limited to ``max_body`` bytes (413). The admin routes are in :mod:`collect.admin`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from contextlib import asynccontextmanager

from sqlalchemy import select, text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from instruments.survey.html import render_html
from instruments.ui import ui_texts

from . import admin
from .answers import RESPONDENT_ID_RE, check_response, checked
from .db import ensure_current, make_engine
from .errors import EngagekitInputError, StudyNotFoundError
from .models import studies
from .store import (
    TOO_MANY,
    RateLimit,
    blocked,
    client_key,
    consent_job,
    failure_job,
    find_token,
    partial_job,
    refusal,
    resume_state,
    submit_job,
)
from .studies import Study, utcnow
from .web import (
    DEFAULT_MAX_BODY,
    Guard,
    Runtime,
    client_address,
    error,
    page,
    parse_json,
    reply,
    runtime,
)

MAX_KEY = 200


def _now() -> dt.datetime:
    return utcnow()


async def _study(request: Request) -> Study | JSONResponse:
    rt = runtime(request)
    slug = request.path_params["study"]
    cached = rt.cached_study(slug)
    if cached is not None:
        return cached
    try:
        return await run_in_threadpool(rt.study, slug)
    except StudyNotFoundError:
        return error(404, "study_not_found", f"there is no study '{slug[:64]}'")


def _message(study: Study, reason: str, status: int) -> HTMLResponse:
    ui = ui_texts(study.instrument, study.language)
    title = study.instrument.text(study.instrument.title, study.language)
    return page("message.html.j2", status=status, lang=study.language, title=title,
                message=ui[reason], reason=reason)


def _token(request: Request) -> str | None:
    t = request.query_params.get("t")
    return t if t else None


# ---- the survey page -----------------------------------------------------------------------

async def survey_page(request: Request):
    study = await _study(request)
    if isinstance(study, JSONResponse):
        return HTMLResponse("<!DOCTYPE html><title>Not found</title><p>No such survey.</p>",
                            status_code=404)
    rt = runtime(request)
    now = _now()
    state = study.state(now)
    if state == "closed":
        return _message(study, "closed", 410)
    if state == "not_open":
        return _message(study, "not_open", 403)
    token = _token(request)
    client = client_address(request)
    if study.mode == "tokens" and token is None:
        return _message(study, "invalid_link", 403)
    if token is not None and rt.is_blocked(client_key(client)):
        return _message(study, "too_many", 429)

    def look() -> tuple[str, dict | None, str | None]:
        with rt.reader.connect() as conn:
            if token is not None:
                if blocked(conn, client_key(client), now, rt.limit):
                    return "too_many", None, None
                row = find_token(conn, study, token)
                if row is None:
                    return "invalid_link", None, None
                if row.completed_at is not None:
                    return "already_submitted", None, None
                return "ok", resume_state(conn, study, row.respondent_id), row.respondent_id
            rid = request.query_params.get("rid") or ""
            if RESPONDENT_ID_RE.match(rid):
                return "ok", resume_state(conn, study, rid), None
            return "ok", None, None

    outcome, resume, respondent_id = await run_in_threadpool(look)
    if outcome == "invalid_link":
        await rt.writer.run(failure_job(client_key(client), now, rt.limit))
        return _message(study, "invalid_link", 403)
    if outcome == "too_many":
        rt.mark_blocked(client_key(client))
        return _message(study, "too_many", 429)
    if outcome == "already_submitted":
        return _message(study, "already_submitted", 409)
    if study.quota is not None and resume is None:
        def full() -> bool:
            with rt.reader.connect() as conn:
                n = conn.execute(select(studies.c.completed)
                                 .where(studies.c.id == study.id)).scalar()
            return n >= study.quota

        if await run_in_threadpool(full):
            return _message(study, "full", 409)
    slug = study.slug
    server = {"study": slug, "submit": f"/api/s/{slug}/responses",
              "partial": f"/api/s/{slug}/partial", "consent": f"/api/s/{slug}/consent",
              "respondent_id": respondent_id, "resume": resume}
    html = render_html(study.instrument, study.language, study.brand, server=server)
    return HTMLResponse(html)


# ---- the respondent API --------------------------------------------------------------------

async def _run(request: Request, client: str, make_job) -> JSONResponse:
    """Run the job made by ``make_job()`` on the writer, unless ``client`` is known to be
    over the failed-lookup limit (429 at once); remember a 429 the database gives."""
    rt = runtime(request)
    if _token(request) is not None and rt.is_blocked(client):
        return reply(refusal(429, *TOO_MANY))
    result = await rt.writer.run(make_job())
    if result.status == 429:
        rt.mark_blocked(client)
    return reply(result)


async def _body(request: Request):
    try:
        return parse_json(await request.body())
    except ValueError as e:
        return error(400, "malformed_json", str(e))


async def submit(request: Request):
    study = await _study(request)
    if isinstance(study, JSONResponse):
        return study
    if _token(request) is not None and runtime(request).is_blocked(
            client_key(client_address(request))):
        return reply(refusal(429, *TOO_MANY))
    body = await _body(request)
    if isinstance(body, JSONResponse):
        return body
    if isinstance(body, list) and len(body) == 1:  # the standalone survey posts [response]
        body = body[0]
    problems = check_response(study.instrument, body, language=study.language)
    if problems:
        first = problems[0]
        return error(422, "invalid_response",
                     f"{first.field}: {first.message} (value {first.to_dict()['value']!r})",
                     problems=[p.to_dict() for p in problems])
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    key = request.headers.get("idempotency-key") or f"body:{digest}"
    if len(key) > MAX_KEY or not key.isprintable():
        return error(400, "bad_idempotency_key", f"the Idempotency-Key header must be at most "
                     f"{MAX_KEY} printable characters")
    rt = runtime(request)
    client = client_key(client_address(request))
    return await _run(request, client, lambda: submit_job(
        study, checked(study.instrument, body), token=_token(request), client=client, key=key,
        body_sha256=digest, consent=request.headers.get("x-engagekit-consent"), now=_now(),
        limit=rt.limit))


async def save_partial(request: Request):
    study = await _study(request)
    if isinstance(study, JSONResponse):
        return study
    if _token(request) is not None and runtime(request).is_blocked(
            client_key(client_address(request))):
        return reply(refusal(429, *TOO_MANY))
    body = await _body(request)
    if isinstance(body, JSONResponse):
        return body
    if not isinstance(body, dict) or set(body) - {"respondent_id", "page", "answers",
                                                  "started_at", "display_order"}:
        return error(422, "invalid_partial", "a saved page is an object with respondent_id, "
                     "page, answers, started_at and display_order")
    pages = study.page_ids
    if body.get("page") not in pages:
        return error(422, "invalid_partial", f"page {str(body.get('page'))[:64]!r} is not a "
                     "page of this survey", problems=[{"item": "page",
                                                       "value": str(body.get("page"))[:64],
                                                       "message": "unknown page"}])
    answers = body.get("answers") or {}
    if not isinstance(answers, dict):
        return error(422, "invalid_partial", "answers must be an object of item id: answer")
    problems = check_response(study.instrument,
                              {**answers, "started_at": body.get("started_at"),
                               "display_order": body.get("display_order")}, partial=True)
    if problems:
        first = problems[0]
        return error(422, "invalid_partial", f"{first.field}: {first.message}",
                     problems=[p.to_dict() for p in problems])
    rt = runtime(request)
    client = client_key(client_address(request))
    return await _run(request, client, lambda: partial_job(
        study, body, page_index=pages.index(body["page"]), token=_token(request), client=client,
        consent=request.headers.get("x-engagekit-consent"), now=_now(), limit=rt.limit))


async def consent(request: Request):
    study = await _study(request)
    if isinstance(study, JSONResponse):
        return study
    if _token(request) is not None and runtime(request).is_blocked(
            client_key(client_address(request))):
        return reply(refusal(429, *TOO_MANY))
    if study.consent_sha256 is None:
        return error(404, "no_consent", "this study's instrument asks no consent")
    body = await _body(request)
    if isinstance(body, JSONResponse):
        return body
    if not isinstance(body, dict) or body.get("decision") not in ("agreed", "declined"):
        return error(422, "invalid_consent", "send {\"decision\": \"agreed\" or \"declined\", "
                     "\"respondent_id\": ...}")
    rt = runtime(request)
    client = client_key(client_address(request))
    return await _run(request, client, lambda: consent_job(
        study, body["decision"], body.get("respondent_id"), token=_token(request),
        client=client, now=_now(), limit=rt.limit))


async def healthz(request: Request):
    rt = runtime(request)

    def ping() -> bool:
        with rt.reader.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1

    try:
        ok = await run_in_threadpool(ping)
    except Exception:  # noqa: BLE001 - health is a yes/no
        ok = False
    return JSONResponse({"ok": ok, "pid": os.getpid()}, status_code=200 if ok else 503)


# ---- the application -----------------------------------------------------------------------

def _warm_up(rt: Runtime, most: int = 20) -> None:
    """Parse the studies' instruments and compile the survey template before the first
    respondent arrives (a restarted server answers at full speed at once)."""
    with rt.reader.connect() as conn:
        slugs = conn.execute(select(studies.c.slug).order_by(studies.c.id.desc())
                             .limit(most)).scalars().all()
    for slug in slugs:
        study = rt.study(slug)
        render_html(study.instrument, study.language, study.brand, server={})
        check_response(study.instrument, {}, language=study.language)
    rt.secret  # noqa: B018 - made once, kept in the database


def create_app(db: str | None = None, *, limit: RateLimit | None = None,
               max_body: int = DEFAULT_MAX_BODY, secure_cookies: bool = False) -> Starlette:
    """The server for the database ``db`` (which must be at the newest migration)."""
    writer_engine = make_engine(db, writer=True, pool_size=2)
    ensure_current(writer_engine)
    rt = Runtime(reader=make_engine(db, writer=False, pool_size=8), writer_engine=writer_engine,
                 limit=limit or RateLimit(), max_body=max_body, secure_cookies=secure_cookies)

    @asynccontextmanager
    async def lifespan(app):
        rt.writer  # noqa: B018 - start the writer thread in the serving process
        await run_in_threadpool(_warm_up, rt)
        yield
        rt.close()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/s/{study}", survey_page, methods=["GET"]),
        Route("/api/s/{study}/responses", submit, methods=["POST"]),
        Route("/api/s/{study}/partial", save_partial, methods=["PUT"]),
        Route("/api/s/{study}/consent", consent, methods=["POST"]),
        *admin.routes(),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.rt = rt
    app.add_middleware(Guard, max_body=max_body)
    return app


#: Environment variables ``engagekit serve`` passes to each worker process.
ENV_DB = "ENGAGEKIT_COLLECT_DB"
ENV_SETTINGS = "ENGAGEKIT_COLLECT_SETTINGS"


def app_from_env() -> Starlette:
    """The app for uvicorn's ``--factory`` (one per worker process), from the environment."""
    settings = json.loads(os.environ.get(ENV_SETTINGS) or "{}")
    limit = RateLimit(**settings.get("limit", {}))
    try:
        return create_app(os.environ.get(ENV_DB), limit=limit,
                          max_body=settings.get("max_body", DEFAULT_MAX_BODY),
                          secure_cookies=settings.get("secure_cookies", False))
    except EngagekitInputError as e:
        raise SystemExit(f"error: {e}") from None
