"""Sessions, retries and models: what every part of the store shares."""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Self, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from db import records
from db.migrate import upgrade
from db.schema import ModelRow
from db.session import make_engine, writer
from engine.types import ModelInfo

T = TypeVar("T")
#: How often a write is tried when it meets a lock, a serialisation failure or a racing insert.
WRITE_ATTEMPTS = 10
_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available


class StoreError(RuntimeError):
    """Something the store cannot do; the message says what and why."""


class NotFound(StoreError, LookupError):
    """A corpus, document, model, evaluation or job that is not in the store."""


class RevisionConflict(StoreError):
    """A gold edit based on a revision that someone else has replaced meanwhile."""


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _retryable(error: Exception) -> bool:
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(original) or "database table is locked" in str(original)


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreBase:
    """Engine, session factories, the retrying write transaction, and model registration."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(writer(engine), expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None, *, migrate: bool = True) -> Self:
        """The store at ``url`` (default: ``DATABASE_URL`` or the SQLite file), migrated to head."""
        engine = make_engine(url)
        if migrate:
            upgrade(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    # --- sessions -------------------------------------------------------------------------------

    def _write(self, work: Callable[[Session], T], *, races: bool = False) -> T:
        """Run ``work`` in one write transaction; retry on locks (and on unique-key races if ``races``)."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self._writer.begin() as session:
                    return work(session)
            except OperationalError as error:
                if attempt == WRITE_ATTEMPTS or not _retryable(error):
                    raise
            except IntegrityError:
                if attempt == WRITE_ATTEMPTS or not races:
                    raise
            time.sleep(min(2.0, 0.02 * 2**attempt) * random.uniform(0.5, 1.0))
        raise AssertionError("unreachable")

    def _insert(self, table):
        """``INSERT ... ON CONFLICT DO NOTHING`` in the dialect of this database."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    # --- models ---------------------------------------------------------------------------------

    def register_model(self, info: ModelInfo) -> ModelInfo:
        """Record a model (once per fingerprint) and return it as stored. A model registered again
        from another folder (moved, renamed or copied) is recorded where it was seen last, so the
        store never sends a loader to a folder that is gone."""

        def work(session: Session) -> ModelInfo:
            row = session.get_one(ModelRow, self._model_id(session, info))
            if (row.name, row.folder) != (info.name, info.folder):
                row.name, row.folder = info.name, info.folder
            return records.model_info(row)

        return self._write(work, races=True)

    def models(self) -> list[ModelInfo]:
        """Every registered model, oldest first."""
        with self._read() as session:
            rows = session.scalars(select(ModelRow).order_by(ModelRow.created_at, ModelRow.id))
            return [records.model_info(row) for row in rows]

    def model(self, fingerprint: str) -> ModelInfo:
        with self._read() as session:
            row = session.scalars(select(ModelRow).where(ModelRow.fingerprint == fingerprint)).one_or_none()
            if row is None:
                raise NotFound(f"no model with fingerprint {fingerprint[:12]}... is registered")
            return records.model_info(row)

    def _model_id(self, session: Session, model: ModelInfo) -> int:
        found = session.scalar(select(ModelRow.id).where(ModelRow.fingerprint == model.fingerprint))
        if found is not None:
            return found
        session.execute(self._insert(ModelRow).values(**records.model_row(model)).on_conflict_do_nothing())
        return session.scalars(select(ModelRow.id).where(ModelRow.fingerprint == model.fingerprint)).one()
