"""``python -m webapp.serve [streamlit options]``: the app's server, with its models loading in
the background from the moment it starts (:mod:`webapp.application.warm`).

The server opens its port once the first model (the one Annotate offers first) is loaded and
has annotated a sentence, so no one meets a cold model on their first note; the other models
go on loading in the background. Then it runs Streamlit's own ``streamlit run webapp/app.py``
in this same process, so the pages find the models in the pool. Options are Streamlit's
(``--server.port 8501`` ...).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"
#: Longest wait for the first model before the server opens anyway (it then loads on demand).
FIRST_MODEL_TIMEOUT_S = 180


def main(argv: Sequence[str] | None = None) -> int:
    from webapp.application.models import model_folders, model_roots, warm_order
    from webapp.application.warm import POOL

    began = time.perf_counter()
    folders = warm_order(model_folders(model_roots()))
    POOL.warm(folders)
    if folders:
        print(f"MedNER Studio: loading {folders[0].name} before opening the port…", file=sys.stderr, flush=True)
        POOL.first_ready.wait(FIRST_MODEL_TIMEOUT_S)
        print(f"MedNER Studio: ready in {time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    return cli.main()


if __name__ == "__main__":
    raise SystemExit(main())
