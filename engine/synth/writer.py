"""The discharge-summary note writer and what every note style shares: drug pools split by
corpus split (test notes mention drugs train never does), medications and their surface forms,
and decoys (non-drugs in drug slots). The other styles extend :class:`NoteWriter` in
:mod:`engine.synth.styles`; :mod:`engine.synth.generate` writes whole corpora.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.synth import grammar
from engine.synth.drug_classes import ABBREVIATIONS, COMMON
from engine.synth.lexicon import Drug, generic_mentions
from engine.synth.negatives import negative
from engine.synth.templates import (
    AnnotatorStyle,
    Context,
    NoteBuilder,
    labels_by_medication,
    medications_needed,
    render,
)
from engine.types import Document

#: Share of drug-only template slots filled with a non-drug (negatives.negative), unlabelled.
DECOY_SHARE = 0.3
#: Share of prose drug mentions that are group mentions ("IV antibiotics", "diuretics").
GENERIC_SHARE = 0.08
#: Share of drug picks that come from the split's own unseen pool.
UNSEEN_SHARE: dict[str, float] = {"train": 0.0, "dev": 0.2, "test": 0.25}


GENERIC = generic_mentions()


# --- medications and their surface forms -----------------------------------------------------


def misspell(name: str, rng: random.Random) -> str:
    """A plausible typo: a dropped, doubled or swapped letter (never the first one)."""
    if len(name) < 5:
        return name
    i = rng.randrange(1, len(name) - 1)
    kind = rng.choice(("drop", "double", "swap"))
    if kind == "drop":
        return name[:i] + name[i + 1 :]
    if kind == "double":
        return name[: i + 1] + name[i:]
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def drug_surface(drug: Drug, rng: random.Random, *, style: str) -> str:
    """How a note writes this drug: casing, brand, abbreviation or typo."""
    if drug.generic_mention:
        return drug.name
    roll = rng.random()
    if roll < 0.10 and drug.name in ABBREVIATIONS:
        return rng.choice(ABBREVIATIONS[drug.name])
    if roll < 0.16 and drug.brands:
        return rng.choice(drug.brands).capitalize()
    name = drug.name
    if rng.random() < 0.035:
        name = misspell(name, rng)
    if style == "list":
        return name.upper() if rng.random() < 0.08 else name.title()
    return name.capitalize() if rng.random() < 0.25 else name


def strength_surface(value: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.12:
        return value.replace(" ", "", 1)  # "25mg"
    if roll < 0.16:
        return value.upper()
    return value


@dataclass
class Medication:
    """One drug in one sentence; each attribute's surface is drawn once, when first written."""

    drug: Drug
    rng: random.Random
    style: str
    chosen: dict[str, str] = field(default_factory=dict)

    def surface(self, label: str) -> str:
        if label not in self.chosen:
            self.chosen[label] = self._draw(label)
        return self.chosen[label]

    def _draw(self, label: str) -> str:
        rng, cls, sig = self.rng, self.drug.drug_class, self.style == "list"
        choices: dict[str, Callable[[], str]] = {
            "Drug": lambda: drug_surface(self.drug, rng, style=self.style),
            "Strength": lambda: strength_surface(rng.choice(cls.strengths), rng),
            "Form": lambda: rng.choice(cls.forms),
            "Dosage": lambda: rng.choice(grammar.DOSAGE_SIG if sig else grammar.DOSAGE_TEXT),
            "Frequency": lambda: rng.choice(grammar.FREQUENCY_SIG if sig else grammar.FREQUENCY_TEXT),
            "Route": lambda: rng.choice(cls.routes),
            "Duration": lambda: rng.choice(grammar.DURATION),
            **(gp_surfaces(self.drug, rng) if self.style == "gp" else {}),
            "Reason": lambda: rng.choice(cls.reasons),
            "ADE": lambda: rng.choice(cls.adverse_events),
        }
        return choices[label]()


def gp_surfaces(drug: Drug, rng: random.Random) -> dict[str, Callable[[], str]]:
    """How a British GP writes a medication's attributes: 5mg, OD/BD/TDS, 5/7, PO, tabs."""
    return {
        "Drug": lambda: drug.name if drug.generic_mention or rng.random() < 0.6 else drug.name.capitalize(),
        "Strength": lambda: rng.choice(drug.drug_class.strengths).replace(" ", "", 1 if rng.random() < 0.7 else 0),
        "Dosage": lambda: rng.choice(grammar.GP_DOSAGE),
        "Frequency": lambda: rng.choice(grammar.GP_FREQUENCY),
        "Duration": lambda: rng.choice(grammar.GP_DURATION),
        "Route": lambda: rng.choice(grammar.GP_ROUTE),
    }


