"""``govflow demo`` (thirty simulated days of the district) and ``govflow replay`` (what-if on
real history)."""

from __future__ import annotations

import argparse
from typing import Any

from govflow.cli.argtypes import int_range, iso_day
from govflow.cli.options import add_store, store_url


def add_commands(subparsers: Any) -> None:
    """Register the ``demo`` and ``replay`` commands."""
    add_demo(subparsers)
    add_replay(subparsers)


def add_demo(subparsers: Any) -> None:
    """``govflow demo``: build the district, run simulated days, show the cockpit."""
    p = subparsers.add_parser(
        "demo", help="simulate 30 days of the Zhongyuan-shaped district and show the cockpit",
        description="Builds the district (14 streets, 157 communities, 934 cells) with its "
        "people in a store, loads workflows.yaml and the plugins in plugins/, runs simulated "
        "days (records, a workforce, deadlines, an emergency campaign on day 10) and ends "
        "with the cockpit per tier and an HTML page.",
    )
    p.add_argument("--days", type=int_range(1), default=30, help="simulated days (default 30)")
    p.add_argument("--seed", type=int, default=0, help="seed of everything that happens")
    add_store(p, note="the demo starts afresh: a SQLite file the demo made is replaced, any "
              "other is refused; on PostgreSQL it works in the schema govflow_demo")
    p.add_argument("--out", default="govflow-demo",
                   help="folder of the cockpit page (default ./govflow-demo)")
    p.add_argument("--workflows", help="workflows file (default: ./workflows.yaml if there, "
                   "else the district's file shipped with govflow)")
    p.add_argument("--plugins-dir", help="plugins folder (default: ./plugins if there, else "
                   "the subsystem plugins shipped with govflow)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--start", type=_day_text, default=None, metavar="YYYY-MM-DD",
                   help="the first simulated day (default 2026-10-12), e.g. 2026-12-15 for a run "
                   "across New Year into a provisional calendar year")
    p.set_defaults(func=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from govflow.demo.run import main

    args.store = store_url(args)
    return main(args)


def add_replay(subparsers: Any) -> None:
    """``govflow replay FILE --mapping MAPPING``: replay real records on a simulated clock."""
    p = subparsers.add_parser(
        "replay", help="replay real case records through a workflow on a simulated clock",
        description="Each record opens a case at its creation time and closes at its recorded "
        "time while the workflow's deadlines warn and escalate; prints per-area figures.",
    )
    p.add_argument("file", help="the records: a 311-style CSV or Open311 GeoReport v2 JSON")
    p.add_argument("--mapping", required=True,
                   help="the column mapping (e.g. replay/la311.yaml)")
    p.add_argument("--workflows", help="workflows file (default: the one the mapping names)")
    p.add_argument("--workflow", help="workflow to run (default: the mapping's)")
    add_store(p, note="it keeps the replayed cases (memory:// keeps nothing)")
    p.add_argument("--until", help="end of the simulated run, ISO with offset "
                   "(default: the last recorded time)")
    p.add_argument("--json", metavar="OUT", help="also write the report as JSON ('-': stdout)")
    p.add_argument("--rows", type=int_range(0), default=20, help="areas shown in the table")
    p.add_argument("--top", type=int_range(0), default=10, help="areas listed by red")
    p.add_argument("--quiet", action="store_true", help="no table, no progress bar")
    p.set_defaults(func=_run_replay)


def _run_replay(args: argparse.Namespace) -> int:
    from govflow.replay.command import run

    args.store = store_url(args)
    return run(args)


def _day_text(text: str) -> str:
    """A YYYY-MM-DD day, checked and kept as text (the demo's options take it so)."""
    return iso_day(text).isoformat()
