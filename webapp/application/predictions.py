"""Annotate notes with a model, the store's cache first: only the notes this exact model, at this
precision, has not seen go to the model, and what it finds is cached (offsets, labels and
probabilities, never the text of the note). Each note is hashed once per request, whatever the
number of models; the models come from the pool the server fills as it starts
(:mod:`webapp.application.warm`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from db.repository import Store, text_sha256
from engine.types import ModelInfo, Prediction, Span


def annotate(
    store: Store,
    model: ModelInfo,
    texts: Sequence[str],
    predict: Callable[[list[str]], list[list[Span]]],
    *,
    precision: str,
    use_cache: bool = True,
    digests: Sequence[str] | None = None,
) -> list[Prediction]:
    """Spans for each note: from the cache where this model has seen the note at ``precision``
    (the one ``predict`` runs at), else from ``predict`` (called once, on the distinct misses
    only), whose results are then cached under that precision. ``digests``: the notes' sha256
    where the caller has them (else computed here, once)."""
    digests = [text_sha256(text) for text in texts] if digests is None else list(digests)
    found = (
        store.cached_predictions(model, texts, precision=precision, digests=digests)
        if use_cache
        else [None] * len(texts)
    )
    digest_of = dict(zip(texts, digests, strict=True))
    missing = list(dict.fromkeys(text for text, hit in zip(texts, found, strict=True) if hit is None))
    if missing:
        began = time.perf_counter()
        predicted = predict(missing)
        seconds = (time.perf_counter() - began) / len(missing)
        if len(predicted) != len(missing):
            raise ValueError(f"predict returned {len(predicted)} results for {len(missing)} notes")
        if use_cache:
            store.save_predictions(
                model,
                [(text, spans, seconds) for text, spans in zip(missing, predicted, strict=True)],
                precision=precision,
                digests=[digest_of[text] for text in missing],
            )
        fresh = {text: tuple(spans) for text, spans in zip(missing, predicted, strict=True)}
        for i, text in enumerate(texts):
            if found[i] is None:
                found[i] = Prediction(digest_of[text], fresh[text], model.fingerprint, seconds, False, precision)
    return found  # type: ignore[return-value]


def pooled(model: ModelInfo, precision: str) -> Callable[[list[str]], list[list[Span]]]:
    """``model``'s predict at ``precision``, loaded from the pool only when a note misses the cache."""
    from webapp.application.warm import POOL

    def predict(texts: list[str]) -> list[list[Span]]:
        return POOL.get(model.folder, model.fingerprint, precision).predict(texts)

    return predict


@dataclass(frozen=True)
class Annotation:
    """One model's spans for a note, and how they were obtained."""

    model: ModelInfo
    prediction: Prediction
    seconds: float  # wall time of this request, cache lookup included


def annotate_note(
    store: Store, models: Sequence[ModelInfo], text: str, *, precision: str, use_cache: bool = True
) -> list[Annotation]:
    """Each model's spans for one note (:func:`annotate`, the pool's models), the note hashed once."""
    digests = [text_sha256(text)]
    results = []
    for model in models:
        began = time.perf_counter()
        (prediction,) = annotate(
            store, model, [text], pooled(model, precision), precision=precision, use_cache=use_cache, digests=digests
        )
        results.append(Annotation(model, prediction, time.perf_counter() - began))
    return results
