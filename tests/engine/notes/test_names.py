import pytest

from engine.notes.names import normalise


@pytest.mark.parametrize(
    ("written", "generic", "kind", "identifiers"),
    [
        ("Ventolin", "Salbutamol", "brand", {"DrugBank": "DB01001", "BNF": "0301011R0"}),
        ("paracetamol", "Paracetamol", "generic", {"DrugBank": "DB00316", "BNF": "0407010H0"}),
        ("Tylenol", "Acetaminophen", "generic", {"DrugBank": "DB00316"}),
        ("Lipitor", "Atorvastatin", "brand", {"DrugBank": "DB01076", "BNF": "0212000B0"}),
        ("Metformin XL", "Metformin hydrochloride", "generic", {"DrugBank": "DB00331", "BNF": "0601022B0"}),
        ("ASA", "Aspirin", "generic", {"DrugBank": "DB00945", "BNF": "0209000A0"}),
        ("co-amox", "Co-amoxiclav (Amoxicillin/clavulanic acid)", "generic", {"BNF": "0501013K0"}),
        ("statins", "Hydroxymethylglutaryl-CoA Reductase Inhibitors", "class", {"MeSH": "D019161"}),
        ("PPIs", "Proton Pump Inhibitors", "class", {"MeSH": "D054328"}),
    ],
)
def test_brands_abbreviations_and_classes_get_their_generic_name_and_identifiers(written, generic, kind, identifiers):
    name = normalise(written)
    assert (name.generic, name.kind) == (generic, kind)
    assert identifiers.items() <= name.identifiers().items()


def test_a_name_no_dictionary_knows_has_none():
    assert normalise("Apsirin") is None and normalise("") is None and normalise("  .") is None


def test_the_bnf_class_comes_with_a_uk_name():
    assert normalise("furosemide").bnf_class == "Cardiovascular System > Diuretics > Loop diuretics"


def test_a_generic_in_several_bnf_sections_takes_the_one_most_of_its_presentations_are_in():
    assert (
        normalise("prednisolone").bnf_class == "Endocrine System > Corticosteroids (endocrine) > Glucocorticoid therapy"
    )
    assert normalise("IV co-amoxiclav").bnf_code == "0501013K0", "a route before the name is not part of it"
