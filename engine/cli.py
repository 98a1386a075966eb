"""``python -m engine ...``: corpus generation and statistics, evaluation."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from engine.data.brat import BratFormatError, NoteEncodingError, read_folder
from engine.data.gazetteer import LEXICONS
from engine.models.base import ANCHOR_SENTENCES
from engine.types import RESOLVED_PRECISIONS

#: ``engine.devices.PRECISIONS``, built here too: that module imports torch, which the parser must not wait for.
PRECISION_CHOICES = ("auto", *RESOLVED_PRECISIONS)


def _corpus_generate(args: argparse.Namespace) -> int:
    from engine.synth.generate import generate_corpus

    sizes = generate_corpus(args.out, seed=args.seed, sizes={"train": args.train, "dev": args.dev, "test": args.test})
    print(f"wrote {sum(sizes.values())} notes to {args.out} ({', '.join(f'{k} {v}' for k, v in sizes.items())})")
    return 0


def _corpus_stats(args: argparse.Namespace) -> int:
    from engine.data.corpus import corpus_stats, load_corpus, stats_table

    corpus = load_corpus(args.data)
    stats = corpus_stats(corpus)
    for problem in corpus.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if args.json:
        print(json.dumps({split: s.as_dict() for split, s in stats.items()}, indent=2))
    else:
        print(stats_table(stats), end="")
    return 0


def _corpus_open(args: argparse.Namespace) -> int:
    from engine.data.corpus import write_corpus
    from engine.data.open import OPEN_CORPORA, open_corpus

    for name in args.names or OPEN_CORPORA:
        source = open_corpus(name)
        corpus = source.load()
        annotates = corpus.coverage.as_dict()["annotates"]
        manifest = {"name": name, "text": source.text, "licence": source.licence, "annotates": annotates}
        write_corpus(corpus, args.out / name, manifest=manifest)
        counts = ", ".join(f"{split} {len(docs)}" for split, docs in corpus.splits.items())
        print(f"{name}: wrote {counts} documents to {args.out / name} ({len(corpus.problems)} problems)")
        for problem in corpus.problems if args.verbose else corpus.problems[-1:]:
            print(f"  {problem}", file=sys.stderr)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from engine.data.corpus import coverage_of
    from engine.scores.report import evaluate, format_report

    if args.model is not None:
        return _evaluate_model(args)
    if args.gold is None or args.pred is None:
        raise SystemExit("error: give --gold DIR --pred DIR, or --model DIR --data DIR")
    gold, gold_problems = read_folder(args.gold)
    predicted, predicted_problems = read_folder(args.pred)
    for problem in gold_problems + predicted_problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not gold:
        raise SystemExit(f"error: {args.gold} holds no .txt notes")
    report = evaluate(gold, predicted, coverage=coverage_of(args.gold), resamples=args.resamples, seed=args.seed)
    for document_id in report.missing_predictions:
        print(f"warning: no prediction for {document_id}; scored as predicting nothing", file=sys.stderr)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(format_report(report), end="")
    return 0


def _evaluate_model(args: argparse.Namespace) -> int:
    from engine.data.corpus import coverage_of
    from engine.experiments import evaluate_model, write_json_atomically
    from engine.inference import load_pipeline
    from engine.scores.report import format_report

    if args.data is None:
        raise SystemExit("error: --model needs --data DIR (a BRAT folder, e.g. data/demo/test)")
    if len(args.data) > 1:
        return _evaluate_model_on_folders(args)
    args.data = args.data[0]
    documents, problems = read_folder(args.data)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not documents:
        raise SystemExit(f"error: {args.data} holds no .txt notes")
    pipeline = load_pipeline(args.model, device=args.device, precision=args.precision, anchor=args.anchor)
    coverage = coverage_of(args.data)
    score = evaluate_model(
        pipeline, documents, model=str(args.model), coverage=coverage, resamples=args.resamples, seed=args.seed
    )
    if args.anchor == ANCHOR_SENTENCES:  # metrics.json holds what the model scores as the app runs it
        write_json_atomically(Path(args.model) / "metrics.json", {"data": str(args.data), **score.as_dict()})
    if args.json:
        print(json.dumps(score.as_dict(), indent=2))
    else:
        print(f"model {args.model}: {score.parameters:,} parameters, {score.seconds_per_note * 1000:.0f} ms per note")
        print(format_report(score.report), end="")
        for subset, row in score.drug_subsets.items():
            print(
                f"Drug, {subset.replace('_', ' ')}: precision {row['precision']:.3f} recall {row['recall']:.3f} "
                f"F1 {row['f1']:.3f} support {row['support']}"
            )
    return 0


def _evaluate_model_on_folders(args: argparse.Namespace) -> int:
    """One model on several test sets (the demo split beside the real corpora): one row each,
    or with --json one object keyed by folder, each the single-folder --json object."""
    from engine.data.corpus import coverage_of
    from engine.experiments import evaluate_model
    from engine.inference import load_pipeline

    pipeline = load_pipeline(args.model, device=args.device, precision=args.precision, anchor=args.anchor)
    results: dict[str, dict] = {}
    for folder in args.data:
        documents, problems = read_folder(folder)
        for problem in problems:
            print(f"warning: {problem}", file=sys.stderr)
        if not documents:
            raise SystemExit(f"error: {folder} holds no .txt notes")
        score = evaluate_model(
            pipeline,
            documents,
            model=str(args.model),
            coverage=coverage_of(folder),
            resamples=args.resamples,
            seed=args.seed,
        )
        results[str(folder)] = {"data": str(folder), **score.as_dict()}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"model {args.model}: strict span scores, on the labels each folder's corpus annotates")
    print(f"{'data':<40} {'docs':>5} {'micro F1':>9} {'macro F1':>9} {'Drug P/R/F1':>17} {'Drug F1 not in dict':>20}")
    for folder, data in results.items():
        drug = data["per_label"].get("Drug")
        drug_text = f"{drug['precision']:.2f}/{drug['recall']:.2f}/{drug['f1']:.2f}" if drug else "-"
        absent = data["drug_subsets"].get("absent_from_dictionary", {})
        absent_text = f"{absent['f1']:.2f} ({absent['support']})" if absent.get("support") else "-"
        print(
            f"{folder:<40} {data['documents']:>5} {data['micro_f1']:>9.3f} {data['macro_f1']:>9.3f} "
            f"{drug_text:>17} {absent_text:>20}"
        )
    return 0


def _read_notes(paths: Sequence[Path]) -> list[tuple[str, str]]:
    from engine.sharding import read_notes

    if not paths:
        return [("stdin", sys.stdin.read())]
    return read_notes(paths)


def _compare(args: argparse.Namespace) -> int:
    """Two models on the same notes: is B better than A, beyond chance?"""
    from engine.data.corpus import coverage_of
    from engine.experiments import evaluate_model
    from engine.inference import load_pipeline
    from engine.scores.intervals import compare_tables, format_comparison

    documents, problems = read_folder(args.data)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not documents:
        raise SystemExit(f"error: {args.data} holds no .txt notes")
    coverage = coverage_of(args.data)
    tables = []
    for folder in (args.a, args.b):
        pipeline = load_pipeline(folder, device=args.device, precision=args.precision, anchor=args.anchor)
        score = evaluate_model(pipeline, documents, model=str(folder), coverage=coverage)
        tables.append(score.report.tables)
    result = compare_tables(*tables, resamples=args.resamples, seed=args.seed)
    if args.json:
        print(json.dumps({"a": str(args.a), "b": str(args.b), "data": str(args.data), **result}, indent=2))
    else:
        print(format_comparison(result, str(args.a), str(args.b)), end="")
    return 0


def _predict(args: argparse.Namespace) -> int:
    from engine.data.brat import write_document
    from engine.sharding import Distributed
    from engine.types import Document

    place = Distributed.from_environment()
    if args.output is None and place.world > 1:
        raise SystemExit("error: under torchrun, give --output FILE.jsonl (the processes write shards and merge them)")
    if args.output is not None and not args.files:
        raise SystemExit("error: --output needs notes: .txt files, folders or a .jsonl file")
    from engine.inference import load_pipeline  # torch: seconds to import, so after the checks that need none

    pipeline = load_pipeline(args.model, device=args.device, precision=args.precision, anchor=args.anchor)
    notes = _read_notes(args.files)
    if args.output is not None:
        return _predict_sharded(args, pipeline, notes, place)
    predicted = pipeline.predict([text for _, text in notes])
    documents = [Document(name, text, tuple(spans)) for (name, text), spans in zip(notes, predicted, strict=True)]
    if args.out is not None:
        for document in documents:
            write_document(document, args.out)
        print(f"wrote {len(documents)} annotated notes to {args.out}", file=sys.stderr)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "document": d.id,
                        "spans": [{"start": s.start, "end": s.end, "label": s.label, "text": s.text} for s in d.spans],
                    }
                    for d in documents
                ],
                indent=2,
            )
        )
    elif args.out is None:
        for document in documents:
            for span in document.spans:
                print(f"{document.id}\t{span.start}\t{span.end}\t{span.label}\t{span.text}")
    return 0


def _predict_sharded(args: argparse.Namespace, pipeline, notes: list[tuple[str, str]], place) -> int:
    """``predict --output FILE.jsonl``: shards across the torchrun processes, resumable (engine/sharding.py)."""
    from tqdm import tqdm

    from engine.sharding import predict_sharded

    bar = None
    if place.rank == 0:
        bar = tqdm(total=(len(notes) + args.shard_size - 1) // args.shard_size, desc="shards", unit="shard")

    def progress(done: int, total: int) -> None:
        bar.update(done - bar.n)

    began = time.perf_counter()
    run = predict_sharded(
        pipeline.predict,
        notes,
        args.output,
        model_fingerprint=pipeline.tagger.fingerprint,
        precision=pipeline.precision,
        anchor=args.anchor,
        shard_size=args.shard_size,
        place=place,
        on_shard=progress,
    )
    seconds = time.perf_counter() - began
    if bar is not None:
        bar.update(run.shards - bar.n)
        bar.close()
        print(
            f"{len(notes)} notes in {run.shards} shards over {place.world} process(es): this process wrote "
            f"{run.written} and skipped {run.skipped} already written; {run.notes_annotated / seconds:.1f} notes/s "
            f"here; merged in input order into {run.merged}",
            file=sys.stderr,
        )
    return 0


def _training_options(args: argparse.Namespace) -> dict[str, object]:
    """The training options given on the command line (None: not given), for
    :func:`engine.training.recipe`, which resolves them."""
    open_corpora = getattr(args, "open_corpora", None)
    return {
        "epochs": args.epochs,
        "learning_rate": getattr(args, "lr", None),
        "batch_size": args.batch_size,
        "seed": args.seed,
        "sambd": getattr(args, "sambd", None),
        "sambd_keep": args.sambd_keep,
        "train_fraction": getattr(args, "train_fraction", None),
        "patience": args.patience,
        "open_corpora": _open_names(open_corpora) if open_corpora is not None else None,
        "open_sentences": getattr(args, "open_sentences", None),
        "note_sentences": getattr(args, "note_sentences", None),
        "size": args.size,
        "encoder": getattr(args, "encoder", None),
        "tokenizer": getattr(args, "tokenizer", None),
        "gazetteer": getattr(args, "gazetteer", None),
        "lexicon": getattr(args, "lexicon", None),
    }


def _open_names(value: str) -> tuple[str, ...]:
    from engine.data.open import OPEN_CORPORA

    names = tuple(OPEN_CORPORA) if value == "all" else tuple(n.strip() for n in value.split(",") if n.strip())
    unknown = [n for n in names if n not in OPEN_CORPORA]
    if unknown:
        raise SystemExit(f"unknown open corpus {', '.join(unknown)}; choose from {', '.join(OPEN_CORPORA)} or all")
    return names


class _ProgressBar:
    """tqdm on the command line: one bar per epoch, closed with the epoch's dev score."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, progress) -> None:
        from tqdm import tqdm

        if progress.event == "step":
            if self.bar is None:
                self.bar = tqdm(total=progress.steps, desc=f"epoch {progress.epoch}/{progress.epochs}", unit="batch")
            self.bar.update(progress.step - self.bar.n)
            self.bar.set_postfix(loss=f"{progress.loss:.3f}")
            return
        if self.bar is None:
            self.bar = tqdm(total=progress.steps, desc=f"epoch {progress.epoch}/{progress.epochs}", unit="batch")
        dev = "-" if progress.dev_macro_f1 is None else f"{progress.dev_macro_f1:.4f}"
        self.bar.set_postfix(loss=f"{progress.loss:.3f}", dev_macro_f1=dev)
        self.bar.close()
        self.bar = None


