"""What the respondent API does to the database: each function is one writer job.

Every rule is decided inside the job's transaction, where it cannot race: an identical replay
of a stored response (same study and ``Idempotency-Key``, same body SHA-256) answers 200 with
the stored id, a different body under that key 409; a used token 409; the quota is claimed by
``UPDATE studies SET completed = completed + 1 WHERE completed < quota`` and the token by
``UPDATE tokens SET completed_at = ... WHERE completed_at IS NULL`` (one winner, also across
processes on PostgreSQL); failed token lookups are counted per client and time window, and a
client over the limit gets 429 before any lookup.

A :class:`Reply` is the HTTP status and JSON body to send; ``message_key`` names the survey's
own text for the respondent (:mod:`instruments.ui`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.engine import Connection

from . import models as m
from .answers import RESPONDENT_ID_RE, CheckedResponse
from .studies import Study, day, iso
from .tokens import token_hash
from .writer import Undo


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RateLimit:
    """At most ``failures`` failed token lookups per client per ``window`` seconds."""

    failures: int = 20
    window: int = 900


def client_key(address: str | None) -> str:
    """How a client is counted for the rate limit (a hash: no address is stored)."""
    return hashlib.sha256(f"engagekit-client:{address or '?'}".encode()).hexdigest()


def refusal(status: int, error: str, message: str, message_key: str | None = None,
            **extra: Any) -> Reply:
    body = {"error": error, "message": message, **extra}
    if message_key:
        body["message_key"] = message_key
    return Reply(status, body)


TOO_MANY = ("too_many_attempts", "too many failed invitation links from this address; wait "
            "and try again", "too_many")
INVALID = ("invalid_token", "this invitation link is not valid", "invalid_link")


# ---- tokens and the rate limit ---------------------------------------------------------

def _window(now: dt.datetime, limit: RateLimit) -> int:
    return int(now.timestamp()) // limit.window


def blocked(conn: Connection, client: str, now: dt.datetime, limit: RateLimit) -> bool:
    n = conn.execute(select(m.failures.c.failed).where(
        m.failures.c.client == client, m.failures.c.window_start == _window(now, limit))).scalar()
    return (n or 0) >= limit.failures


def record_failure(conn: Connection, client: str, now: dt.datetime, limit: RateLimit) -> None:
    w = _window(now, limit)
    done = conn.execute(update(m.failures).where(
        m.failures.c.client == client, m.failures.c.window_start == w)
        .values(failed=m.failures.c.failed + 1)).rowcount
    if not done:
        conn.execute(insert(m.failures).values(client=client, window_start=w, failed=1))
    conn.execute(delete(m.failures).where(m.failures.c.window_start < w - 1))


def find_token(conn: Connection, study: Study, token: str):
    if not token or len(token) > 100:
        return None
    return conn.execute(select(m.tokens).where(
        m.tokens.c.token_hash == token_hash(token), m.tokens.c.study_id == study.id)).first()


def check_token(conn: Connection, study: Study, token: str | None, client: str,
                now: dt.datetime, limit: RateLimit):
    """(token row or None, refusal or None) for a request to ``study``."""
    if token is None:
        if study.mode == "tokens":
            return None, refusal(403, "token_required", "this study is by invitation: open "
                                 "the link from your invitation", "invalid_link")
        return None, None
    if blocked(conn, client, now, limit):
        return None, refusal(429, *TOO_MANY)
    row = find_token(conn, study, token)
    if row is None:
        record_failure(conn, client, now, limit)
        return None, refusal(403, *INVALID)
    return row, None


def state_refusal(study: Study, now: dt.datetime) -> Reply | None:
    state = study.state(now)
    if state == "closed":
        return refusal(410, "closed", "this study is closed", "closed")
    if state == "not_open":
        return refusal(403, "not_open", f"this study opens at {study.opens_at}", "not_open")
    return None


def _stamp(study: Study, now: dt.datetime) -> str:
    return day(now) if study.anonymous else iso(now)


def _consent_row(conn: Connection, study: Study, public_id: str | None):
    if not public_id or len(public_id) > 64:
        return None
    return conn.execute(select(m.consents).where(
        m.consents.c.public_id == public_id, m.consents.c.study_id == study.id)).first()


# ---- jobs -----------------------------------------------------------------------------

def submit_job(study: Study, response: CheckedResponse, *, token: str | None, client: str,
               key: str, body_sha256: str, consent: str | None, now: dt.datetime,
               limit: RateLimit):
    """The job that stores one complete response (see the module docstring)."""

    def job(conn: Connection) -> Reply:
        tok, refused = check_token(conn, study, token, client, now, limit)
        if refused:
            return refused
        old = conn.execute(select(m.responses.c.public_id, m.responses.c.body_sha256).where(
            m.responses.c.study_id == study.id, m.responses.c.idempotency_key == key)).first()
        if old is not None:
            if old.body_sha256 == body_sha256:
                return Reply(200, {"id": old.public_id, "replay": True})
            return refusal(409, "idempotency_conflict", "this Idempotency-Key was used for a "
                           "different response; send a new key for a new response")
        refused = state_refusal(study, now)
        if refused:
            return refused
        if tok is not None and tok.completed_at is not None:
            return refusal(409, "already_submitted", "this invitation has already been "
                           "used to submit a response", "already_submitted")
        if study.anonymous:
            rid = "a" + secrets.token_hex(12)
        elif tok is not None:
            rid = tok.respondent_id
        else:
            rid = response.respondent_id
            taken = conn.execute(select(m.responses.c.id).where(
                m.responses.c.study_id == study.id, m.responses.c.respondent_id == rid)).first()
            if taken:
                return refusal(409, "already_submitted", f"respondent '{rid}' has already "
                               "submitted a response", "already_submitted")
        consent_id = None
        if study.consent_sha256 is not None:
            row = _consent_row(conn, study, consent)
            owner = tok.respondent_id if tok is not None else response.respondent_id
            if (row is None or row.decision != "agreed"
                    or (not study.anonymous and row.respondent_id != owner)):
                return refusal(422, "consent_missing", "no agreed consent is recorded for "
                               "this response (X-Engagekit-Consent header)",
                               problems=[{"item": "consent", "value": consent,
                                          "message": "no agreed consent of this study"}])
            used = conn.execute(select(m.responses.c.id).where(
                m.responses.c.consent_id == row.id)).first()
            if used:
                return refusal(409, "already_submitted", "this consent was already used for "
                               "a submitted response", "already_submitted")
            consent_id = row.id
        if tok is not None:
            won = conn.execute(update(m.tokens).where(
                m.tokens.c.id == tok.id, m.tokens.c.completed_at.is_(None))
                .values(completed_at=_stamp(study, now))).rowcount
            if not won:
                return Undo(refusal(409, "already_submitted", "this invitation has "
                                       "already been used to submit a response",
                                       "already_submitted"))
        claimed = conn.execute(update(m.studies).where(
            m.studies.c.id == study.id,
            or_(m.studies.c.quota.is_(None), m.studies.c.completed < m.studies.c.quota))
            .values(completed=m.studies.c.completed + 1)).rowcount
        if not claimed:
            return Undo(refusal(409, "quota_full", "this study has all the responses it "
                                   "needs", "full"))
        public_id = secrets.token_hex(16)
        started, ended = response.started_at, response.ended_at
        if study.anonymous:
            started = _day_of(started)
            ended = _day_of(ended)
        conn.execute(insert(m.responses).values(
            public_id=public_id, study_id=study.id, respondent_id=rid,
            token_id=None if study.anonymous or tok is None else tok.id,
            consent_id=consent_id, idempotency_key=key, body_sha256=body_sha256,
            language=response.language, instrument_version=study.version,
            started_at=started, ended_at=ended, received_at=_stamp(study, now),
            display_order=None if response.display_order is None
            else json.dumps(response.display_order),
            answers=json.dumps(response.answers, ensure_ascii=False)))
        owner = tok.respondent_id if tok is not None else response.respondent_id
        conn.execute(delete(m.partials).where(m.partials.c.study_id == study.id,
                                              m.partials.c.respondent_id == owner))
        return Reply(201, {"id": public_id})

    return job


def _day_of(text: str | None) -> str | None:
    if text is None:
        return None
    from .answers import parse_time

    t = parse_time(text)
    return None if t is None else day(t)


def partial_job(study: Study, body: dict, *, page_index: int, token: str | None, client: str,
                consent: str | None, now: dt.datetime, limit: RateLimit):
    """The job that saves one page (the answers so far and the page to resume on)."""

    def job(conn: Connection) -> Reply:
        tok, refused = check_token(conn, study, token, client, now, limit)
        if refused:
            return refused
        refused = state_refusal(study, now)
        if refused:
            return refused
        if tok is not None and tok.completed_at is not None:
            return refusal(409, "already_submitted", "this invitation has already been used",
                           "already_submitted")
        rid = tok.respondent_id if tok is not None else body.get("respondent_id")
        if not isinstance(rid, str) or not RESPONDENT_ID_RE.match(rid):
            return refusal(422, "invalid_response", "respondent_id must be 1-64 letters, "
                           "digits or . _ : -", problems=[{"item": "respondent_id",
                                                           "value": str(rid)[:64],
                                                           "message": "invalid"}])
        if not study.anonymous and tok is None and conn.execute(select(m.responses.c.id).where(
                m.responses.c.study_id == study.id, m.responses.c.respondent_id == rid)).first():
            return refusal(409, "already_submitted", "this respondent has already submitted",
                           "already_submitted")
        row = _consent_row(conn, study, consent)
        started = body.get("started_at")
        values = dict(page=body["page"], page_index=page_index,
                      answers=json.dumps(body.get("answers") or {}, ensure_ascii=False),
                      started_at=_day_of(started) if study.anonymous else started,
                      display_order=None if body.get("display_order") is None
                      else json.dumps(body["display_order"]),
                      consent_id=None if row is None else row.id,
                      updated_at=_stamp(study, now))
        done = conn.execute(update(m.partials).where(
            m.partials.c.study_id == study.id, m.partials.c.respondent_id == rid)
            .values(**values)).rowcount
        if not done:
            conn.execute(insert(m.partials).values(
                study_id=study.id, respondent_id=rid,
                token_id=None if tok is None else tok.id, **values))
        return Reply(200, {"saved": body["page"]})

    return job


def consent_job(study: Study, decision: str, respondent_id: Any, *, token: str | None,
                client: str, now: dt.datetime, limit: RateLimit):
    """The job that records a consent decision (a decline stores this and nothing else)."""

    def job(conn: Connection) -> Reply:
        tok, refused = check_token(conn, study, token, client, now, limit)
        if refused:
            return refused
        refused = state_refusal(study, now)
        if refused:
            return refused
        if tok is not None and tok.completed_at is not None:
            return refusal(409, "already_submitted", "this invitation has already been used",
                           "already_submitted")
        rid = tok.respondent_id if tok is not None else respondent_id
        if not isinstance(rid, str) or not RESPONDENT_ID_RE.match(rid):
            return refusal(422, "invalid_response", "respondent_id must be 1-64 letters, "
                           "digits or . _ : -")
        public_id = secrets.token_hex(16)
        conn.execute(insert(m.consents).values(
            public_id=public_id, study_id=study.id,
            respondent_id=None if study.anonymous else rid, decision=decision,
            decided_at=_stamp(study, now), instrument_version=study.version,
            language=study.language, text_sha256=study.consent_sha256))
        if decision == "declined":
            conn.execute(delete(m.partials).where(m.partials.c.study_id == study.id,
                                                  m.partials.c.respondent_id == rid))
        return Reply(201, {"consent_id": public_id, "decision": decision})

    return job


def failure_job(client: str, now: dt.datetime, limit: RateLimit):
    """Count one failed token lookup of a page request."""

    def job(conn: Connection) -> None:
        record_failure(conn, client, now, limit)

    return job


# ---- reads -----------------------------------------------------------------------------

def resume_state(conn: Connection, study: Study, respondent_id: str) -> dict | None:
    """The saved page of ``respondent_id`` as the survey restores it, or None."""
    row = conn.execute(select(m.partials).where(
        m.partials.c.study_id == study.id, m.partials.c.respondent_id == respondent_id)).first()
    if row is None:
        return None
    consent = None
    if row.consent_id is not None:
        consent = conn.execute(select(m.consents.c.public_id).where(
            m.consents.c.id == row.consent_id)).scalar()
    return {"page": row.page, "answers": json.loads(row.answers),
            "started_at": row.started_at,
            "display_order": None if row.display_order is None else json.loads(row.display_order),
            "consent_id": consent}


def delete_respondent(conn: Connection, study: Study, respondent_id: str) -> dict[str, int]:
    """Remove a respondent's response, saved page and consent records for good; the token
    (if any) stays used. Returns how many rows of each went."""
    counts = {}
    resp = conn.execute(select(m.responses.c.id, m.responses.c.consent_id).where(
        m.responses.c.study_id == study.id, m.responses.c.respondent_id == respondent_id)).all()
    consent_ids = [r.consent_id for r in resp if r.consent_id is not None]
    counts["responses"] = conn.execute(delete(m.responses).where(
        m.responses.c.study_id == study.id,
        m.responses.c.respondent_id == respondent_id)).rowcount
    counts["partials"] = conn.execute(delete(m.partials).where(
        m.partials.c.study_id == study.id,
        m.partials.c.respondent_id == respondent_id)).rowcount
    counts["consents"] = conn.execute(delete(m.consents).where(
        m.consents.c.study_id == study.id,
        or_(m.consents.c.respondent_id == respondent_id,
            m.consents.c.id.in_(consent_ids) if consent_ids else and_(False)))).rowcount
    if counts["responses"]:
        conn.execute(update(m.studies).where(m.studies.c.id == study.id)
                     .values(completed=m.studies.c.completed - counts["responses"]))
    return counts
