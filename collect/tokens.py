"""Invitation tokens: 192 random bits each; the database keeps only their SHA-256.

A token is ``secrets.token_urlsafe(24)`` (32 URL-safe characters). Guessing one is hopeless
(2^192 possibilities per study), and a copy of the database does not give the links away: a
token is looked up by its hash. The invitation file is the only place the tokens exist.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from instruments.limits import check_size
from instruments.spreadsheet import guard_row, unguard

from . import models as m
from .answers import RESPONDENT_ID_RE
from .errors import CollectError
from .studies import audit, get_study, iso, utcnow

TOKEN_BYTES = 24  # 192 bits (>= 128 required)
MAX_INVITEES = 1_000_000
#: Largest invitee file read (a million invitees with names and e-mail addresses fit).
MAX_INVITEES_BYTES = 256 << 20


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The stored form of a token (SHA-256, hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def read_invitees(path: str | Path) -> list[dict[str, str]]:
    """Rows of an invitees CSV: a ``respondent_id`` column (required, unique) and optionally
    ``name``; other columns are carried into the invitation file."""
    p = Path(path)
    check_size(p, MAX_INVITEES_BYTES, "invitee files",
               lambda m, code: CollectError(m, code="invitees_file"))
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise CollectError(f"{p}: cannot be read as UTF-8 text ({e})",
                           code="invitees_file") from None
    rows = [{k: unguard(v) for k, v in r.items()}  # cells engagekit guarded read back
            for r in csv.DictReader(io.StringIO(text))]
    if not rows or "respondent_id" not in (rows[0].keys() if rows else []):
        raise CollectError(f"{p}: needs a header row with a 'respondent_id' column and one row "
                           "per invitee", code="invitees_file")
    if len(rows) > MAX_INVITEES:
        raise CollectError(f"{p}: {len(rows):,} invitees; at most {MAX_INVITEES:,} at once",
                           code="invitees_file")
    seen: set[str] = set()
    for n, row in enumerate(rows, start=2):
        rid = (row.get("respondent_id") or "").strip()
        if not RESPONDENT_ID_RE.match(rid):
            raise CollectError(f"{p}:{n}: respondent_id {rid!r} must be 1-64 letters, digits or "
                               ". _ : -", code="invitees_file")
        if rid in seen:
            raise CollectError(f"{p}:{n}: respondent_id {rid!r} appears twice",
                               code="invitees_file")
        seen.add(rid)
        row["respondent_id"] = rid
    return rows


def issue_tokens(engine: Engine, slug: str, *, n: int | None = None,
                 invitees: list[dict[str, str]] | None = None,
                 base_url: str = "http://127.0.0.1:8000") -> tuple[list[str], list[list[str]]]:
    """Create one token per invitee (``invitees``) or ``n`` anonymous invitees; returns the
    invitation file's header and rows (respondent id, name, other columns, link)."""
    if (n is None) == (invitees is None):
        raise CollectError("give either --n (how many links) or --from (an invitees file)")
    if n is not None and not 1 <= n <= MAX_INVITEES:
        raise CollectError(f"--n {n}: give 1 to {MAX_INVITEES:,}")
    base = base_url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise CollectError(f"--base-url {base_url!r} must start with https:// (or http://)")
    now = iso(utcnow())
    with engine.begin() as conn:
        study = get_study(conn, slug)
        if study.mode != "tokens":
            raise CollectError(f"study '{slug}' is an open-link study; invitation links need a "
                               "study created with --mode tokens")
        taken = set(conn.execute(select(m.tokens.c.respondent_id)
                                 .where(m.tokens.c.study_id == study.id)).scalars())
        if invitees is None:
            start = len(taken) + 1
            invitees = []
            k = start
            while len(invitees) < n:
                rid = f"{slug[:40]}-{k:06d}"
                if rid not in taken:
                    invitees.append({"respondent_id": rid})
                k += 1
        clash = [r["respondent_id"] for r in invitees if r["respondent_id"] in taken]
        if clash:
            raise CollectError(f"respondent ids already invited to '{slug}': "
                               f"{', '.join(clash[:5])}", code="invitees_file")
        extra = [c for c in invitees[0] if c not in ("respondent_id", "name", "link")]
        header = ["respondent_id", "name", *extra, "link"]
        rows, values = [], []
        for inv in invitees:
            token = new_token()
            name = (inv.get("name") or "").strip() or None
            values.append({"study_id": study.id, "token_hash": token_hash(token),
                           "respondent_id": inv["respondent_id"], "name": name,
                           "created_at": now})
            rows.append([inv["respondent_id"], name or "", *(inv.get(c, "") for c in extra),
                         f"{base}/s/{slug}?t={token}"])
        for i in range(0, len(values), 5000):
            conn.execute(insert(m.tokens), values[i:i + 5000])
        audit(conn, study.id, "tokens_issued", f"{len(values)} invitation tokens")
    return header, rows


def invitations_csv(header: list[str], rows: list[list[str]]) -> str:
    """The invitation file (text cells a spreadsheet would run as formulas made inert)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow(guard_row(r))
    return buf.getvalue()
