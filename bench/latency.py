"""Single-note latency: our annotation path against a plain Hugging Face pipeline on the same weights,
in fp32 and in bf16, and how far bf16's spans stray from fp32's.

    python bench/latency.py [--models models] [--words 100 500 2000] [--skip-bert-base]
                            [--precisions fp32 bf16] [--real data/real] [--out FILE]

Models: the demo ``transformer-crf`` and MiniLM ``encoder-crf`` from ``--models`` (a fresh,
untrained model of the same shape where a folder is missing: this is about speed), and an
``encoder-crf`` with a BERT-base-size encoder (random ``BertConfig()`` weights, MiniLM's WordPiece).

Baseline: the same encoder and linear layer as an ``AutoModelForTokenClassification`` through
``pipeline("token-classification", aggregation_strategy="first", stride=128)``, in fp32; it has no
CRF, so the baseline does less work than ours. Notes of 100, 500 and 2,000 words are cut from
the demo test notes at word boundaries. Ours at each precision and the baseline alternate, repeat
after repeat, so all see the same machine; p50 and p95 of each are reported, with the ratio of
medians. bf16 is autocast, asked for by name: native on CPUs with AVX-512 BF16 or AMX, emulated
(slowly) elsewhere.

Beside each of our timings: the encoder's arithmetic on our batches divided by the time, as a share
of this machine's fp32 matrix-multiply rate (2048 x 2048, measured in the same run): how close the
path is to what the hardware can do at all.

Agreement, for each trained demo model: bf16 against fp32 on every demo test note and on every
test note of the open corpora under ``--real`` (``python -m engine corpus open --out data/real``):
the share of notes whose spans are identical and the strict F1 of bf16's spans scored against
fp32's (same offsets, same label). Asserted: the default precision (``auto``) is fp32 here and
gives the fp32 spans on every demo test note.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.data.corpus import load_corpus
from engine.data.corpus import load_corpus as load_folder
from engine.devices import cpu_report, resolve_precision
from engine.inference.pipeline import Pipeline, annotate
from engine.labels import TAGS
from engine.models.base import ModelConfig, TrainingSettings
from engine.models.network import WordTagger
from engine.models.tagger import NeuralTagger, load_tagger

REPEATS = {100: 20, 500: 10, 2000: 4}


def note_of(words: int, texts: list[str]) -> str:
    """The first ``words`` words of the demo test notes, line breaks kept."""
    pieces, count = [], 0
    for text in texts:
        for line in text.splitlines(keepends=True):
            line_words = line.split()
            if count + len(line_words) > words:
                pieces.append(" ".join(line_words[: words - count]) + "\n")
                return "".join(pieces)
            pieces.append(line)
            count += len(line_words)
    raise ValueError(f"the demo test notes hold fewer than {words} words")


def bert_base_tagger() -> NeuralTagger:
    from transformers import BertConfig, BertModel

    from engine.models.hf import default_encoder, load_tokenizer

    tokenizer = load_tokenizer(default_encoder())
    torch.manual_seed(0)
    encoder = BertModel(BertConfig(vocab_size=len(tokenizer)), add_pooling_layer=False)
    network = WordTagger(encoder, encoder.config.hidden_size, len(TAGS), crf=True, dropout=0.2).eval()
    return NeuralTagger(ModelConfig(kind="encoder-crf", encoder="random BertConfig()", crf=True), network, tokenizer)


def demo_tagger(folder: Path, kind: str, corpus) -> tuple[NeuralTagger, str]:
    if (folder / "config.json").exists():
        return load_tagger(folder), str(folder)
    from engine.models.registry import build_tagger

    texts = [d.text for d in corpus.documents("train")]
    tagger = build_tagger(kind, settings=TrainingSettings(), train_texts=texts)
    tagger.network.eval()
    return tagger, f"untrained {kind} (no {folder})"


def baseline_pipeline(tagger: NeuralTagger, device: torch.device | int = -1):
    """The tagger's encoder and linear layer as a plain Hugging Face token classifier, fp32, on
    ``device`` (-1: the CPU)."""
    from transformers import pipeline

    from engine.models.hf import as_token_classifier

    tokenizer = tagger.tokenizer
    tokenizer.model_max_length = tagger.config.inference_max_length
    return pipeline(
        "token-classification",
        model=as_token_classifier(tagger),
        tokenizer=tokenizer,
        aggregation_strategy="first",
        stride=128,
        device=device,
    )


def matmul_gflops(size: int = 2048, repeats: int = 5) -> float:
    """This machine's fp32 matrix-multiply rate, the ceiling for an encoder's arithmetic."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)
    seconds = []
    for _ in range(repeats):
        began = time.perf_counter()
        torch.mm(a, b)
        seconds.append(time.perf_counter() - began)
    return 2 * size**3 / statistics.median(seconds) / 1e9


