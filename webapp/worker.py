"""The app's worker process: ``python -m webapp.worker job JOB_ID`` runs one job of the store
(:mod:`webapp.application.jobs`); ``python -m webapp.worker serve`` runs queued jobs as they come
(for ``MEDNER_JOB_RUNNER=queue``: the app on replicas, jobs on a machine of their own);
``python -m webapp.worker sync --data data/demo --models models``
imports, registers and evaluates in the foreground (:mod:`webapp.application.sync`; ``make demo``
runs it, so the app opens with results)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from db.repository import Store
from webapp.application.jobs import queued_runner, run_job, serve
from webapp.application.sync import sync


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webapp.worker", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    job = commands.add_parser("job", help="run one job of the store")
    job.add_argument("job_id", type=int)
    serve_command = commands.add_parser("serve", help="run queued jobs one at a time, as they come (Ctrl+C stops)")
    serve_command.add_argument(
        "--until-idle", action="store_true", help="stop once no job is queued (default: wait for more)"
    )
    sync_command = commands.add_parser("sync", help="import the demo corpus, register and evaluate saved models")
    sync_command.add_argument("--data", type=Path, default=Path("data/demo"))
    sync_command.add_argument("--models", type=Path, default=Path("models"))
    sync_command.add_argument(
        "--open-corpora",
        default="all",
        help="open real corpora and the hand-annotated real notes to import as real-NAME (comma-separated, "
        "'all' or 'none'; default all)",
    )
    args = parser.parse_args(argv)
    store = Store.open()
    try:
        if args.command == "job":
            run_job(store, args.job_id)
        elif args.command == "serve":
            if not queued_runner():
                parser.error(
                    "serve runs queued jobs only where MEDNER_JOB_RUNNER=queue (for the app too: otherwise its "
                    "pages start each job themselves and a job could run twice)"
                )
            print(f"ran {serve(store, until_idle=args.until_idle)} job(s)", file=sys.stderr)
        else:
            from engine.data.open import OPEN_CORPORA, REAL_NOTES

            scored = (*OPEN_CORPORA, *REAL_NOTES)
            chosen = args.open_corpora.strip()
            names = () if chosen == "none" else scored if chosen == "all" else tuple(chosen.split(","))
            unknown = sorted(set(names) - set(scored))
            if unknown:
                parser.error(f"unknown open corpora {', '.join(unknown)}; choose from {', '.join(scored)}")
            sync(store, args.data, args.models, lambda line: print(line, file=sys.stderr), open_corpora=names)
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
