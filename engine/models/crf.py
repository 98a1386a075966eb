"""A linear-chain CRF: pytorch-crf's log-likelihood for training, the masked (partial-label)
likelihood, and a batched Viterbi for decoding.

Masked likelihood. A corpus that annotates only some labels says, for each word, which tags
are *allowed* (its gold tag where it lies in an annotated span; otherwise ``O`` or any tag of a
label the corpus does not annotate). The loss is ``log Z - log Z_allowed``: ``Z`` sums
``exp(score)`` over every tag path, ``Z_allowed`` only over the paths whose every tag is allowed
(the forward algorithm with the emissions of disallowed tags pushed to ``-1e4``, whose ``exp``
is 0 in float32). With exactly one allowed tag a
word it is the ordinary negative log-likelihood of that path.

pytorch-crf backtracks one sequence at a time in Python; :meth:`CRF.viterbi` decodes the whole
batch with a compiled loop on the CPU or parallel scans on an accelerator
(:mod:`engine.models.viterbi`) and returns a tensor (``bench/crf.py`` compares them).

Span confidence. The marginal probability that the words ``i..j`` form exactly one entity of
label ``L`` is the share of the probability mass on the paths that start the entity at word ``i``
(``B-L``, or ``I-L`` after a word that is not ``L``: tags are read back that way), tag words
``i+1..j`` ``I-L`` and word ``j+1`` (if any) anything but ``I-L``:
``P(span) = (Z_B + Z_I) / Z``, where each ``Z_x`` is the forward algorithm's sum with every other
tag of those words disallowed (the constrained sum of the masked likelihood). It is the
forward-backward marginal of the span, from two constrained forward passes
(:meth:`CRF.span_probabilities`).
"""

from __future__ import annotations

import torch
import torchcrf

from engine.models.marginals import span_probabilities as compiled_span_probabilities
from engine.models.viterbi import compiled_paths, scan_paths

_IMPOSSIBLE = -1e4


