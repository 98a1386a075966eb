"""A linear-chain CRF: pytorch-crf's log-likelihood for training, a batched Viterbi for decoding.

pytorch-crf decodes one sequence at a time in Python; :meth:`CRF.viterbi` runs the same
recursion over the whole batch with tensor operations and returns a tensor.
"""

from __future__ import annotations

import torch
import torchcrf


class CRF(torchcrf.CRF):
    """pytorch-crf's CRF (batch first) with a vectorised, mask-aware Viterbi decoder."""

    def __init__(self, num_tags: int) -> None:
        super().__init__(num_tags, batch_first=True)

    def viterbi(self, emissions: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Best tag sequence per row; positions outside ``mask`` are -1.

        ``emissions``: (batch, seq, tags); ``mask``: (batch, seq), true for real positions, which
        must form a prefix of each row, and the first position of every row must be real.
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
        emissions = emissions.float()
        transitions = self.transitions.float()
        score = self.start_transitions.float() + emissions[:, 0]  # shape: (batch, tags)
        backpointers = []
        for step in range(1, length):
            # shape: (batch, previous tag, next tag)
            candidates = score.unsqueeze(2) + transitions.unsqueeze(0) + emissions[:, step].unsqueeze(1)
            best, index = candidates.max(dim=1)  # shape: (batch, tags)
            score = torch.where(mask[:, step].unsqueeze(1), best, score)
            backpointers.append(index)
        score = score + self.end_transitions.float()
        lengths = mask.sum(dim=1)  # shape: (batch,)
        current = score.argmax(dim=1)  # shape: (batch,)
        path = torch.full((batch, length), -1, dtype=torch.long, device=emissions.device)
        for step in range(length - 1, -1, -1):
            active = step < lengths
            path[:, step] = torch.where(active, current, path[:, step])
            if step:
                previous = backpointers[step - 1].gather(1, current.unsqueeze(1)).squeeze(1)
                current = torch.where(active, previous, current)
        return path

    def negative_log_likelihood(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood of ``tags`` over the batch (the training loss)."""
        return -self(emissions.float(), tags, mask=mask.bool(), reduction="mean")
