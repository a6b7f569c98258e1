"""Admin credentials, admin sessions and CSRF tokens.

The admin credential is ``ENGAGEKIT_ADMIN_TOKEN`` (compared in constant time) or the password
set with ``engagekit collect admin``, stored only as an argon2id hash. API clients send it as
``Authorization: Bearer ...``; the ``/admin`` page trades it for a session cookie (HttpOnly,
SameSite=Strict, signed with a secret kept in the database so every worker can check it; 8 h).
Every admin form carries a CSRF token derived from the session (or, on the login form, from a
pre-session cookie) with HMAC-SHA256; a form post without the right one gets 403. Nothing kept
outside the database: several workers or hosts check the same sessions.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from . import models as m
from .errors import CollectError

TOKEN_ENV = "ENGAGEKIT_ADMIN_TOKEN"
SESSION_SECONDS = 8 * 3600
MIN_PASSWORD = 12  # the same number as collect.cli.MIN_PASSWORD


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def _setting(conn: Connection, key: str) -> str | None:
    return conn.execute(select(m.settings.c.value).where(m.settings.c.key == key)).scalar()


def _put(conn: Connection, key: str, value: str) -> None:
    if not conn.execute(update(m.settings).where(m.settings.c.key == key)
                        .values(value=value)).rowcount:
        conn.execute(insert(m.settings).values(key=key, value=value))


def set_admin_password(engine: Engine, password: str) -> None:
    """Store the argon2id hash of ``password`` as the admin credential."""
    if len(password) < MIN_PASSWORD:
        raise CollectError(f"the admin password needs at least {MIN_PASSWORD} characters",
                           code="admin_credential")
    with engine.begin() as conn:
        _put(conn, "admin_password", _hasher().hash(password))


def server_secret(engine: Engine) -> bytes:
    """The secret that signs sessions and CSRF tokens (made once, kept in the database)."""
    with engine.begin() as conn:
        value = _setting(conn, "secret")
        if value is None:
            value = secrets.token_hex(32)
            try:
                with conn.begin_nested():
                    conn.execute(insert(m.settings).values(key="secret", value=value))
            except IntegrityError:  # another worker made it first
                value = _setting(conn, "secret")
    return bytes.fromhex(value)


def credential_configured(conn: Connection) -> bool:
    return bool(os.environ.get(TOKEN_ENV)) or _setting(conn, "admin_password") is not None


def check_credential(conn: Connection, given: str | None) -> bool:
    """Whether ``given`` is the admin token or the admin password."""
    if not given or len(given) > 1024:
        return False
    token = os.environ.get(TOKEN_ENV)
    if token and hmac.compare_digest(token.encode(), given.encode()):
        return True
    stored = _setting(conn, "admin_password")
    if stored is None:
        return False
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(stored, given)
    except (VerificationError, InvalidHashError):
        return False


def _mac(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def new_session(secret: bytes, now: float | None = None) -> str:
    expires = int((now or time.time()) + SESSION_SECONDS)
    body = f"{expires}.{secrets.token_hex(16)}"
    return f"{body}.{_mac(secret, 'session:' + body)}"


def valid_session(secret: bytes, value: str | None, now: float | None = None) -> bool:
    if not value or value.count(".") != 2 or len(value) > 200:
        return False
    body, mac = value.rsplit(".", 1)
    if not hmac.compare_digest(mac, _mac(secret, "session:" + body)):
        return False
    try:
        return int(body.split(".")[0]) > (now or time.time())
    except ValueError:
        return False


def csrf_token(secret: bytes, bound_to: str) -> str:
    """The CSRF token of the forms shown to the holder of cookie value ``bound_to``."""
    return _mac(secret, "csrf:" + bound_to)[:40]


def valid_csrf(secret: bytes, bound_to: str | None, given: str | None) -> bool:
    if not bound_to or not given:
        return False
    return hmac.compare_digest(csrf_token(secret, bound_to), given)
