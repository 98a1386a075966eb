"""Readers for the open real corpora vendored in ``vendor/realdata`` and their mapping to the
n2c2 labels. Each reader returns an :class:`engine.data.corpus.Corpus` whose coverage says which
labels the source annotates and where it is ambiguous (:mod:`engine.data.partial`).

The mapping, one row per source type (anything not listed is left as plain text: outside every
annotated label, free for the labels the corpus does not annotate):

===============  ===================  ==================  =================================
corpus           source type          becomes             why
===============  ===================  ==================  =================================
chia             Drug                 Drug                drugs and drug classes, as n2c2
chia             every other type     text                Condition may be a Reason, Value a
                                                          Strength... only Drug is annotated
neurotrialner    DRUG                 Drug
neurotrialner    CONTROL              unlabelled region   placebo / usual care: not a drug in
                                                          n2c2, but may name the comparator drug
neurotrialner    other types          text                conditions, surgery, behaviour...
bc5cdr           Chemical in the      Drug
                 drug dictionary
bc5cdr           other Chemical       unlabelled region   ions, toxins, reagents: Chemical is
                                                          wider than Drug
bc5cdr           Disease in a CID     ADE                 the abstract says a chemical induced it
                 pair of the abstract
bc5cdr           other Disease        text                the condition studied or treated
tac2017-adr      AdverseReaction      ADE                 adverse reactions of the labelled drug
tac2017-adr      DrugClass            unlabelled region   drugs are not annotated in TAC
tac2017-adr      other types          text                Severity, Factor, Negation, Animal...
===============  ===================  ==================  =================================

Annotated labels: chia, neurotrialner {Drug}; bc5cdr {Drug, ADE}; tac2017-adr {ADE}.

``clinical-notes`` (:mod:`engine.data.open.notes`) is of another kind: clinician-written notes
with no annotation of their own, labelled weakly by :mod:`engine.data.weak` (Drug, Strength,
Dosage, Form, Route, Frequency, Duration; Reason and ADE free). It trains (``note_sentences``),
and is never imported as gold nor scored: the hand-annotated ``clinical-notes-dev`` scores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.data.corpus import Corpus

#: The vendored copies (compressed, as published), with LICENSE and SOURCE.md in each folder.
VENDOR = Path(__file__).resolve().parents[3] / "vendor" / "realdata"


@dataclass(frozen=True)
class OpenCorpus:
    name: str  # also its folder in vendor/realdata
    text: str
    licence: str
    read: Callable[[Path], Corpus]

    def load(self, root: Path | None = None) -> Corpus:
        """Read the corpus from its vendored folder (or ``root``)."""
        return self.read(root or VENDOR / self.name)


def _registry() -> dict[str, OpenCorpus]:
    from engine.data.open import bc5cdr, chia, neurotrialner, notes, tac

    return {
        c.name: c
        for c in (
            OpenCorpus("chia", "clinical-trial eligibility criteria", "CC BY 4.0", chia.read),
            OpenCorpus("neurotrialner", "neurology trial titles and summaries", "MIT", neurotrialner.read),
            OpenCorpus("bc5cdr", "PubMed titles and abstracts", "public domain (US Government work)", bc5cdr.read),
            OpenCorpus("tac2017-adr", "FDA drug-label adverse reaction sections", "CC0 1.0", tac.read),
            OpenCorpus("clinical-notes", "clinician-written notes, weakly labelled", "CC BY 4.0", notes.read),
            OpenCorpus(notes.DEV_FOLDER, "clinician-written visit notes, hand-annotated", "CC BY 4.0", notes.read_dev),
        )
    }


#: The corpora with annotations of their own (partial): what "all" means for the commands.
OPEN_CORPORA: tuple[str, ...] = ("chia", "neurotrialner", "bc5cdr", "tac2017-adr")
#: Clinician-written notes with weak labels only: for training (``note_sentences``), never
#: imported as gold nor scored.
NOTES_CORPUS = "clinical-notes"
#: The hand-annotated real notes: scored (the app ranks models on them), never trained on.
REAL_NOTES = ("clinical-notes-dev",)


def open_corpus(name: str) -> OpenCorpus:
    """The open corpus called ``name``; a ValueError lists those there are."""
    registry = _registry()
    if name not in registry:
        raise ValueError(f"unknown open corpus {name!r}; choose one of {', '.join(registry)}")
    return registry[name]
