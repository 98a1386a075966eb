"""How windows are laid out in batches: packed rows, their attention masks, and where a sorted
run of windows is cut into batches (engine/inference/batches.py)."""

from types import SimpleNamespace

import torch

from engine.inference import batches
from engine.inference.batches import pack_rows


def test_rows_are_packed_first_fit_longest_first_and_never_overfull():
    lengths = [120, 30, 200, 90, 60, 300, 10, 250]
    rows = pack_rows(lengths, 256)
    assert sorted(i for row in rows for i in row) == list(range(len(lengths)))
    for row in rows:
        assert row == sorted(row)
        assert sum(lengths[i] for i in row) <= 256 or len(row) == 1  # 300 keeps a row of its own
    assert len(rows) == 5
    assert pack_rows([], 256) == []


def test_eager_attention_gets_an_additive_mask():
    mask = batches.block_mask([[2, 1]], 4, "eager")[0, 0]
    assert mask.dtype == torch.float32
    assert mask[0, 1] == 0 and mask[0, 2] < -1e30 and mask[3, 3] == 0 and mask[3, 0] < -1e30
    boolean = batches.block_mask([[2, 1]], 4, "sdpa")[0, 0]
    assert boolean.dtype == torch.bool and torch.equal(boolean, mask == 0)


def test_batches_cut_sorted_windows_at_the_cheapest_places():
    import itertools

    from engine.inference import batches

    lengths = [4, 5, 5, 5, 9, 17, 21, 21, 28, 32, 90]
    items = [SimpleNamespace(size=n) for n in lengths]
    groups = batches.length_groups(lengths, items)
    assert [item for group in groups for item in group] == items

    def cost(parts):
        return sum(batches.BATCH_COST_SUBWORDS + len(part) * max(i.size for i in part) for part in parts)

    best = min(
        cost([items[a:b] for a, b in itertools.pairwise((0, *cuts, len(items)))])
        for k in range(len(items))
        for cuts in itertools.combinations(range(1, len(items)), k)
    )
    assert cost(groups) == best
    windows = [SimpleNamespace(encoded=SimpleNamespace(input_ids=[0] * 8)) for _ in range(10)]
    assert [len(chunk) for chunk in batches.capped(windows, 4)] == [4, 4, 2]
    long_windows = [SimpleNamespace(encoded=SimpleNamespace(input_ids=[0] * 512)) for _ in range(40)]
    assert max(len(c) for c in batches.capped(long_windows, 256)) == batches.MAX_BATCH_SUBWORDS // 512
