"""`python -m services run|migrate`: the whole platform on one machine (what `make run` calls)."""

from __future__ import annotations

import argparse
import sys

from services.apidocs import write_documents
from services.launcher import main


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services",
        description="Run the complaint platform locally: embedded broker, migrations, every service, health checks.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the broker and every service, supervise them; Ctrl-C stops everything")
    commands.add_parser("migrate", help="only migrate the databases of the services that have one")
    commands.add_parser("docs", help="regenerate docs/api: each service's OpenAPI and the events' AsyncAPI")
    args = parser.parse_args(argv)
    if args.command == "docs":
        for path in write_documents():
            print(path)
        return 0
    return main.run() if args.command == "run" else main.migrate()


if __name__ == "__main__":
    sys.exit(cli())
