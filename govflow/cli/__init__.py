"""The ``govflow`` command. Each command group lives in its own module and imports what it
needs only when it runs, so ``govflow --help`` stays fast (no numba, no SQLAlchemy)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: command-group modules; each defines ``add_commands(subparsers)`` and sets ``func`` defaults
GROUPS = (
    "govflow.cli.workflows",   # validate, graph, simulate
    "govflow.cli.db",          # db upgrade / current
    "govflow.cli.grid",        # grid, campaign
    "govflow.cli.cockpit",     # cockpit
    "govflow.cli.demo",        # demo, replay
    "govflow.plugins.cli",     # plugins, intake
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govflow",
        description="Rules/workflow engine for grid-based city governance.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in GROUPS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    from govflow.errors import GovflowError

    try:
        return int(func(args) or 0)
    except GovflowError as exc:
        print(f"govflow: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
