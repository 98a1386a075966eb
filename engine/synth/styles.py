"""Note styles beyond the discharge summary: British GP consultation notes, US outpatient visit
notes and case-report prose.

Each note of a split draws its style (:data:`STYLE_SHARES`). GP notes use the headings GPs
write (PC, HPC, PMH, DH, SH, FH, O/E, Imp, Plan), British drug names and spelling, and the
shorthand of primary care, which is never annotated; visit notes are problem-oriented, as US
clinicians dictate them: the patient and other clinicians named, a review of systems that
denies symptoms, examination findings, results, and an assessment and plan whose problem
headings are the Reasons of the drugs under them; case reports are narrative paragraphs.
"""

from __future__ import annotations

import random
import re

from engine.synth import grammar
from engine.synth.lexicon import Drug, classify
from engine.synth.negatives import (
    ANALYTES,
    CONDITIONS,
    DEVICES,
    FINDINGS,
    FOODS,
    PLANS,
    SHORTHAND,
    icd10_terms,
    person,
    person_names,
)
from engine.synth.templates import render
from engine.synth.writer import DrugPools, NoteWriter
from engine.types import Document

STYLE_SHARES = {"discharge": 0.38, "gp": 0.3, "visit": 0.17, "case": 0.15}

#: Drugs British GPs prescribe often (British approved names).
BRITISH = (
    "paracetamol", "co-codamol", "salbutamol", "omeprazole", "lansoprazole", "amoxicillin", "flucloxacillin",
    "co-amoxiclav", "nitrofurantoin", "trimethoprim", "ramipril", "amlodipine", "atorvastatin", "simvastatin",
    "metformin", "sertraline", "citalopram", "naproxen", "ibuprofen", "prednisolone", "beclometasone",
    "cetirizine", "levothyroxine", "bisoprolol", "doxycycline", "clarithromycin", "hydrocortisone", "senna",
    "lactulose", "mirtazapine", "amitriptyline", "codeine", "tramadol", "fluoxetine", "furosemide", "apixaban",
    "clopidogrel", "gabapentin", "pregabalin", "diazepam", "propranolol", "loratadine", "phenoxymethylpenicillin",
    "fusidic acid", "clotrimazole", "mebeverine", "folic acid", "ferrous sulfate", "adcal", "aciclovir",
)  # fmt: skip
EXAM = ("Chest clear.", "Abdo soft, non-tender.", "Throat {condition}.", "Skin: {condition}.", "HS I+II+0.")