def _train(args: argparse.Namespace) -> int:
    from engine.training import recipe, train

    result = train(
        recipe(args.kind, _training_options(args)),
        args.data,
        args.out,
        on_progress=_ProgressBar(),
        device=args.device,
        precision=args.precision,
        on_line=lambda line: print(line, file=sys.stderr, flush=True),
    )
    if int(os.environ.get("RANK", "0")) == 0:
        summary = {
            "model": str(result.folder),
            "kind": args.kind,
            "params": result.parameters,
            "best_epoch": result.best_epoch,
            "best_dev_macro_f1": result.best_dev_macro_f1,
            "epochs_run": result.epochs_run,
            "seconds": round(result.seconds, 1),
            "sambd": result.sampling,
        }
        print(json.dumps(summary, indent=2))
    return 0


def _real_text(args: argparse.Namespace) -> int:
    from engine.real_text import run_real_text

    run_real_text(
        args.data,
        args.real,
        args.out,
        names=args.recipes,
        seed=args.seed,
        on_line=lambda line: print(line, file=sys.stderr, flush=True),
        on_progress=lambda p: _log_epoch("", p),
        device=args.device,
        precision=args.precision,
    )
    print((Path(args.out) / "results.md").read_text(encoding="utf-8"))
    return 0


def _experiment(args: argparse.Namespace) -> int:
    from engine.experiments import run_experiments
    from engine.models.kinds import KINDS

    options = _training_options(args)
    options.pop("learning_rate")
    rates = {name: (args.scratch_lr if spec.scratch else args.lr) or spec.learning_rate for name, spec in KINDS.items()}
    rows = run_experiments(
        args.data,
        args.out,
        encoders=args.encoder or [None],
        kinds=args.kinds,
        fractions=args.fractions,
        options=options,
        learning_rates=rates,
        on_progress=lambda name, p: _log_epoch(name, p),
        seeds=args.seeds,
        device=args.device,
        precision=args.precision,
    )
    print((Path(args.out) / "results.md").read_text(encoding="utf-8"))
    print(f"{len(rows)} runs; results in {args.out}/results.md and results.json", file=sys.stderr)
    return 0


