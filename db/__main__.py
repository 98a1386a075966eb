"""``python -m db upgrade|downgrade REV|status``: migrate the store named by ``DATABASE_URL``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sqlalchemy.engine import make_url

from db.migrate import current_revision, downgrade, head_revision, upgrade
from db.session import database_url, make_engine


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m db", description="MedNER Studio store migrations")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("upgrade", help="migrate the database to the newest schema")
    back = commands.add_parser("downgrade", help="migrate back to a revision ('base' drops every table)")
    back.add_argument("revision")
    commands.add_parser("status", help="which database, at which revision")
    args = parser.parse_args(argv)
    url = database_url()
    engine = make_engine(url)
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        if args.command == "upgrade":
            upgrade(engine)
        elif args.command == "downgrade":
            downgrade(engine, args.revision)
        current = current_revision(engine)
        print(f"{shown}: revision {current or 'none (empty)'}; newest is {head_revision()}")
    except Exception as error:  # a database that cannot be reached: say which and why
        print(f"error: {shown}: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
