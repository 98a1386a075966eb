"""Our Viterbi decoders against pytorch-crf's ``CRF.decode`` on the same emissions.

    python bench/crf.py [--repeats 30] [--device cpu|cuda] [--out bench/results/crf.json]

For each shape (1x512, 32x128, 8x512; batch x words, 19 tags, ragged masks) the three decoders
run on the same random emissions and transition scores: ours by ``--device``'s default method
(the compiled recursion on a CPU, the parallel scan on a GPU), the other method of ours, and
pytorch-crf; the paths are asserted equal, then each is timed (median of ``--repeats``; on a
GPU each call ends with a synchronize). The last figure sets the 1x512 decode beside one forward
pass of a BERT-base-size encoder (random ``BertConfig()`` weights, fp32) over 512 subwords: the share of a
note's time the CRF costs. Prints one summary line and writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.timing import median_seconds
from engine.labels import TAGS
from engine.models.crf import CRF

SHAPES = ((1, 512), (32, 128), (8, 512))


def median_ms(function, repeats: int) -> float:
    function()  # warm-up
    return median_seconds(function, repeats) * 1000


def ragged_mask(batch: int, length: int, generator: torch.Generator) -> torch.Tensor:
    """Row 0 full length, the others shorter (as a batch sorted by length would be)."""
    lengths = torch.randint(max(1, length // 2), length + 1, (batch,), generator=generator)
    lengths[0] = length
    return torch.arange(length).unsqueeze(0) < lengths.unsqueeze(1)


def encoder_forward_ms(repeats: int) -> float:
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    encoder = BertModel(BertConfig()).eval()
    ids = torch.randint(1000, 20000, (1, 512))
    with torch.inference_mode():
        return median_ms(lambda: encoder(input_ids=ids, attention_mask=torch.ones_like(ids)), repeats)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--encoder-repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=Path("bench/results/crf.json"))
    args = parser.parse_args()

    device = torch.device(args.device)
    default = "compiled" if device.type == "cpu" else "scan"
    other = "scan" if default == "compiled" else "compiled"

    def finished(function):
        def run():
            function()
            if device.type == "cuda":
                torch.cuda.synchronize()

        return run

    generator = torch.Generator().manual_seed(7)
    crf = CRF(len(TAGS)).to(device)
    with torch.no_grad():
        for parameter in (crf.transitions, crf.start_transitions, crf.end_transitions):
            parameter.copy_(torch.randn(parameter.shape, generator=generator).to(device))
    rows = []
    with torch.inference_mode():
        for batch, length in SHAPES:
            emissions = torch.randn(batch, length, len(TAGS), generator=generator).to(device)
            mask = ragged_mask(batch, length, generator).to(device)
            theirs = crf.decode(emissions, mask)
            for method in (default, other):
                ours = crf.viterbi(emissions, mask, method=method).cpu()
                for row, path in enumerate(theirs):
                    assert ours[row, : len(path)].tolist() == path, f"{method}: paths differ at {batch}x{length}"
                    assert (ours[row, len(path) :] == -1).all()
            ours_ms = median_ms(finished(lambda e=emissions, m=mask: crf.viterbi(e, m, method=default)), args.repeats)
            other_ms = median_ms(finished(lambda e=emissions, m=mask: crf.viterbi(e, m, method=other)), args.repeats)
            theirs_ms = median_ms(finished(lambda e=emissions, m=mask: crf.decode(e, m)), args.repeats)
            rows.append(
                {
                    "shape": f"{batch}x{length}",
                    "method": default,
                    "ours_ms": ours_ms,
                    f"{other}_ms": other_ms,
                    "torchcrf_ms": theirs_ms,
                    "speedup": theirs_ms / ours_ms,
                    f"{other}_speedup": theirs_ms / other_ms,
                }
            )
    encoder_ms = encoder_forward_ms(args.encoder_repeats)
    single = next(r for r in rows if r["shape"] == "1x512")
    result = {
        "device": str(device),
        "tags": len(TAGS),
        "threads": torch.get_num_threads(),
        "shapes": rows,
        "bert_base_forward_1x512_ms": encoder_ms,
        "viterbi_share_of_encoder_1x512": single["ours_ms"] / encoder_ms,
        "paths_equal": True,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    summary = ", ".join(
        f"{r['shape']} {r['ours_ms']:.2f} vs {r['torchcrf_ms']:.2f} ms ({r['speedup']:.1f}x; "
        f"{other} {r[other + '_ms']:.2f} ms, {r[other + '_speedup']:.2f}x)"
        for r in rows
    )
    print(
        f"viterbi ours ({default}, {device}) vs torchcrf.decode: {summary}; "
        f"1x512 decode = {result['viterbi_share_of_encoder_1x512']:.2%} "
        f"of a BERT-base forward ({encoder_ms:.0f} ms); paths equal"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
