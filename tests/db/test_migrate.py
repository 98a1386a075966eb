from sqlalchemy import inspect

from db.migrate import current_revision, downgrade, head_revision, upgrade
from db.schema import Base
from db.session import make_engine

TABLES = set(Base.metadata.tables)


def tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_an_empty_database_upgrades_to_head_and_downgrades_to_nothing(database_url):
    engine = make_engine(database_url)
    assert tables(engine) == set() and current_revision(engine) is None
    upgrade(engine)
    assert tables(engine) == TABLES and current_revision(engine) == head_revision()
    downgrade(engine, "base")
    assert tables(engine) == set() and current_revision(engine) is None
    upgrade(engine)
    assert tables(engine) == TABLES
    engine.dispose()


def test_upgrading_a_database_at_head_changes_nothing(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_the_migrations_match_the_models(database_url):
    """Autogenerate finds nothing to do: the migration files create exactly the tables of schema.py."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(database_url)
    upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    engine.dispose()
