"""Database engines from ``DATABASE_URL``: a SQLite file by default, PostgreSQL for teams.

SQLite is set up for several processes at once (the app, training jobs, the CLI): WAL journal,
foreign keys on, ``secure_delete`` (a deleted note is overwritten, not just unlinked), a busy
timeout, and write transactions that take the write lock when they begin (``BEGIN IMMEDIATE``), so
two writers queue instead of failing with "database is locked" halfway through.
Reads stay deferred and never wait for a writer.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

#: Where the app keeps its data when nothing else is said (the SQLite file among it).
DATA_DIR_VARIABLE = "MEDNER_DATA"
DEFAULT_DATA_DIR = Path("data")
#: Seconds a SQLite writer waits for another writer before giving up.
BUSY_TIMEOUT_S = 30.0
#: Execution option that marks a connection as a writer (see :func:`writer`).
WRITE_OPTION = "medner_write"


def data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_VARIABLE, "") or DEFAULT_DATA_DIR)


def database_url() -> str:
    """``DATABASE_URL`` if set (``postgres://`` accepted, as hosting platforms write it), else a
    SQLite file ``medner.db`` in the data folder."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{data_dir() / 'medner.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default :func:`database_url`), with the SQLite settings above."""
    url = url or database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        # pysqlite's own BEGIN handling is switched off: the "begin" hook below issues BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Freed pages are overwritten with zeros: a deleted note does not linger in the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, marked so that its transactions begin as writers."""
    return engine.execution_options(**{WRITE_OPTION: True})
