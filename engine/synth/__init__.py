"""The seeded demo-corpus generator: note writers, templates and grammar, drug lexicon and classes,
and the negative vocabulary that keeps drugs from being predictable by their position."""
