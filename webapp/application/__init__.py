"""The application layer: what the app does with the engine and the store, without any page.

Views reach it only through :mod:`webapp.services`; the worker process (``python -m
webapp.worker``) runs its jobs. Neither the engine nor the store calls the other: this layer
arranges them (a cached prediction or a model run, then saving; a training job, then
registering and scoring the model).

- :mod:`.corpora`: BRAT folders and the open corpora into the store, store corpora back out;
- :mod:`.models`: model folders registered, models scored into the store, what a new one can be;
- :mod:`.sync`: what ``make demo`` runs so that the app opens with results;
- :mod:`.jobs`: training, evaluation and first-run jobs, each in its own process;
- :mod:`.predictions`: annotate with the cache first, the model only for what it lacks;
- :mod:`.notes`: one note's medication list and downloads, the gold editor's helpers;
- :mod:`.scores`: stored evaluations read further (lenient verdicts, paired tests, the study);
- :mod:`.review`, :mod:`.uploads`: the review queue and agreement; uploaded files decoded.
"""
