"""The collection commands: ``engagekit collect ...`` and ``engagekit serve``.

``COMMANDS`` is what the ``engagekit`` root (:mod:`reports.cli`) mounts. Every command takes
``--db URL`` (default ``sqlite:///engagekit.db`` in the working folder; a plain path is a SQLite
file; ``postgresql+psycopg://user@host/db`` for PostgreSQL).
"""

from __future__ import annotations

import json
import os
import sys

import click

from instruments.outputs import FORCE, check_outputs, write_file

# Only click at import time (the command line starts at once): each command imports what it
# uses (SQLAlchemy, the instrument loader, uvicorn) when it runs.
DB = click.option("--db", "db", default=None, metavar="URL",
                  help="Database URL or SQLite file (default sqlite:///engagekit.db).")
MIN_PASSWORD = 12


def _db_files(db: str | None) -> list[str]:
    """The files of a SQLite database (with its WAL and shared-memory files): inputs no output
    may overwrite."""
    url = db or "sqlite:///engagekit.db"
    if "://" not in url:
        url = f"sqlite:///{url}"
    if not url.startswith("sqlite:///"):
        return []
    path = url[len("sqlite:///"):].split("?", 1)[0]
    return [path, f"{path}-wal", f"{path}-shm"] if path and path != ":memory:" else []


def _engine(db: str | None, *, create: bool = False):
    from .db import ensure_current, make_engine

    engine = make_engine(db)
    ensure_current(engine, create=create)
    return engine


@click.group("collect")
def collect_cli() -> None:
    """Field a survey: create studies, issue invitation links, follow progress, export."""


@collect_cli.command("create")
@click.argument("study")
@click.option("--instrument", "-i", required=True, help="Bundled instrument name or YAML path.")
@click.option("--lang", default=None, help="Language of the survey (default: the instrument's).")
@click.option("--brand", default=None, help="Value of {brand} in the texts.")
@click.option("--mode", type=click.Choice(["open", "tokens"]), default="open", show_default=True,
              help="open: one public link; tokens: one invitation link per invitee.")
@click.option("--opens", default=None, metavar="ISO", help="Opening date-time (ISO 8601).")
@click.option("--closes", default=None, metavar="ISO", help="Closing date-time (ISO 8601).")
@click.option("--quota", type=int, default=None, help="Stop after this many complete responses.")
@click.option("--anonymous", is_flag=True,
              help="Link no token or address to an answer; keep times to the day only.")
@DB
def create_cmd(study, instrument, lang, brand, mode, opens, closes, quota, anonymous, db) -> None:
    """Create STUDY fielding an instrument (its id and version are pinned)."""
    from .db import where
    from .studies import create_study

    engine = _engine(db, create=True)
    s = create_study(engine, study, instrument, language=lang, brand=brand, mode=mode,
                     opens=opens, closes=closes, quota=quota, anonymous=anonymous)
    click.echo(f"created study {s.slug}: {s.instrument.id} {s.version} in {s.language}, "
               f"{s.mode} link{', anonymous' if s.anonymous else ''} ({where(engine)})")
    if s.mode == "open":
        click.echo(f"link: http://HOST/s/{s.slug}   (engagekit serve, then share it)")
    else:
        click.echo(f"next: engagekit collect tokens {s.slug} --n 200 -o invitations.csv")


@collect_cli.command("migrate")
@DB
def migrate_cmd(db) -> None:
    """Create or upgrade the collection database to this engagekit's schema."""
    from .db import make_engine, upgrade, where

    engine = make_engine(db)
    before, after = upgrade(engine)
    click.echo(f"{where(engine)}: " + (f"already at {after}" if before == after
                                         else f"migrated {before or 'empty'} -> {after}"))


@collect_cli.command("tokens")
@click.argument("study")
@click.option("--n", "n", type=int, default=None, help="How many invitation links to make.")
@click.option("--from", "invitees", type=click.Path(dir_okay=False), default=None,
              help="CSV of invitees: a respondent_id column, optionally name (and others).")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="CSV to write: respondent_id, name, ..., link.")
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True,
              help="Where respondents reach the server (e.g. https://survey.example.org).")
@DB
@FORCE
def tokens_cmd(study, n, invitees, output, base_url, db, force) -> None:
    """Issue one invitation link per invitee (only the tokens' hashes are stored)."""
    from .tokens import invitations_csv, issue_tokens, read_invitees

    check_outputs([output], [invitees, *_db_files(db)], force=force)
    engine = _engine(db)
    rows = read_invitees(invitees) if invitees else None
    header, lines = issue_tokens(engine, study, n=n, invitees=rows, base_url=base_url)
    write_file(output, invitations_csv(header, lines))
    click.echo(f"wrote {output}: {len(lines)} invitation links (keep it safe: the database holds "
               "only the tokens' hashes)")


