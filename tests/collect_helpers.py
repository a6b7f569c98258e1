"""Shared pieces of the collection tests: databases to test against, valid responses, and a
real uvicorn server started as a subprocess on 127.0.0.1.

Databases: every storage and concurrency test runs on a SQLite file and, when
``ENGAGEKIT_TEST_PG_URL`` names a PostgreSQL server (``.ci/run`` starts a throw-away cluster),
on a fresh PostgreSQL database too. Under ``CI=1`` a missing PostgreSQL fails the test instead
of skipping it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from instruments.schema import Instrument, ScaleKind

ROOT = Path(__file__).resolve().parents[1]
PG_ENV = "ENGAGEKIT_TEST_PG_URL"
BACKENDS = ["sqlite", "postgresql"]


def pg_admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        reason = (f"{PG_ENV} is not set: no PostgreSQL to test against (.ci/run starts a "
                  "throw-away cluster; see .ci/postgres)")
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return url


def fresh_pg_database(admin_url: str) -> str:
    """A new, empty database on the server of ``admin_url``; returns its URL."""
    from sqlalchemy import create_engine, text

    name = "ek_" + uuid.uuid4().hex[:12]
    engine = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1)
                           if admin_url.startswith("postgresql://") else admin_url,
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


def database_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'collect.db'}"
    return fresh_pg_database(pg_admin_url())


def answers(inst: Instrument, rng: random.Random, free_text: str | None = None) -> dict:
    """A valid answer to every item of ``inst`` (random codes on each declared scale)."""
    out = {}
    for item in inst.items():
        scale = inst.item_scale(item)
        if scale.kind == ScaleKind.free_text:
            out[item.id] = free_text if free_text is not None else rng.choice(["fine", None])
        elif scale.kind == ScaleKind.numeric:
            out[item.id] = rng.randint(int(scale.min or 0), int(scale.max or 100))
        else:
            out[item.id] = rng.choice(scale.codes)
    return out


def response(inst: Instrument, respondent_id: str, seed: int = 0, lang: str = "en",
             free_text: str | None = None) -> dict:
    """One complete response in the survey's JSON shape."""
    rng = random.Random(seed)
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc) + dt.timedelta(
        minutes=rng.randrange(10_000))
    end = start + dt.timedelta(seconds=120 + rng.randrange(900))
    z = "%Y-%m-%dT%H:%M:%SZ"
    return {"respondent_id": respondent_id, "instrument_id": inst.id,
            "instrument_version": inst.version, "language": lang,
            "started_at": start.strftime(z), "ended_at": end.strftime(z),
            "display_order": [i.id for i in inst.items()],
            **answers(inst, rng, free_text)}


def survey_config(html: str) -> dict:
    """The ``ek-config`` JSON of a served survey page."""
    m = re.search(r'<script type="application/json" id="ek-config">(.*?)</script>', html, re.S)
    assert m, "no ek-config in the page"
    return json.loads(m.group(1))


# ---- a real server -----------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``engagekit serve`` as a subprocess on 127.0.0.1 (killed with SIGKILL on request)."""

    def __init__(self, db: str, workers: int = 1, env: dict | None = None,
                 extra: list[str] | None = None, direct: bool = False,
                 settings: dict | None = None):
        """``direct`` starts uvicorn on ``collect.app:app_from_env`` (what ``engagekit serve``
        runs, without loading the analysis packages: quicker restarts)."""
        self.db = db
        self.workers = workers
        self.port = free_port()
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
        self.extra = extra or []
        self.direct = direct
        if direct:
            self.env["ENGAGEKIT_COLLECT_DB"] = db
            self.env["ENGAGEKIT_COLLECT_SETTINGS"] = json.dumps(settings or {})
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> Server:
        if self.direct:
            cmd = [sys.executable, "-m", "uvicorn", "collect.app:app_from_env", "--factory",
                   "--host", "127.0.0.1", "--port", str(self.port), "--workers",
                   str(self.workers), "--log-level", "warning", "--no-access-log"]
        else:
            cmd = [sys.executable, "-c", "from reports.cli import main; main()", "serve",
                   "--db", self.db, "--port", str(self.port), "--workers", str(self.workers),
                   *self.extra]
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise AssertionError("engagekit serve exited: "
                                     + self.proc.stderr.read().decode(errors="replace"))
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"engagekit serve did not answer /healthz within {timeout} s")

    def kill9(self) -> None:
        """SIGKILL the server and every worker (its process group)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill9()
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def http(method: str, url: str, body: dict | list | None = None, headers: dict | None = None,
         timeout: float = 30.0) -> tuple[int, dict]:
    """One request with the standard library (a fresh connection each time)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw[:1] in (b"{", b"[") else {}
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, {}
