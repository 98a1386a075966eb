"""Runs that train many models and compare them: the study's grid and learning curve
(``experiments``), the real-text recipes (``real_text``), and the demo models of a fresh
install (``bootstrap``)."""

#: What the study's grid runs unless told otherwise (``python -m engine experiment``): these
#: kinds at these shares of the training notes, and a learning curve for the CRF kinds. Kept
#: here, apart from the heavy modules, so that the command line's defaults read them at once.
GRID_KINDS = ("transformer-crf", "encoder", "encoder-crf")
CURVE_KINDS = ("transformer-crf", "encoder-crf")
GRID_FRACTIONS = (0.1, 0.25, 0.5, 1.0)
