"""The collection server under crashes, contention and attack: uvicorn as a subprocess on
127.0.0.1, on SQLite and (when ENGAGEKIT_TEST_PG_URL is set, as in CI) PostgreSQL.

* Durability: client threads submit invitations' responses while the server is killed with
  SIGKILL at random moments (>= 10 times) and restarted; clients retry with their idempotency
  keys. Afterwards every response acknowledged with a 2xx is stored exactly once (same id), no
  token has two complete responses, and SQLite's integrity_check is ok.
* 50 concurrent submissions on one token store exactly one and give no 5xx.
* Two uvicorn workers share one PostgreSQL.
* 10,000 random token guesses find nothing and hit the rate limit; admin routes without
  credentials are 401, admin form posts without the CSRF token 403.
"""

from __future__ import annotations

import http.client as httpclient
import json
import random
import secrets
import sqlite3
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from collect_helpers import BACKENDS, Server, database_url, http, response
from sqlalchemy import func, select

from collect import models as m
from collect.db import ensure_current, make_engine
from collect.studies import create_study
from collect.tokens import issue_tokens
from instruments import load_instrument

ACSI = load_instrument("acsi_nps")


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):
    return database_url(request.param, tmp_path)


def _study(db, slug="d", n_tokens=0, **kw):
    engine = make_engine(db)
    ensure_current(engine, create=True)
    create_study(engine, slug, "acsi_nps", mode="tokens" if n_tokens else "open", **kw)
    tokens = []
    if n_tokens:
        _, rows = issue_tokens(engine, slug, n=n_tokens)
        tokens = [(r[0], r[-1].split("t=")[1]) for r in rows]
    return engine, tokens


class Client:
    """One keep-alive HTTP/1.1 connection that reconnects after an error."""

    def __init__(self, port: int):
        self.port = port
        self.conn: httpclient.HTTPConnection | None = None

    def request(self, method, path, body=None, headers=None, timeout=10.0):
        if self.conn is None:
            self.conn = httpclient.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        data = None if body is None else json.dumps(body)
        try:
            self.conn.request(method, path, data, {"Content-Type": "application/json",
                                                   **(headers or {})})
            r = self.conn.getresponse()
            raw = r.read()
        except (OSError, httpclient.HTTPException):
            self.close()
            raise
        try:
            return r.status, json.loads(raw) if raw else {}
        except ValueError:
            return r.status, {}

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _retrying(client: Client, stop_at: float, method, path, body, headers=None):
    """The request until it gets an answer below 500 (connection errors, 5xx: again)."""
    delay = 0.05
    while time.monotonic() < stop_at:
        try:
            status, reply = client.request(method, path, body, headers)
        except (OSError, httpclient.HTTPException):
            status, reply = None, None
        if status is not None and status < 500:
            return status, reply
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
    raise AssertionError(f"{method} {path}: no answer before the deadline")


