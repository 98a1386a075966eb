"""Taggers: a Transformer encoder (from scratch or any Hugging Face checkpoint) with a word-level
linear head, optionally followed by a CRF."""
