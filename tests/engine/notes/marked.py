"""A note with its spans marked by their text, shared by the notes tests."""

from engine.types import Document, Relation, Span


def marked(text: str, marks: list[tuple[str, str]], relations: tuple[Relation, ...] = (), *, id: str = "n") -> Document:
    """``text`` with each ``(piece, label)`` marked where it next occurs, refs ``T1``, ``T2``..."""
    spans, cursor = [], 0
    for i, (piece, label) in enumerate(marks, start=1):
        start = text.index(piece, cursor)
        spans.append(Span.of(text, start, start + len(piece), label, ref=f"T{i}"))
        cursor = start + len(piece)
    return Document(id, text, tuple(spans), relations)
