"""The trained tagger: network + tokenizer + config, saved and loaded as one model folder."""

from __future__ import annotations

import json
from pathlib import Path

from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from transformers import PreTrainedTokenizerBase

from engine.atomic import replace_folder, staging_folder
from engine.data.gazetteer import LEXICONS
from engine.models.base import (
    ModelConfig,
    ModelFolderError,
    check_model_folder,
    describe_model,
    folder_fingerprint,
    read_config,
)
from engine.models.hf import encoder_from_config, load_tokenizer
from engine.models.network import WordTagger
from engine.types import ModelInfo

TRAINING_DRUGS_FILE = "training_drugs.txt"


class NeuralTagger:
    """A trained model's parts: its :class:`WordTagger` network, tokenizer and config, saved and
    loaded as one folder. It does not annotate notes itself: :class:`engine.inference.pipeline.Pipeline`
    does (``load_pipeline(folder).predict(texts)``), so models never depend on inference."""

    def __init__(self, config: ModelConfig, network: WordTagger, tokenizer: PreTrainedTokenizerBase) -> None:
        self.config = config
        self.network = network
        self.tokenizer = tokenizer
        self.name = config.kind
        #: Set when the tagger is saved or loaded: see :func:`engine.models.base.folder_fingerprint`.
        self.fingerprint = ""
        self.folder: Path | None = None
        #: Drug names seen in training (:func:`engine.scores.strict.drug_name` form), saved beside the weights.
        self.training_drugs: frozenset[str] = frozenset()
        config.parameters = self.parameter_count()

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.network.parameters() if p.requires_grad)

    def save(self, folder: Path | str) -> None:
        """Write the model folder atomically: a crash leaves the old folder (or none), never half."""
        folder = Path(folder)
        with staging_folder(folder) as staging:
            state = {name: tensor.detach().cpu().contiguous() for name, tensor in self.network.state_dict().items()}
            save_file(state, str(staging / "model.safetensors"))
            encoder_config = self.network.encoder.config.to_dict()
            (staging / "encoder.json").write_text(json.dumps(encoder_config, indent=2), encoding="utf-8")
            self.tokenizer.save_pretrained(str(staging / "tokenizer"))
            (staging / "config.json").write_text(json.dumps(self.config.to_dict(), indent=2), encoding="utf-8")
            if self.training_drugs:
                names = "".join(f"{name}\n" for name in sorted(self.training_drugs))
                (staging / TRAINING_DRUGS_FILE).write_text(names, encoding="utf-8")
            replace_folder(staging, folder)
        self.folder, self.fingerprint = folder, folder_fingerprint(folder)

    @classmethod
    def load(cls, folder: Path | str) -> NeuralTagger:
        folder = check_model_folder(folder)
        config = read_config(folder)
        try:
            encoder_config = json.loads((folder / "encoder.json").read_text(encoding="utf-8"))
            encoder = encoder_from_config(encoder_config)
        except (json.JSONDecodeError, KeyError, ValueError) as error:
            raise ModelFolderError(f"{folder / 'encoder.json'}: cannot rebuild the encoder ({error})") from None
        hidden = encoder.config.hidden_size if hasattr(encoder.config, "hidden_size") else encoder.config.dim
        if config.lexicon not in LEXICONS:
            raise ModelFolderError(
                f"{folder / 'config.json'}: unknown lexicon {config.lexicon!r} "
                f"(this version reads {', '.join(LEXICONS)})"
            )
        network = WordTagger(
            encoder,
            hidden,
            len(config.tags),
            crf=config.crf,
            dropout=config.dropout,
            gazetteer=config.gazetteer,
            gazetteer_values=LEXICONS[config.lexicon],
        )
        try:
            state = load_file(str(folder / "model.safetensors"))
            network.load_state_dict(state, strict=True)
        except (RuntimeError, OSError, SafetensorError) as error:
            raise ModelFolderError(
                f"{folder / 'model.safetensors'}: weights do not fit the saved config ({error})"
            ) from None
        network.eval()
        tokenizer = load_tokenizer(str(folder / "tokenizer"))
        tagger = cls(config, network, tokenizer)
        tagger.folder, tagger.fingerprint = folder, folder_fingerprint(folder)
        drugs = folder / TRAINING_DRUGS_FILE
        if drugs.is_file():
            tagger.training_drugs = frozenset(filter(None, drugs.read_text(encoding="utf-8").splitlines()))
        return tagger

    def info(self) -> ModelInfo:
        """What the store and the app need to know of this saved model."""
        if self.folder is None:
            raise ValueError("this tagger has not been saved or loaded, so it has no folder or fingerprint yet")
        return describe_model(self.folder, fingerprint=self.fingerprint)


def load_tagger(folder: Path | str) -> NeuralTagger:
    """Load any model folder this engine saved; anything else gets a :class:`ModelFolderError`."""
    return NeuralTagger.load(folder)
