import itertools

import pytest
import torch

from engine.models.crf import CRF
from tests.engine.models.brute import brute_force, path_score


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


def brute_force_allowed(crf: CRF, emissions: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
    """log of the summed exp(score) over the paths whose every tag is allowed, by enumeration."""
    paths = [
        p
        for p in itertools.product(range(crf.num_tags), repeat=emissions.size(0))
        if all(allowed[i, tag] for i, tag in enumerate(p))
    ]
    return torch.logsumexp(torch.stack([path_score(crf, emissions, p) for p in paths]), dim=0)


def test_masked_likelihood_equals_brute_force_over_agreeing_paths(crf):
    torch.manual_seed(2)
    lengths = [1, 3, 4]
    emissions = torch.randn(len(lengths), max(lengths), 3)
    mask = torch.tensor([[i < n for i in range(max(lengths))] for n in lengths])
    allowed = torch.rand(len(lengths), max(lengths), 3) < 0.6
    allowed[..., 0] |= ~allowed.any(dim=-1)  # at least one tag a word
    loss_rows = crf.log_partition(emissions, mask) - crf.log_partition(emissions, mask, allowed)
    for row, n in enumerate(lengths):
        _, log_z = brute_force(crf, emissions[row, :n])
        expected = log_z - brute_force_allowed(crf, emissions[row, :n], allowed[row, :n])
        assert torch.allclose(loss_rows[row], expected, atol=1e-5)
    mean = crf.masked_negative_log_likelihood(emissions, allowed, mask)
    assert torch.allclose(mean, loss_rows.mean())


def test_masked_likelihood_with_one_tag_a_word_is_the_ordinary_likelihood(crf):
    torch.manual_seed(3)
    emissions = torch.randn(2, 4, 3)
    mask = torch.tensor([[True] * 4, [True, True, False, False]])
    tags = torch.randint(0, 3, (2, 4))
    one_hot = torch.nn.functional.one_hot(tags, 3).bool()
    assert torch.allclose(
        crf.masked_negative_log_likelihood(emissions, one_hot, mask),
        crf.negative_log_likelihood(emissions, tags, mask),
        atol=1e-5,
    )


def test_masked_likelihood_never_pushes_an_unannotated_tag_toward_zero(crf):
    """A word that may be O (0) or an unannotated label (2). Treated as plain O, the loss pushes
    tag 2 down (gradient P(tag 2) > 0); the masked loss's gradient is P(tag 2) minus its
    probability among the agreeing paths, so it is always smaller: tag 2 is not trained away."""
    torch.manual_seed(4)
    emissions = torch.randn(1, 3, 3, requires_grad=True)
    mask = torch.ones(1, 3, dtype=torch.bool)
    allowed = torch.tensor([[[False, True, False], [True, False, True], [True, False, True]]])
    crf.masked_negative_log_likelihood(emissions, allowed, mask).backward()
    strict = emissions.detach().clone().requires_grad_(True)
    crf.negative_log_likelihood(strict, torch.tensor([[1, 0, 0]]), mask).backward()
    assert (emissions.grad[0, 1:, 2] < strict.grad[0, 1:, 2]).all()
    assert strict.grad[0, 1:, 2].gt(0).all()  # treating it as O pushes tag 2 down


def test_masked_likelihood_refuses_a_word_with_no_allowed_tag(crf):
    allowed = torch.zeros(1, 2, 3, dtype=torch.bool)
    allowed[0, 0, 0] = True
    with pytest.raises(ValueError, match="at least one tag"):
        crf.masked_negative_log_likelihood(torch.randn(1, 2, 3), allowed, torch.ones(1, 2, dtype=torch.bool))


def test_marginal_cross_entropy_sums_the_allowed_probabilities():
    from engine.models.network import marginal_cross_entropy

    scores = torch.randn(4, 5)
    allowed = torch.zeros(4, 5, dtype=torch.bool)
    allowed[:, 0] = True
    allowed[2, 3] = True
    probabilities = scores.softmax(-1)
    expected = -torch.log((probabilities * allowed).sum(-1)).mean()
    assert torch.allclose(marginal_cross_entropy(scores, allowed), expected, atol=1e-6)
    one = torch.nn.functional.one_hot(torch.tensor([0, 1, 2, 3]), 5).bool()
    assert torch.allclose(
        marginal_cross_entropy(scores, one), torch.nn.functional.cross_entropy(scores, torch.arange(4)), atol=1e-6
    )
