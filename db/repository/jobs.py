"""Training jobs: status, progress events and log, for pages that poll them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from db import records
from db.repository.base import NotFound, StoreBase, utc_now
from db.schema import TrainingEventRow, TrainingJobRow
from engine.types import JobStatus, TrainingJob


class JobStore(StoreBase):
    """Training jobs that run in their own process and report here."""

    def create_job(self, kind: str, settings: Mapping[str, Any], output: str) -> TrainingJob:
        def work(session: Session) -> TrainingJob:
            row = TrainingJobRow(
                kind=kind, settings=dict(settings), output=output, status="queued", created_at=utc_now()
            )
            session.add(row)
            session.flush()
            return records.training_job(row, events=False)

        return self._write(work)

    def claim_job(self) -> TrainingJob | None:
        """The oldest queued job, now marked running (no process yet), or None when none is queued.
        Two workers never claim the same job: the update only takes a job still queued."""
        while True:
            with self._read() as session:
                statement = select(TrainingJobRow.id).where(TrainingJobRow.status == "queued")
                job_id = session.scalars(statement.order_by(TrainingJobRow.id).limit(1)).first()
            if job_id is None:
                return None

            def work(session: Session, job_id: int = job_id) -> int:
                claimed = update(TrainingJobRow).where(TrainingJobRow.id == job_id, TrainingJobRow.status == "queued")
                return session.execute(claimed.values(status="running", started_at=utc_now())).rowcount

            if self._write(work):
                return self.job(job_id)

    def start_job(self, job_id: int, *, pid: int) -> None:
        self._update_job(job_id, status="running", pid=pid, started_at=utc_now())

    def report_progress(
        self,
        job_id: int,
        *,
        event: str,
        epoch: int,
        step: int,
        steps: int,
        loss: float,
        progress: float,
        dev_macro_f1: float | None = None,
    ) -> None:
        """One progress report: stored as an event (for the charts) and as the job's progress."""

        def work(session: Session) -> None:
            session.add(
                TrainingEventRow(
                    job_id=job_id,
                    at=utc_now(),
                    event=event,
                    epoch=epoch,
                    step=step,
                    steps=steps,
                    loss=loss,
                    dev_macro_f1=dev_macro_f1,
                )
            )
            session.execute(update(TrainingJobRow).where(TrainingJobRow.id == job_id).values(progress=progress))

        self._write(work)

    def append_log(self, job_id: int, line: str) -> None:
        def work(session: Session) -> None:
            row = session.get(TrainingJobRow, job_id)
            if row is None:
                raise NotFound(f"no training job {job_id}")
            row.log = row.log + line.rstrip("\n") + "\n"

        self._write(work)

    def finish_job(
        self, job_id: int, status: JobStatus, *, error: str = "", model_fingerprint: str | None = None
    ) -> None:
        if status not in ("succeeded", "failed", "cancelled"):
            raise ValueError(f"a job finishes as succeeded, failed or cancelled, not {status!r}")
        values: dict[str, Any] = {"status": status, "error": error, "finished_at": utc_now()}
        if status == "succeeded":
            values["progress"] = 1.0
        if model_fingerprint is not None:
            values["model_fingerprint"] = model_fingerprint
        self._update_job(job_id, **values)

    def _update_job(self, job_id: int, **values: Any) -> None:
        def work(session: Session) -> None:
            if not session.execute(update(TrainingJobRow).where(TrainingJobRow.id == job_id).values(**values)).rowcount:
                raise NotFound(f"no training job {job_id}")

        self._write(work)

    def job(self, job_id: int) -> TrainingJob:
        """One job with all its progress events."""
        with self._read() as session:
            row = session.get(TrainingJobRow, job_id, options=[selectinload(TrainingJobRow.events)])
            if row is None:
                raise NotFound(f"no training job {job_id}")
            return records.training_job(row, events=True)

    def jobs(self, *, status: Iterable[str] | None = None) -> list[TrainingJob]:
        """Jobs without their events, newest first."""
        with self._read() as session:
            statement = select(TrainingJobRow).order_by(TrainingJobRow.id.desc())
            if status is not None:
                statement = statement.where(TrainingJobRow.status.in_(list(status)))
            return [records.training_job(row, events=False) for row in session.scalars(statement)]