@dataclass
class Decoy:
    """A non-drug (a condition, shorthand, food, device or plan) written in a drug slot, unlabelled."""

    text: str
    decoy: bool = True

    def surface(self, label: str) -> str:
        return self.text


# --- drug pools ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrugPools:
    """Drugs every split may use, and drugs only ``dev`` or only ``test`` notes use."""

    shared: tuple[Drug, ...]
    only: dict[str, tuple[Drug, ...]]

    @classmethod
    def split(cls, drugs: tuple[Drug, ...], seed: int) -> DrugPools:
        common = [drug for drug in drugs if drug.name in COMMON]
        rest = [drug for drug in drugs if drug.name not in COMMON]
        random.Random(f"pools:{seed}").shuffle(rest)
        cut_dev, cut_test = int(len(rest) * 0.7), int(len(rest) * 0.8)
        return cls(
            tuple(common + rest[:cut_dev]), {"dev": tuple(rest[cut_dev:cut_test]), "test": tuple(rest[cut_test:])}
        )

    def pick(self, rng: random.Random, split: str) -> Drug:
        """A drug with Zipf-like frequencies: staples often, the long tail rarely."""
        own = self.only.get(split, ())
        pool = own if own and rng.random() < UNSEEN_SHARE.get(split, 0.0) else self.shared
        rank = int(len(pool) * rng.random() ** (5.0 if pool is self.shared else 2.0))
        return pool[min(rank, len(pool) - 1)]


# --- the note --------------------------------------------------------------------------------

HEADERS = {
    "hpi": ("History of Present Illness:", "HISTORY OF PRESENT ILLNESS:", "HPI:"),
    "pmh": ("Past Medical History:", "PAST MEDICAL HISTORY:"),
    "allergies": ("Allergies:", "ALLERGIES:"),
    "admission": ("Medications on Admission:", "MEDICATIONS ON ADMISSION:", "Home Medications:"),
    "course": ("Brief Hospital Course:", "HOSPITAL COURSE:", "Hospital Course:"),
    "discharge": ("Discharge Medications:", "DISCHARGE MEDICATIONS:"),
    "instructions": ("Discharge Instructions:", "DISCHARGE INSTRUCTIONS:"),
}


