"""Our clinical sentence splitter against PyRuSH (medspaCy's segmenter) on hand-marked notes.

    python bench/segmentation.py [--pyrush-python PY --rush-rules FILE] [--out bench/results/segmentation.json]

The set (``bench/data/segmentation``, README there): 22 notes, 623 sentences whose starts were
marked by hand: 6 ACI-Bench visit notes, 8 MTS-Dialog note sections (both CC BY 4.0) and 8
generated demo notes (discharge summaries, GP notes, case reports). A boundary is the offset of
a sentence's first character; the first sentence of a note is not counted. Precision, recall and
F1 of the boundaries, per source and over all notes.

PyRuSH pins numpy below 2, which this project's requirements do not allow, so it runs in an
environment of its own: ``python -m venv /tmp/rush && /tmp/rush/bin/pip install PyRuSH click``,
with the English rules medspaCy ships (``resources/en/rush_rules.tsv`` of the medspacy sdist,
MIT); pass that environment's python and the rules file. Without them only ours is scored.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.data.tokenize import sentences

DATA = Path(__file__).resolve().parent / "data" / "segmentation"
_RUSH = """
import json, sys
from PyRuSH import RuSH
rush = RuSH(sys.argv[1])
texts = json.load(sys.stdin)
json.dump([[s.begin for s in rush.segToSentenceSpans(t)] for t in texts], sys.stdout)
"""


def load() -> list[tuple[str, str, list[int]]]:
    """(name, text, gold sentence starts) for each note of the set."""
    notes = []
    for path in sorted(DATA.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        starts = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["starts"]
        notes.append((path.stem, text, starts))
    return notes


def first_character(text: str, offset: int) -> int:
    """The first non-space character at or after ``offset`` (a span may start on whitespace)."""
    while offset < len(text) and text[offset].isspace():
        offset += 1
    return offset


def ours(texts: list[str]) -> list[list[int]]:
    return [[sentence.start for sentence in sentences(text)] for text in texts]


def pyrush(texts: list[str], python: str, rules: str) -> list[list[int]]:
    done = subprocess.run(
        [python, "-c", _RUSH, rules], input=json.dumps(texts), capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def score(notes, predicted: list[list[int]], source: str | None = None) -> dict[str, float | int]:
    """Boundary precision, recall and F1 over the notes of ``source`` ("aci", "mts", "demo"; None: all)."""
    tp = gold_n = predicted_n = 0
    for (name, text, gold), starts in zip(notes, predicted, strict=True):
        if source is not None and not name.startswith(source):
            continue
        gold_set = set(gold[1:])
        found = {first_character(text, s) for s in starts} - {first_character(text, 0)}
        tp += len(gold_set & found)
        gold_n += len(gold_set)
        predicted_n += len(found)
    precision = tp / predicted_n if predicted_n else 0.0
    recall = tp / gold_n if gold_n else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3), "boundaries": gold_n}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyrush-python", help="python of an environment with PyRuSH installed")
    parser.add_argument("--rush-rules", help="PyRuSH rules file (medspaCy's resources/en/rush_rules.tsv)")
    parser.add_argument("--out", type=Path, default=Path("bench/results/segmentation.json"))
    args = parser.parse_args(argv)
    notes = load()
    texts = [text for _, text, _ in notes]
    systems = {"ours": ours(texts)}
    if args.pyrush_python and args.rush_rules:
        systems["PyRuSH"] = pyrush(texts, args.pyrush_python, args.rush_rules)
    results = {
        name: {source or "all": score(notes, starts, source) for source in ("aci", "mts", "demo", None)}
        for name, starts in systems.items()
    }
    print(f"{len(notes)} notes, {sum(len(g) for _, _, g in notes)} hand-marked sentences")
    print("| splitter | source | boundaries | precision | recall | F1 |\n|---|---|---|---|---|---|")
    for name, rows in results.items():
        for source, row in rows.items():
            print(f"| {name} | {source} | {row['boundaries']} | {row['precision']} | {row['recall']} | {row['f1']} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
