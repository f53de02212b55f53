"""``govflow timers dead``: the timers given up on after their firing kept failing."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from govflow.store.url import DEFAULT_URL


def add_commands(subparsers: Any) -> None:
    """Register ``govflow timers dead``."""
    timers = subparsers.add_parser("timers", help="timers that could not fire")
    sub = timers.add_subparsers(dest="timers_command", metavar="SUBCOMMAND", required=True)
    dead = sub.add_parser(
        "dead", help="list the timers moved to the dead letters, with the reason",
        description="List every timer whose firing failed on each of its tries and that was "
        "moved to the dead letters: when, the case, the kind, the due time and the reason.")
    dead.add_argument("--store", default=None,
                      help=f"store URL (default: $GOVFLOW_STORE_URL or {DEFAULT_URL})")
    dead.set_defaults(func=run_dead)


def run_dead(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from govflow.engine.engine import DEAD_TIMER_SOURCE
    from govflow.store import open_store

    zone = ZoneInfo("Asia/Shanghai")
    store = open_store(str(args.store or os.environ.get("GOVFLOW_STORE_URL") or DEFAULT_URL))
    try:
        letters = store.dead_letters(DEAD_TIMER_SOURCE)
    finally:
        store.close()
    for letter in letters:
        timer = json.loads(letter.payload)
        due = timer.get("due_at", "")
        print(f"{letter.at.astimezone(zone):%Y-%m-%d %H:%M}  case {timer.get('case_id')}  "
              f"{timer.get('kind')} due {due}  {letter.reason}")
    print(f"{len(letters)} dead timer{'s' if len(letters) != 1 else ''}")
    return 0
