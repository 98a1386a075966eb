import itertools

import pytest
import torch

from engine.models.crf import CRF
from tests.engine.models.brute import path_score


@pytest.mark.parametrize("method", ["compiled", "tensor"])
def test_span_probabilities_equal_brute_force_on_tiny_crfs(method):
    torch.manual_seed(11)
    crf = CRF(5)  # O, B-A, I-A, B-B, I-B
    for parameter in crf.parameters():
        torch.nn.init.normal_(parameter)
    lengths = [1, 3, 5]
    emissions = torch.randn(len(lengths), max(lengths), 5)
    mask = torch.tensor([[i < n for i in range(max(lengths))] for n in lengths])
    spans = [(0, 0, 0, 1, 2), (1, 0, 1, 1, 2), (1, 2, 2, 3, 4), (2, 1, 3, 3, 4), (2, 4, 4, 1, 2), (2, 0, 4, 1, 2)]
    ours = crf.span_probabilities(emissions, mask, spans, method=method)
    for value, (row, first, last, begin, inside) in zip(ours.tolist(), spans, strict=True):
        expected = span_brute_force(crf, emissions[row, : lengths[row]], first, last, begin, inside)
        assert value == pytest.approx(expected, abs=1e-5)
    # no spans: nothing to compute
    assert crf.span_probabilities(emissions, mask, [], method=method).numel() == 0


def test_compiled_and_tensor_span_probabilities_agree_on_19_tags():
    torch.manual_seed(12)
    crf = CRF(19)
    for parameter in crf.parameters():
        torch.nn.init.normal_(parameter, std=2.0)
    emissions = torch.randn(4, 40, 19) * 4
    mask = torch.arange(40).unsqueeze(0) < torch.tensor([40, 12, 1, 33]).unsqueeze(1)
    spans = [(0, 0, 3, 1, 2), (0, 39, 39, 3, 4), (1, 5, 11, 17, 18), (2, 0, 0, 5, 6), (3, 10, 10, 1, 2)]
    compiled = crf.span_probabilities(emissions, mask, spans, method="compiled")
    tensor = crf.span_probabilities(emissions, mask, spans, method="tensor")
    assert torch.allclose(compiled, tensor, atol=1e-5, rtol=1e-4)
    with pytest.raises(ValueError, match="method must be auto, compiled or tensor"):
        crf.span_probabilities(emissions, mask, spans, method="loop")


def test_softmax_span_probability_is_the_product_of_word_probabilities():
    from engine.models.network import WordTagger

    network = WordTagger(torch.nn.Identity(), 5, 5, crf=False, dropout=0.0)
    scores = torch.randn(1, 4, 5)
    mask = torch.ones(1, 4, dtype=torch.bool)
    p = scores.softmax(-1)[0]
    (value,) = network.span_probabilities(scores, mask, [(0, 1, 2, 1, 2)]).tolist()
    start = p[1, 1] + p[1, 2] * (1 - p[0, 1] - p[0, 2])
    assert value == pytest.approx(float(start * p[2, 2] * (1 - p[3, 2])), rel=1e-5)
    (last,) = network.span_probabilities(scores, mask, [(0, 3, 3, 3, 4)]).tolist()
    start = p[3, 3] + p[3, 4] * (1 - p[2, 3] - p[2, 4])
    assert last == pytest.approx(float(start), rel=1e-5), "no word follows: no closing factor"


def span_brute_force(crf: CRF, emissions: torch.Tensor, first: int, last: int, begin: int, inside: int) -> float:
    """P(words first..last are exactly one entity as tags are read back: B-, or a stray I- after no
    word of the label, then I- to the last word and no I- after it), by enumerating every path."""
    n = emissions.size(0)
    paths = list(itertools.product(range(crf.num_tags), repeat=n))
    scores = torch.stack([path_score(crf, emissions, p) for p in paths]).detach()
    probabilities = (scores - torch.logsumexp(scores, dim=0)).exp()

    def is_span(path) -> bool:
        starts = path[first] == begin or (
            path[first] == inside and (first == 0 or path[first - 1] not in (begin, inside))
        )
        inner = all(path[k] == inside for k in range(first + 1, last + 1))
        closed = last + 1 >= n or path[last + 1] != inside
        return starts and inner and closed

    return float(sum(p for p, path in zip(probabilities, paths, strict=True) if is_span(path)))
