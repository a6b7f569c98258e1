"""Opening the collection database: SQLite by default, PostgreSQL by URL; Alembic migrations.

SQLite (``sqlite:///engagekit.db``, or a plain file path) is opened in WAL mode with
``synchronous=FULL`` (a committed response survives a crash of the process *and* of the
machine, if the disk honours fsync), a 10 s busy timeout and foreign keys on. Writing
transactions start with ``BEGIN IMMEDIATE``: a transaction that reads and then writes would
otherwise fail with ``SQLITE_BUSY`` at once, ignoring the busy timeout, when another process
writes at the same moment. Readers use their own engine and plain ``BEGIN``, so WAL lets them
run beside the writer.

PostgreSQL: ``postgresql+psycopg://user:pass@host/db`` (``postgresql://`` is read as psycopg 3).
Every rule that matters under concurrency is a statement the database makes atomic (unique
constraints, ``UPDATE ... WHERE completed < quota``, row locks), so several server processes
or hosts can share one PostgreSQL.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from .errors import DatabaseError

#: The database ``engagekit collect`` and ``engagekit serve`` use when no --db is given.
DEFAULT_URL = "sqlite:///engagekit.db"
BUSY_TIMEOUT_MS = 10_000


def normalise_url(url: str | None) -> str:
    """A SQLAlchemy URL from ``--db``: a URL as given, a plain path as a SQLite file;
    ``postgresql://`` means the psycopg 3 driver."""
    url = url or DEFAULT_URL
    if "://" not in url:
        url = f"sqlite:///{Path(url)}"
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        make_url(url)
    except ArgumentError as e:
        raise DatabaseError(f"--db {url!r} is not a database URL ({e}); give e.g. "
                            "sqlite:///engagekit.db or postgresql+psycopg://user@host/db") from e
    return url


def where(engine: Engine) -> str:
    """The database's URL for messages (password hidden)."""
    return engine.url.render_as_string(hide_password=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # pysqlite's own BEGIN off: SQLAlchemy's events rule
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def make_engine(url: str | None, *, writer: bool = True, pool_size: int = 4) -> Engine:
    """An engine for ``url``; ``writer`` engines begin SQLite transactions IMMEDIATE."""
    url = normalise_url(url)
    try:
        if url.startswith("sqlite"):
            database = make_url(url).database
            if database and database != ":memory:":
                folder = Path(database).resolve().parent
                if not folder.is_dir():
                    raise DatabaseError(f"--db {url}: folder {folder} does not exist; create it "
                                        "or give another path")
            engine = create_engine(url, pool_size=pool_size, max_overflow=8,
                                   connect_args={"check_same_thread": False,
                                                 "timeout": BUSY_TIMEOUT_MS / 1000})
            event.listen(engine, "connect", _sqlite_pragmas)
            begin = "BEGIN IMMEDIATE" if writer else "BEGIN"
            event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))
        else:
            engine = create_engine(url, pool_size=pool_size, max_overflow=8,
                                   pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as e:
        raise DatabaseError(f"--db {url}: no driver for this database ({e}); for PostgreSQL "
                            "install psycopg 3: pip install 'engagekit[postgres]'") from e
    return engine


# ---- migrations --------------------------------------------------------------------------

def _alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location",
                        str(resources.files("collect") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


@functools.cache
def head_revision() -> str:
    """The newest migration this engagekit has."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(resources.files("collect") / "migrations"))
    return script.get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as e:
        raise DatabaseError(f"cannot open the database {where(engine)}: {e.orig}") from e


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to the newest migration; returns (before, after)."""
    from alembic import command

    before = current_revision(engine)
    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return before, head_revision()


def ensure_current(engine: Engine, *, create: bool = False) -> None:
    """Refuse a database that is not at the newest migration; ``create`` migrates an empty
    (new) database instead of refusing it."""
    rev = current_revision(engine)
    if rev == head_revision():
        return
    if rev is None:
        tables = set(inspect(engine).get_table_names())
        if create and not tables:
            upgrade(engine)
            return
        if tables:
            raise DatabaseError(f"{where(engine)} is not an engagekit collection database (it "
                                f"has tables {', '.join(sorted(tables)[:5])} but no migration "
                                "record); give another --db")
        raise DatabaseError(f"{where(engine)} has no studies yet; create one with "
                            "'engagekit collect create' (or run 'engagekit collect migrate')")
    raise DatabaseError(f"{where(engine)} is at migration {rev}, this engagekit needs "
                        f"{head_revision()}; run 'engagekit collect migrate --db ...' first")
