"""An adverse drug event needs a cause: the rule that keeps a predicted ADE only where its
sentence names a drug and says, in words, that something followed from something.

n2c2 2018 Track 2 annotates an ADE only where the text attributes the problem to a drug
("rash after starting amoxicillin", "stopped ramipril due to cough", "lisinopril-induced
angioedema"). A model trained on notes where ADEs sit beside drugs learns the neighbourhood,
not the cause, and on real consultations tags presenting symptoms ("headache, taking
paracetamol") as ADEs. :func:`has_cause` asks for both parts in the ADE's sentence: a Drug span
and a causal cue (:data:`CAUSAL_CUE`) outside the ADE itself.

Measured on the demo test split and BC5CDR's dev split in docs/experiments.md ("ADE needs a
cause"): the demo ADE precision rises, BC5CDR's ADE recall falls, since BC5CDR marks every
mention of a disease the abstract attributes to a chemical somewhere, cause in its sentence or not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from engine.types import Span

#: Words and marks that say a problem followed from a drug, or that a drug was stopped or
#: changed for it. "on" and "with" are in ("rash on amoxicillin", "GI upset with metformin").
CAUSAL_CUE = re.compile(
    r"\b(?:after|since|due to|secondary to|caus\w*|induc\w*|related to|from|because|reactions?|"
    r"side[- ]effects?|allerg\w*|intoleran\w*|adverse|stop\w*|discontinu\w*|held|hold|switch\w*|"
    r"develop\w*|with|resulting|led to|attribut\w*|toxicit\w*|following|associated|complicat\w*|on)\b"
    r"|-induced| - ",
    re.IGNORECASE,
)


def has_cause(text: str, start: int, end: int, ade: Span, spans: Sequence[Span]) -> bool:
    """Whether the ADE ``ade`` of the sentence ``text[start:end]`` has a Drug span in that
    sentence and a causal cue outside the ADE's own words."""
    drug = any(span.label == "Drug" and start <= span.start < end for span in spans)
    around = text[start : ade.start] + " " + text[ade.end : end]
    return drug and CAUSAL_CUE.search(around) is not None
