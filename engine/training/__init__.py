"""Training: one run from a recipe to a saved model folder.

============== ==========================================================================
``settings``   :func:`recipe`: a run's options resolved once into a :class:`Recipe`
``data``       what a run trains on: notes, open-corpus and weakly labelled sentences,
               model inputs and batches
``loop``       :func:`train`: the loop in its steps (build, epochs, early stopping, save)
``distributed`` the same loop under ``torchrun``: process group, DDP, shared decisions
============== ==========================================================================
"""
