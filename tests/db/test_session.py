import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from db.session import database_url, make_engine, writer


def test_default_is_a_sqlite_file_in_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("MEDNER_DATA", str(tmp_path / "appdata"))
    assert database_url() == f"sqlite:///{tmp_path / 'appdata' / 'medner.db'}"


def test_hosting_style_postgres_urls_use_psycopg(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/app")
    assert database_url() == "postgresql+psycopg://u:p@db.example:5432/app"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/app")
    assert database_url() == "postgresql+psycopg://u@h/app"
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/app")
    assert database_url() == "postgresql+psycopg://u@h/app"


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    assert (tmp_path / "sub" / "x.db").exists()
    engine.dispose()


def test_writers_take_the_lock_when_they_begin_and_readers_are_not_blocked(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    first = make_engine(url)
    with first.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    monkeypatch.setattr("db.session.BUSY_TIMEOUT_S", 0.2)
    second = make_engine(url)
    with writer(first).begin() as holder:
        holder.execute(text("INSERT INTO t VALUES (1)"))
        with second.connect() as reader:
            assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0
        with pytest.raises(OperationalError, match="database is locked"), writer(second).begin():
            pass  # refused at BEGIN IMMEDIATE, before any work was done
    with writer(second).begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (2)"))
    with second.connect() as reader:
        assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 2
    first.dispose()
    second.dispose()
