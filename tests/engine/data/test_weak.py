"""The labelling functions of engine.data.weak on crafted sentences, one function at a time, and
what they leave unlabelled; the lexicons they read."""

import pytest

from engine.data.lexicons import class_names, uk_medicine_names, uk_vocabulary
from engine.data.weak import ANNOTATES, weak_document, weak_labels


def labelled(text):
    labels = weak_labels("note", text)
    return [(s.label, s.text) for s in labels.spans], [text[a:b] for a, b in labels.unlabelled]


@pytest.mark.parametrize(
    ("text", "drug"),
    [
        ("Started lisinopril today.", "lisinopril"),  # the drug dictionary (DrugBank)
        ("Has been using Fostair since May.", "Fostair"),  # a UK brand (BNF)
        ("Takes co-codamol when needed.", "co-codamol"),  # a UK generic with a hyphen
        ("Avoid NSAIDs for now.", "NSAIDs"),  # a MeSH class synonym
        ("Uses her blue inhaler.", "blue inhaler"),  # a class word clinicians write
        ("Given IV abx on admission.", "abx"),  # the route before a class is the Route
        ("Advised proton pump inhibitors.", "proton pump inhibitors"),  # a BNF paragraph
    ],
)
def test_drug_names_come_from_the_dictionary_uk_names_and_classes(text, drug):
    spans, _ = labelled(text)
    assert ("Drug", drug) in spans


@pytest.mark.parametrize(
    "text",
    [
        "Creatinine was 1.2 today.",  # an analyte the dictionary holds
        "Seen with Dr. Warfarin in clinic.",  # a clinician's name after a title
        "Drinks alcohol at weekends.",
        "Reduce salt intake.",
    ],
)
def test_names_a_note_uses_for_something_else_stay_plain_text(text):
    spans, unlabelled = labelled(text)
    assert spans == []
    assert not {"Creatinine", "Warfarin", "alcohol", "salt"} & set(unlabelled)


def test_ambiguous_names_are_left_unlabelled_not_taught_either_way():
    spans, unlabelled = labelled("Her potassium was low and she smokes marijuana.")
    assert spans == []
    assert {"potassium", "marijuana"} <= set(unlabelled)


def test_attributes_of_a_drug_in_the_same_sentence():
    spans, _ = labelled("Take amoxicillin 500 mg 2 tablets by mouth every 6 to 8 hours as needed for 7 days.")
    assert spans == [
        ("Drug", "amoxicillin"),
        ("Strength", "500 mg"),
        ("Dosage", "2"),
        ("Form", "tablets"),
        ("Route", "by mouth"),
        ("Frequency", "every 6 to 8 hours as needed"),
        ("Duration", "for 7 days"),
    ]


def test_a_saturation_is_not_a_strength_but_a_cream_percentage_is():
    spans, _ = labelled("Sats 98% on air; hydrocortisone 1% cream twice a day.")
    assert ("Strength", "98%") not in spans
    assert ("Strength", "1%") in spans
    assert ("Form", "cream") in spans and ("Frequency", "twice a day") in spans


def test_attribute_look_alikes_without_a_drug_in_the_sentence_are_left_unlabelled():
    spans, unlabelled = labelled("She takes it twice a day. Walks 2 miles daily.")
    assert spans == []
    assert {"twice a day", "daily"} <= set(unlabelled)


def test_unknown_words_that_may_be_drugs_are_unlabelled_and_known_words_are_not():
    spans, unlabelled = labelled("Switched to Zorbivax after seeing Mr Walker about her headaches.")
    assert spans == []
    assert "Zorbivax" in unlabelled  # in no dictionary and no vocabulary: may be a new drug
    assert not {"Walker", "headaches", "Switched"} & set(unlabelled)  # a name after a title, words


def test_no_weak_span_crosses_a_line_break_or_is_punctuation_only():
    text = "Plan:\n- amoxicillin\n500 mg three times a day\n- ibuprofen 400 mg, paracetamol 1 g\r\n"
    for span in weak_labels("note", text).spans:
        assert "\n" not in span.text and "\r" not in span.text
        assert any(c.isalnum() for c in span.text)
        assert text[span.start : span.end] == span.text


def test_a_weak_document_carries_its_spans_and_regions():
    document, regions = weak_document("n1", "Start metformin 500 mg daily. Zorbivax trial.")
    assert document.id == "n1" and [s.label for s in document.spans] == ["Drug", "Strength", "Frequency"]
    assert regions
    assert {"Reason", "ADE"}.isdisjoint(ANNOTATES)  # causes need a reader of causes: left free


def test_lexicons_hold_uk_names_and_medicine_classes_but_not_everyday_words_or_non_medicines():
    names, classes = uk_medicine_names(), class_names()
    assert {"co-codamol", "calpol", "sudocrem", "fostair"} <= names
    assert not {"care", "resolve"} & names  # brands that are everyday words
    assert {"nsaids", "proton pump inhibitors", "emollients", "laxatives", "loop diuretics"} <= classes
    assert not {"pesticides", "carcinogens"} & classes
    assert {"oral", "intravenous", "subcutaneous"} <= uk_vocabulary("route")
