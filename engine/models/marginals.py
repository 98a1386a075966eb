"""Span probabilities of a linear-chain CRF as a compiled loop, for CPUs.

The probability that words ``first..last`` form exactly one entity is ``(Z_B + Z_I) / Z``: the
constrained forward sums of :meth:`engine.models.crf.CRF.span_probabilities`, whose docstring
gives the constraints. In tensor operations each sum is a loop of three operations per word
over the batch of spans, about 25 ms for the entities of a 100-word note on 2 AVX2 cores, more
than the small Transformer's whole forward pass. Here the constraints are tested inline and each
sum runs in float64 in probability space, rescaled at every word (so nothing under- or
overflows), with the exponentials of the transitions taken once: under a millisecond for the
same spans.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import torch

_ANY, _BEGIN, _STRAY = 0, 1, 2


@numba.njit(cache=True, nogil=True)
def _allowed(mode, step, tag, first, last, begin, inside):  # pragma: no cover - compiled
    if mode == _ANY:
        return True
    if step == first:
        return tag == (begin if mode == _BEGIN else inside)
    if first < step <= last:
        return tag == inside
    if step == last + 1:
        return tag != inside
    if mode == _STRAY and step == first - 1:
        return tag != begin and tag != inside
    return True


@numba.njit(cache=True, nogil=True)
def _log_sum(emissions, length, start, transitions_exp, transitions_max, end, mode, first, last, begin, inside):
    """log of the summed exp(score) over the paths that ``mode`` allows."""  # pragma: no cover
    tags = emissions.shape[1]
    alpha = np.zeros(tags)
    following = np.zeros(tags)
    shift = -np.inf
    for tag in range(tags):
        if _allowed(mode, 0, tag, first, last, begin, inside):
            shift = max(shift, start[tag] + emissions[0, tag])
    if shift == -np.inf:
        return -np.inf
    for tag in range(tags):
        if _allowed(mode, 0, tag, first, last, begin, inside):
            alpha[tag] = math.exp(start[tag] + emissions[0, tag] - shift)
    log_scale = shift
    for step in range(1, length):
        shift = -np.inf
        for tag in range(tags):
            if _allowed(mode, step, tag, first, last, begin, inside):
                shift = max(shift, emissions[step, tag])
        total = 0.0
        for tag in range(tags):
            following[tag] = 0.0
            if _allowed(mode, step, tag, first, last, begin, inside):
                reach = 0.0
                for previous in range(tags):
                    reach += alpha[previous] * transitions_exp[previous, tag]
                following[tag] = reach * math.exp(emissions[step, tag] - shift)
                total += following[tag]
        if total == 0.0:
            return -np.inf
        for tag in range(tags):
            alpha[tag] = following[tag] / total
        log_scale += shift + transitions_max + math.log(total)
    closing = 0.0
    end_max = end.max()
    for tag in range(tags):
        closing += alpha[tag] * math.exp(end[tag] - end_max)
    return log_scale + end_max + math.log(closing) if closing > 0.0 else -np.inf


@numba.njit(cache=True, nogil=True)
def _span_probabilities(emissions, lengths, start, transitions, end, spans, out):  # pragma: no cover
    transitions_max = transitions.max()
    transitions_exp = np.exp(transitions - transitions_max)
    everything = np.full(emissions.shape[0], np.nan)
    for index in range(spans.shape[0]):
        row, first, last, begin, inside = spans[index]
        length = lengths[row]
        if np.isnan(everything[row]):
            everything[row] = _log_sum(
                emissions[row], length, start, transitions_exp, transitions_max, end, _ANY, 0, 0, 0, 0
            )
        total = 0.0
        for mode in (_BEGIN, _STRAY):
            part = _log_sum(
                emissions[row], length, start, transitions_exp, transitions_max, end, mode, first, last, begin, inside
            )
            total += math.exp(part - everything[row])
        out[index] = min(total, 1.0)


def span_probabilities(
    emissions: torch.Tensor,
    mask: torch.Tensor,
    start: torch.Tensor,
    transitions: torch.Tensor,
    end: torch.Tensor,
    spans: list[tuple[int, int, int, int, int]],
) -> torch.Tensor:
    """Probability of each span ``(row, first word, last word, B tag id, I tag id)`` of
    ``emissions`` (batch, seq, tags) under the CRF, shape (len(spans),), float32."""

    def array(tensor: torch.Tensor) -> np.ndarray:
        return np.ascontiguousarray(tensor.detach().to("cpu", torch.float64).numpy())

    out = np.empty(len(spans), dtype=np.float64)
    if spans:
        _span_probabilities(
            array(emissions),
            mask.to("cpu").sum(dim=1).numpy().astype(np.int64),
            array(start),
            array(transitions),
            array(end),
            np.asarray(spans, dtype=np.int64).reshape(-1, 5),
            out,
        )
    return torch.from_numpy(out).float()