class NoteWriter:
    """Writes one discharge summary; every random choice comes from ``rng``."""

    def __init__(self, rng: random.Random, pools: DrugPools, split: str) -> None:
        self.rng, self.pools, self.split = rng, pools, split
        female = rng.random() < 0.5
        self.context = Context(
            rng,
            annotator=AnnotatorStyle.draw(rng),
            values={
                "pronoun": "She" if female else "He",
                "possessive": "Her" if female else "His",
                "sex": "F" if female else "M",
            },
        )
        self.note = NoteBuilder()
        self.written: set[str] = set()

    def meds(self, count: int, style: str) -> list[Medication]:
        return [Medication(self.drug(style), self.rng, style) for _ in range(count)]

    def drug(self, style: str) -> Drug:
        if style == "narrative" and self.rng.random() < GENERIC_SHARE:
            return self.rng.choice(GENERIC)
        return self.pools.pick(self.rng, self.split)

    def sentence(self, templates: tuple[str, ...], style: str) -> None:
        """One template instance; a medication the template gives only a drug slot is, at
        :data:`DECOY_SHARE`, a non-drug instead, so the slot alone never says "drug"."""
        template = self.rng.choice(templates)
        meds: list = self.meds(medications_needed(template), style)
        for index, labels in labels_by_medication(template).items():
            if labels == {"Drug"} and self.rng.random() < DECOY_SHARE:
                meds[index] = Decoy(negative(self.rng))
        render(template, meds, self.note, self.context, style=style)

    def header(self, key: str) -> None:
        self.note.text(f"\n{self.rng.choice(HEADERS[key])}\n")

    def filler(self, name: str) -> str:
        return self.context.fill(name)

    def fresh_filler(self, name: str) -> str:
        """A filler sentence this note has not written yet (real notes rarely repeat one)."""
        return self.fresh(lambda: self.filler(name))

    def fresh(self, draw: Callable[[], str], *, tries: int = 5) -> str:
        """What ``draw`` gives, drawn again (up to ``tries`` times) while this note has written it."""
        text = draw()
        for _ in range(tries):
            if text not in self.written:
                break
            text = draw()
        self.written.add(text)
        return text

    def narrative(self, sentences: int, drug_share: float) -> None:
        for i in range(sentences):
            if i:
                self.note.text(" ")
            if self.rng.random() < drug_share:
                self.sentence(grammar.NARRATIVE, "narrative")
            else:
                kind = self.rng.choices(("plain", "nondrug", "lab", "vitals"), (6, 2, 2, 1))[0]
                text = self.fresh_filler(kind)
                if kind == "lab":
                    text = f"Labs were notable for {text}."
                elif kind == "vitals":
                    text = f"Vitals: {text}."
                self.note.text(text)
        self.note.text("\n")

    def write(self, document_id: str) -> Document:
        rng, note = self.rng, self.note
        year, month, day = rng.randint(2100, 2190), rng.randint(1, 12), rng.randint(1, 20)
        admitted = f"[**{year}-{month}-{day}**]"
        discharged = f"[**{year}-{month}-{day + rng.randint(2, 8)}**]"
        born = f"[**{year - rng.randint(25, 90)}-{rng.randint(1, 12)}-{rng.randint(1, 28)}**]"
        service = rng.choice(("MEDICINE", "SURGERY", "CARDIOLOGY"))
        note.text(f"Admission Date:  {admitted}              Discharge Date:   {discharged}\n\n")
        note.text(f"Date of Birth:  {born}             Sex:   {self.context.values['sex']}\n\n")
        note.text(f"Service: {service}\n")
        self.header("allergies")
        if rng.random() < 0.4:
            note.text("No Known Allergies / Adverse Drug Reactions\n")
        else:  # allergy lists name drugs the patient does not take: not annotated
            names = {self.pools.pick(rng, self.split).name.title() for _ in range(rng.randint(1, 3))}
            note.text(" / ".join(sorted(names)) + "\n")
        note.text(f"\nChief Complaint:\n{self.filler('complaint')}\n")
        self.header("hpi")
        self.narrative(rng.randint(3, 8), 0.3)
        note.text(f"\nPhysical Exam:\nVitals: {self.filler('vitals')}\n")
        for line in rng.sample(grammar.FILLERS["exam"], rng.randint(3, 7)):
            note.text(line + "\n")
        note.text("\nPertinent Results:\n")
        for lab in rng.sample(grammar.FILLERS["lab"], rng.randint(4, 10)):
            note.text(f"{lab}\n")
        self.header("pmh")
        for n, problem in enumerate(rng.sample(grammar.FILLERS["problem"], rng.randint(3, 7)), start=1):
            note.text(f"{n}. {problem}\n")
        self.header("admission")
        self.admission_list()
        self.header("course")
        for _ in range(rng.randint(2, 6)):
            note.text(f"# {rng.choice(grammar.FILLERS['problem'])}: ")
            self.narrative(rng.randint(2, 7), 0.42)
        self.header("discharge")
        for n in range(1, rng.randint(4, 13) + 1):
            self.context.values["n"] = str(n)
            self.context.values["disp"] = self.dispense()
            self.sentence(grammar.LIST_SIG, "list")
            note.text("\n")
        note.text(f"\nDischarge Disposition:\n{rng.choice(('Home', 'Home With Service', 'Extended Care'))}\n")
        self.header("instructions")
        self.note.text("You were admitted to the hospital. ")
        for i in range(rng.randint(1, 3)):
            self.note.text(" " if i else "")
            self.sentence(grammar.INSTRUCTIONS, "narrative")
        note.text("\n\nFollowup Instructions:\nPlease follow up with your PCP in 1-2 weeks.\n")
        return note.document(document_id)

    def dispense(self) -> str:
        if self.rng.random() < 0.5:
            return ""
        unit = self.rng.choice(grammar.DISPENSE_UNITS)
        return f"\nDisp:*{self.rng.choice((30, 60, 90, 14, 7))} {unit}* Refills:*{self.rng.randint(0, 3)}*"

    def admission_list(self) -> None:
        count = self.rng.randint(2, 9)
        layout = self.rng.choice(("lines", "numbered", "inline"))
        for n in range(1, count + 1):
            if layout == "inline":
                self.note.text(", " if n > 1 else "")
            else:
                self.note.text(f"{n}. " if layout == "numbered" else "")
            self.sentence(grammar.LIST_SHORT, "narrative")
            if layout != "inline":
                self.note.text("\n")
        if layout == "inline":
            self.note.text(".\n")
