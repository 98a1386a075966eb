"""The study's Transformer trained from scratch: a randomly initialised DistilBERT-shaped encoder,
with a WordPiece vocabulary trained on the training split (or any given tokenizer)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from torch import nn
from transformers import DistilBertConfig, DistilBertModel, PreTrainedTokenizerFast

#: Encoder shapes. ``paper`` is the study's (6 x 768, 12 heads, FFN 3072, 512 positions);
#: with the 28,996-piece bert-base-cased vocabulary it has 65.2 M parameters.
SIZES: dict[str, dict[str, int]] = {
    "paper": {"dim": 768, "n_layers": 6, "n_heads": 12, "hidden_dim": 3072},
    "small": {"dim": 256, "n_layers": 4, "n_heads": 4, "hidden_dim": 1024},
    "tiny": {"dim": 64, "n_layers": 2, "n_heads": 2, "hidden_dim": 128},
}
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def wordpiece_vocabulary(texts: Iterable[str], *, vocab_size: int = 8000, min_count: int = 2) -> list[str]:
    """A WordPiece vocabulary for the texts, chosen deterministically.

    The ``tokenizers`` trainer breaks ties between equally frequent merges by hash order, so
    two runs on the same notes give different vocabularies. Here every character (as a word
    start and as a ``##`` continuation) is in, then the word-initial and continuation pieces
    that save the most characters (count x length), ties broken by the piece itself.
    """
    splitter = pre_tokenizers.BertPreTokenizer()
    counts: Counter[str] = Counter(word for text in texts for word, _ in splitter.pre_tokenize_str(text))
    characters = sorted({character for word in counts for character in word})
    vocabulary = list(SPECIAL_TOKENS) + characters + [f"##{c}" for c in characters]
    candidates: Counter[str] = Counter()
    for word, count in counts.items():
        for length in range(2, min(len(word), 16) + 1):
            candidates[word[:length]] += count
        for start in range(1, len(word)):
            for length in range(2, min(len(word) - start, 10) + 1):
                candidates[f"##{word[start : start + length]}"] += count
    ranked = sorted(
        (piece for piece, count in candidates.items() if count >= min_count),
        key=lambda piece: (-candidates[piece] * len(piece.removeprefix("##")), piece),
    )
    room = max(0, vocab_size - len(vocabulary))
    return vocabulary + ranked[:room]


def train_wordpiece(texts: Iterable[str], *, vocab_size: int = 8000) -> PreTrainedTokenizerFast:
    """A cased WordPiece tokenizer (``tokenizers`` library) with a vocabulary learned from the notes."""
    vocabulary = wordpiece_vocabulary(texts, vocab_size=vocab_size)
    model = models.WordPiece({piece: index for index, piece in enumerate(vocabulary)}, unk_token="[UNK]")
    tokenizer = Tokenizer(model)
    tokenizer.normalizer = normalizers.BertNormalizer(clean_text=True, lowercase=False, strip_accents=False)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", vocabulary.index("[CLS]")), ("[SEP]", vocabulary.index("[SEP]"))],
    )
    tokenizer.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )


def scratch_encoder(size: str, *, vocab_size: int, pad_token_id: int, max_positions: int = 512) -> nn.Module:
    """A randomly initialised DistilBERT-shaped encoder for a vocabulary of ``vocab_size`` pieces."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    config = DistilBertConfig(
        vocab_size=vocab_size,
        max_position_embeddings=max_positions,
        pad_token_id=pad_token_id,
        **SIZES[size],
    )
    return DistilBertModel(config)