@collect_cli.command("export")
@click.argument("study")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="responses.csv (or .json) in engagekit's response format.")
@DB
@FORCE
def export_cmd(study, output, db, force) -> None:
    """Write STUDY's complete responses in engagekit's response format."""
    from .export import export_csv, export_json
    from .studies import get_study

    check_outputs([output], _db_files(db), force=force)
    engine = _engine(db)
    with engine.connect() as conn:
        s = get_study(conn, study)
        text = export_json(conn, s) if output.lower().endswith(".json") else export_csv(conn, s)
        n = s.completed
    write_file(output, text)
    click.echo(f"wrote {output}: {n} responses to {s.instrument.id} {s.version}")


@collect_cli.command("status")
@click.argument("study", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@DB
def status_cmd(study, as_json, db) -> None:
    """Responses, completion rate, drop-off per page, median duration and quota fill."""
    from .stats import status_text, study_status
    from .studies import get_study, list_studies

    engine = _engine(db)
    with engine.connect() as conn:
        chosen = [get_study(conn, study)] if study else list_studies(conn)
        figures = [study_status(conn, s) for s in chosen]
    if as_json:
        click.echo(json.dumps(figures if not study else figures[0], indent=1))
        return
    if not figures:
        click.echo("no studies yet; create one with 'engagekit collect create'")
    click.echo("\n\n".join(status_text(f) for f in figures))


@collect_cli.command("delete")
@click.argument("study")
@click.option("--respondent", required=True, help="The respondent id to remove for good.")
@DB
def delete_cmd(study, respondent, db) -> None:
    """Remove a respondent's answers, saved pages and consent records (an audit line without
    content remains)."""
    from .errors import CollectError
    from .store import delete_respondent
    from .studies import audit, get_study

    engine = _engine(db)
    with engine.begin() as conn:
        s = get_study(conn, study)
        counts = delete_respondent(conn, s, respondent)
        if not any(counts.values()):
            raise CollectError(f"study '{study}' has nothing stored for respondent "
                               f"'{respondent}'")
        audit(conn, s.id, "respondent_deleted", f"respondent {respondent} deleted: "
              + ", ".join(f"{n} {k}" for k, n in counts.items()))
    click.echo(f"deleted respondent {respondent} from {study}: "
               + ", ".join(f"{n} {k}" for k, n in counts.items()))


@collect_cli.command("admin")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@DB
def admin_cmd(password_stdin, db) -> None:
    """Set the admin password (stored argon2-hashed); ENGAGEKIT_ADMIN_TOKEN also works."""
    from .db import where
    from .security import set_admin_password

    engine = _engine(db, create=True)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(f"admin password (at least {MIN_PASSWORD} characters)",
                                hide_input=True, confirmation_prompt=True)
    set_admin_password(engine, password)
    click.echo(f"admin password set for {where(engine)}")


@click.command("serve")
@DB
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (keep 127.0.0.1 behind a TLS reverse proxy).")
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--workers", type=int, default=1, show_default=True,
              help="Processes; more than one needs PostgreSQL to pay off.")
@click.option("--behind-proxy", is_flag=True,
              help="Trust X-Forwarded-For/-Proto from the proxy at --forwarded-allow-ips.")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True)
@click.option("--max-body", type=int, default=256 * 1024, show_default=True,
              help="Largest request body in bytes (413 above it).")
@click.option("--token-failures", type=int, default=20, show_default=True,
              help="Failed invitation-link lookups allowed per client per 15 minutes (429).")
@click.option("--secure-cookies", is_flag=True, help="Admin cookies only over HTTPS.")
def serve_cmd(db, host, port, workers, behind_proxy, forwarded_allow_ips, max_body,
              token_failures, secure_cookies) -> None:
    """Serve every study in the database: surveys at /s/STUDY, admin at /admin."""
    import uvicorn

    from .app import ENV_DB, ENV_SETTINGS
    from .db import ensure_current, make_engine, normalise_url, where
    from .errors import CollectError

    url = normalise_url(db)
    ensure_current(make_engine(url))  # refuse early, in the parent, with a clear message
    if workers < 1 or not 0 < port < 65536 or max_body < 1024 or token_failures < 1:
        raise CollectError("--workers >= 1, --port 1-65535, --max-body >= 1024 and "
                           "--token-failures >= 1, please")
    os.environ[ENV_DB] = url
    os.environ[ENV_SETTINGS] = json.dumps({"max_body": max_body,
                                           "secure_cookies": secure_cookies,
                                           "limit": {"failures": token_failures}})
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}; put a TLS reverse proxy in front (README, "
                   "'Run a study')", err=True)
    click.echo(f"serving {where(make_engine(url))} at http://{host}:{port}/s/STUDY "
               f"(admin: http://{host}:{port}/admin)")
    uvicorn.run("collect.app:app_from_env", factory=True, host=host, port=port,
                workers=workers, proxy_headers=behind_proxy,
                forwarded_allow_ips=forwarded_allow_ips if behind_proxy else None,
                log_level="warning", access_log=False, timeout_graceful_shutdown=5)


COMMANDS = [collect_cli, serve_cmd]

__all__ = ["COMMANDS", "collect_cli", "serve_cmd"]
