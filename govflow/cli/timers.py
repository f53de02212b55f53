"""``govflow timers dead``: the timers given up on after their firing kept failing."""

from __future__ import annotations

import argparse
import json
from typing import Any

from govflow.cli.options import add_store, local_time, open_existing, zone_of


def add_commands(subparsers: Any) -> None:
    """Register ``govflow timers dead``."""
    timers = subparsers.add_parser("timers", help="timers that could not fire")
    sub = timers.add_subparsers(dest="timers_command", metavar="SUBCOMMAND", required=True)
    dead = sub.add_parser(
        "dead", help="list the timers moved to the dead letters, with the reason",
        description="List every timer whose firing failed on each of its tries and that was "
        "moved to the dead letters: when, the case, the kind, the due time and the reason. "
        "Times are shown in the calendar's zone (of --workflows).")
    add_store(dead, existing=True)
    dead.add_argument("--workflows", default=None, metavar="FILE",
                      help="the workflows file whose calendar zone times are shown in "
                      "(default: ./workflows.yaml if there, else Asia/Shanghai)")
    dead.set_defaults(func=run_dead)


def run_dead(args: argparse.Namespace) -> int:
    from govflow.engine.engine import DEAD_TIMER_SOURCE

    zone = zone_of(args.workflows)
    store = open_existing(args)
    try:
        letters = store.dead_letters(DEAD_TIMER_SOURCE)
    finally:
        store.close()
    for letter in letters:
        timer = json.loads(letter.payload)
        print(f"{local_time(letter.at, zone)}  case {timer.get('case_id')}  "
              f"{timer.get('kind')} due {local_time(timer.get('due_at'), zone)}  "
              f"{letter.reason}")
    print(f"{len(letters)} dead timer{'s' if len(letters) != 1 else ''}")
    return 0
