"""The model kinds by name, as plain data: importing this module loads neither torch nor transformers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    scratch: bool
    crf: bool
    learning_rate: float
    description: str


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "transformer-crf", True, True, 1e-4, "Transformer encoder trained from scratch, with a CRF (TransformerCRF)"
        ),
        Kind("transformer", True, False, 1e-4, "Transformer encoder trained from scratch, linear head only"),
        Kind("encoder-crf", False, True, 5e-5, "pretrained Hugging Face encoder fine-tuned, with a CRF"),
        Kind("encoder", False, False, 5e-5, "pretrained Hugging Face encoder fine-tuned, linear head only"),
    )
}


def kind(name: str) -> Kind:
    """The kind called ``name``; a ValueError lists the kinds there are."""
    if name not in KINDS:
        raise ValueError(f"unknown model kind {name!r}; choose one of {', '.join(KINDS)}")
    return KINDS[name]