def _log_epoch(name: str, progress) -> None:
    if progress.event == "epoch":
        print(
            f"{name}: epoch {progress.epoch} loss {progress.loss:.3f} dev macro F1 {progress.dev_macro_f1:.4f}",
            file=sys.stderr,
        )


def _bootstrap(args: argparse.Namespace) -> int:
    from engine.bootstrap import bootstrap

    lines = bootstrap(
        args.data,
        args.models,
        seed=args.seed,
        on_progress=_ProgressBar(),
        device=args.device,
        precision=args.precision,
        full=args.full,
    )
    for line in lines:
        print(line, file=sys.stderr)
    return 0


def _whole_number(value: str, minimum: int, expected: str) -> int:
    """``value`` as a whole number of at least ``minimum``; anything else is a usage error."""
    try:
        number = int(value)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        raise argparse.ArgumentTypeError(f"expected {expected}, not {value!r}")
    return number


def _anchor_window(value: str) -> int | None:
    if value.lower() == "none":
        return None
    return _whole_number(value, 0, "a number of sentences (0, 1, 2, ...) or 'none'")


def _add_anchor_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--anchor",
        type=_anchor_window,
        default=ANCHOR_SENTENCES,
        metavar="N|none",
        help=f"keep attributes only within N sentences of a Drug (default {ANCHOR_SENTENCES}; none keeps all)",
    )