GP_HPC = (
    "{pronoun} has been taking {Drug}[ {Strength}][ {Frequency}] for this with little benefit.",
    "Tried {Drug}[ {Strength}][ {Frequency}] otc without relief.",
    "Tried otc {Drug}[ {Strength}][ {Frequency}] with some relief.",
    "sx improved on {Drug}[ {Strength}][ {Frequency}].",
    "dhx: {Drug}[ {Strength}][ {Frequency}], nil else.",
    "Pt has been buying {Drug} otc.",
    "Already on {Drug}[ {Strength}][ {Frequency}] for {Reason}.",
    "Stopped {Drug} {time_ago} due to {ADE}.",
    "Developed {ADE} after starting {Drug}[ {Strength}].",
    "Using {Drug}[ {Dosage}][ {Frequency}] and finding it helps.",
    "Has run out of {Drug}.",
    "Asks about {Drug}.",
    "Taking {Drug} and {Drug@1} regularly.",
    "No longer taking {Drug}.",
    # A symptom beside a drug with nothing that makes the drug its cause: plain text, not an ADE.
    "Presents with {symptom}, currently on {Drug}[ {Strength}][ {Frequency}].",
    "{symptom_cap} for {days} days; already takes {Drug} for {Reason}.",
    "c/o {symptom} and {symptom}. Long-term {Drug}[ {Strength}], no recent changes.",
    "Has {symptom} since {time_ago}. On {Drug}[ {Frequency}], which suits {pronoun_lower}.",
)
GP_PLAN = (
    "Start {Drug}[ {Strength}][ {Route}][ {Frequency}][ {Duration}]",
    "Rx {Drug}[ {Strength}][ {Dosage}][ {Frequency}][ {Duration}]",
    "Trial of {Drug}[ {Strength}][ {Frequency}][ for {Reason}]",
    "Continue {Drug}",
    "Increase {Drug} to {Strength}[ {Frequency}]",
    "Stop {Drug} - {ADE}",
    "Switch {Drug} to {Drug@1}[ {Strength@1}][ {Frequency@1}]",
    "{Drug}[ {Strength}] prn[ for {Reason}]",
    "Advised {Drug}[ {Frequency}] otc",
    "Advised otc {Drug}[ {Strength}][ {Frequency}] prn",
    "Rx: {Drug}[ {Strength}][ {Frequency}][ {Duration}]",
    "Reduce {Drug} to {Strength}[ {Frequency}]",
)
GP_DH = (
    "{Drug}[ {Strength}][ {Frequency}]",
    "{Drug} {Strength}[ {Form}] {Frequency}",
    "{Drug}[ {Strength}][ {Dosage}] {Frequency}[ {Route}]",
    "{Drug}",
)
GP_TALK = (
    "{condition} for {days} days, c/o {condition} and {condition}.",
    "sx started {days} days ago, worse at night.",
    "No red flags. Eating and drinking ok.",
    "pmhx of {condition}; fh of {condition}.",
    "Pt reports {condition} since {time_ago}, nil else.",
    "Has tried {plan} with some benefit.",
    "Worried about {condition}; ICE discussed.",
    "Keeping a diary of {food} intake.",
    "Uses {device} at home.",
    "o/e NAD apart from mild {condition}.",
    "Not keen on {plan} at present.",
    "{condition} flare after eating {food}.",
    "Hx of {condition}, ddx {condition}, tx {plan}.",
    "{shorthand} {condition}, {shorthand} reviewed.",
    "pmhx of {condition}, {shorthand} nil else.",
    "{shorthand}: {condition}; tx supportive.",
    "Gets {condition} after {food}, avoiding it now.",
)
GP_PLAN_TEXT = (
    "Push fluids", "Safety-net advice given", "Bloods: FBC, U&E, LFT, CRP", "Review in 2/52 or sooner if worse",
    "Refer to physio", "Return asap if worse", "Self-care advice", "Fit note for 1/52", "Urine dip: nil",
    "ECG today", "Advised rest and {plan}", "Discussed {plan}", "Leaflet given re {condition}", "Avoid {food}",
    "Provide {device}", "CXR if no better", "Pt happy with plan",
)  # fmt: skip
CASE_OPENERS = (
    "A {age}-year-old {sex_word} with a history of {condition} presented with {condition}.",
    "We report a case of {condition} in a {age}-year-old {sex_word}.",
    "A {age}-year-old {sex_word} was referred with a {days}-day history of {condition}.",
)
CASE_FILLERS = (
    "Examination revealed {condition} without {condition}.",
    "Laboratory tests showed {lab}.",
    "Imaging demonstrated {condition}.",
    "{pronoun} denied {condition} or {condition}.",
    "The differential diagnosis included {condition} and {condition}.",
    "{pronoun} had no known drug allergies.",
    "A diagnosis of {condition} was made.",
    "{pronoun} developed {condition} after eating {food}.",
    "{condition} followed {plan} and resolved.",
    "{pronoun} underwent {plan} and recovered well.",
    "At follow-up after {days} weeks, {pronoun_lower} remained well.",
)


def _british(rng: random.Random) -> Drug:
    name = rng.choice(BRITISH)
    return Drug(name, classify(name))


class ProseWriter(NoteWriter):
    """A note writer that fills ``{condition}``, ``{plan}``... in free text from the negative vocabulary."""

    def fresh_text(self, templates: tuple[str, ...]) -> str:
        """A filled template this note has not written yet (real notes rarely repeat a line)."""
        return self.fresh(lambda: self.filler_text(self.rng.choice(templates)))

    def filler_text(self, template: str) -> str:
        rng = self.rng
        values = {
            "condition": lambda: rng.choice(CONDITIONS) if rng.random() < 0.6 else rng.choice(icd10_terms()),
            "days": lambda: str(rng.randint(1, 14)),
            "time_ago": lambda: rng.choice(("last week", "a month ago", "Xmas", "2/12 ago", "last year")),
            "plan": lambda: rng.choice(PLANS),
            "food": lambda: rng.choice(FOODS),
            "shorthand": lambda: rng.choice(SHORTHAND),
            "device": lambda: rng.choice(DEVICES),
            "age": lambda: str(rng.randint(19, 88)),
            "sex_word": lambda: "woman" if self.context.values["sex"] == "F" else "man",
            "lab": lambda: self.filler("lab"),
            "pronoun": lambda: self.context.values["pronoun"],
            "pronoun_lower": lambda: self.context.values["pronoun"].lower(),
        }
        return re.sub(r"\{(\w+)\}", lambda match: values[match.group(1)](), template)


