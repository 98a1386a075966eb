import pytest
import torch

from engine.models.crf import CRF


@pytest.fixture
def crf() -> CRF:
    torch.manual_seed(0)
    model = CRF(3)
    for parameter in model.parameters():
        torch.nn.init.normal_(parameter)
    return model
