import pytest

from engine.models.kinds import KINDS


def test_recipe_resolves_options_once_with_the_kind_defaults():
    from engine.training.settings import recipe

    plan = recipe("encoder-crf", {"epochs": "3", "encoder": "", "sambd": None, "gazetteer": 1})
    assert plan.kind is KINDS["encoder-crf"]
    assert plan.settings.learning_rate == KINDS["encoder-crf"].learning_rate
    assert plan.settings.epochs == 3 and plan.settings.sambd is False
    assert plan.encoder is None and plan.gazetteer is True and plan.size == "small"
    scratch = recipe("transformer-crf", {"open_corpora": "chia,bc5cdr", "learning_rate": 5e-4, "size": "tiny"})
    assert scratch.settings.open_corpora == ("chia", "bc5cdr") and scratch.settings.learning_rate == 5e-4
    assert scratch.describe() == "transformer-crf, size tiny"
    with pytest.raises(ValueError, match="unknown training options: epoch, lr"):
        recipe("encoder", {"epoch": 2, "lr": 1e-3})
    with pytest.raises(ValueError, match="unknown model kind"):
        recipe("bilstm")
