import pytest

from engine.labels import TAGS
from engine.models.base import TrainingSettings
from engine.models.hf import EncoderNotFoundError, default_encoder, load_encoder, load_tokenizer
from engine.models.network import WordTagger
from engine.models.registry import KINDS, build_tagger
from engine.models.scratch import scratch_encoder


def test_the_four_kinds():
    assert set(KINDS) == {"transformer-crf", "transformer", "encoder-crf", "encoder"}
    assert KINDS["transformer-crf"].learning_rate == 1e-4 and KINDS["encoder"].learning_rate == 5e-5
    with pytest.raises(ValueError, match="unknown model kind 'bilstm'"):
        build_tagger("bilstm", settings=TrainingSettings())


def test_paper_size_has_the_studys_parameter_count():
    # The study's TransformerCRF: DistilBERT shape with the bert-base-cased vocabulary (28,996 pieces).
    encoder = scratch_encoder("paper", vocab_size=28996, pad_token_id=0)
    network = WordTagger(encoder, 768, len(TAGS), crf=True, dropout=0.2)
    parameters = sum(p.numel() for p in network.parameters())
    assert parameters / 1e6 == pytest.approx(65.2, abs=0.05)


def test_default_encoder_is_the_bundled_minilm():
    encoder = load_encoder(default_encoder())
    assert encoder.config.hidden_size == 384 and encoder.config.num_hidden_layers == 6
    assert not hasattr(encoder, "pooler") or encoder.pooler is None


def test_a_missing_checkpoint_says_how_to_provide_it(monkeypatch):
    monkeypatch.delenv("MEDNER_ALLOW_DOWNLOAD", raising=False)
    with pytest.raises(EncoderNotFoundError, match=r"hf download dmis-lab/biobert-base-cased-v1.2"):
        load_tokenizer("dmis-lab/biobert-base-cased-v1.2")


def test_a_folder_that_is_not_a_checkpoint_is_named(tmp_path):
    with pytest.raises(EncoderNotFoundError, match="not a Hugging Face model folder"):
        load_encoder(str(tmp_path))
