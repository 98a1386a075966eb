"""An ADE needs a drug and a causal cue in its sentence (engine.data.causes), and the pipeline
drops the ADEs that have neither (engine.inference.rules.caused)."""

import pytest

from engine.data.causes import has_cause
from engine.data.tokenize import sentences
from engine.inference.rules import caused
from engine.types import Span


def spans_in(text, *pairs):
    out = []
    for label, words in pairs:
        start = text.index(words)
        out.append(Span(start, start + len(words), label, words))
    return out


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Developed a rash after starting amoxicillin.", True),
        ("Stopped ramipril due to cough.", True),
        ("Stop ramipril - cough.", True),
        ("Lisinopril-induced angioedema.", True),
        ("GI upset with metformin.", True),
        ("Presents with headache, taking paracetamol.", True),  # "with": a cue the rule cannot tell apart
        ("Headache for 3 days, paracetamol helps a little.", False),
        ("Cough and fever for 5 days.", False),  # no drug in the sentence
        ("Reports cough. Takes ramipril daily.", False),  # the drug is in another sentence
    ],
)
def test_an_ade_is_kept_only_with_a_drug_and_a_cause_in_its_sentence(text, kept):
    symptom = next(w for w in ("rash", "cough", "angioedema", "GI upset", "headache", "Headache", "Cough") if w in text)
    drugs = [w for w in ("amoxicillin", "ramipril", "Lisinopril", "metformin", "paracetamol") if w in text]
    spans = spans_in(text, ("ADE", symptom), *(("Drug", drug) for drug in drugs))
    note = sentences(text)
    per_sentence = [[s for s in spans if sentence.start <= s.start <= sentence.end] for sentence in note]
    result = [s for group in caused(text, note, per_sentence) for s in group]
    assert (spans[0] in result) is kept
    assert [s for s in result if s.label == "Drug"] == [s for s in spans if s.label == "Drug"]  # drugs stay
    first = note[0]
    assert has_cause(text, first.start, first.end, spans[0], spans) is (kept and spans[0].start < first.end)
