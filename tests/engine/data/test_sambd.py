import pytest

from engine.data.corpus import load_corpus, tagged_sentences
from engine.data.sambd import sambd


@pytest.fixture(scope="module")
def sentences(tiny_corpus):
    return [s for d in load_corpus(tiny_corpus).documents("train") for s in tagged_sentences(d)[0]]


def test_keeps_every_sentence_with_an_entity_and_few_without(sentences):
    kept, report = sambd(sentences, keep=0.08, seed=1)
    assert [s for s in sentences if s.has_entity] == [s for s in kept if s.has_entity]
    assert report.labels_before == report.labels_after
    share_before = report.empty_before / report.sentences_before
    share_after = report.empty_after / report.sentences_after
    assert share_before > 0.5 and share_after < 0.2
    assert 0 < report.empty_after < 0.2 * report.empty_before


def test_same_seed_same_sample_and_other_seed_other_sample(sentences):
    first, _ = sambd(sentences, seed=1)
    again, _ = sambd(sentences, seed=1)
    other, _ = sambd(sentences, seed=2)
    assert first == again and first != other


def test_a_sentence_draw_does_not_depend_on_the_others(sentences):
    whole, _ = sambd(sentences, seed=4)
    half = [s for s in sentences if s.document_id in {sentences[0].document_id}]
    part, _ = sambd(half, seed=4)
    assert part == [s for s in whole if s.document_id == sentences[0].document_id]


def test_probability_bounds(sentences):
    assert sambd(sentences, keep=1.0)[0] == list(sentences)
    assert all(s.has_entity for s in sambd(sentences, keep=0.0)[0])
    with pytest.raises(ValueError, match=r"keep must be a probability"):
        sambd(sentences, keep=1.5)


def test_test_split_is_never_sampled(sentences):
    with pytest.raises(ValueError, match="the test split is never sampled"):
        sambd(sentences, split="test")


def test_report_as_dict(sentences):
    data = sambd(sentences, seed=1)[1].as_dict()
    assert data["sentences"]["after"] < data["sentences"]["before"]
    assert data["share_without_entity"]["after"] < data["share_without_entity"]["before"]
