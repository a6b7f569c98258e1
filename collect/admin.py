"""The admin side: ``/admin`` (status, drop-off, latest answers, delete a respondent) and the
admin API (``/api/admin/s/{study}/export.csv``, ``/api/admin/s/{study}/status``).

Credentials: ``Authorization: Bearer <admin token or password>`` on any admin route, or the
session cookie the ``/admin`` sign-in form sets. Without either: 401. Form posts authenticated
by the cookie must carry the form's CSRF token (403 otherwise); bearer requests need none (a
browser never adds that header by itself). Nothing changes state on GET. Failed sign-ins are
rate-limited per client separately from invitation-token lookups. Every text shown (answers,
invitee names, study settings) goes through jinja2's autoescaping, and the page allows no script.
"""

from __future__ import annotations

import json
import secrets
from urllib.parse import quote

from markupsafe import Markup
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from instruments.schema import ScaleKind

from . import models as m
from .errors import StudyNotFoundError
from .export import export_csv
from .security import (
    check_credential,
    credential_configured,
    csrf_token,
    new_session,
    valid_csrf,
    valid_session,
)
from .stats import funnel_svg, study_status
from .store import blocked, client_key, delete_respondent, failure_job
from .studies import audit, get_study, list_studies, utcnow
from .web import client_address, error, page, parse_form, runtime

SESSION_COOKIE = "ek_admin"
PRE_COOKIE = "ek_pre"
RECENT = 20


async def _auth(request: Request) -> str | None:
    """``bearer``, ``session`` or None."""
    rt = runtime(request)
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        given = header[7:].strip()

        def check() -> bool:
            with rt.reader.connect() as conn:
                return check_credential(conn, given)

        return "bearer" if await run_in_threadpool(check) else None
    if valid_session(rt.secret, request.cookies.get(SESSION_COOKIE)):
        return "session"
    return None


def _unauthorized() -> JSONResponse:
    return JSONResponse({"error": "unauthorized", "message": "admin credential required "
                         "(Authorization: Bearer ...)"}, status_code=401,
                        headers={"WWW-Authenticate": 'Bearer realm="engagekit"'})


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _dashboard(rt) -> list[dict]:
    out = []
    with rt.reader.connect() as conn:
        for study in list_studies(conn):
            s = study_status(conn, study)
            texts = [i.id for i in study.instrument.items()
                     if study.instrument.item_scale(i).kind == ScaleKind.free_text]
            rows = conn.execute(
                select(m.responses.c.respondent_id, m.responses.c.received_at,
                       m.responses.c.answers, m.tokens.c.name)
                .select_from(m.responses.outerjoin(m.tokens,
                                                   m.responses.c.token_id == m.tokens.c.id))
                .where(m.responses.c.study_id == study.id)
                .order_by(m.responses.c.id.desc()).limit(RECENT)).all()
            recent = []
            for r in rows:
                answers = json.loads(r.answers)
                recent.append({"respondent_id": r.respondent_id, "name": r.name or "",
                               "received_at": r.received_at,
                               "texts": [answers.get(t) or "" for t in texts]})
            waiting = []
            if study.mode == "tokens":
                waiting = [{"respondent_id": w.respondent_id, "name": w.name or ""}
                           for w in conn.execute(
                               select(m.tokens.c.respondent_id, m.tokens.c.name)
                               .where(m.tokens.c.study_id == study.id,
                                      m.tokens.c.completed_at.is_(None))
                               .order_by(m.tokens.c.id).limit(RECENT))]
            d = s["median_duration_s"]
            out.append({"status": s, "svg": _markup(funnel_svg(s)), "text_items": texts,
                        "recent": recent, "waiting": waiting,
                        "completion": _pct(s["completion_rate"]),
                        "duration": "-" if d is None else f"{d / 60:.1f} min",
                        "quota": "-" if s["quota"] is None else
                        f"{s['completed']} of {s['quota']} ({_pct(s['quota_fill'])})"})
    return out


def _markup(svg: str) -> Markup:
    return Markup(svg)  # built by stats.funnel_svg from escaped labels and numbers only


async def admin_page(request: Request):
    rt = runtime(request)
    who = await _auth(request)
    if who is None:
        return await _login_page(request, status=401)
    bound = request.cookies.get(SESSION_COOKIE) if who == "session" else "bearer"
    studies = await run_in_threadpool(_dashboard, rt)
    notice = request.query_params.get("notice")
    return page("admin.html.j2", authenticated=True, studies=studies,
                csrf=csrf_token(rt.secret, bound or ""), notice=notice[:200] if notice else None)


