"""Scores: how well predicted spans match gold, in every form the product reports.

==================  =========================================================================
``tables``          counts ``(tp, gold, predicted)`` per document and label, and the one
                    precision / recall / F1
``strict``          the headline: strict span-level scores (seqeval, IOB2), per label and
                    averaged, from counts that add up over any subset of documents
``errors``          the error taxonomy (missed, spurious, boundary, type, boundary+type) and the
                    span confusion, and what two models' errors share
``paper``           the study's tag-level scoring ("paper mode"), never mixed with the above
``n2c2``            the n2c2 2018 strict and lenient concept scores, and nervaluate's schemes
``calibration``     span probabilities against how often spans are right
``intervals``       bootstrap intervals over documents and paired tests between two models
``study``           the study's published figures, kept as published
``report``          :func:`evaluate` and :class:`Report`: every family assembled, ``--json``
==================  =========================================================================

Nothing here imports a model: scores are computed from documents and their spans.
"""
