from collections import Counter

import pytest

from engine.data.corpus import load_corpus
from engine.models.base import TrainingSettings
from engine.models.kinds import KINDS
from engine.models.tagger import load_tagger
from engine.training.data import fingerprint, select_documents
from engine.training.loop import train
from engine.training.settings import Recipe


def test_train_fraction_nests_and_fingerprints_differ(tiny_corpus):
    documents = load_corpus(tiny_corpus).documents("train")
    quarter, half = select_documents(documents, 0.25, 1), select_documents(documents, 0.5, 1)
    assert len(quarter) == 2 and len(half) == 4
    assert {d.id for d in quarter} <= {d.id for d in half}
    assert fingerprint(quarter) != fingerprint(half)
    with pytest.raises(ValueError, match="train fraction"):
        select_documents(documents, 0.0, 1)


@pytest.mark.parametrize("kind", ["transformer-crf", "transformer"])
def test_open_corpus_sentences_join_training_partially_labelled(kind, tiny_corpus, tmp_path):
    from engine.training.data import TrainingData, examples, prepare_data, to_tensors

    settings = TrainingSettings(
        epochs=1, learning_rate=2e-3, batch_size=8, open_corpora=("neurotrialner", "tac2017-adr"), open_sentences=15
    )
    prepared: TrainingData = prepare_data(load_corpus(tiny_corpus), settings)
    partial = [s for s in prepared.sentences if s.partial]
    assert len(partial) == 30
    assert any("Drug" not in s.annotates for s in partial) and any("ADE" not in s.annotates for s in partial)
    result = train(Recipe(KINDS[kind], settings, size="tiny"), tiny_corpus, tmp_path / kind)
    tagger = load_tagger(result.folder)
    assert tagger.config.training.open_corpora == ["neurotrialner", "tac2017-adr"]
    # the real sentences' words are in the scratch WordPiece vocabulary: the commonest word of the
    # sampled real sentences that the demo notes never write (which sentences are sampled follows
    # the sentence splitter's rules, so the word is found, not named)
    demo_text = " ".join(d.text for d in load_corpus(tiny_corpus).documents("train"))
    new_words = Counter(w.text for s in partial for w in s.words if w.text.isalpha() and w.text not in demo_text)
    real_word, count = new_words.most_common(1)[0]
    assert count >= 3 and real_word in tagger.tokenizer.get_vocab()
    tensors = to_tensors(examples(tagger, partial[:4], 64), tagger.tokenizer.pad_token_id)
    assert tensors["allowed"].sum(-1)[tensors["word_mask"]].gt(1).any()


def test_training_drugs_are_the_drug_spans_in_name_form():
    from engine.data.corpus import TaggedSentence
    from engine.data.tokenize import words
    from engine.scores.strict import drug_name
    from engine.training.data import training_drugs

    text = "Co-codamol and Insulin Glargine then aspirin"
    split = tuple(words(text))
    tags = ("B-Drug", "I-Drug", "I-Drug", "O", "B-Drug", "I-Drug", "O", "B-Drug")
    names = training_drugs([TaggedSentence("d", split, tags)])
    assert names == {drug_name("Co-codamol"), "insulin glargine", "aspirin"}
