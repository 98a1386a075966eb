import itertools

from hypothesis import given
from hypothesis import strategies as st

from engine.data.tokenize import sentences, words
from engine.types import Span


def texts(note: str) -> list[str]:
    return [word.text for word in words(note)]


def test_strength_splits_number_from_unit():
    assert texts("Aspirin 81mg PO") == ["Aspirin", "81", "mg", "PO"]


def test_dotted_dosing_abbreviations_stay_whole():
    assert texts("1 tab p.o. q.d. and b.i.d. p.r.n. pain") == [
        "1",
        "tab",
        "p.o.",
        "q.d.",
        "and",
        "b.i.d.",
        "p.r.n.",
        "pain",
    ]


def test_ranges_ratios_and_units_stay_whole():
    assert texts("take 1-2 tabs of 5/325 at 10 mg/kg or 2 units/hr") == [
        "take",
        "1-2",
        "tabs",
        "of",
        "5/325",
        "at",
        "10",
        "mg/kg",
        "or",
        "2",
        "units/hr",
    ]


def test_letter_first_alphanumerics_stay_whole_and_hyphens_between_letters_split():
    assert texts("q4h B12 HbA1c Lasix-induced") == ["q4h", "B12", "HbA1c", "Lasix", "-", "induced"]


def test_sentence_final_period_is_its_own_word():
    assert texts("given daily.") == ["given", "daily", "."]


def test_every_word_is_the_note_text_at_its_offsets():
    note = "Metoprolol 25mg PO b.i.d.\n\tK 3.2 mEq/L; 1-2 puffs q4-6h prn SOB (wheezing)."
    for word in words(note):
        assert note[word.start : word.end] == word.text


@given(st.text())
def test_offsets_are_exact_for_any_text(note):
    found = words(note)
    for word in found:
        assert note[word.start : word.end] == word.text
        assert word.text.strip() == word.text and word.text
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))
    assert "".join(w.text for w in found) == "".join(note.split())


def split(note: str, **kwargs) -> list[str]:
    return [note[s.start : s.end] for s in sentences(note, **kwargs)]


def test_sentences_follow_headers_lists_and_blank_lines():
    note = (
        "Discharge Medications:\n1. Aspirin 81 mg PO daily.\n2. Lisinopril 10 mg PO daily\n\n"
        "HOSPITAL COURSE\nShe was seen by Dr. Smith. She did well."
    )
    assert split(note) == [
        "Discharge Medications:",
        "1. Aspirin 81 mg PO daily.",
        "2. Lisinopril 10 mg PO daily",
        "HOSPITAL COURSE",
        "She was seen by Dr. Smith.",
        "She did well.",
    ]


def test_wrapped_lines_continue_the_sentence():
    assert split("The patient was started on\nlisinopril for hypertension.") == [
        "The patient was started on\nlisinopril for hypertension."
    ]


def test_dosing_abbreviation_followed_by_a_number_does_not_end_the_sentence():
    assert split("Tylenol 650 mg p.o. 2 times a day. Then home.") == [
        "Tylenol 650 mg p.o. 2 times a day.",
        "Then home.",
    ]


def test_no_sentence_break_inside_a_protected_span():
    note = "Started aspirin. Given for chest pain."
    protect = [Span.of(note, 8, 24, "Drug")]  # crosses the sentence break on purpose
    assert len(split(note)) == 2
    assert split(note, protect=protect) == [note]


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_every_word_lands_in_exactly_one_sentence(note):
    flat = [word for sentence in sentences(note) for word in sentence.words]
    assert flat == words(note)


def test_overlapping_protected_spans_merge():
    note = "Give aspirin. Then more. And done."
    protect = [Span.of(note, 5, 18, "Drug"), Span.of(note, 14, 27, "Reason")]
    assert split(note, protect=protect) == ["Give aspirin. Then more. And done."]
    assert split(note, protect=[Span.of(note, 5, 12, "Drug")]) == ["Give aspirin.", "Then more.", "And done."]


def test_gp_headers_with_their_content_short_lines_lower_case_starts_and_semicolons():
    note = (
        "Consultation with Dr Brown\r\n"
        "PC: sore throat\r\n"
        "HPC: Tried otc ibuprofen with some relief. sx started 4 days ago; worse at night.\r\n"
        "Current meds:\r\n"
        "co-amoxiclav 500mg tds\r\n"
        "Salbutamol 100mcg prn\r\n"
        "\r\n"
        "PMH: asthma; eczema\r\n"
    )
    assert split(note) == [
        "Consultation with Dr Brown",
        "PC: sore throat",
        "HPC: Tried otc ibuprofen with some relief.",
        "sx started 4 days ago;",
        "worse at night.",
        "Current meds:",
        "co-amoxiclav 500mg tds",
        "Salbutamol 100mcg prn",
        "PMH: asthma;",
        "eczema",
    ]


def test_abbreviations_before_lower_case_words_and_long_wrapped_lines_do_not_end_a_sentence():
    assert split("Give 2 tabs p.o. daily, e.g. with food, approx. five days.") == [
        "Give 2 tabs p.o. daily, e.g. with food, approx. five days."
    ]
    wrapped = "The patient was admitted with community acquired pneumonia and was\nstarted on ceftriaxone."
    assert split(wrapped) == [wrapped]  # a long line ending on a continuing word wraps
    assert split("Lisinopril 10 mg daily,\nmetformin 500 mg bd.") == ["Lisinopril 10 mg daily,\nmetformin 500 mg bd."]
