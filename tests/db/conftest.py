"""Every store test runs twice: on a SQLite file, and on the PostgreSQL server named by
``MEDNER_TEST_DATABASE_URL`` (``.ci/run`` starts one). Without that variable the PostgreSQL
runs are skipped, unless ``MEDNER_REQUIRE_POSTGRES=1`` says they must run (as in CI)."""

import os
import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from db.repository import Store

POSTGRES_URL = os.environ.get("MEDNER_TEST_DATABASE_URL", "")


def _postgres_schema_url(request) -> str:
    if not POSTGRES_URL:
        if os.environ.get("MEDNER_REQUIRE_POSTGRES") == "1":
            pytest.fail("MEDNER_REQUIRE_POSTGRES=1 but MEDNER_TEST_DATABASE_URL is not set")
        pytest.skip("no PostgreSQL server: set MEDNER_TEST_DATABASE_URL (see .ci/postgres)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    request.addfinalizer(drop)
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """A URL to an empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return _postgres_schema_url(request)


@pytest.fixture
def store(database_url):
    opened = Store.open(database_url)
    yield opened
    opened.close()