def test_kill_9_at_random_moments_loses_no_acknowledged_response(db, tmp_path):
    engine, tokens = _study(db, n_tokens=1500)
    server = Server(db, direct=True).start()
    acked: dict[str, str] = {}  # idempotency key -> response id
    started: set[str] = set()
    conflicts = []
    lock = threading.Lock()
    stop = threading.Event()
    stop_at = time.monotonic() + 300
    supply = iter(enumerate(tokens))

    def work():
        client = Client(server.port)
        while not stop.is_set():
            with lock:
                k, (rid, tok) = next(supply)
                key = f"key-{k}"
                started.add(key)
            _, consent = _retrying(client, stop_at, "POST", f"/api/s/d/consent?t={tok}",
                                   {"decision": "agreed", "respondent_id": rid})
            body = response(ACSI, rid, seed=k)
            status, reply = _retrying(client, stop_at, "POST", f"/api/s/d/responses?t={tok}",
                                      body, {"Idempotency-Key": key,
                                             "X-Engagekit-Consent": consent["consent_id"]})
            with lock:
                if status in (200, 201):
                    assert acked.setdefault(key, reply["id"]) == reply["id"]
                else:
                    conflicts.append((key, status, reply))
        client.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    rng = random.Random(7)
    kills = 0
    for _ in range(10):  # SIGKILL under load, restart, again
        time.sleep(rng.uniform(0.3, 1.0))
        server.kill9()
        kills += 1
        server.start()
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=max(1.0, stop_at - time.monotonic()))
    server.stop()
    assert kills >= 10
    assert conflicts == []  # a retry after a crash is a replay, never a conflict
    assert set(acked) == started and len(started) > 40
    with engine.connect() as conn:
        rows = conn.execute(select(m.responses.c.idempotency_key, m.responses.c.public_id,
                                   m.responses.c.token_id)).all()
        used = conn.execute(select(func.count()).select_from(m.tokens).where(
            m.tokens.c.completed_at.is_not(None))).scalar_one()
        completed = conn.execute(select(m.studies.c.completed)).scalar_one()
    stored = {r.idempotency_key: r.public_id for r in rows}
    assert len(rows) == len(stored) == len(acked)  # each acknowledged response exactly once
    assert stored == acked
    per_token = Counter(r.token_id for r in rows)
    assert max(per_token.values()) == 1 and used == len(rows) == completed
    if db.startswith("sqlite"):
        con = sqlite3.connect(db.removeprefix("sqlite:///"))
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()


def test_fifty_concurrent_submissions_on_one_token_store_one(db):
    engine, tokens = _study(db, n_tokens=1)
    rid, tok = tokens[0]
    with Server(db, direct=True) as server:
        _, consent = http("POST", f"{server.url}/api/s/d/consent?t={tok}",
                          {"decision": "agreed", "respondent_id": rid})
        barrier = threading.Barrier(50)
        results = []
        lock = threading.Lock()

        def one(k):
            client = Client(server.port)
            body = response(ACSI, rid, seed=k % 5)  # some identical bodies, some not
            barrier.wait()
            status, reply = client.request(
                "POST", f"/api/s/d/responses?t={tok}", body,
                {"Idempotency-Key": f"k{k % 10}", "X-Engagekit-Consent": consent["consent_id"]},
                timeout=60)
            client.close()
            with lock:
                results.append((status, reply.get("id"), reply.get("error")))

        threads = [threading.Thread(target=one, args=(k,)) for k in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    statuses = Counter(s for s, _, _ in results)
    assert len(results) == 50 and all(s < 500 for s in statuses), statuses
    assert statuses[201] == 1, statuses
    winner = next(i for s, i, _ in results if s == 201)
    assert all(i == winner for s, i, _ in results if s == 200)  # replays of the same key
    assert set(statuses) <= {200, 201, 409}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(m.responses)).scalar_one() == 1


def test_two_workers_share_one_postgresql(tmp_path):
    db = database_url("postgresql", tmp_path)
    engine, tokens = _study(db, n_tokens=60)
    with Server(db, workers=2, direct=True) as server:
        # Both workers accept on one socket; which one takes a connection is the kernel's
        # choice, and the second may still be starting. Ask concurrently until both have
        # answered (or 60 s pass), so the check does not depend on accept order.
        pids = set()
        deadline = time.monotonic() + 60
        while len(pids) < 2 and time.monotonic() < deadline:
            with ThreadPoolExecutor(8) as pool:
                replies = list(pool.map(lambda _: http("GET", f"{server.url}/healthz"),
                                        range(16)))
            pids.update(reply["pid"] for _, reply in replies)
        assert len(pids) == 2, "both workers answer"
        results = []
        lock = threading.Lock()

        def work(mine):
            for k, (rid, tok) in mine:
                code, consent = http("POST", f"{server.url}/api/s/d/consent?t={tok}",
                                     {"decision": "agreed", "respondent_id": rid})
                body = response(ACSI, rid, seed=k)
                for attempt in range(2):  # a replay through the other worker
                    code, reply = http("POST", f"{server.url}/api/s/d/responses?t={tok}", body,
                                       {"Idempotency-Key": f"k{k}",
                                        "X-Engagekit-Consent": consent["consent_id"]})
                    with lock:
                        results.append((k, attempt, code, reply.get("id")))

        items = list(enumerate(tokens))
        threads = [threading.Thread(target=work, args=(items[i::6],)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=180)
    first = {k: i for k, a, c, i in results if a == 0}
    assert sorted(c for _, a, c, _ in results if a == 0) == [201] * 60
    assert all(c == 200 and i == first[k] for k, a, c, i in results if a == 1)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(m.responses)).scalar_one() == 60
        assert conn.execute(select(m.studies.c.completed)).scalar_one() == 60


