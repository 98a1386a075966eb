"""The store: SQLite by default, PostgreSQL by ``DATABASE_URL``. Only :mod:`db.repository` opens sessions."""