class CRF(torchcrf.CRF):
    """pytorch-crf's CRF (batch first) with a vectorised, mask-aware Viterbi decoder."""

    def __init__(self, num_tags: int) -> None:
        super().__init__(num_tags, batch_first=True)

    @torch.no_grad()
    def viterbi(
        self, emissions: torch.Tensor, mask: torch.Tensor | None = None, *, method: str = "auto"
    ) -> torch.Tensor:
        """Best tag sequence per row; positions outside ``mask`` are -1.

        ``emissions``: (batch, seq, tags); ``mask``: (batch, seq), true for real positions, which
        must form a prefix of each row, and the first position of every row must be real.
        ``method``: ``"compiled"`` (the recursion compiled for the CPU), ``"scan"`` (parallel
        scans in tensor operations) or ``"auto"``: compiled for CPU tensors, scan elsewhere
        (:mod:`engine.models.viterbi`). Both give pytorch-crf's path, ties included.
        """
        if emissions.dim() != 3 or emissions.size(2) != self.num_tags:
            raise ValueError(f"emissions must have shape (batch, seq, {self.num_tags}), got {tuple(emissions.shape)}")
        batch, length, _ = emissions.shape
        if mask is None:
            mask = torch.ones(batch, length, dtype=torch.bool, device=emissions.device)
        mask = mask.bool()
        if mask.shape != emissions.shape[:2]:
            raise ValueError(f"mask must have shape {tuple(emissions.shape[:2])}, got {tuple(mask.shape)}")
        if length == 0:
            return torch.empty(batch, 0, dtype=torch.long, device=emissions.device)
        if not mask[:, 0].all():
            raise ValueError("the first position of every sequence must be unmasked")
        if method == "auto":
            method = "compiled" if emissions.device.type == "cpu" else "scan"
        if method == "compiled":
            return compiled_paths(
                emissions, mask.sum(dim=1), self.start_transitions, self.transitions, self.end_transitions
            )
        if method == "scan":
            return scan_paths(emissions, mask, self.start_transitions, self.transitions, self.end_transitions)
        raise ValueError(f"method must be auto, compiled or scan, got {method!r}")

    def negative_log_likelihood(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood of ``tags`` over the batch (the training loss)."""
        return -self(emissions.float(), tags, mask=mask.bool(), reduction="mean")

    def log_partition(
        self, emissions: torch.Tensor, mask: torch.Tensor, allowed: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``log Z`` per row, shape (batch,): over every path, or only paths through ``allowed`` tags.

        ``emissions``: (batch, seq, tags); ``mask``: (batch, seq) prefix mask; ``allowed``:
        (batch, seq, tags) bool, at least one tag allowed at every real position.
        """
        emissions = emissions.float()
        if allowed is not None:
            if allowed.shape != emissions.shape:
                raise ValueError(f"allowed must have shape {tuple(emissions.shape)}, got {tuple(allowed.shape)}")
            real = mask.bool().unsqueeze(-1).expand_as(allowed)
            if not (allowed | ~real).any(dim=-1).all():
                raise ValueError("every real position must allow at least one tag")
            # a large finite penalty, not -inf: a step where every input is -inf has a NaN gradient;
            # exp(-1e4) is exactly 0 in float32, so the sum is the same
            emissions = emissions.masked_fill(~allowed & real, _IMPOSSIBLE)
        # pytorch-crf's forward algorithm works sequence first
        return self._compute_normalizer(emissions.transpose(0, 1), mask.bool().t())

    def masked_negative_log_likelihood(
        self, emissions: torch.Tensor, allowed: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """Mean of ``log Z - log Z_allowed`` over the batch: the loss for partially labelled rows."""
        everything = self.log_partition(emissions, mask)
        agreeing = self.log_partition(emissions, mask, allowed)
        return (everything - agreeing).mean()

    @torch.no_grad()
    def span_probabilities(
        self,
        emissions: torch.Tensor,
        mask: torch.Tensor,
        spans: list[tuple[int, int, int, int, int]],
        *,
        method: str = "auto",
    ) -> torch.Tensor:
        """Marginal probability of each span, shape (len(spans),).

        ``spans`` holds ``(row, first word, last word, B tag id, I tag id)``: the row of
        ``emissions`` (batch, seq, tags) it lies in and its words, inclusive. An entity starts
        with ``B-`` or, as tags are read back (a stray ``I-`` starts an entity), with an ``I-``
        whose word follows none of its label; the two are disjoint, so the probability is the sum
        of two constrained sums over ``Z``. ``method``: ``"tensor"`` (the masked forward
        algorithm below, any device), ``"compiled"`` (:mod:`engine.models.marginals`, CPU) or
        ``"auto"``: compiled on the CPU.
        """
        if not spans:
            return torch.empty(0)
        if method == "auto":
            method = "compiled" if emissions.device.type == "cpu" else "tensor"
        if method == "compiled":
            return compiled_span_probabilities(
                emissions, mask, self.start_transitions, self.transitions, self.end_transitions, spans
            )
        if method != "tensor":
            raise ValueError(f"method must be auto, compiled or tensor, got {method!r}")
        emissions = emissions.float()
        rows = torch.tensor([span[0] for span in spans], device=emissions.device)
        chosen, chosen_mask = emissions[rows], mask.bool()[rows]
        opened = torch.ones_like(chosen, dtype=torch.bool)  # begins with B-
        stray = torch.ones_like(chosen, dtype=torch.bool)  # begins with an I- after no word of its label
        for index, (_, first, last, begin, inside) in enumerate(spans):
            for allowed, start_tag in ((opened, begin), (stray, inside)):
                allowed[index, first] = False
                allowed[index, first, start_tag] = True
                allowed[index, first + 1 : last + 1] = False
                allowed[index, first + 1 : last + 1, inside] = True
                if last + 1 < chosen.size(1) and chosen_mask[index, last + 1]:
                    allowed[index, last + 1, inside] = False
            if first > 0:
                stray[index, first - 1, begin] = False
                stray[index, first - 1, inside] = False
        everything = self.log_partition(chosen, chosen_mask)
        total = (self.log_partition(chosen, chosen_mask, opened) - everything).exp()
        total = total + (self.log_partition(chosen, chosen_mask, stray) - everything).exp()
        return total.clamp(max=1.0)