def test_ten_thousand_token_guesses_find_nothing_and_hit_the_rate_limit(tmp_path):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    engine, tokens = _study(db, n_tokens=20)
    with Server(db, direct=True, settings={"limit": {"failures": 20}}) as server:
        client = Client(server.port)
        statuses = Counter()
        for k in range(10_000):
            guess = secrets.token_urlsafe(24)
            if k % 2:
                status, _ = client.request("GET", f"/s/d?t={guess}")
            else:
                status, _ = client.request("POST", f"/api/s/d/responses?t={guess}",
                                           response(ACSI, "x"))
            statuses[status] += 1
        client.close()
        real = tokens[0][1]
        assert http("GET", f"{server.url}/s/d?t={real}")[0] == 429  # the guesser is blocked
    assert statuses == {403: 20, 429: 9_980}, statuses
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(m.responses)).scalar_one() == 0


def test_admin_needs_credentials_and_forms_need_the_csrf_token(tmp_path):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    engine, _ = _study(db)
    token = "a-long-admin-token-for-tests"
    with Server(db, direct=True, env={"ENGAGEKIT_ADMIN_TOKEN": token}) as server:
        u = server.url
        for method, path in [("GET", "/api/admin/s/d/export.csv"),
                             ("GET", "/api/admin/s/d/status"),
                             ("POST", "/admin/s/d/delete"), ("POST", "/admin/logout")]:
            assert http(method, u + path)[0] == 401, path
            assert http(method, u + path, headers={"Authorization": "Bearer wrong"})[0] == 401
        assert http("GET", u + "/api/admin/s/d/status",
                    headers={"Authorization": f"Bearer {token}"})[0] == 200
        # a signed-in browser session: form posts without / with a wrong CSRF token are 403
        conn = httpclient.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", "/admin")
        r = conn.getresponse()
        page = r.read().decode()
        assert r.status == 401 and 'name="csrf"' in page
        pre = r.getheader("set-cookie").split(";")[0]
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        form = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": pre}
        conn.request("POST", "/admin/login", urllib.parse.urlencode({"credential": token}),
                     form)
        r = conn.getresponse()
        r.read()
        assert r.status == 403  # the login form without its CSRF token
        conn.request("POST", "/admin/login",
                     urllib.parse.urlencode({"credential": token, "csrf": csrf}), form)
        r = conn.getresponse()
        r.read()
        assert r.status == 303
        session = r.getheader("set-cookie").split(";")[0]
        cookie = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": session}
        conn.request("GET", "/admin", headers={"Cookie": session})
        r = conn.getresponse()
        page = r.read().decode()
        assert r.status == 200
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        for data in ({"respondent_id": "r1"}, {"respondent_id": "r1", "csrf": "0" * 40}):
            conn.request("POST", "/admin/s/d/delete", urllib.parse.urlencode(data), cookie)
            r = conn.getresponse()
            r.read()
            assert r.status == 403
        conn.request("POST", "/admin/s/d/delete",
                     urllib.parse.urlencode({"respondent_id": "r1", "csrf": csrf}), cookie)
        r = conn.getresponse()
        r.read()
        assert r.status == 303
        # GET never changes state: the delete route does not answer GET
        conn.request("GET", "/admin/s/d/delete", headers={"Cookie": session})
        r = conn.getresponse()
        r.read()
        assert r.status == 405
        conn.close()
    with engine.connect() as conn:
        trail = conn.execute(select(m.audit.c.action)).scalars().all()
    assert trail.count("respondent_deleted") == 1
