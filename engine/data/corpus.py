"""A corpus on disk (``train/``, ``dev/``, ``test/`` BRAT folders) and its tagged sentences."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.data.bio import AlignmentReport, spans_to_tags
from engine.data.brat import BratProblem, read_folder, write_folder
from engine.data.partial import ALL_LABELS, Coverage, allowed_tags, in_regions
from engine.data.tokenize import Word, sentences
from engine.labels import LABELS, OUTSIDE
from engine.types import Document, Fragment

#: A corpus folder may hold ``coverage.json`` (:class:`Coverage`): the labels it annotates and the
#: regions of each document it leaves unlabelled. Without it, a corpus annotates every label.
COVERAGE_FILE = "coverage.json"

SPLITS: tuple[str, ...] = ("train", "dev", "test")


@dataclass(frozen=True)
class TaggedSentence:
    """One sentence of a document: its words and their gold IOB2 tags."""

    document_id: str
    words: tuple[Word, ...]
    tags: tuple[str, ...]
    #: the labels the corpus annotates; and per word, whether it lies in an unlabelled region
    annotates: frozenset[str] = ALL_LABELS
    free: tuple[bool, ...] = ()

    @property
    def has_entity(self) -> bool:
        return any(tag != OUTSIDE for tag in self.tags)

    @property
    def partial(self) -> bool:
        """Some word may take more than one tag (see :mod:`engine.data.partial`)."""
        return self.annotates != ALL_LABELS or any(self.free)

    def allowed(self) -> list[tuple[int, ...]]:
        """The tag ids each word may take."""
        return allowed_tags(self.tags, self.free or (False,) * len(self.tags), self.annotates)


@dataclass
class Corpus:
    """Documents by split, and whatever the reader had to report about them."""

    root: Path
    splits: dict[str, list[Document]]
    problems: list[BratProblem] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)

    def documents(self, split: str) -> list[Document]:
        if split not in self.splits:
            raise KeyError(f"{self.root} has no {split!r} split (found: {', '.join(self.splits) or 'none'})")
        return self.splits[split]

    def sentences(self, documents: Iterable[Document]) -> list[TaggedSentence]:
        """The tagged sentences of some of this corpus's documents, carrying its coverage."""
        return [
            sentence
            for document in documents
            for sentence in tagged_sentences(
                document, annotates=self.coverage.annotates, unlabelled=self.coverage.regions(document.id)
            )[0]
        ]


def load_corpus(root: Path | str) -> Corpus:
    """Read ``root/train``, ``root/dev`` and ``root/test``, whichever exist.

    A folder with ``.txt`` files directly inside is read as a single ``test`` split.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: not a folder")
    splits: dict[str, list[Document]] = {}
    problems: list[BratProblem] = []
    for split in SPLITS:
        if (root / split).is_dir():
            splits[split], found = read_folder(root / split)
            problems.extend(found)
    if not splits:
        if not any(root.glob("*.txt")):
            raise FileNotFoundError(f"{root}: no train/, dev/ or test/ folder and no .txt files")
        splits["test"], problems = read_folder(root)
    return Corpus(root, splits, problems, coverage_of(root))


def coverage_of(folder: Path | str) -> Coverage:
    """The coverage of a corpus folder, or of the corpus a split folder belongs to: its
    ``coverage.json``, else the parent's (``data/real/chia/test`` -> ``data/real/chia``), else complete."""
    folder = Path(folder)
    for candidate in (folder / COVERAGE_FILE, folder.parent / COVERAGE_FILE):
        if candidate.is_file():
            try:
                return Coverage.from_dict(json.loads(candidate.read_text(encoding="utf-8")))
            except (ValueError, TypeError, AttributeError) as error:
                raise ValueError(f"{candidate}: not a coverage file ({error})") from None
    return Coverage()


def write_corpus(corpus: Corpus, out: Path | str, *, manifest: dict | None = None) -> None:
    """Write each split as a BRAT folder under ``out``, ``coverage.json`` when the corpus is
    partial, and ``corpus.json`` (``manifest``); ``load_corpus(out)`` reads it all back."""
    out = Path(out)
    for split, documents in corpus.splits.items():
        folder = out / split
        folder.mkdir(parents=True, exist_ok=True)
        for stale in [*folder.glob("*.txt"), *folder.glob("*.ann")]:
            stale.unlink()
        write_folder(documents, folder)
    coverage = out / COVERAGE_FILE
    if corpus.coverage.complete:
        coverage.unlink(missing_ok=True)
    else:
        coverage.write_text(json.dumps(corpus.coverage.as_dict()) + "\n", encoding="utf-8")
    if manifest is not None:
        (out / "corpus.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def tagged_sentences(
    document: Document, *, annotates: frozenset[str] = ALL_LABELS, unlabelled: Sequence[Fragment] = ()
) -> tuple[list[TaggedSentence], AlignmentReport]:
    """The document's sentences with gold tags; sentence breaks never fall inside a gold span."""
    result: list[TaggedSentence] = []
    report = AlignmentReport()
    split_sentences = sentences(document.text, protect=document.spans)
    all_words = [word for sentence in split_sentences for word in sentence.words]
    tags, report = spans_to_tags(all_words, document.spans)
    position = 0
    for sentence in split_sentences:
        count = len(sentence.words)
        free = in_regions(sentence.words, unlabelled) if unlabelled else ()
        result.append(
            TaggedSentence(document.id, sentence.words, tuple(tags[position : position + count]), annotates, free)
        )
        position += count
    return result, report