class GPNoteWriter(ProseWriter):
    """A consultation note as a British GP types it into the record."""

    def drug(self, style: str) -> Drug:
        return _british(self.rng) if self.rng.random() < 0.5 else super().drug(style)

    def line(self, text: str) -> None:
        self.note.text(text + "\n")

    def write(self, document_id: str) -> Document:
        rng, note = self.rng, self.note
        self.context.values["time_ago"] = rng.choice(("last week", "a month ago", "in the summer"))
        note.text(rng.choice(("Face to face consultation", "Telephone consultation", "Consultation", "GP review")))
        note.text(f" with Dr {rng.choice(('Patel', 'Smith', 'Jones', 'Okafor', 'Brown', 'Khan'))}\n")
        note.text(f"PC: {self.filler_text('{condition}')}\nHPC: ")
        for i in range(rng.randint(2, 5)):
            note.text(" " if i else "")
            if rng.random() < 0.35:
                self.sentence(GP_HPC, "gp")
            else:
                note.text(self.fresh_text(GP_TALK))
        conditions = ", ".join(self.filler_text("{condition}") for _ in range(rng.randint(1, 4)))
        note.text(f"\n{rng.choice(('PMH', 'PMHx', 'pmhx', 'Hx'))}: {conditions}\n")
        note.text(rng.choice(("DH: ", "DH:\n", "Meds: ", "Current meds:\n")))
        if rng.random() < 0.15:
            note.text(rng.choice(("nil regular", "No regular meds", "None")) + "\n")
        else:
            for _ in range(rng.randint(1, 6)):
                self.sentence(GP_DH, "gp")
                note.text("\n")
        note.text(
            f"Allergies: {rng.choice(('NKDA', 'NKDA', 'penicillin (rash)', 'nil known', 'codeine - vomiting'))}\n"
        )
        note.text(f"SH: {rng.choice(('Lives with partner', 'Lives alone', 'Works as a teacher'))}, ")
        note.text(f"{rng.choice(('non-smoker', 'ex-smoker', 'smoker 10/day'))}, ETOH {rng.randint(0, 20)}u/wk\n")
        note.text(f"{rng.choice(('FH', 'FHx', 'fh'))}: {self.filler_text('{condition}')}\n")
        note.text(f"O/E: {rng.choice(('Alert, NAD', 'Looks well', 'Comfortable at rest'))}. ")
        pressure = f"{rng.randint(100, 165)}/{rng.randint(60, 98)}"
        note.text(f"T {rng.randint(362, 389) / 10}, HR {rng.randint(55, 115)}, BP {pressure}, ")
        finding = self.filler_text(rng.choice(EXAM))
        note.text(f"sats {rng.randint(93, 100)}% RA. {finding}\n")
        impression = rng.choice(("Imp", "imp", "Dx", "ddx"))
        note.text(f"{impression}: {self.filler_text('{condition}')}\n{rng.choice(('Plan', 'Mx', 'tx'))}:\n")
        for _ in range(rng.randint(2, 6)):
            if rng.random() < 0.45:
                self.sentence(GP_PLAN, "gp")
                note.text("\n")
            else:
                self.line(self.fresh_text(GP_PLAN_TEXT))
        return note.document(document_id)


VISIT_HPI = (
    "Regarding {possessive_lower} {Reason}, {pronoun_lower} continues to take {Drug}[ {Strength}][ {Frequency}].",
    "{pronoun} has been taking {Drug}[ {Strength}][ {Frequency}] for {possessive_lower} {Reason}.",
    "{pronoun} reports that the {Drug} has been working well.",
    "{pronoun} tried {Drug}[ {Strength}] at home without much relief.",
    "{pronoun} states that {pronoun_lower} has been compliant with {possessive_lower} {Drug}.",
    "{pronoun} developed {ADE} after starting {Drug}, so {pronoun_lower} stopped it.",
    "{pronoun} is currently on {Drug}[ {Strength}][ {Frequency}] and {Drug@1}[ {Strength@1}][ {Frequency@1}].",
    "{pronoun} ran out of {possessive_lower} {Drug} last week.",
)
VISIT_PLAN = (
    "\u2022 Medical Treatment: Continue {Drug}[ {Strength}][ {Frequency}].",
    "\u2022 Medical Treatment: Start {Drug}[ {Strength}][ {Route}][ {Frequency}][ {Duration}].",
    "\u2022 Medical Treatment: Increase {possessive_lower} {Drug} to {Strength}[ {Frequency}].",
    "\u2022 Medical Treatment: I prescribed {Drug}[ {Strength}][ {Frequency}][ {Duration}].",
    "\u2022 Medical Treatment: We will refill {possessive_lower} {Drug}[ {Strength}][ {Frequency}].",
)
VISIT_PLAN_TEXT = (
    "\u2022 Additional Testing: We will order {lab}.",
    "\u2022 Additional Testing: I have ordered a repeat {test}.",
    "\u2022 Patient Education and Counseling: I advised the patient to continue with {plan}.",
    "\u2022 Medical Reasoning: {pronoun} is doing well and is asymptomatic at this time.",
    "\u2022 Medical Reasoning: {possessive} {finding} is stable.",
)


