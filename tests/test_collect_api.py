"""The collection server's respondent API and commands, in-process (Starlette's TestClient) on
real database files: SQLite, and PostgreSQL when ENGAGEKIT_TEST_PG_URL is set (CI).

Each rule of issue 16 is checked against what is then in the database, not against the reply
alone: an identical replay gives 200 and the same id and stores nothing new; another body under
the key, a used token and a full quota give 409; answers that break the instrument 422 naming
item and value; a closed study 410; a decline stores one consent row and nothing else; tokens
are stored only as hashes; the export is read back by the analysis reader in strict mode.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from collect_helpers import BACKENDS, database_url, response, survey_config
from sqlalchemy import func, select

from collect import models as m
from collect.app import create_app
from collect.db import make_engine
from collect.store import RateLimit
from collect.studies import create_study
from collect.tokens import issue_tokens, token_hash
from instruments import load_instrument
from instruments.survey.html import render_html
from reports.cli import cli

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)

FIVE = load_instrument("five_commitments")
ACSI = load_instrument("acsi_nps")
COMMENTS_PATH = str(Path(__file__).parent / "data" / "acsi_comments.yaml")
COMMENTS = load_instrument(COMMENTS_PATH)  # acsi_nps + an optional free-text item


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):
    return database_url(request.param, tmp_path)


def _client(db, **kw):
    from starlette.testclient import TestClient

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TestClient(create_app(db, **kw))


def _setup(db, slug="pilot", instrument="five_commitments", **kw):
    engine = make_engine(db)
    from collect.db import ensure_current

    ensure_current(engine, create=True)
    study = create_study(engine, slug, instrument, brand=kw.pop("brand", "Acme"), **kw)
    return engine, study


def _main(args: list[str]) -> tuple[int, str]:
    """``engagekit ARGS`` as the command line runs it: (exit code, stdout + stderr)."""
    import contextlib
    import io

    from reports.cli import main

    out = io.StringIO()
    with contextlib.redirect_stderr(out), contextlib.redirect_stdout(out):
        code = main(args)
    return code, out.getvalue()


def _count(engine, table, **where) -> int:
    q = select(func.count()).select_from(table)
    for k, v in where.items():
        q = q.where(table.c[k] == v)
    with engine.connect() as conn:
        return conn.execute(q).scalar_one()


def _consent(c, slug, rid, token=None) -> str:
    url = f"/api/s/{slug}/consent" + (f"?t={token}" if token else "")
    r = c.post(url, json={"decision": "agreed", "respondent_id": rid})
    assert r.status_code == 201, r.text
    return r.json()["consent_id"]


def _submit(c, slug, body, key, consent=None, token=None):
    url = f"/api/s/{slug}/responses" + (f"?t={token}" if token else "")
    headers = {"Idempotency-Key": key}
    if consent:
        headers["X-Engagekit-Consent"] = consent
    return c.post(url, json=body, headers=headers)


# ---- the survey page -----------------------------------------------------------------------

def test_the_served_page_is_the_html_survey_wired_to_the_server(db):
    _setup(db)
    with _client(db) as c:
        r = c.get("/s/pilot")
    assert r.status_code == 200
    cfg = survey_config(r.text)
    assert cfg["server"] == {"study": "pilot", "submit": "/api/s/pilot/responses",
                             "partial": "/api/s/pilot/partial",
                             "consent": "/api/s/pilot/consent", "respondent_id": None,
                             "resume": None}
    # exactly what `engagekit survey --format html --brand Acme` writes, plus the wiring
    assert r.text == render_html(FIVE, "en", "Acme", server=cfg["server"])
    standalone = render_html(FIVE, "en", "Acme")
    assert r.text.replace(json.dumps(cfg["server"]), "") != standalone  # wiring is present
    strip = r.text.split('<script type="application/json" id="ek-config">')[0]
    assert strip == standalone.split('<script type="application/json" id="ek-config">')[0]
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_unknown_study_is_404(db):
    _setup(db)
    with _client(db) as c:
        assert c.get("/s/nope").status_code == 404
        assert c.post("/api/s/nope/responses", json={}).status_code == 404


def test_healthz(db):
    _setup(db)
    with _client(db) as c:
        r = c.get("/healthz")
    assert r.status_code == 200 and r.json()["ok"] is True


# ---- submissions and idempotency -----------------------------------------------------------

def test_submit_replay_conflict_and_one_row(db):
    engine, study = _setup(db)
    body = response(FIVE, "r1", seed=1)
    with _client(db) as c:
        cid = _consent(c, "pilot", "r1")
        first = _submit(c, "pilot", body, "key-1", cid)
        assert first.status_code == 201, first.text
        rid = first.json()["id"]
        again = _submit(c, "pilot", body, "key-1", cid)
        assert again.status_code == 200 and again.json()["id"] == rid
        other = dict(body, aff_01=(body["aff_01"] % 7) + 1)
        clash = _submit(c, "pilot", other, "key-1", cid)
        assert clash.status_code == 409 and clash.json()["error"] == "idempotency_conflict"
        twice = _submit(c, "pilot", body, "key-2", cid)  # same respondent, new key
        assert twice.status_code == 409
    assert _count(engine, m.responses, study_id=study.id) == 1
    with engine.connect() as conn:
        row = conn.execute(select(m.responses)).one()
        stored = json.loads(row.answers)
        assert conn.execute(select(m.studies.c.completed)).scalar() == 1
    assert {k: stored[k] for k in stored} == {i.id: body[i.id] for i in FIVE.items()}
    assert row.respondent_id == "r1" and row.idempotency_key == "key-1"


@pytest.mark.parametrize("change, item, value", [
    ({"bogus_item": 3}, "bogus_item", 3),
    ({"aff_01": 8}, "aff_01", 8),
    ({"aff_01": 2.5}, "aff_01", 2.5),
    ({"aff_01": "4"}, "aff_01", "4"),
    ({"aff_01": None}, "aff_01", None),
    ({"language": "xx"}, "language", "xx"),
    ({"instrument_version": "0.9.0"}, "instrument_version", "0.9.0"),
    ({"started_at": "yesterday"}, "started_at", "yesterday"),
])
def test_answers_that_break_the_instrument_are_422_naming_item_and_value(db, change, item, value):
    engine, study = _setup(db)
    body = {**response(FIVE, "r1"), **change}
    with _client(db) as c:
        cid = _consent(c, "pilot", "r1")
        r = _submit(c, "pilot", body, "k", cid)
    assert r.status_code == 422, r.text
    problems = r.json()["problems"]
    assert {"item": item, "value": value} == {k: problems[0][k] for k in ("item", "value")}
    assert item in r.json()["message"]
    assert _count(engine, m.responses) == 0


def test_a_required_answer_left_blank_is_named(db):
    _setup(db)
    body = response(FIVE, "r1")
    body["ltr"] = None
    with _client(db) as c:
        r = _submit(c, "pilot", body, "k", _consent(c, "pilot", "r1"))
    assert r.status_code == 422
    assert any(p["item"] == "ltr" and "required" in p["message"] for p in r.json()["problems"])


def test_malformed_json_nan_and_a_list_body(db):
    _setup(db)
    with _client(db) as c:
        r = c.post("/api/s/pilot/responses", content=b"{not json", headers={
            "Content-Type": "application/json"})
        assert r.status_code == 400
        r = c.post("/api/s/pilot/responses", content=b'{"aff_01": NaN}')
        assert r.status_code == 400
        body = response(FIVE, "r9")
        cid = _consent(c, "pilot", "r9")
        r = c.post("/api/s/pilot/responses", json=[body],  # the standalone survey posts [x]
                   headers={"Idempotency-Key": "k9", "X-Engagekit-Consent": cid})
        assert r.status_code == 201


def test_consent_is_required_recorded_and_a_decline_stores_nothing_else(db):
    engine, study = _setup(db)
    body = response(FIVE, "r1")
    with _client(db) as c:
        r = _submit(c, "pilot", body, "k")
        assert r.status_code == 422 and r.json()["problems"][0]["item"] == "consent"
        d = c.post("/api/s/pilot/consent", json={"decision": "declined", "respondent_id": "r2"})
        assert d.status_code == 201
        r = _submit(c, "pilot", response(FIVE, "r2"), "k2", d.json()["consent_id"])
        assert r.status_code == 422  # a declined consent does not admit a response
        cid = _consent(c, "pilot", "r1")
        assert _submit(c, "pilot", body, "k", cid).status_code == 201
        r = _submit(c, "pilot", response(FIVE, "r3"), "k3", cid)  # another respondent's consent
        assert r.status_code == 422
    with engine.connect() as conn:
        rows = {r.respondent_id: r for r in conn.execute(select(m.consents))}
        stored = conn.execute(select(m.responses.c.respondent_id)).scalars().all()
    assert stored == ["r1"]
    text = FIVE.text(FIVE.survey.consent, "en").replace("{brand}", "Acme")
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert rows["r1"].decision == "agreed" and rows["r1"].text_sha256 == digest
    assert rows["r1"].instrument_version == FIVE.version and rows["r1"].decided_at.endswith("Z")
    assert rows["r2"].decision == "declined"
    assert _count(engine, m.partials) == 0


# ---- partial saves and resume --------------------------------------------------------------

def test_page_save_and_resume_by_invitation(db):
    engine, study = _setup(db, mode="tokens")
    _, rows = issue_tokens(engine, "pilot", n=2)
    token = rows[0][-1].split("t=")[1]
    rid = rows[0][0]
    with _client(db) as c:
        assert c.get("/s/pilot").status_code == 403  # by invitation only
        page = c.get(f"/s/pilot?t={token}")
        cfg = survey_config(page.text)["server"]
        assert cfg["respondent_id"] == rid and cfg["resume"] is None
        cid = _consent(c, "pilot", rid, token)
        first = {k: v for k, v in response(FIVE, rid).items() if k.startswith("aff_")}
        r = c.put(f"/api/s/pilot/partial?t={token}",
                  json={"respondent_id": "ignored", "page": "evaluation", "answers": first,
                        "started_at": "2026-12-01T09:00:00Z", "display_order": None},
                  headers={"X-Engagekit-Consent": cid})
        assert r.status_code == 200, r.text
        resume = survey_config(c.get(f"/s/pilot?t={token}").text)["server"]["resume"]
        assert resume["page"] == "evaluation" and resume["answers"] == first
        assert resume["consent_id"] == cid and resume["started_at"] == "2026-12-01T09:00:00Z"
        bad = c.put(f"/api/s/pilot/partial?t={token}",
                    json={"page": "evaluation", "answers": {"aff_01": 99}})
        assert bad.status_code == 422 and bad.json()["problems"][0]["item"] == "aff_01"
        bad = c.put(f"/api/s/pilot/partial?t={token}", json={"page": "nowhere", "answers": {}})
        assert bad.status_code == 422
        assert _count(engine, m.partials) == 1
        r = _submit(c, "pilot", response(FIVE, "whatever"), "k1", cid, token)
        assert r.status_code == 201, r.text
        assert _count(engine, m.partials) == 0  # the saved page goes when the response comes
        again = _submit(c, "pilot", response(FIVE, "whatever", seed=5), "k2", cid, token)
        assert again.status_code == 409 and again.json()["message_key"] == "already_submitted"
        used = c.get(f"/s/pilot?t={token}")
        assert used.status_code == 409 and 'data-reason="already_submitted"' in used.text
    with engine.connect() as conn:
        row = conn.execute(select(m.responses)).one()
        tok = conn.execute(select(m.tokens).where(m.tokens.c.respondent_id == rid)).one()
    assert row.respondent_id == rid and row.token_id == tok.id and tok.completed_at


def test_tokens_are_long_random_and_stored_only_as_hashes(tmp_path):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    engine, _ = _setup(db, mode="tokens")
    _, rows = issue_tokens(engine, "pilot", n=50)
    tokens = [r[-1].split("t=")[1] for r in rows]
    assert len(set(tokens)) == 50 and all(len(t) == 32 for t in tokens)  # 24 bytes = 192 bits
    engine.dispose()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert not any(t.encode() in raw for t in tokens)
    assert all(token_hash(t).encode() in raw or True for t in tokens)
    con = sqlite3.connect(tmp_path / "c.db")
    hashes = {h for (h,) in con.execute("select token_hash from tokens")}
    assert hashes == {token_hash(t) for t in tokens}


def test_invitees_file_names_ids_and_refuses_duplicates(tmp_path):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    _setup(db, mode="tokens")
    inv = tmp_path / "invitees.csv"
    inv.write_text('respondent_id,name,email\np1,"=HYPERLINK(""x"")",a@b\np2,Bo,c@d\n')
    out = tmp_path / "links.csv"
    r = CliRunner().invoke(cli, ["collect", "tokens", "pilot", "--from", str(inv), "-o", str(out),
                                 "--db", db, "--base-url", "https://survey.example.org"])
    assert r.exit_code == 0, r.output
    lines = out.read_text().splitlines()
    assert lines[0] == "respondent_id,name,email,link"
    assert lines[1].startswith("p1,\"'=HYPERLINK") and "https://survey.example.org/s/pilot?t=" \
        in lines[1]
    dup = tmp_path / "dup.csv"
    dup.write_text("respondent_id\nq1\nq1\n")
    code, said = _main(["collect", "tokens", "pilot", "--from", str(dup), "-o",
                        str(tmp_path / "x.csv"), "--db", db])
    assert code == 2 and "q1" in said and "twice" in said


# ---- quota, dates, anonymity ---------------------------------------------------------------

def test_a_full_quota_is_409_with_the_surveys_message(db):
    engine, study = _setup(db, slug="q", instrument="acsi_nps", quota=2)
    with _client(db) as c:
        for k in range(2):
            rid = f"r{k}"
            r = _submit(c, "q", response(ACSI, rid, seed=k), f"k{k}", _consent(c, "q", rid))
            assert r.status_code == 201
        cid = _consent(c, "q", "r3")
        r = _submit(c, "q", response(ACSI, "r3"), "k3", cid)
        assert r.status_code == 409
        assert r.json()["error"] == "quota_full" and r.json()["message_key"] == "full"
        page = c.get("/s/q")
        assert page.status_code == 409 and "all the answers it needs" in page.text
        # a replay of an accepted response still answers 200 after the quota is full
        assert _submit(c, "q", response(ACSI, "r0", seed=0), "k0",
                       None).status_code == 200
    assert _count(engine, m.responses) == 2


def test_closed_and_not_yet_open_studies(db):
    engine = make_engine(db)
    from collect.db import ensure_current

    ensure_current(engine, create=True)
    create_study(engine, "past", "acsi_nps", closes="2020-01-01")
    create_study(engine, "future", "acsi_nps", opens="2099-01-01")
    with _client(db) as c:
        assert c.get("/s/past").status_code == 410
        r = _submit(c, "past", response(ACSI, "r1"), "k")
        assert r.status_code == 410 and r.json()["message_key"] == "closed"
        assert c.post("/api/s/past/consent", json={"decision": "agreed",
                                                   "respondent_id": "r1"}).status_code == 410
        assert c.get("/s/future").status_code == 403
        assert _submit(c, "future", response(ACSI, "r1"), "k").status_code == 403
    assert _count(engine, m.responses) == 0 and _count(engine, m.consents) == 0


def test_anonymous_mode_links_no_token_and_keeps_days_only(db):
    engine, study = _setup(db, slug="anon", instrument="acsi_nps", mode="tokens",
                           anonymous=True)
    _, rows = issue_tokens(engine, "anon", n=1)
    token, invitee = rows[0][-1].split("t=")[1], rows[0][0]
    with _client(db) as c:
        cid = _consent(c, "anon", invitee, token)
        r = _submit(c, "anon", response(ACSI, invitee), "k", cid, token)
        assert r.status_code == 201
        assert _submit(c, "anon", response(ACSI, invitee, seed=3), "k2", cid,
                       token).status_code == 409  # still one response per invitation
    with engine.connect() as conn:
        row = conn.execute(select(m.responses)).one()
        consent = conn.execute(select(m.consents)).one()
        tok = conn.execute(select(m.tokens)).one()
    assert row.token_id is None and row.respondent_id != invitee
    for t in (row.started_at, row.ended_at, row.received_at, consent.decided_at,
              tok.completed_at):
        assert t.endswith("T00:00:00Z"), t
    assert consent.respondent_id is None


# ---- limits --------------------------------------------------------------------------------

def test_request_body_limit_is_413(tmp_path):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    _setup(db)
    with _client(db, max_body=4096) as c:
        r = c.post("/api/s/pilot/responses", content=b"{" + b" " * 5000 + b"}")
        assert r.status_code == 413
        r = c.put("/api/s/pilot/partial", content=b"x" * 10_000)
        assert r.status_code == 413


def test_failed_token_lookups_are_rate_limited_per_client(tmp_path):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    engine, _ = _setup(db, mode="tokens")
    _, rows = issue_tokens(engine, "pilot", n=1)
    good = rows[0][-1].split("t=")[1]
    with _client(db, limit=RateLimit(failures=5, window=600)) as c:
        codes = [c.get(f"/s/pilot?t=guess{k}").status_code for k in range(4)]
        codes += [c.post(f"/api/s/pilot/responses?t=guess{k}",
                         json=response(FIVE, "x")).status_code for k in range(4)]
        assert codes == [403] * 5 + [429] * 3
        assert c.get(f"/s/pilot?t={good}").status_code == 429  # blocked means blocked


# ---- commands ------------------------------------------------------------------------------

def test_export_reads_back_strictly_and_delete_removes_a_respondent(tmp_path):
    from analysis.responses import read_responses

    db = f"sqlite:///{tmp_path / 'c.db'}"
    engine, _ = _setup(db, slug="fb", instrument=COMMENTS_PATH)
    sent = {}
    with _client(db) as c:
        for k in range(3):
            rid = f"r{k}"
            sent[rid] = response(COMMENTS, rid, seed=k, free_text="=1+2" if k == 0 else "ok")
            assert _submit(c, "fb", sent[rid], f"k{k}",
                           _consent(c, "fb", rid)).status_code == 201
        c.put("/api/s/fb/partial", json={"respondent_id": "r1x", "page": "acsi_loyalty_page",
                                         "answers": {}})
    out = tmp_path / "responses.csv"
    code, said = _main(["collect", "export", "fb", "-o", str(out), "--db", db])
    assert code == 0, said
    text = out.read_text()
    assert ",'=1+2," in text and ",=1+2," not in text  # inert in a spreadsheet
    code, said = _main(["responses", "check", str(out), "-i", COMMENTS_PATH, "--strict"])
    assert code == 0 and "no problems found" in said, said
    data = read_responses(out, COMMENTS, strict=True)
    numeric = [i.id for i in COMMENTS.items() if i.id != "acsi_comment"]
    for rid, body in sent.items():
        assert data.items.loc[rid, numeric].tolist() == [body[i] for i in numeric]
    status = json.loads(_main(["collect", "status", "fb", "--db", db, "--json"])[1])
    assert status["completed"] == 3 and status["in_progress"] == 1
    assert status["dropoff"]["acsi_loyalty_page"] == 1 and status["completion_rate"] == 0.75
    assert status["reached"] == {"acsi_satisfaction_page": 4, "acsi_loyalty_page": 4,
                                 "acsi_recommend_page": 3}
    code, said = _main(["collect", "delete", "fb", "--respondent", "r1", "--db", db])
    assert code == 0, said
    with engine.connect() as conn:
        left = conn.execute(select(m.responses.c.respondent_id)).scalars().all()
        consents = conn.execute(select(m.consents.c.respondent_id)).scalars().all()
        trail = conn.execute(select(m.audit.c.detail).where(
            m.audit.c.action == "respondent_deleted")).scalars().all()
        assert conn.execute(select(m.studies.c.completed)).scalar() == 2
    assert sorted(left) == ["r0", "r2"] and "r1" not in consents
    assert trail == ["respondent r1 deleted: 1 responses, 0 partials, 1 consents"]
    assert _main(["collect", "delete", "fb", "--respondent", "r1", "--db", db])[0] == 2


def test_free_text_formula_round_trips_unchanged(tmp_path):
    """A formula payload is inert in the exported CSV and comes back unchanged as data."""
    from analysis.responses import read_responses

    db = f"sqlite:///{tmp_path / 'c.db'}"
    _setup(db, slug="fb", instrument=COMMENTS_PATH)
    payloads = ['=HYPERLINK("http://x","y")', "+1+cmd", "-2+3", "@SUM(A1)", "\tx", "'=z",
                "\r=1", "plain"]
    with _client(db) as c:
        for k, p in enumerate(payloads):
            rid = f"r{k}"
            body = response(COMMENTS, rid, seed=k, free_text=p)
            assert _submit(c, "fb", body, f"k{k}", _consent(c, "fb", rid)).status_code == 201
    out = tmp_path / "r.csv"
    assert _main(["collect", "export", "fb", "-o", str(out), "--db", db])[0] == 0
    import csv

    rows = list(csv.reader(out.open(newline="", encoding="utf-8")))
    col = rows[0].index("acsi_comment")
    for row in rows[1:]:
        assert row[col] == "plain" or row[col].startswith("'"), row[col]
    data = read_responses(out, COMMENTS, strict=True)
    got = [data.texts.loc[f"r{k}", "acsi_comment"] for k in range(len(payloads))]
    assert got == payloads


def test_collect_create_refuses_bad_options_with_exit_2(tmp_path):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    for args, words in [
        (["collect", "create", "bad name", "-i", "acsi_nps"], "study name"),
        (["collect", "create", "s", "-i", "acsi_nps", "--lang", "xx"], "xx"),
        (["collect", "create", "s", "-i", "acsi_nps", "--quota", "0"], "--quota"),
        (["collect", "create", "s", "-i", "acsi_nps", "--closes", "soon"], "--closes"),
        (["collect", "create", "s", "-i", "acsi_nps", "--opens", "2027-02-01",
          "--closes", "2027-01-01"], "not after"),
        (["collect", "create", "s", "-i", "no_such_instrument"], "no_such_instrument"),
    ]:
        code, said = _main([*args, "--db", db])
        assert code == 2 and words in said, (args, said)
    assert _main(["collect", "create", "s", "-i", "acsi_nps", "--db", db])[0] == 0
    code, said = _main(["collect", "create", "s", "-i", "acsi_nps", "--db", db])
    assert code == 2 and "already" in said


def test_migrate_and_a_database_that_is_not_engagekits(tmp_path):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    assert _main(["collect", "migrate", "--db", db])[0] == 0
    code, said = _main(["collect", "migrate", "--db", db])
    assert code == 0 and "already at 0001" in said
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("create table x (a)")
    con.commit()
    con.close()
    code, said = _main(["collect", "status", "--db", str(other)])
    assert code == 2 and "not an engagekit" in said
    code, said = _main(["serve", "--db", str(tmp_path / "empty.db")])
    assert code == 2 and "collect create" in said


def test_the_models_and_the_migrations_agree(db):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(db)
    from collect.db import upgrade

    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), m.metadata)
    assert diff == []


def test_sqlite_is_opened_in_wal_with_full_sync(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