@dataclass
class SplitStats:
    documents: int = 0
    sentences: int = 0
    sentences_without_entity: int = 0
    words: int = 0
    characters: int = 0
    words_per_document: list[int] = field(default_factory=list)
    labels: Counter[str] = field(default_factory=Counter)
    discontinuous: int = 0
    relations: int = 0
    alignment: AlignmentReport = field(default_factory=AlignmentReport)
    drugs_unseen_in_train: int | None = None

    def as_dict(self) -> dict[str, object]:
        lengths = sorted(self.words_per_document)
        return {
            "documents": self.documents,
            "sentences": self.sentences,
            "sentences_without_entity": self.sentences_without_entity,
            "words": self.words,
            "characters": self.characters,
            "words_per_document": {
                "min": lengths[0] if lengths else 0,
                "median": lengths[len(lengths) // 2] if lengths else 0,
                "max": lengths[-1] if lengths else 0,
            },
            "labels": {label: self.labels.get(label, 0) for label in LABELS},
            "discontinuous_spans": self.discontinuous,
            "relations": self.relations,
            "alignment": self.alignment.summary(),
            "drug_mentions_unseen_in_train": self.drugs_unseen_in_train,
        }


def split_stats(documents: Iterable[Document]) -> SplitStats:
    """Counts that describe a split: documents, sentences, words, labels, alignment problems."""
    stats = SplitStats()
    for document in documents:
        tagged, report = tagged_sentences(document)
        stats.documents += 1
        stats.sentences += len(tagged)
        stats.sentences_without_entity += sum(not sentence.has_entity for sentence in tagged)
        word_count = sum(len(sentence.words) for sentence in tagged)
        stats.words += word_count
        stats.words_per_document.append(word_count)
        stats.characters += len(document.text)
        stats.labels.update(span.label for span in document.spans)
        stats.discontinuous += sum(span.is_discontinuous for span in document.spans)
        stats.relations += len(document.relations)
        stats.alignment = stats.alignment + report
    return stats


def drug_names(documents: Iterable[Document]) -> set[str]:
    """The Drug mentions of the documents, lower-cased."""
    return {span.text.lower() for document in documents for span in document.spans if span.label == "Drug"}


def corpus_stats(corpus: Corpus) -> dict[str, SplitStats]:
    """Stats per split; beside train, how many Drug mentions name a drug train never mentions."""
    stats = {split: split_stats(documents) for split, documents in corpus.splits.items()}
    if "train" in corpus.splits:
        seen = drug_names(corpus.splits["train"])
        for split, documents in corpus.splits.items():
            if split != "train":
                stats[split].drugs_unseen_in_train = sum(
                    span.text.lower() not in seen for d in documents for span in d.spans if span.label == "Drug"
                )
    return stats


def stats_table(stats: dict[str, SplitStats], labels: Sequence[str] = LABELS) -> str:
    """A markdown table: one row per label and per count, one column per split."""
    names = list(stats)
    header = "| | " + " | ".join(names) + " |\n|---|" + "---:|" * len(names) + "\n"
    rows = [(label, [s.labels.get(label, 0) for s in stats.values()]) for label in labels]
    rows += [
        ("all spans", [sum(s.labels.values()) for s in stats.values()]),
        ("documents", [s.documents for s in stats.values()]),
        ("sentences", [s.sentences for s in stats.values()]),
        ("sentences with no entity", [s.sentences_without_entity for s in stats.values()]),
        ("words", [s.words for s in stats.values()]),
        ("relations", [s.relations for s in stats.values()]),
        ("discontinuous spans", [s.discontinuous for s in stats.values()]),
        ("spans not on word boundaries", [len(s.alignment.unaligned) for s in stats.values()]),
        ("overlapping spans left out of BIO", [len(s.alignment.overlapping) for s in stats.values()]),
    ]
    if any(s.drugs_unseen_in_train is not None for s in stats.values()):
        rows.append(
            (
                "Drug mentions unseen in train",
                ["-" if s.drugs_unseen_in_train is None else s.drugs_unseen_in_train for s in stats.values()],
            )
        )
    return header + "".join(f"| {name} | " + " | ".join(str(v) for v in values) + " |\n" for name, values in rows)
