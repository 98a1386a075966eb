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


@pytest.fixture
def crf() -> CRF:
    torch.manual_seed(0)
    model = CRF(3)
    for parameter in model.parameters():
        torch.nn.init.normal_(parameter)
    return model


def test_viterbi_matches_brute_force_on_every_length(crf):
    torch.manual_seed(1)
    lengths = [1, 2, 3, 4]
    emissions = torch.randn(len(lengths), max(lengths), 3)
    mask = torch.tensor([[i < n for i in range(max(lengths))] for n in lengths])
    decoded = crf.viterbi(emissions, mask)
    for row, n in enumerate(lengths):
        best, _ = brute_force(crf, emissions[row, :n])
        assert tuple(decoded[row, :n].tolist()) == best
        assert decoded[row, n:].tolist() == [-1] * (max(lengths) - n)


def test_likelihood_matches_brute_force(crf):
    torch.manual_seed(2)
    lengths = [4, 2]
    emissions = torch.randn(2, 4, 3)
    tags = torch.randint(0, 3, (2, 4))
    mask = torch.tensor([[True] * 4, [True, True, False, False]])
    expected = []
    for row, n in enumerate(lengths):
        _, log_z = brute_force(crf, emissions[row, :n])
        expected.append(path_score(crf, emissions[row, :n], tuple(tags[row, :n].tolist())) - log_z)
    loss = crf.negative_log_likelihood(emissions, tags, mask)
    assert loss.item() == pytest.approx(-torch.stack(expected).mean().item(), rel=1e-5)


def test_viterbi_agrees_with_pytorch_crf_decode(crf):
    torch.manual_seed(3)
    emissions = torch.randn(6, 9, 3)
    lengths = torch.tensor([9, 1, 5, 9, 3, 7])
    mask = torch.arange(9).unsqueeze(0) < lengths.unsqueeze(1)
    ours = crf.viterbi(emissions, mask)
    theirs = crf.decode(emissions, mask)
    for row, path in enumerate(theirs):
        assert ours[row, : len(path)].tolist() == path


def test_viterbi_respects_mask(crf):
    emissions = torch.randn(1, 5, 3)
    masked = crf.viterbi(emissions, torch.tensor([[True, True, False, False, False]]))
    short = crf.viterbi(emissions[:, :2])
    assert masked[0, :2].tolist() == short[0].tolist() and masked[0, 2:].tolist() == [-1, -1, -1]


def test_viterbi_validates_its_input(crf):
    with pytest.raises(ValueError, match=r"emissions must have shape \(batch, seq, 3\)"):
        crf.viterbi(torch.randn(2, 4))
    with pytest.raises(ValueError, match="mask must have shape"):
        crf.viterbi(torch.randn(2, 4, 3), torch.ones(2, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match="first position"):
        crf.viterbi(torch.randn(1, 2, 3), torch.tensor([[False, True]]))


def test_viterbi_of_bf16_emissions_runs_in_float32(crf):
    emissions = torch.randn(2, 6, 3)
    assert torch.equal(crf.viterbi(emissions.bfloat16()), crf.viterbi(emissions.bfloat16().float()))


def test_viterbi_agrees_with_pytorch_crf_on_long_ragged_batches_of_19_tags():
    torch.manual_seed(4)
    crf = CRF(19)
    for parameter in crf.parameters():
        torch.nn.init.normal_(parameter, std=2.0)
    emissions = torch.randn(8, 120, 19) * 3
    lengths = torch.tensor([120, 119, 64, 1, 2, 100, 33, 120])
    mask = torch.arange(120).unsqueeze(0) < lengths.unsqueeze(1)
    ours = crf.viterbi(emissions, mask)
    for row, path in enumerate(crf.decode(emissions, mask)):
        assert ours[row, : len(path)].tolist() == path
        assert (ours[row, len(path) :] == -1).all()
