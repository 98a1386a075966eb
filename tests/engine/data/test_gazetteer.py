from engine.data.gazetteer import BEGIN, INSIDE, MAX_WORDS, OUTSIDE, Gazetteer, drug_gazetteer
from engine.data.tokenize import words

NAMES = ["aspirin", "insulin", "insulin glargine", "co-codamol", "vitamin d", "Nurofen"]


def tags(gazetteer, text):
    return gazetteer.tags([w.text for w in words(text)])


def test_longest_match_wins_and_the_scan_goes_on_after_it():
    gazetteer = Gazetteer(NAMES)
    assert tags(gazetteer, "insulin glargine and insulin") == [BEGIN, INSIDE, OUTSIDE, BEGIN]


def test_matching_ignores_case_and_follows_the_project_word_split():
    gazetteer = Gazetteer(NAMES)
    # "Co-codamol" is three words here (co, -, codamol), as the dictionary entry is split
    assert tags(gazetteer, "Took CO-CODAMOL, nurofen") == [OUTSIDE, BEGIN, INSIDE, INSIDE, OUTSIDE, BEGIN]
    assert "Co-Codamol" in gazetteer and "codamol" not in gazetteer


def test_a_prefix_of_a_name_is_not_a_match():
    gazetteer = Gazetteer(NAMES)
    assert tags(gazetteer, "vitamin supplements") == [OUTSIDE, OUTSIDE]
    assert tags(gazetteer, "vitamin D3") == [OUTSIDE, OUTSIDE]
    assert tags(gazetteer, "vitamin D daily") == [BEGIN, INSIDE, OUTSIDE]


def test_overlong_names_and_empty_input():
    gazetteer = Gazetteer(["a b c d e f g"[: 2 * (MAX_WORDS + 1) - 1], "x"])
    assert len(gazetteer) == 1
    assert gazetteer.tags([]) == []


def test_the_drug_dictionary_knows_british_and_brand_names_but_not_shorthand():
    gazetteer = drug_gazetteer()
    for name in ("paracetamol", "co-amoxiclav", "salbutamol", "Ventolin", "insulin glargine"):
        assert name in gazetteer, name
    text = "pt c/o sx, otc rx asap, eczema after food"
    assert tags(gazetteer, text) == [OUTSIDE] * len(words(text))


def test_class_names_get_their_own_tags_and_a_name_that_is_both_counts_as_a_drug():
    from engine.data.gazetteer import CLASS_BEGIN, CLASS_INSIDE

    gazetteer = Gazetteer(NAMES, classes=["proton pump inhibitors", "nsaids", "insulin"])
    assert tags(gazetteer, "NSAIDs and proton pump inhibitors, insulin") == [
        CLASS_BEGIN, OUTSIDE, CLASS_BEGIN, CLASS_INSIDE, CLASS_INSIDE, OUTSIDE, BEGIN,
    ]  # fmt: skip


def test_the_lexicons_a_model_can_read():
    import pytest

    from engine.data.gazetteer import CLASS_BEGIN, CLASS_INSIDE, LEXICONS, lexicon_gazetteer

    assert LEXICONS == {"drugbank": 3, "medicines": 5}
    assert lexicon_gazetteer("drugbank") is drug_gazetteer()
    medicines = lexicon_gazetteer("medicines")
    assert "doublebase" in medicines and "doublebase" not in drug_gazetteer()  # a UK emollient brand
    assert tags(medicines, "Uses her blue inhaler") == [OUTSIDE, OUTSIDE, CLASS_BEGIN, CLASS_INSIDE]
    assert tags(drug_gazetteer(), "Uses her blue inhaler") == [OUTSIDE] * 4
    with pytest.raises(ValueError, match="unknown lexicon 'bnf'; choose one of drugbank, medicines"):
        lexicon_gazetteer("bnf")