def encoder_gflop(tagger: NeuralTagger, note: str) -> float:
    """Arithmetic of the encoder over our batches for ``note``: every linear layer on every padded
    position, plus attention's two products (a lower bound: no softmax, norms or activations)."""
    from torch import nn

    from engine.data.tokenize import sentences
    from engine.inference.prepare import prepare

    encoder = tagger.network.encoder
    weights = sum(m.in_features * m.out_features for m in encoder.modules() if isinstance(m, nn.Linear))
    config = encoder.config
    hidden = getattr(config, "hidden_size", None) or config.dim
    layers = getattr(config, "num_hidden_layers", None) or config.n_layers
    flops = 0
    for prepared in prepare(tagger, sentences(note)).batches:
        if prepared.flat:  # windows end to end: linear layers on the subwords, attention per window
            lengths = [len(segment.encoded.input_ids) for segment in prepared.segments]
            flops += 2 * weights * sum(lengths) + 4 * sum(n * n for n in lengths) * hidden * layers
            continue
        batch, length = prepared.tensors["input_ids"].shape
        flops += 2 * weights * batch * length + 4 * batch * length * length * hidden * layers
    return flops / 1e9


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(tagger: NeuralTagger, classifier, note: str, repeats: int, precisions: list[str]) -> dict:
    """Ours at each precision and the fp32 baseline, alternating: {precision: figures}."""
    pipelines = {precision: Pipeline(tagger, precision=precision) for precision in precisions}
    ours: dict[str, list[float]] = {precision: [] for precision in precisions}
    theirs: list[float] = []
    for pipeline in pipelines.values():  # warm-up all
        pipeline.predict([note])
    classifier(note)
    for _ in range(repeats):
        for precision, pipeline in pipelines.items():
            began = time.perf_counter()
            pipeline.predict([note])
            ours[precision].append(time.perf_counter() - began)
        began = time.perf_counter()
        with torch.inference_mode():
            classifier(note)
        theirs.append(time.perf_counter() - began)
    return {
        precision: {
            "ours_p50_ms": statistics.median(times) * 1000,
            "ours_p95_ms": percentile(times, 0.95) * 1000,
            "pipeline_p50_ms": statistics.median(theirs) * 1000,
            "pipeline_p95_ms": percentile(theirs, 0.95) * 1000,
            "speedup": statistics.median(theirs) / statistics.median(times),
            "repeats": repeats,
        }
        for precision, times in ours.items()
    }


def span_agreement(tagger: NeuralTagger, texts: list[str], precision: str = "bf16") -> dict[str, object]:
    """``precision``'s spans against fp32's on ``texts``: notes with identical spans, and the strict
    F1 of one scored against the other (same start, end and label)."""
    reference = annotate(tagger, texts, precision="fp32")
    other = annotate(tagger, texts, precision=precision)
    same = sum(a == b for a, b in zip(reference, other, strict=True))
    matched = ours = theirs = 0
    for mine, fp32 in zip(other, reference, strict=True):
        keys = {(s.start, s.end, s.label) for s in mine}
        wanted = {(s.start, s.end, s.label) for s in fp32}
        matched, ours, theirs = matched + len(keys & wanted), ours + len(keys), theirs + len(wanted)
    f1 = 2 * matched / (ours + theirs) if ours + theirs else 1.0
    return {
        "notes": len(texts),
        "notes_identical": same,
        "share_identical": same / len(texts) if texts else 1.0,
        "spans_fp32": theirs,
        f"spans_{precision}": ours,
        "f1_against_fp32": f1,
    }


def default_is_fp32(tagger: NeuralTagger, texts: list[str]) -> dict[str, object]:
    chosen = annotate(tagger, texts)
    reference = annotate(tagger, texts, precision="fp32")
    differing = sum(a != b for a, b in zip(chosen, reference, strict=True))
    assert differing == 0, f"{differing} of {len(texts)} notes differ from the fp32 reference"
    return {"notes": len(texts), "notes_differing": differing, "spans": sum(map(len, chosen))}


