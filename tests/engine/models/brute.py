"""Brute force over every tag sequence of a tiny CRF, the yardstick of the CRF tests."""

import itertools

import pytest
import torch

from engine.models.crf import CRF


def path_score(crf: CRF, emissions: torch.Tensor, tags: tuple[int, ...]) -> torch.Tensor:
    score = crf.start_transitions[tags[0]] + emissions[0, tags[0]]
    for i in range(1, len(tags)):
        score = score + crf.transitions[tags[i - 1], tags[i]] + emissions[i, tags[i]]
    return score + crf.end_transitions[tags[-1]]


def brute_force(crf: CRF, emissions: torch.Tensor) -> tuple[tuple[int, ...], torch.Tensor]:
    """Best path and log partition function by enumerating every tag sequence."""
    paths = list(itertools.product(range(crf.num_tags), repeat=emissions.size(0)))
    scores = torch.stack([path_score(crf, emissions, p) for p in paths])
    return paths[int(scores.argmax())], torch.logsumexp(scores, dim=0)


METHODS = pytest.mark.parametrize("method", ["compiled", "scan"])
