"""Schema migrations with Alembic, run from code: no ``alembic.ini`` to find, one lock at a time.

Several processes may open the store at once (the app, a training job, the CLI). Upgrading takes
a lock first (the SQLite write lock, or a PostgreSQL advisory lock), so exactly one of them
migrates and the others find the schema at head.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from db.session import writer

MIGRATIONS = Path(__file__).parent / "migrations"
#: Any fixed number: the PostgreSQL advisory lock that serialises migrations.
_ADVISORY_LOCK = 48_151_623


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations in {MIGRATIONS}")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _locked(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (default: the newest); a no-op when it is there already."""
    target = head_revision() if revision == "head" else revision
    if current_revision(engine) == target:
        return
    with writer(engine).begin() as connection:
        _locked(connection)
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back to ``revision`` (``base`` drops every table)."""
    with writer(engine).begin() as connection:
        _locked(connection)
        command.downgrade(alembic_config(connection), revision)
