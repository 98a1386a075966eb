"""How many Drug mentions of a corpus split the dictionaries know, and how many of those carry an
identifier (issue 24's target: 95 % of dictionary drugs in the demo test split).

    python -m bench.identifiers [--data data/demo/test]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from engine.data.brat import read_folder
from engine.notes.names import normalise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data/demo/test"))
    args = parser.parse_args()
    documents, _ = read_folder(args.data)
    drugs = [span.text for document in documents for span in document.spans if span.label == "Drug"]
    names = [normalise(text) for text in drugs]
    known = [name for name in names if name is not None]
    identified = [name for name in known if name.identifiers()]
    systems = Counter(system for name in identified for system in name.identifiers())
    kinds = Counter(name.kind for name in known)
    print(
        f"{args.data}: {len(drugs)} Drug mentions; {len(known)} known to a dictionary ({len(known) / len(drugs):.1%})"
    )
    print(f"  with an identifier: {len(identified)} of {len(known)} ({len(identified) / max(1, len(known)):.1%})")
    print("  by system: " + ", ".join(f"{system} {count}" for system, count in systems.most_common()))
    print("  by kind: " + ", ".join(f"{kind} {count}" for kind, count in kinds.most_common()))
    unknown = Counter(text for text, name in zip(drugs, names, strict=True) if name is None)
    print("  unknown, most frequent: " + ", ".join(f"{text} ({n})" for text, n in unknown.most_common(12)))


if __name__ == "__main__":
    main()
