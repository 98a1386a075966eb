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


METHODS = pytest.mark.parametrize("method", ["compiled", "scan"])


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


def best_path_lowest_on_ties(crf: CRF, emissions: torch.Tensor) -> tuple[int, ...]:
    """Among the best paths (exact scores: integer parameters), the one pytorch-crf backtracks:
    the lowest last tag, then at each earlier word the lowest tag that still reaches it best,
    which is the lowest path read from the end."""
    paths = list(itertools.product(range(crf.num_tags), repeat=emissions.size(0)))
    with torch.no_grad():
        scores = [float(path_score(crf, emissions, p)) for p in paths]
    best = max(scores)
    return min((p for p, score in zip(paths, scores, strict=True) if score == best), key=lambda p: p[::-1])


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
