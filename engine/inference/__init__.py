"""Inference: notes in, spans out.

=============  ==============================================================================
``pipeline``   the one annotation pipeline (prepare, forward, decode, spans) and ``Pipeline``,
               which everything that annotates calls
``prepare``    stage 1: sentences, subwords, windows, batches laid out without padding
``decode``     stages 2 and 3: the encoder's pass, tags, windows merged, span probabilities
``rules``      the rules a note's spans pass after their tags are read
``batches``    how windows are laid out: without padding, packed rows, where batches are cut
``batch``      ``annotate-corpus``: a corpus through the pipeline on Ray Data, resumable
``batch_io``   the batch run's input rows and its output parts (Parquet) and manifest
=============  ==============================================================================
"""
