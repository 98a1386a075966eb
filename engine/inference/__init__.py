"""Inference: notes in, spans out.

=============  ==============================================================================
``pipeline``   the one annotation pipeline (prepare, forward, decode, spans) and ``Pipeline``,
               which everything that annotates calls
``batches``    how windows are laid out: without padding, packed rows, where batches are cut
``sharding``   ``predict --output``: notes sharded across processes and machines, resumable
=============  ==============================================================================
"""
