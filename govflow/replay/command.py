"""``govflow replay FILE --mapping M``: run a replay and print (and optionally save) its report."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from govflow.clock import as_utc
from govflow.replay.errors import ReplayError
from govflow.replay.files import replay_file
from govflow.replay.report import build_report, render


def run(args: argparse.Namespace) -> int:
    """Replay ``args.file`` through the mapping's workflow; print the per-area table."""
    from rich.console import Console

    until = _moment(args.until) if args.until else None
    progress = not args.quiet and sys.stderr.isatty()
    result = replay_file(args.file, args.mapping, workflows=args.workflows,
                         workflow=args.workflow, store=args.store, until=until,
                         progress=progress)
    report = build_report(result, top=args.top)
    if args.json == "-":
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    if not args.quiet:
        Console().print(render(report, rows=args.rows))
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n",
                                   encoding="utf-8")
        if not args.quiet:
            print(f"report written to {args.json}")
    return 0


def _moment(text: str) -> datetime:
    try:
        return as_utc(datetime.fromisoformat(text))
    except ValueError as exc:
        raise ReplayError(f"--until {text!r}: {exc}; write an ISO time with its offset, e.g. "
                          "2018-01-31T00:00:00-08:00") from exc
