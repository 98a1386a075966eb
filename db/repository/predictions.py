"""Cached predictions: (model fingerprint, sha256 of the note) -> offsets, labels and each span's
probability, never the text."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db import records
from db.repository.base import StoreBase, text_sha256, utc_now
from db.schema import ModelRow, PredictionRow
from engine.types import ModelInfo, Prediction, Span

log = logging.getLogger(__name__)


class PredictionCache(StoreBase):
    """Cached model output; a hit never runs the model."""

    def cached_predictions(self, model: ModelInfo | str, texts: Sequence[str]) -> list[Prediction | None]:
        """For each note, the cached spans of exactly this model (by fingerprint), or None.

        A row whose checksum does not match what it holds (altered on disk, half-written by a
        broken tool, or cached before checksums existed) is never trusted: it is deleted, logged,
        and reported as a miss, so the caller recomputes it."""
        fingerprint = model if isinstance(model, str) else model.fingerprint
        digests = [text_sha256(text) for text in texts]
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
                .where(ModelRow.fingerprint == fingerprint, PredictionRow.text_sha256.in_(set(digests)))
            ).all()
        found: dict[str, Prediction] = {}
        damaged: list[int] = []
        text_of = dict(zip(digests, texts, strict=True))
        for row_id, digest, spans, confidences, seconds, checksum in rows:
            try:
                if checksum != records.prediction_checksum(fingerprint, digest, spans, confidences):
                    raise ValueError("checksum does not match")
                rebuilt = records.spans_from_offsets(text_of[digest], spans, confidences)
                found[digest] = Prediction(digest, rebuilt, fingerprint, seconds, True)
            except (TypeError, ValueError) as error:
                log.warning("cached prediction %s of model %s is damaged (%s); recomputing", row_id, fingerprint, error)
                damaged.append(row_id)
        if damaged:
            self._write(lambda session: session.execute(delete(PredictionRow).where(PredictionRow.id.in_(damaged))))
        return [found.get(digest) for digest in digests]

    def cached_prediction(self, model: ModelInfo | str, text: str) -> Prediction | None:
        return self.cached_predictions(model, [text])[0]

    def save_predictions(self, model: ModelInfo, items: Sequence[tuple[str, Sequence[Span], float]]) -> None:
        """Cache (note, spans, seconds) for ``model``; the note itself is not stored, only its hash."""
        if not items:
            return

        def work(session: Session) -> None:
            model_id = self._model_id(session, model)
            values = [
                {
                    "model_id": model_id,
                    "text_sha256": digest,
                    "spans": offsets,
                    "confidences": confidences,
                    "seconds": seconds,
                    "checksum": records.prediction_checksum(model.fingerprint, digest, offsets, confidences),
                    "created_at": utc_now(),
                }
                for digest, offsets, confidences, seconds in (
                    (text_sha256(text), records.span_offsets(spans), records.span_confidences(spans), seconds)
                    for text, spans, seconds in items
                )
            ]
            session.execute(self._insert(PredictionRow).values(values).on_conflict_do_nothing())

        self._write(work, races=True)

    def save_prediction(self, model: ModelInfo, text: str, spans: Sequence[Span], *, seconds: float) -> None:
        self.save_predictions(model, [(text, spans, seconds)])

    def annotate(
        self,
        model: ModelInfo,
        texts: Sequence[str],
        predict: Callable[[list[str]], list[list[Span]]],
        *,
        use_cache: bool = True,
    ) -> list[Prediction]:
        """Spans for each note: from the cache where this model has seen the note, else from
        ``predict`` (called once, on the distinct misses only), whose results are then cached."""
        found = self.cached_predictions(model, texts) if use_cache else [None] * len(texts)
        missing = list(dict.fromkeys(text for text, hit in zip(texts, found, strict=True) if hit is None))
        if missing:
            began = time.perf_counter()
            predicted = predict(missing)
            seconds = (time.perf_counter() - began) / len(missing)
            if len(predicted) != len(missing):
                raise ValueError(f"predict returned {len(predicted)} results for {len(missing)} notes")
            if use_cache:
                self.save_predictions(
                    model, [(text, spans, seconds) for text, spans in zip(missing, predicted, strict=True)]
                )
            fresh = {text: tuple(spans) for text, spans in zip(missing, predicted, strict=True)}
            for i, text in enumerate(texts):
                if found[i] is None:
                    found[i] = Prediction(text_sha256(text), fresh[text], model.fingerprint, seconds, False)
        return found  # type: ignore[return-value]

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