class VisitNoteWriter(ProseWriter):
    """A US outpatient visit note in the problem-oriented form clinicians dictate."""

    def visit_text(self, template: str) -> str:
        rng = self.rng
        extra = {
            "lab": lambda: rng.choice(ANALYTES),
            "test": lambda: rng.choice(("echocardiogram", "chest x-ray", "MRI", "lipid panel", "urinalysis")),
            "finding": lambda: rng.choice(FINDINGS),
            "possessive": lambda: self.context.values["possessive"],
        }
        filled = re.sub(r"\{(lab|test|finding|possessive)\}", lambda m: extra[m.group(1)](), template)
        return self.filler_text(filled)

    def write(self, document_id: str) -> Document:
        rng, note, values = self.rng, self.note, self.context.values
        values["pronoun_lower"] = values["pronoun"].lower()
        values["possessive_lower"] = values["possessive"].lower()
        first, last = person_names()
        patient = f"{rng.choice(first)} {rng.choice(last)}"
        history = ", ".join(self.filler_text("{condition}") for _ in range(rng.randint(1, 3)))
        note.text(f"CHIEF COMPLAINT\n\n{self.filler_text('{condition}').capitalize()}.\n\n")
        note.text("HISTORY OF PRESENT ILLNESS\n\n")
        note.text(f"{patient} is a {rng.randint(19, 88)}-year-old {'female' if values['sex'] == 'F' else 'male'} ")
        note.text(f"with a past medical history significant for {history}, who presents today.")
        for _ in range(rng.randint(2, 5)):
            note.text(" ")
            if rng.random() < 0.5:
                self.sentence(VISIT_HPI, "narrative")
            else:
                symptoms, symptom = ", ".join(rng.sample(grammar.SYMPTOMS, 3)), rng.choice(grammar.SYMPTOMS)
                note.text(
                    rng.choice(
                        (
                            f"{values['pronoun']} denies {symptoms}.",
                            f"{values['pronoun']} saw {person(rng)} a couple of weeks ago.",
                            f"{values['pronoun']} endorses {symptom} for {rng.randint(2, 9)} days.",
                        )
                    )
                )
        note.text("\n\nREVIEW OF SYSTEMS\n\n")
        for system in rng.sample(("Constitutional", "Cardiovascular", "Respiratory", "Gastrointestinal"), 2):
            note.text(f"\u2022 {system}: Denies {rng.choice(grammar.SYMPTOMS)}.\n")
        note.text("\nPHYSICAL EXAMINATION\n\n")
        for part in rng.sample(("Respiratory", "Cardiovascular", "Musculoskeletal", "Skin"), 2):
            note.text(f"\u2022 {part}: {rng.choice(FINDINGS).capitalize()}.\n")
        analyte = rng.choice(ANALYTES)
        note.text(f"\nRESULTS\n\n{analyte[:1].upper()}{analyte[1:]} was within normal limits.\n\n")
        note.text("ASSESSMENT AND PLAN\n\n")
        for _ in range(rng.randint(1, 3)):
            # the problem heading is the Reason of the drug the treatment line under it names
            template = "{Reason}.\n" + rng.choice(VISIT_PLAN) + "\n"
            render(template, self.meds(1, "narrative"), note, self.context, style="narrative")
            for _ in range(rng.randint(0, 2)):
                note.text(self.visit_text(rng.choice(VISIT_PLAN_TEXT)) + "\n")
            note.text("\n")
        return note.document(document_id)


class CaseReportWriter(ProseWriter):
    """Case-report prose: an opening sentence, then paragraphs mixing findings and medications."""

    def write(self, document_id: str) -> Document:
        rng, note = self.rng, self.note
        self.context.values["pronoun_lower"] = self.context.values["pronoun"].lower()
        note.text(self.filler_text(rng.choice(CASE_OPENERS)))
        for _ in range(rng.randint(2, 4)):
            for _ in range(rng.randint(3, 6)):
                note.text(" ")
                if rng.random() < 0.4:
                    self.sentence(grammar.NARRATIVE, "narrative")
                else:
                    note.text(self.fresh_text(CASE_FILLERS))
            note.text("\n\n")
        return note.document(document_id)


WRITERS = {"discharge": NoteWriter, "gp": GPNoteWriter, "visit": VisitNoteWriter, "case": CaseReportWriter}


def write_note(
    rng: random.Random, pools: DrugPools, split: str, document_id: str, *, styles: dict[str, float] | None = None
) -> Document:
    """One note of a style drawn by ``styles`` (default :data:`STYLE_SHARES`)."""
    shares = styles or STYLE_SHARES
    style = rng.choices(tuple(shares), tuple(shares.values()))[0]
    return WRITERS[style](rng, pools, split).write(document_id)
