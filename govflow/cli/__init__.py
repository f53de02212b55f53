"""The ``govflow`` command. Each command group lives in its own module and imports what it
needs only when it runs, so ``govflow --help`` stays fast (no numba, no SQLAlchemy)."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
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
    "govflow.cli.calendar",    # calendar status / import / replan
    "govflow.cli.timers",      # timers dead
    "govflow.cli.serve",       # serve, worker, keys
    "govflow.cli.webhooks",    # webhooks add / list / remove / enable / deliveries
    "govflow.cli.migrate",     # migrate
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

    _trace_hooks()
    try:
        return int(func(args) or 0)
    except GovflowError as exc:
        print(f"govflow: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a missing file, a full disk, a refused connection: one line
        print(f"govflow: {_os_message(exc)}", file=sys.stderr)
        return 1


def _os_message(exc: OSError) -> str:
    if exc.strerror and exc.filename is not None:
        return f"{exc.strerror}: {exc.filename}"
    return str(exc) or type(exc).__name__


def _trace_hooks() -> None:
    """With GOVFLOW_TRACE_HOOKS set, show the plugin hook traces (INFO) on stderr."""
    if os.environ.get("GOVFLOW_TRACE_HOOKS", "") in ("", "0", "false"):
        return
    trace = logging.getLogger("govflow.plugins.trace")
    if not any(isinstance(h, _ToStderr) for h in trace.handlers):
        handler = _ToStderr(logging.INFO)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        trace.addHandler(handler)
    trace.setLevel(logging.INFO)


class _ToStderr(logging.Handler):
    """Writes to the current ``sys.stderr`` (not the one at creation)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            print(self.format(record), file=sys.stderr)
        except Exception:
            self.handleError(record)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