def open_test_notes(real: Path) -> dict[str, list[str]]:
    """The test notes of each open corpus written under ``real`` (none when it is missing)."""
    found = {}
    for folder in sorted(real.iterdir()) if real.is_dir() else ():
        if (folder / "test").is_dir():
            found[folder.name] = [d.text for d in load_folder(folder).documents("test")]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=Path, default=Path("models"))
    parser.add_argument("--data", type=Path, default=Path("data/demo"))
    parser.add_argument("--words", type=int, nargs="+", default=[100, 500, 2000])
    parser.add_argument("--skip-bert-base", action="store_true")
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"], choices=["fp32", "bf16"])
    parser.add_argument("--real", type=Path, default=Path("data/real"), help="the open corpora (corpus open --out)")
    parser.add_argument("--out", type=Path, default=Path("bench/results/latency.json"))
    args = parser.parse_args()

    corpus = load_corpus(args.data)
    test_texts = [d.text for d in corpus.documents("test")]
    notes = {words: note_of(words, test_texts) for words in args.words}
    candidates = [
        ("transformer-crf", *demo_tagger(args.models / "transformer-crf", "transformer-crf", corpus)),
        ("encoder-crf MiniLM", *demo_tagger(args.models / "encoder-crf", "encoder-crf", corpus)),
    ]
    if not args.skip_bert_base:
        candidates.append(("encoder-crf BERT-base size", bert_base_tagger(), "random BertConfig() weights"))
    real_texts = open_test_notes(args.real)
    ceiling = matmul_gflops()
    machine = cpu_report()
    result = {
        "cpu": machine["cpu"],
        "flags": machine["flags"],
        "default_precision": resolve_precision(),
        "threads": torch.get_num_threads(),
        "matmul_gflops_fp32": ceiling,
        "models": [],
    }
    lines = []
    for name, tagger, source in candidates:
        entry = {"model": name, "source": source, "parameters": tagger.parameter_count(), "notes": {}}
        classifier = baseline_pipeline(tagger)
        for words, note in notes.items():
            repeats = REPEATS.get(words, 5) if "BERT" not in name else max(3, REPEATS.get(words, 5) // 2)
            by_precision = measure(tagger, classifier, note, repeats, args.precisions)
            gflop = encoder_gflop(tagger, note)
            for figures in by_precision.values():
                figures["encoder_gflop"] = gflop
                figures["ours_gflops"] = gflop / (figures["ours_p50_ms"] / 1000)
                figures["share_of_matmul_rate"] = figures["ours_gflops"] / ceiling
            entry["notes"][str(words)] = by_precision
        entry["default_vs_fp32"] = default_is_fp32(tagger, test_texts)
        if "bf16" in args.precisions and not source.startswith(("untrained", "random")):
            sets = {"demo/test": test_texts, **{f"{corpus}/test": texts for corpus, texts in real_texts.items()}}
            entry["bf16_vs_fp32"] = {label: span_agreement(tagger, texts) for label, texts in sets.items()}
        result["models"].append(entry)
        for precision in args.precisions:
            lines.append(
                f"{name} {precision}: "
                + ", ".join(
                    f"{w} words {m[precision]['ours_p50_ms']:.0f} ms vs {m[precision]['pipeline_p50_ms']:.0f} ms "
                    f"({m[precision]['speedup']:.2f}x, {m[precision]['share_of_matmul_rate']:.0%} of matmul rate)"
                    for w, m in entry["notes"].items()
                )
            )
        for label, agreement in entry.get("bf16_vs_fp32", {}).items():
            lines.append(
                f"{name} bf16 vs fp32 on {label}: {agreement['notes_identical']} of {agreement['notes']} notes "
                f"identical ({agreement['share_identical']:.1%}), span F1 {agreement['f1_against_fp32']:.4f}"
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    flags = " ".join(flag for flag, present in machine["flags"].items() if present)
    print(
        f"{machine['cpu']} ({flags}), {result['threads']} threads, fp32 matmul {ceiling:.0f} GFLOPS, "
        f"default precision {result['default_precision']}; latency p50, ours vs HF pipeline fp32:"
    )
    for line in lines:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
