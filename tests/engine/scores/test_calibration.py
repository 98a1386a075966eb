import pytest

from engine.scores.report import evaluate
from engine.types import Document, Span
from tests.engine.scores.documents import GOLD, NOTE


def test_calibration_bins_and_expected_calibration_error_by_hand():
    from dataclasses import replace

    from engine.scores.calibration import calibration

    gold = GOLD
    right = [replace(s, confidence=c) for s, c in zip(gold.spans[:4], (0.95, 0.92, 0.55, 0.15), strict=True)]
    wrong = Span.of(NOTE, 23, 26, "Drug", confidence=0.9)  # "for": no such gold span
    predicted = Document(gold.id, gold.text, (*right, wrong))
    result = calibration([(gold, predicted)])
    assert result["spans"] == 5
    bins = {round(b["low"], 1): b for b in result["bins"] if b["count"]}
    assert set(bins) == {0.1, 0.5, 0.9}
    assert bins[0.9]["count"] == 3 and bins[0.9]["accuracy"] == pytest.approx(2 / 3)
    assert bins[0.9]["confidence"] == pytest.approx((0.95 + 0.92 + 0.9) / 3)
    expected = 3 / 5 * abs(2 / 3 - (0.95 + 0.92 + 0.9) / 3) + 1 / 5 * abs(1 - 0.55) + 1 / 5 * abs(1 - 0.15)
    assert result["ece"] == pytest.approx(expected)
    assert calibration([(gold, gold)])["spans"] == 0 and calibration([(gold, gold)])["ece"] is None
    assert evaluate([gold], [predicted]).as_dict()["calibration"]["spans"] == 5
