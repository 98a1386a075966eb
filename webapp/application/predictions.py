"""Annotate notes with a model, the store's cache first: only the notes this exact model, at this
precision, has not seen go to the model, and what it finds is cached (offsets, labels and
probabilities, never the text of the note)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

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
) -> list[Prediction]:
    """Spans for each note: from the cache where this model has seen the note at ``precision``
    (the one ``predict`` runs at), else from ``predict`` (called once, on the distinct misses
    only), whose results are then cached under that precision."""
    found = store.cached_predictions(model, texts, precision=precision) if use_cache else [None] * len(texts)
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
            )
        fresh = {text: tuple(spans) for text, spans in zip(missing, predicted, strict=True)}
        for i, text in enumerate(texts):
            if found[i] is None:
                found[i] = Prediction(text_sha256(text), fresh[text], model.fingerprint, seconds, False, precision)
    return found  # type: ignore[return-value]