def _add_device_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--device",
        metavar="auto|cpu|cuda[:N]|mps",
        help="where the model runs (default: $MEDNER_DEVICE, else auto: a GPU when torch sees one; "
        "under torchrun each process takes the GPU of its LOCAL_RANK)",
    )
    parser.add_argument(
        "--precision",
        choices=PRECISION_CHOICES,
        help="arithmetic the model runs in (default: $MEDNER_PRECISION, else auto: fp32 on a CPU, "
        "bf16 autocast on a GPU that has it, fp16 on older GPUs); see the README's 'Precision'",
    )


def _positive(value: str) -> int:
    return _whole_number(value, 1, "a whole number above 0")


def _add_interval_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resamples",
        type=_positive,
        help="bootstrap resamples and permutations (default 1000, or MEDNER_RESAMPLES)",
    )
    parser.add_argument("--seed", type=int, default=13, help="seed of the resampling")


def _add_training_options(parser: argparse.ArgumentParser, *, epochs: int | None) -> None:
    parser.add_argument("--epochs", type=int, default=epochs, help="at most this many epochs (early stopping on dev)")
    parser.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate (default: 1e-4 scratch, 5e-5 encoders; experiment: encoders)",
    )
    parser.add_argument("--batch-size", type=int, default=12, help="sentences per batch")
    parser.add_argument("--patience", type=int, default=2, help="epochs without dev improvement before stopping")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sambd-keep", type=float, default=0.08, help="SamBD: chance of keeping an all-O sentence")
    parser.add_argument("--size", default="small", help="scratch Transformer size: paper, small or tiny")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine", description="MedNER Studio engine")
    commands = parser.add_subparsers(dest="command", required=True)

    corpus = commands.add_parser("corpus", help="generate the demo corpus or describe a corpus")
    corpus_commands = corpus.add_subparsers(dest="corpus_command", required=True)
    generate = corpus_commands.add_parser("generate", help="write the seeded demo corpus as BRAT")
    generate.add_argument("--out", type=Path, required=True, help="folder to write train/, dev/, test/ into")
    generate.add_argument("--seed", type=int, default=13)
    generate.add_argument("--train", type=int, default=150, help="number of training notes")
    generate.add_argument("--dev", type=int, default=30, help="number of development notes")
    generate.add_argument("--test", type=int, default=50, help="number of test notes")
    generate.set_defaults(run=_corpus_generate)
    stats = corpus_commands.add_parser("stats", help="label counts, sentences and alignment problems per split")
    stats.add_argument("data", type=Path, help="corpus folder (train/ dev/ test/) or one BRAT folder")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(run=_corpus_stats)

    open_corpora = corpus_commands.add_parser(
        "open", help="write the vendored open corpora (Chia, NeuroTrialNER, BC5CDR, TAC 2017 ADR) as BRAT"
    )
    open_corpora.add_argument("names", nargs="*", help="which corpora (default: all)")
    open_corpora.add_argument("--out", type=Path, required=True, help="folder to write one corpus folder per name into")
    open_corpora.add_argument("--verbose", action="store_true", help="print every problem the readers found")
    open_corpora.set_defaults(run=_corpus_open)

    evaluate = commands.add_parser(
        "evaluate", help="score predictions against gold: --gold DIR --pred DIR, or --model DIR --data DIR"
    )
    evaluate.add_argument("--gold", type=Path, help="BRAT folder of gold annotations")
    evaluate.add_argument("--pred", type=Path, help="BRAT folder of predictions for the same notes")
    evaluate.add_argument("--model", type=Path, help="a trained model folder to run over --data")
    evaluate.add_argument(
        "--data",
        type=Path,
        nargs="+",
        help="BRAT folder(s) to annotate and score (with --model); several give one row each, e.g. "
        "data/demo/test data/real/chia/test data/real/neurotrialner/test data/real/bc5cdr/test",
    )
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    _add_anchor_option(evaluate)
    _add_interval_options(evaluate)
    _add_device_option(evaluate)
    evaluate.set_defaults(run=_evaluate)

    from engine.models.kinds import KINDS

    training = commands.add_parser("train", help="train a model on DATA/train with early stopping on DATA/dev")
    training.add_argument("--kind", required=True, choices=list(KINDS))
    training.add_argument("--encoder", help="Hugging Face checkpoint name or folder (default: the bundled MiniLM)")
    training.add_argument("--tokenizer", help="scratch kinds: a Hugging Face tokenizer instead of a trained WordPiece")
    training.add_argument("--data", type=Path, required=True, help="corpus folder with train/ (and dev/)")
    training.add_argument("--out", type=Path, required=True, help="model folder to write")
    training.add_argument("--sambd", action="store_true", help="train on the SamBD down-sampled sentences")
    training.add_argument("--train-fraction", type=float, default=1.0, help="share of training notes to use")
    training.add_argument(
        "--open-corpora",
        metavar="NAMES",
        help="also train on real sentences of these open corpora, partially labelled: comma-separated "
        "(chia, neurotrialner, bc5cdr, tac2017-adr) or 'all'",
    )
    training.add_argument("--open-sentences", type=int, help="at most this many sentences of each (default 500)")
    training.add_argument(
        "--note-sentences",
        type=int,
        help="also train on this many sentences of clinician-written notes, weakly labelled (default 0)",
    )
    training.add_argument(
        "--gazetteer", action="store_true", help="feed each word's drug-dictionary match tag to the tagger"
    )
    training.add_argument(
        "--lexicon",
        choices=tuple(LEXICONS),
        help="the names the gazetteer feature reads: the drug dictionary (default), or 'medicines': it, UK "
        "names (BNF, dm+d) and drug classes (MeSH, BNF), classes marked apart",
    )
    _add_training_options(training, epochs=None)
    _add_device_option(training)
    training.set_defaults(run=_train)

    compare = commands.add_parser(
        "compare", help="two models on the same notes: differences, intervals and p-values (paired)"
    )
    compare.add_argument("--a", type=Path, required=True, help="model folder A")
    compare.add_argument("--b", type=Path, required=True, help="model folder B")
    compare.add_argument("--data", type=Path, required=True, help="a BRAT folder of gold notes (e.g. data/demo/test)")
    compare.add_argument("--json", action="store_true", help="print one JSON object")
    _add_anchor_option(compare)
    _add_interval_options(compare)
    _add_device_option(compare)
    compare.set_defaults(run=_compare)

    predict = commands.add_parser(
        "predict",
        help="annotate notes (files, folders, a .jsonl file, or stdin) with a model; with --output, sharded and "
        "resumable, also under torchrun --nnodes N --nproc_per_node M",
    )
    predict.add_argument("--model", type=Path, required=True)
    predict.add_argument(
        "files",
        type=Path,
        nargs="*",
        help='.txt files, folders of them, or .jsonl files of {"id", "text"} lines; stdin when none',
    )
    predict.add_argument(
        "--output",
        type=Path,
        help="write the spans as JSON lines in input order to this file, through resumable shards beside it "
        "(FILE.shards/); the processes of a torchrun share the work",
    )
    predict.add_argument("--shard-size", type=_positive, default=32, help="notes per shard (default 32)")
    predict.add_argument("--json", action="store_true", help="print the spans as JSON")
    predict.add_argument("--out", type=Path, help="write the annotated notes as BRAT into this folder")
    _add_anchor_option(predict)
    _add_device_option(predict)
    predict.set_defaults(run=_predict)

    experiment = commands.add_parser("experiment", help="the study's grid and a learning curve on one corpus")
    experiment.add_argument("--data", type=Path, required=True)
    experiment.add_argument("--out", type=Path, required=True)
    experiment.add_argument("--encoder", action="append", help="encoder checkpoint or folder; repeat for several")
    experiment.add_argument(
        "--kinds", nargs="+", default=["transformer-crf", "encoder", "encoder-crf"], choices=list(KINDS)
    )
    experiment.add_argument("--fractions", nargs="+", type=float, default=[0.1, 0.25, 0.5, 1.0])
    experiment.add_argument("--scratch-lr", type=float, help="learning rate of the scratch kinds (default 1e-4)")
    experiment.add_argument(
        "--seeds",
        type=_positive,
        default=1,
        help="run each configuration with this many seeds (--seed, --seed + 1, ...)",
    )
    _add_training_options(experiment, epochs=None)
    _add_device_option(experiment)
    experiment.set_defaults(run=_experiment)

    real_text = commands.add_parser(
        "real-text", help="train each real-text recipe on the demo corpus and score it on the open real corpora"
    )
    real_text.add_argument("--data", type=Path, default=Path("data/demo"), help="the generated demo corpus")
    real_text.add_argument(
        "--real", type=Path, default=Path("data/real"), help="the open corpora (python -m engine corpus open)"
    )
    real_text.add_argument("--out", type=Path, default=Path("runs/real-text"))
    real_text.add_argument("--recipes", nargs="+", help="which recipes (default: all; see engine/real_text.py)")
    real_text.add_argument("--seed", type=int, default=13)
    _add_device_option(real_text)
    real_text.set_defaults(run=_real_text)

    boot = commands.add_parser("bootstrap", help="train the default demo models if they are missing")
    boot.add_argument("--data", type=Path, default=Path("data/demo"))
    boot.add_argument("--models", type=Path, default=Path("models"))
    boot.add_argument("--seed", type=int, default=13)
    boot.add_argument(
        "--full", action="store_true", help="train the longer recipe of make models-full instead (up to 45 minutes)"
    )
    _add_device_option(boot)
    boot.set_defaults(run=_bootstrap)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (BratFormatError, NoteEncodingError, FileNotFoundError, ValueError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
