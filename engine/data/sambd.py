"""SamBD: down-sampling sentences toward a better label distribution (Belkadi et al.).

As the study coded it: every sentence with at least one entity is kept; a sentence whose tags
are all ``O`` is kept with probability ``keep`` (0.08 in their notebook). Theirs was unseeded;
here the draw is seeded and depends only on (seed, document, sentence position), so the same
sentences are kept whatever else is in the list. Only train and dev are ever sampled.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from engine.data.corpus import TaggedSentence
from engine.labels import split_tag

DEFAULT_KEEP = 0.08
SAMPLED_SPLITS = ("train", "dev")


@dataclass(frozen=True)
class SamplingReport:
    """Sentence and entity counts before and after sampling."""

    sentences_before: int
    sentences_after: int
    empty_before: int
    empty_after: int
    labels_before: dict[str, int]
    labels_after: dict[str, int]

    def as_dict(self) -> dict[str, object]:
        return {
            "sentences": {"before": self.sentences_before, "after": self.sentences_after},
            "sentences_without_entity": {"before": self.empty_before, "after": self.empty_after},
            "share_without_entity": {
                "before": self.empty_before / self.sentences_before if self.sentences_before else 0.0,
                "after": self.empty_after / self.sentences_after if self.sentences_after else 0.0,
            },
            "labels": {"before": self.labels_before, "after": self.labels_after},
        }


def _entity_counts(sentences: Sequence[TaggedSentence]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for sentence in sentences:
        counts.update(split_tag(tag)[1] for tag in sentence.tags if tag.startswith("B-"))
    return dict(sorted(counts.items()))


def sambd(
    sentences: Sequence[TaggedSentence], *, keep: float = DEFAULT_KEEP, seed: int = 13, split: str = "train"
) -> tuple[list[TaggedSentence], SamplingReport]:
    """The sampled sentences (in their original order) and the before/after counts."""
    if split not in SAMPLED_SPLITS:
        raise ValueError(f"SamBD samples only {' and '.join(SAMPLED_SPLITS)}; the {split} split is never sampled")
    if not 0.0 <= keep <= 1.0:
        raise ValueError(f"keep must be a probability in [0, 1], got {keep}")
    kept: list[TaggedSentence] = []
    position: Counter[str] = Counter()
    for sentence in sentences:
        index = position[sentence.document_id]
        position[sentence.document_id] += 1
        if sentence.has_entity or random.Random(f"sambd:{seed}:{sentence.document_id}:{index}").random() < keep:
            kept.append(sentence)
    report = SamplingReport(
        len(sentences),
        len(kept),
        sum(not s.has_entity for s in sentences),
        sum(not s.has_entity for s in kept),
        _entity_counts(sentences),
        _entity_counts(kept),
    )
    return kept, report
