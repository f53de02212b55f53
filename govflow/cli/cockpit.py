"""``govflow cockpit``: the leadership cockpit per tier in the terminal, or as an HTML page."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from govflow.cli.argtypes import int_range, iso_time, positive_float
from govflow.cli.options import add_store, open_existing


def add_commands(subparsers: Any) -> None:
    """Register ``cockpit``."""
    cockpit = subparsers.add_parser(
        "cockpit", help="KPIs per grid tier (结案率, 按期结案率, 返工率, 到岗率 …)",
        description="Aggregate every case of the store up the grid tiers for a time window "
        "and show one node and its children; --html writes one self-contained page.")
    add_store(cockpit, existing=True)
    cockpit.add_argument("--grid", help="grid file (default: the grid kept in the store)")
    cockpit.add_argument("--node", help="node code to drill down to (default: the district)")
    cockpit.add_argument("--html", metavar="FILE", help="write the HTML page to FILE")
    cockpit.add_argument("--days", type=positive_float, default=30.0,
                         help="window length in days, ending at --until (default 30)")
    cockpit.add_argument("--until", type=iso_time,
                         help="window end, ISO time with offset (default: the last case event)")
    cockpit.add_argument("--sample", type=int_range(0), metavar="N",
                         help="no store: N synthetic cases on the generated district")
    cockpit.add_argument("--kpis", metavar="FILE",
                         help="the district's KPI formulas (cockpit.yaml; default: the "
                              "field's, see docs/cockpit.md)")
    cockpit.set_defaults(func=run)


def _end(args: argparse.Namespace, snapshot: Any) -> int:
    import numpy as np

    from govflow.kernels.columns import NEVER

    if args.until:
        moment: datetime = args.until
        return int(moment.timestamp())
    cols = snapshot.columns
    if len(cols) == 0:
        import time

        return int(time.time())
    closed = cols.closed[cols.closed != NEVER]
    last = max(int(cols.opened.max()), int(closed.max()) if closed.size else 0)
    return int(np.int64(last) + 1)


def _load(args: argparse.Namespace) -> tuple[Any, Any, Any, Any]:
    """(grid, snapshot, reading, store) from the store (the same pass as the live page's),
    or synthetic ones with ``--sample`` (no reading, no store). The caller closes the store."""
    if args.sample is not None:
        from govflow.cockpit.sample import sample_snapshot
        from govflow.grid import generate_district

        grid = generate_district(0, people="none")
        return grid, sample_snapshot(grid.to_arrays(), args.sample), None, None
    from govflow.cockpit.live import LiveCockpit

    store = open_existing(args)
    try:
        if args.grid:
            from govflow.grid.load import load_grid

            grid = load_grid(args.grid)
        else:
            from govflow.grid.persist import load_from_store

            grid = load_from_store(store)
        reading = LiveCockpit(store, grid).refresh()
    except BaseException:
        store.close()
        raise
    return grid, reading.snapshot, reading, store


def run(args: argparse.Namespace) -> int:
    """Build the cockpit and print it (and write the page with ``--html``)."""
    import sys

    from rich.console import Console

    from govflow.cockpit.formulas import Formulas
    from govflow.cockpit.kpi import from_grid
    from govflow.cockpit.terminal import render
    from govflow.engine.engine import DEAD_TIMER_SOURCE

    formulas = Formulas.load(args.kpis)
    grid, snapshot, reading, store = _load(args)
    try:
        t1 = _end(args, snapshot)
        t0 = t1 - int(args.days * 86400)
        cockpit = from_grid(snapshot, grid, t0=t0, t1=t1, formulas=formulas)
        if args.node and args.node not in cockpit.index:
            print(f"govflow: no grid node {args.node!r}; `govflow grid show` lists codes",
                  file=sys.stderr)
            return 1
        if snapshot.skipped:
            print(f"govflow: {snapshot.skipped} cases lie on cells outside the grid and are "
                  f"left out", file=sys.stderr)
        console = Console() if sys.stdout.isatty() else Console(width=170)
        render(cockpit, console, args.node)
        if store is not None:
            dead = store.count_dead_letters(DEAD_TIMER_SOURCE)
            style = "bold red" if dead else "bold"
            console.print(f"[{style}]dead timers: {dead}[/]" + (
                " (timers whose firing kept failing: `govflow timers dead` lists them)"
                if dead else ""))
        if args.html:
            from govflow.cockpit.html import write_html

            path = write_html(cockpit, args.html, args.node, grid=grid, reading=reading,
                              store=store)
            print(f"cockpit page: {path}")
    finally:
        if store is not None:
            store.close()
    return 0
