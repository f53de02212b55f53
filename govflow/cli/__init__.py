"""The ``govflow`` command. Each command group lives in its own module and imports what it
needs only when it runs, so ``govflow --help`` stays fast (no numba, no SQLAlchemy)."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

#: command-group modules; each defines ``add_commands(subparsers)`` and sets ``func`` defaults
GROUPS = (
    "govflow.cli.workflows",   # validate, graph, simulate
    "govflow.cli.db",          # db upgrade / current
    "govflow.cli.grid",        # grid, campaign
    "govflow.cli.cockpit",     # cockpit
    "govflow.cli.demo",        # demo, replay
    "govflow.cli.plugins",     # plugins, intake
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
        epilog="Exit status: 0 done, 1 the input was refused or the operation failed, "
        "2 a usage error. See the README's Commands section.",
    )
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in GROUPS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.add_commands(sub)
    for command in leaf_parsers(parser):
        command.set_defaults(_parser=command)  # the innermost wins: its usage on a bad option
    return parser


def leaf_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every command parser that runs something (``db upgrade``, ``cockpit`` …), in order."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):  # aliases: once
                found.extend(leaf_parsers(child) or [child])
    return found


class _Version(argparse.Action):
    """``--version``: imports the package only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        from govflow import __version__

        print(f"govflow {__version__}")
        parser.exit()


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # the reader went away (`govflow … | head`): stop quietly, like other Unix tools
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except KeyboardInterrupt:
        print("govflow: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # the command's own usage, naming what it did not know
        command = getattr(args, "_parser", parser)
        command.error(f"unrecognized arguments: {' '.join(extra)}")
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    from govflow.errors import GovflowError

    _trace_hooks()
    try:
        code = int(func(args) or 0)
        sys.stdout.flush()  # a reader that went away shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        raise
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