async def _login_page(request: Request, status: int, error_text: str | None = None):
    rt = runtime(request)
    pre = request.cookies.get(PRE_COOKIE)
    if not pre or len(pre) != 32:
        pre = secrets.token_hex(16)

    def configured() -> bool:
        with rt.reader.connect() as conn:
            return credential_configured(conn)

    resp = page("admin.html.j2", status=status, authenticated=False,
                configured=await run_in_threadpool(configured),
                csrf=csrf_token(rt.secret, "login:" + pre), error=error_text)
    resp.set_cookie(PRE_COOKIE, pre, httponly=True, samesite="strict",
                    secure=rt.secure_cookies, path="/admin")
    return resp


async def login(request: Request):
    rt = runtime(request)
    form = parse_form(await request.body())
    pre = request.cookies.get(PRE_COOKIE)
    if not valid_csrf(rt.secret, "login:" + pre if pre else None, form.get("csrf")):
        return error(403, "csrf", "the form's CSRF token is missing or wrong; reload the page")
    client = "admin:" + client_key(client_address(request))
    now = utcnow()

    def attempt() -> str:
        with rt.reader.connect() as conn:
            if blocked(conn, client, now, rt.limit):
                return "blocked"
            return "ok" if check_credential(conn, form.get("credential")) else "wrong"

    outcome = await run_in_threadpool(attempt)
    if outcome == "blocked":
        return error(429, "too_many_attempts", "too many failed sign-ins; wait and try again")
    if outcome == "wrong":
        await rt.writer.run(failure_job(client, now, rt.limit))
        return await _login_page(request, status=401, error_text="Wrong password or token.")
    resp = RedirectResponse("/admin", status_code=303)
    resp.set_cookie(SESSION_COOKIE, new_session(rt.secret), httponly=True, samesite="strict",
                    secure=rt.secure_cookies, path="/")
    return resp


async def _form_auth(request: Request) -> tuple[dict, Response | None]:
    """The posted form, or the refusal: 401 without credentials, 403 without the CSRF token
    of a cookie session."""
    rt = runtime(request)
    who = await _auth(request)
    form = parse_form(await request.body())
    if who is None:
        return form, _unauthorized()
    if who == "session" and not valid_csrf(rt.secret, request.cookies.get(SESSION_COOKIE),
                                           form.get("csrf")):
        return form, error(403, "csrf", "the form's CSRF token is missing or wrong; reload the "
                           "admin page")
    return form, None


async def logout(request: Request):
    _, refused = await _form_auth(request)
    if refused:
        return refused
    resp = RedirectResponse("/admin", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


async def delete(request: Request):
    form, refused = await _form_auth(request)
    if refused:
        return refused
    rt = runtime(request)
    slug = request.path_params["study"]
    rid = (form.get("respondent_id") or "").strip()

    def job(conn):
        study = get_study(conn, slug)
        counts = delete_respondent(conn, study, rid)
        audit(conn, study.id, "respondent_deleted",
              f"respondent {rid[:64]} deleted over HTTP: " + ", ".join(
                  f"{n} {k}" for k, n in counts.items()))
        return counts

    try:
        counts = await rt.writer.run(job)
    except StudyNotFoundError as e:
        return error(404, "study_not_found", str(e))
    if request.headers.get("authorization"):
        return JSONResponse({"deleted": counts})
    note = quote(f"deleted respondent {rid[:64]}: {counts['responses']} response(s)")
    return RedirectResponse(f"/admin?notice={note}", status_code=303)


async def export(request: Request):
    if await _auth(request) is None:
        return _unauthorized()
    rt = runtime(request)
    slug = request.path_params["study"]

    def make() -> str:
        with rt.reader.connect() as conn:
            return export_csv(conn, get_study(conn, slug))

    try:
        csv_text = await run_in_threadpool(make)
    except StudyNotFoundError as e:
        return error(404, "study_not_found", str(e))
    return Response(csv_text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{slug}.csv"'})


async def status(request: Request):
    if await _auth(request) is None:
        return _unauthorized()
    rt = runtime(request)
    slug = request.path_params["study"]

    def make() -> dict:
        with rt.reader.connect() as conn:
            return study_status(conn, get_study(conn, slug))

    try:
        return JSONResponse(await run_in_threadpool(make))
    except StudyNotFoundError as e:
        return error(404, "study_not_found", str(e))


def routes() -> list[Route]:
    return [
        Route("/admin", admin_page, methods=["GET"]),
        Route("/admin/login", login, methods=["POST"]),
        Route("/admin/logout", logout, methods=["POST"]),
        Route("/admin/s/{study}/delete", delete, methods=["POST"]),
        Route("/api/admin/s/{study}/export.csv", export, methods=["GET"]),
        Route("/api/admin/s/{study}/status", status, methods=["GET"]),
    ]
