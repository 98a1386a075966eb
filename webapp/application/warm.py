"""The loaded models of the app process: one pool that every session shares, filled in the
background as soon as the server starts (``python -m webapp.serve``), so that the first note a
user annotates does not wait for a model to load.

Loading a model is reading its weights and tokenizer (a second or two for MiniLM on 2 cores) and
then one short annotation, which loads what the first call would otherwise load (the compiled
Viterbi from numba's cache, the allocator's first blocks). A session that asks for a model still
loading waits for that load instead of starting a second one. No Streamlit here: the pool is
plain threads and locks, tested without a server.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path

log = logging.getLogger(__name__)

#: Models kept loaded at once (the least recently used goes first).
CAPACITY = 6
#: What a freshly loaded model annotates once, so that the first real note finds it warm.
WARM_NOTE = "Aspirin 81 mg PO daily for chest pain. Metoprolol 25 mg twice daily."


class _Entry:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.pipeline = None
        self.error: BaseException | None = None


def serving_precision() -> str:
    """The precision this process's models run at: ``$MEDNER_PRECISION``, else what ``auto`` is on
    ``$MEDNER_DEVICE`` (fp32 on a CPU). Part of every cached prediction's key, and shown beside
    each model run."""
    from engine.devices import default_precision

    return default_precision()


def _load(folder: str, precision: str):
    from engine.inference.pipeline import load_pipeline

    return load_pipeline(folder, precision=precision)


class ModelPool:
    """Pipelines by (folder, fingerprint, precision): a retrained folder has a new fingerprint and
    loads anew, and a model asked for at another precision is another pipeline. The precision is
    :func:`serving_precision` unless a caller names one; ``loader(folder, precision)`` loads."""

    def __init__(self, capacity: int = CAPACITY, loader: Callable[[str, str], object] = _load) -> None:
        self.capacity = capacity
        self._loader = loader
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str, str], _Entry] = OrderedDict()
        self._warming: threading.Thread | None = None
        #: Set once the first model given to :meth:`warm` is loaded and warm (or failed to load).
        self.first_ready = threading.Event()

    @staticmethod
    def _key(folder: str | Path, fingerprint: str, precision: str | None) -> tuple[str, str, str]:
        return str(Path(folder).resolve()), fingerprint, precision or serving_precision()

    def ready(self, folder: str | Path, fingerprint: str, precision: str | None = None) -> bool:
        """Loaded (or failed to load) already: :meth:`get` will not wait."""
        with self._lock:
            entry = self._entries.get(self._key(folder, fingerprint, precision))
        return entry is not None and entry.done.is_set()

    def get(self, folder: str | Path, fingerprint: str, precision: str | None = None):
        """The loaded pipeline: from the pool, or loaded now, or (while another thread loads it)
        once that load ends. A load that failed raises here, and the next call tries again."""
        key = self._key(folder, fingerprint, precision)
        with self._lock:
            entry = self._entries.get(key)
            mine = entry is None
            if mine:
                entry = self._entries[key] = _Entry()
                self._evict()
            else:
                self._entries.move_to_end(key)
        if mine:
            try:
                entry.pipeline = self._loader(key[0], key[2])
            except BaseException as error:  # handed to every waiter, then forgotten
                entry.error = error
            finally:
                entry.done.set()
        entry.done.wait()
        if entry.error is not None:
            with self._lock:
                if self._entries.get(key) is entry:
                    del self._entries[key]
            raise entry.error
        return entry.pipeline

    def _evict(self) -> None:
        """Drop the least recently used loaded models beyond the capacity (never one loading)."""
        for key in list(self._entries):
            if len(self._entries) <= self.capacity:
                return
            if self._entries[key].done.is_set():
                del self._entries[key]

    def loaded(self) -> list[str]:
        with self._lock:
            return [folder for (folder, *_), entry in self._entries.items() if entry.pipeline is not None]

    def warm(self, folders: Iterable[str | Path]) -> threading.Thread:
        """Load each model folder (up to the capacity) in a background thread and annotate
        :data:`WARM_NOTE` with it; once per pool, later calls return the same thread."""
        with self._lock:
            if self._warming is not None:
                return self._warming
            chosen = list(folders)[: self.capacity]
            self._warming = threading.Thread(target=self._warm, args=(chosen,), name="medner-warm", daemon=True)
        self._warming.start()
        return self._warming

    def _warm(self, folders: list[str | Path]) -> None:
        from engine.models.base import folder_fingerprint

        try:
            for folder in folders:
                try:
                    self.get(folder, folder_fingerprint(folder)).predict([WARM_NOTE])
                    log.info("model ready: %s", folder)
                except Exception as error:  # a broken folder is the Annotate page's to report
                    log.warning("could not load %s in the background: %s", folder, error)
                self.first_ready.set()
        finally:
            self.first_ready.set()


#: The pool of this process.
POOL = ModelPool()
