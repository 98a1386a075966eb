from engine.synth.lexicon import CLASS_RULES, CLASSES, COMMON, classify, load_drugs


def test_lexicon_has_common_and_long_tail_drugs():
    drugs = load_drugs()
    names = [drug.name for drug in drugs]
    assert len(drugs) > 1000
    assert names[:3] == list(COMMON[:3])
    assert len(set(names)) == len(names)


def test_classes_follow_the_rules_table():
    assert classify("metoprolol").name == "beta blocker"
    assert classify("lisinopril").name == "ace inhibitor"
    assert classify("omeprazole").name == "acid suppressant"  # not an antifungal "-azole"
    assert classify("fluconazole").name == "antifungal"
    assert classify("ceftriaxone").name == "antibiotic"
    assert classify("zzzz").name == "other"


def test_every_rule_names_a_known_class():
    assert {name for name, _ in CLASS_RULES} <= set(CLASSES)
    for drug_class in CLASSES.values():
        assert drug_class.reasons and drug_class.adverse_events and drug_class.strengths
