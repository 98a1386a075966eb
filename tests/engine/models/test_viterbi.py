import itertools

import pytest
import torch

from engine.models.crf import CRF
from tests.engine.models.brute import METHODS, brute_force, path_score


@METHODS
def test_viterbi_matches_brute_force_on_every_length(crf, method):
    torch.manual_seed(1)
    lengths = [1, 2, 3, 4]
    emissions = torch.randn(len(lengths), max(lengths), 3)
    mask = torch.tensor([[i < n for i in range(max(lengths))] for n in lengths])
    decoded = crf.viterbi(emissions, mask, method=method)
    for row, n in enumerate(lengths):
        best, _ = brute_force(crf, emissions[row, :n])
        assert tuple(decoded[row, :n].tolist()) == best
        assert decoded[row, n:].tolist() == [-1] * (max(lengths) - n)


@METHODS
def test_viterbi_breaks_ties_like_pytorch_crf_on_random_tied_cases(method):
    generator = torch.Generator().manual_seed(11)
    for case in range(40):
        tags = 2 + case % 3
        crf = CRF(tags)
        with torch.no_grad():
            for parameter in crf.parameters():  # values in {-1, 0, 1}: many exactly equal path scores
                parameter.copy_(torch.randint(-1, 2, parameter.shape, generator=generator).float())
        length = 1 + case % 5
        emissions = torch.randint(-1, 2, (3, length, tags), generator=generator).float()
        lengths = torch.tensor([length, max(1, length - 1), 1])
        mask = torch.arange(length).unsqueeze(0) < lengths.unsqueeze(1)
        decoded = crf.viterbi(emissions, mask, method=method)
        theirs = crf.decode(emissions, mask)
        for row, n in enumerate(lengths.tolist()):
            expected = best_path_lowest_on_ties(crf, emissions[row, :n])
            assert tuple(decoded[row, :n].tolist()) == expected, f"case {case}, row {row}"
            assert tuple(theirs[row]) == expected
            assert decoded[row, n:].tolist() == [-1] * (length - n)


def test_an_all_equal_crf_takes_tag_zero_everywhere():
    crf = CRF(4)
    with torch.no_grad():
        for parameter in crf.parameters():
            parameter.zero_()
    for method in ("compiled", "scan"):
        assert crf.viterbi(torch.zeros(2, 6, 4), method=method).tolist() == [[0] * 6] * 2


@METHODS
def test_viterbi_agrees_with_pytorch_crf_decode(crf, method):
    torch.manual_seed(3)
    emissions = torch.randn(6, 9, 3)
    lengths = torch.tensor([9, 1, 5, 9, 3, 7])
    mask = torch.arange(9).unsqueeze(0) < lengths.unsqueeze(1)
    ours = crf.viterbi(emissions, mask, method=method)
    theirs = crf.decode(emissions, mask)
    for row, path in enumerate(theirs):
        assert ours[row, : len(path)].tolist() == path


@METHODS
def test_viterbi_respects_mask(crf, method):
    emissions = torch.randn(1, 5, 3)
    masked = crf.viterbi(emissions, torch.tensor([[True, True, False, False, False]]), method=method)
    short = crf.viterbi(emissions[:, :2], method=method)
    assert masked[0, :2].tolist() == short[0].tolist() and masked[0, 2:].tolist() == [-1, -1, -1]


def test_viterbi_validates_its_input(crf):
    with pytest.raises(ValueError, match=r"emissions must have shape \(batch, seq, 3\)"):
        crf.viterbi(torch.randn(2, 4))
    with pytest.raises(ValueError, match="mask must have shape"):
        crf.viterbi(torch.randn(2, 4, 3), torch.ones(2, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match="first position"):
        crf.viterbi(torch.randn(1, 2, 3), torch.tensor([[False, True]]))
    with pytest.raises(ValueError, match="method must be auto, compiled or scan"):
        crf.viterbi(torch.randn(1, 2, 3), method="loop")


def test_viterbi_of_bf16_emissions_runs_in_float32(crf):
    emissions = torch.randn(2, 6, 3)
    assert torch.equal(crf.viterbi(emissions.bfloat16()), crf.viterbi(emissions.bfloat16().float()))


@METHODS
def test_viterbi_agrees_with_pytorch_crf_on_long_ragged_batches_of_19_tags(method):
    torch.manual_seed(4)
    crf = CRF(19)
    for parameter in crf.parameters():
        torch.nn.init.normal_(parameter, std=2.0)
    emissions = torch.randn(8, 120, 19) * 3
    lengths = torch.tensor([120, 119, 64, 1, 2, 100, 33, 120])
    mask = torch.arange(120).unsqueeze(0) < lengths.unsqueeze(1)
    ours = crf.viterbi(emissions, mask, method=method)
    for row, path in enumerate(crf.decode(emissions, mask)):
        assert ours[row, : len(path)].tolist() == path
        assert (ours[row, len(path) :] == -1).all()


def best_path_lowest_on_ties(crf: CRF, emissions: torch.Tensor) -> tuple[int, ...]:
    """Among the best paths (exact scores: integer parameters), the one pytorch-crf backtracks:
    the lowest last tag, then at each earlier word the lowest tag that still reaches it best,
    which is the lowest path read from the end."""
    paths = list(itertools.product(range(crf.num_tags), repeat=emissions.size(0)))
    with torch.no_grad():
        scores = [float(path_score(crf, emissions, p)) for p in paths]
    best = max(scores)
    return min((p for p, score in zip(paths, scores, strict=True) if score == best), key=lambda p: p[::-1])
