"""The study's Transformer trained from scratch: a randomly initialised DistilBERT-shaped encoder,
with a WordPiece vocabulary trained on the training split (or any given tokenizer)."""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import BertWordPieceTokenizer
from torch import nn
from transformers import DistilBertConfig, DistilBertModel, PreTrainedTokenizerBase, PreTrainedTokenizerFast

#: Encoder shapes. ``paper`` is the study's (6 x 768, 12 heads, FFN 3072, 512 positions);
#: with the 28,996-piece bert-base-cased vocabulary it has 65.2 M parameters.
SIZES: dict[str, dict[str, int]] = {
    "paper": {"dim": 768, "n_layers": 6, "n_heads": 12, "hidden_dim": 3072},
    "small": {"dim": 256, "n_layers": 4, "n_heads": 4, "hidden_dim": 1024},
    "tiny": {"dim": 64, "n_layers": 2, "n_heads": 2, "hidden_dim": 128},
}
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def train_wordpiece(texts: Iterable[str], *, vocab_size: int = 8000) -> PreTrainedTokenizerFast:
    """A cased WordPiece tokenizer learned from the training notes."""
    trainer = BertWordPieceTokenizer(lowercase=False, strip_accents=False, clean_text=True)
    trainer.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=2, special_tokens=list(SPECIAL_TOKENS))
    return PreTrainedTokenizerFast(
        tokenizer_object=trainer._tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )


def scratch_encoder(size: str, tokenizer: PreTrainedTokenizerBase, *, max_positions: int = 512) -> nn.Module:
    """A randomly initialised DistilBERT-shaped encoder for ``tokenizer``'s vocabulary."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    config = DistilBertConfig(
        vocab_size=len(tokenizer),
        max_position_embeddings=max_positions,
        pad_token_id=tokenizer.pad_token_id,
        **SIZES[size],
    )
    return DistilBertModel(config)
