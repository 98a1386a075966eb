from engine.scores.errors import forgiven_by_lenient, predicted_spans
from engine.types import Document, Span, SpanError
from webapp.application.scores import lenient_verdicts, published_figures

NOTE = "Aspirin 81 mg daily for chest pain."
GOLD = Document("n1", NOTE, (Span.of(NOTE, 0, 7, "Drug"), Span.of(NOTE, 8, 13, "Strength")))


def test_a_boundary_error_is_forgiven_a_missed_span_is_not_and_a_vanished_document_counts():
    boundary = SpanError("n1", Span.of(NOTE, 8, 13, "Strength"), Span.of(NOTE, 8, 10, "Strength"), "boundary")
    missed = SpanError("n1", Span.of(NOTE, 0, 7, "Drug"), None, "missed")
    gone = SpanError("n2", None, Span.of(NOTE, 14, 19, "Frequency"), "spurious")
    verdicts = lenient_verdicts([GOLD], [boundary, missed, gone])
    assert verdicts == {boundary: True, missed: False, gone: False}
    predicted = predicted_spans(GOLD, [boundary, missed])
    assert verdicts[boundary] == forgiven_by_lenient(boundary, GOLD.spans, predicted)


def test_published_figures_name_their_source():
    rows, source = published_figures()
    assert "arXiv:2210.12770" in source
    assert rows and all(0.0 <= f <= 1.0 for row in rows.values() for f in row.values())
