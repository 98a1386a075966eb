"""Two Viterbi decoders for a linear-chain CRF, each right for its hardware, both giving exactly
the path pytorch-crf's ``decode`` gives (ties included: at every step the lowest tag index wins).

- :func:`compiled_paths` (CPUs): the recursion as a plain loop compiled by numba. On a CPU the
  recursion's cost is not arithmetic (8 x 512 x 19 x 19 additions are 1.5 M) but the overhead of
  launching two or three tensor operations per word: about 12 us each on 2 AVX2 cores, 16 ms
  for 8 x 512, against 1 ms for the compiled loop (``bench/crf.py``). Compiled once per machine
  (numba's cache beside this file), a few seconds the first time.
- :func:`scan_paths` (GPUs and other accelerators): the same path in ``2 log2(T)`` batched
  tensor operations instead of ``T``. Forward scores at every position come from a
  Hillis-Steele prefix scan of max-plus products of the per-word ``tags x tags`` step matrices;
  each word's back-pointer is then one batched argmax; and the path is read back by composing
  the back-pointer maps, again by doubling. It does 19 times the arithmetic of the recursion
  (a 19 x 19 x 19 product where the recursion does 19 x 19), which a GPU does not notice but a
  CPU does: on the CPU it is slower than the compiled loop, so it is used only off the CPU.

Rounding: the scan adds the same numbers in another order than the recursion, so where two
paths' scores differ only in the last bit the two may pick different ones; exact ties (equal
sums of equal numbers) are broken the same way by both.
"""

from __future__ import annotations

import numba
import numpy as np
import torch


@numba.njit(cache=True, nogil=True)
def _decode(emissions, lengths, start, transitions, end, path):  # pragma: no cover - compiled
    batch, _, tags = emissions.shape
    score = np.empty(tags, np.float32)
    following = np.empty(tags, np.float32)
    pointers = np.empty((emissions.shape[1], tags), np.int64)
    for row in range(batch):
        length = lengths[row]
        for tag in range(tags):
            score[tag] = start[tag] + emissions[row, 0, tag]
        for step in range(1, length):
            for tag in range(tags):
                # (score + transition) + emission, the order pytorch-crf adds them in
                best = score[0] + transitions[0, tag] + emissions[row, step, tag]
                best_previous = 0
                for previous in range(1, tags):
                    value = score[previous] + transitions[previous, tag] + emissions[row, step, tag]
                    if value > best:
                        best = value
                        best_previous = previous
                following[tag] = best
                pointers[step, tag] = best_previous
            score[:] = following
        last = 0
        best = score[0] + end[0]
        for tag in range(1, tags):
            if score[tag] + end[tag] > best:
                best = score[tag] + end[tag]
                last = tag
        path[row, length - 1] = last
        for step in range(length - 1, 0, -1):
            last = pointers[step, last]
            path[row, step - 1] = last
        path[row, length:] = -1


def compiled_paths(
    emissions: torch.Tensor,
    lengths: torch.Tensor,
    start: torch.Tensor,
    transitions: torch.Tensor,
    end: torch.Tensor,
) -> torch.Tensor:
    """Best paths (batch, seq) by the compiled recursion, -1 past each row's ``lengths``.

    ``emissions`` (batch, seq, tags) float32 on the CPU; every length at least 1."""

    def array(tensor: torch.Tensor) -> np.ndarray:
        return np.ascontiguousarray(tensor.detach().to("cpu", torch.float32).numpy())

    path = np.empty(emissions.shape[:2], dtype=np.int64)
    _decode(
        array(emissions),
        np.ascontiguousarray(lengths.to("cpu", torch.int64).numpy()),
        array(start),
        array(transitions),
        array(end),
        path,
    )
    return torch.from_numpy(path).to(emissions.device)


def _max_plus(left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
    """Max-plus matrix products of the stacked matrices: ``out[..., p, n] = max_q left[..., p, q] +
    right[..., q, n]``."""
    return (left.unsqueeze(-1) + right.unsqueeze(-3)).amax(dim=-2)


def scan_paths(
    emissions: torch.Tensor,
    mask: torch.Tensor,
    start: torch.Tensor,
    transitions: torch.Tensor,
    end: torch.Tensor,
) -> torch.Tensor:
    """Best paths (batch, seq) by parallel scans, -1 outside ``mask`` (a prefix mask whose first
    position is real in every row). Memory: batch x seq x tags^3 floats at the widest step."""
    batch, length, tags = emissions.shape
    emissions = emissions.float()
    first = start.float() + emissions[:, 0]  # shape: (batch, tags)
    if length == 1:
        return first.add(end.float()).argmax(dim=1, keepdim=True)
    # step[b, t - 1, p, n]: from tag p at word t - 1 to tag n at word t; past a row's end, the
    # identity of max-plus (0 on the diagonal, -inf elsewhere) carries every score unchanged
    steps = (transitions.float() + emissions[:, 1:].unsqueeze(2)).contiguous()
    carry = torch.full((tags, tags), float("-inf"), device=emissions.device)
    carry.fill_diagonal_(0.0)
    steps = torch.where(mask[:, 1:, None, None], steps, carry)
    # prefix[b, t - 1] = step_1 x ... x step_t (max-plus), by doubling: Hillis-Steele
    prefix, shift = steps, 1
    while shift < length - 1:
        prefix = torch.cat([prefix[:, :shift], _max_plus(prefix[:, :-shift], prefix[:, shift:])], dim=1)
        shift *= 2
    # forward scores: alpha[b, t, n], the best score of any path ending in tag n at word t
    alpha = torch.cat([first.unsqueeze(1), (first[:, None, :, None] + prefix).amax(dim=2)], dim=1)
    # the best previous tag of each tag at each word t >= 1, lowest index on ties (argmax's rule)
    pointers = (alpha[:, :-1].unsqueeze(3) + steps).argmax(dim=2)  # shape: (batch, seq - 1, tags)
    last = (alpha[:, -1] + end.float()).argmax(dim=1)  # shape: (batch,)
    # the tag at word t is back[t](tag at the last word), back[t] = pointers[t] o ... o pointers[seq - 2]:
    # composed by doubling, from the right
    back, shift = pointers, 1
    while shift < length - 1:
        back = torch.cat([back[:, :-shift].gather(2, back[:, shift:]), back[:, -shift:]], dim=1)
        shift *= 2
    earlier = back.gather(2, last[:, None, None].expand(batch, length - 1, 1)).squeeze(2)
    return torch.cat([earlier, last.unsqueeze(1)], dim=1).masked_fill(~mask, -1)
