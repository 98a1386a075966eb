"""The network every kind shares: encoder -> first subword of each word -> dropout -> linear -> (CRF).

With the gazetteer feature, a small learned vector for each word's dictionary match tag
(O, B, I, and class-B, class-I with the "medicines" lexicon; :mod:`engine.data.gazetteer`) is
joined to the word's encoder output before the linear layer. In training the tag is hidden (set
to O) for a share of words, :data:`GAZETTEER_DROPOUT`, so the model keeps finding drugs from
context and spelling where the dictionary is silent.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.models.crf import CRF

#: Size of the gazetteer tag vector joined to each word's encoder output.
GAZETTEER_DIM = 16
#: Share of words whose gazetteer tag is hidden in each training step.
GAZETTEER_DROPOUT = 0.25


def marginal_cross_entropy(scores: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
    """Mean of ``-log P(tag in allowed)`` over words; scores and allowed: (words, tags).

    With one allowed tag a word this is the ordinary cross-entropy.
    """
    log_probabilities = scores.float().log_softmax(dim=-1)
    return -log_probabilities.masked_fill(~allowed, float("-inf")).logsumexp(dim=-1).mean()


class WordTagger(nn.Module):
    """Emission scores per word from any encoder that returns ``last_hidden_state``."""

    def __init__(
        self,
        encoder: nn.Module,
        hidden_size: int,
        num_tags: int,
        *,
        crf: bool,
        dropout: float,
        gazetteer: bool = False,
        gazetteer_values: int = 3,
    ) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.gazetteer = nn.Embedding(gazetteer_values, GAZETTEER_DIM) if gazetteer else None
        self.classifier = nn.Linear(hidden_size + (GAZETTEER_DIM if gazetteer else 0), num_tags)
        self.crf = CRF(num_tags) if crf else None

    def emissions(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        word_index: torch.Tensor,
        gazetteer: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Scores of shape (batch, words, tags), read at each word's first subword.

        ``attention_mask`` is (batch, subwords), or (batch, 1, subwords, subwords) for rows that
        pack several windows, with ``position_ids`` restarting at each window
        (:func:`engine.inference.prepare.prepare`)."""
        extra = {"position_ids": position_ids} if position_ids is not None else {}
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state
        # shape: (batch, words, hidden)
        return self.head(hidden.gather(1, word_index.unsqueeze(-1).expand(-1, -1, hidden.size(-1))), gazetteer)

    def head(self, at_words: torch.Tensor, gazetteer: torch.Tensor | None = None) -> torch.Tensor:
        """Scores (batch, words, tags) from the encoder's output at each word (batch, words, hidden)."""
        at_words = self.dropout(at_words)
        if self.gazetteer is not None:
            if gazetteer is None:
                raise ValueError("this network reads gazetteer tags: pass gazetteer (batch, words)")
            if self.training:
                hidden_tags = torch.rand(gazetteer.shape, device=gazetteer.device) < GAZETTEER_DROPOUT
                gazetteer = gazetteer.masked_fill(hidden_tags, 0)
            at_words = torch.cat([at_words, self.gazetteer(gazetteer).to(at_words.dtype)], dim=-1)
        return self.classifier(at_words)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        word_index: torch.Tensor,
        word_mask: torch.Tensor,
        tags: torch.Tensor,
        allowed: torch.Tensor | None = None,
        gazetteer: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The training loss: CRF negative log-likelihood, or cross-entropy over the words without a CRF.

        With ``allowed`` (batch, words, tags), a word may take any allowed tag (partial labels):
        the CRF sums over every agreeing path, the linear head over every allowed tag of a word.
        It is ``forward`` so that a DistributedDataParallel wrapper sees the whole computation.
        """
        scores = self.emissions(input_ids, attention_mask, word_index, gazetteer)
        if self.crf is not None:
            if allowed is not None:
                return self.crf.masked_negative_log_likelihood(scores, allowed, word_mask)
            return self.crf.negative_log_likelihood(scores, tags.clamp(min=0), word_mask)
        if allowed is not None:
            return marginal_cross_entropy(scores[word_mask], allowed[word_mask])
        return nn.functional.cross_entropy(scores.float()[word_mask], tags[word_mask])

    def decode(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        word_index: torch.Tensor,
        word_mask: torch.Tensor,
        gazetteer: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Best tag ids per word, shape (batch, words); -1 past each row's words."""
        return self.best_tags(self.emissions(input_ids, attention_mask, word_index, gazetteer), word_mask)

    def best_tags(self, scores: torch.Tensor, word_mask: torch.Tensor) -> torch.Tensor:
        """Best tag ids from emission scores: Viterbi with a CRF, each word's argmax without."""
        if self.crf is not None:
            return self.crf.viterbi(scores, word_mask)
        return scores.argmax(dim=-1).masked_fill(~word_mask, -1)

    @torch.no_grad()
    def span_probabilities(
        self, scores: torch.Tensor, word_mask: torch.Tensor, spans: list[tuple[int, int, int, int, int]]
    ) -> torch.Tensor:
        """Probability of each span ``(row, first word, last word, B tag id, I tag id)``.

        With a CRF, its forward-backward marginal (:meth:`CRF.span_probabilities`). Without one the
        words are independent: ``P(start) * prod p_k(I) over the inside words * (1 - p_next(I))``,
        the last factor only where a word follows, with ``P(start) = p_first(B) + p_first(I) *
        (1 - p_prev(B) - p_prev(I))`` (a stray ``I-`` starts an entity; ``p_prev`` is 0 before the
        first word)."""
        if self.crf is not None:
            return self.crf.span_probabilities(scores, word_mask, spans)
        probabilities = scores.float().softmax(dim=-1)
        result = []
        for row, first, last, begin, inside in spans:
            previous = probabilities[row, first - 1, begin] + probabilities[row, first - 1, inside] if first else 0.0
            value = probabilities[row, first, begin] + probabilities[row, first, inside] * (1 - previous)
            if last > first:
                value = value * probabilities[row, first + 1 : last + 1, inside].prod()
            if last + 1 < scores.size(1) and word_mask[row, last + 1]:
                value = value * (1 - probabilities[row, last + 1, inside])
            result.append(value)
        return torch.stack(result) if result else torch.empty(0)
