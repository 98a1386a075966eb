"""A training run's options resolved once: :func:`recipe` turns what the command line, a
Train-page job, a saved model's config or the demo table gives into one :class:`Recipe` (the
kind, :class:`engine.models.base.TrainingSettings` and the model's build options)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

from engine.models.base import TrainingSettings
from engine.models.kinds import Kind
from engine.models.registry import kind


@dataclass(frozen=True)
class Recipe:
    """What one training run builds and how, resolved once (:func:`recipe`) wherever the run
    comes from (the command line, a Train-page job, a saved model's config, the demo table) and
    then passed down whole."""

    kind: Kind
    settings: TrainingSettings
    encoder: str | None = None
    size: str = "small"
    tokenizer: str | None = None
    gazetteer: bool = False
    lexicon: str = "drugbank"

    def describe(self) -> str:
        feature = ("gazetteer" + (f" ({self.lexicon})" if self.lexicon != "drugbank" else "")) if self.gazetteer else ""
        extras = [f"encoder {self.encoder}" if self.encoder else "", feature]
        if self.kind.scratch:
            extras.insert(0, f"size {self.size}")
        return ", ".join([self.kind.name, *filter(None, extras)])


_RECIPE_FIELDS = ("encoder", "size", "tokenizer", "gazetteer", "lexicon")


def recipe(kind_name: str, values: Mapping[str, object] | None = None) -> Recipe:
    """The one place a run's options are resolved: ``values`` holds any of :class:`Recipe`'s
    fields and :class:`TrainingSettings`'s (None or absent: the default; the learning rate
    defaults to the kind's). Unknown keys are an error that names them."""
    spec = kind(kind_name)
    given = {key: value for key, value in (values or {}).items() if value is not None}
    settings_fields = {f.name: f for f in fields(TrainingSettings)}
    unknown = sorted(set(given) - set(settings_fields) - set(_RECIPE_FIELDS))
    if unknown:
        raise ValueError(f"unknown training options: {', '.join(unknown)}")
    settings = TrainingSettings(learning_rate=spec.learning_rate)
    chosen = {}
    for name, value in given.items():
        if name not in settings_fields:
            continue
        default = getattr(settings, name)
        if isinstance(default, tuple):
            chosen[name] = tuple(value.split(",") if isinstance(value, str) else value)
        else:
            chosen[name] = type(default)(value)
    options = {name: given[name] for name in _RECIPE_FIELDS if name in given}
    if "gazetteer" in options:
        options["gazetteer"] = bool(options["gazetteer"])
    if options.get("encoder") == "":
        options["encoder"] = None
    return Recipe(spec, TrainingSettings(**{**asdict(settings), **chosen}), **options)


def settings_dict(settings: TrainingSettings) -> dict:
    return asdict(settings)
