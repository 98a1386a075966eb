"""Cached predictions: (model fingerprint, precision, sha256 of the note) -> offsets, labels and
each span's probability, never the text."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db import records
from db.repository.base import StoreBase, text_sha256, utc_now
from db.schema import ModelRow, PredictionRow
from engine.types import RESOLVED_PRECISIONS, ModelInfo, Prediction, Span

log = logging.getLogger(__name__)


class PredictionCache(StoreBase):
    """Cached model output: looked up and saved here; whether to run a model on a miss is the
    application's to decide (``webapp.application.predictions.annotate``)."""

    def cached_predictions(
        self, model: ModelInfo | str, texts: Sequence[str], *, precision: str, digests: Sequence[str] | None = None
    ) -> list[Prediction | None]:
        """For each note, the cached spans of exactly this model (by fingerprint) run at exactly
        this precision (``fp32``, ``bf16``, ``fp16``: :func:`engine.devices.resolve_precision`), or None.

        A row whose checksum does not match what it holds (altered on disk, half-written by a
        broken tool, or cached before checksums existed) is never trusted: it is deleted, logged,
        and reported as a miss, so the caller recomputes it. ``digests``: the notes' sha256, where
        the caller has them already (a note is hashed once per request)."""
        fingerprint = model if isinstance(model, str) else model.fingerprint
        digests = [text_sha256(text) for text in texts] if digests is None else list(digests)
        if len(digests) != len(texts):
            raise ValueError(f"got {len(digests)} digests for {len(texts)} notes")
        with self._read() as session:
            rows = session.execute(
                select(
                    PredictionRow.id,
                    PredictionRow.text_sha256,
                    PredictionRow.spans,
                    PredictionRow.confidences,
                    PredictionRow.seconds,
                    PredictionRow.checksum,
                )
                .join(ModelRow, ModelRow.id == PredictionRow.model_id)
                .where(
                    ModelRow.fingerprint == fingerprint,
                    PredictionRow.precision == precision,
                    PredictionRow.text_sha256.in_(set(digests)),
                )
            ).all()
        found: dict[str, Prediction] = {}
        damaged: list[int] = []
        text_of = dict(zip(digests, texts, strict=True))
        for row_id, digest, spans, confidences, seconds, checksum in rows:
            try:
                if checksum != records.prediction_checksum(
                    fingerprint, digest, spans, confidences, precision=precision
                ):
                    raise ValueError("checksum does not match")
                rebuilt = records.spans_from_offsets(text_of[digest], spans, confidences)
                found[digest] = Prediction(digest, rebuilt, fingerprint, seconds, True, precision)
            except (TypeError, ValueError) as error:
                log.warning("cached prediction %s of model %s is damaged (%s); recomputing", row_id, fingerprint, error)
                damaged.append(row_id)
        if damaged:
            self._write(lambda session: session.execute(delete(PredictionRow).where(PredictionRow.id.in_(damaged))))
        return [found.get(digest) for digest in digests]

    def cached_prediction(self, model: ModelInfo | str, text: str, *, precision: str) -> Prediction | None:
        return self.cached_predictions(model, [text], precision=precision)[0]

    def save_predictions(
        self,
        model: ModelInfo,
        items: Sequence[tuple[str, Sequence[Span], float]],
        *,
        precision: str,
        digests: Sequence[str] | None = None,
    ) -> None:
        """Cache (note, spans, seconds) for ``model`` run at ``precision``; the note itself is not
        stored, only its hash (``digests``, where the caller has them already)."""
        if digests is not None and len(digests) != len(items):
            raise ValueError(f"got {len(digests)} digests for {len(items)} notes")
        if precision not in RESOLVED_PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(RESOLVED_PRECISIONS)}, got {precision!r}")
        if not items:
            return
        hashed = [text_sha256(text) for text, _, _ in items] if digests is None else list(digests)

        def work(session: Session) -> None:
            model_id = self._model_id(session, model)
            values = [
                {
                    "model_id": model_id,
                    "precision": precision,
                    "text_sha256": digest,
                    "spans": offsets,
                    "confidences": confidences,
                    "seconds": seconds,
                    "checksum": records.prediction_checksum(
                        model.fingerprint, digest, offsets, confidences, precision=precision
                    ),
                    "created_at": utc_now(),
                }
                for digest, offsets, confidences, seconds in (
                    (digest, records.span_offsets(spans), records.span_confidences(spans), seconds)
                    for digest, (_, spans, seconds) in zip(hashed, items, strict=True)
                )
            ]
            session.execute(self._insert(PredictionRow).values(values).on_conflict_do_nothing())

        self._write(work, races=True)

    def save_prediction(
        self, model: ModelInfo, text: str, spans: Sequence[Span], *, seconds: float, precision: str
    ) -> None:
        self.save_predictions(model, [(text, spans, seconds)], precision=precision)

    def clear_predictions(self, model: ModelInfo | None = None) -> int:
        """Forget cached predictions (of one model, or all); returns how many were removed."""

        def work(session: Session) -> int:
            statement = delete(PredictionRow)
            if model is not None:
                statement = statement.where(
                    PredictionRow.model_id.in_(select(ModelRow.id).where(ModelRow.fingerprint == model.fingerprint))
                )
            return session.execute(statement).rowcount or 0

        return self._write(work)
