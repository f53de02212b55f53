"""``govflow grid generate|load|show|party`` and ``govflow campaign start|status|cancel``."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from govflow.cli.argtypes import int_range, positive_float
from govflow.cli.options import (
    add_store,
    add_workflows,
    existing_store,
    local_time,
    open_existing,
    store_url,
    workflows_path,
)

if TYPE_CHECKING:
    from govflow.engine.engine import Engine
    from govflow.grid.party import Party
    from govflow.grid.tree import Grid


def add_commands(subparsers: Any) -> None:
    """Register the ``grid`` and ``campaign`` command groups."""
    grid = subparsers.add_parser("grid", help="generate, load or show the grid")
    sub = grid.add_subparsers(dest="grid_command", metavar="SUBCOMMAND", required=True)
    gen = sub.add_parser("generate", help="make the Zhongyuan-shaped district (14/157/934)")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--scale", type=int_range(1, 100), default=1,
                     help="cells per community × scale (1–100)")
    gen.add_argument("--people", choices=("all", "chain", "none"), default="all")
    gen.add_argument("--out", help="write a .yaml file, a .geojson file of the nodes or a "
                     "folder of CSV files")
    gen.add_argument("--save", action="store_true", help="also keep it in the store (--store)")
    add_store(gen)
    gen.set_defaults(func=run_generate)
    load = sub.add_parser("load", help="validate a grid file (and keep it in the store)")
    load.add_argument("path", help="a .yaml file, a nodes .csv or .geojson file, or a "
                      "folder of CSV files")
    load.add_argument("--people", help="a people file (.csv or .yaml)")
    load.add_argument("--duty", help="a duty-chain file (.csv or .yaml)")
    load.add_argument("--check", action="store_true", help="validate only; store nothing")
    add_store(load)
    load.set_defaults(func=run_load)
    show = sub.add_parser("show", help="a node and the nodes below it")
    show.add_argument("node", nargs="?", help="node code (default: the district)")
    show.add_argument("--grid", help="read the grid from this file instead of the store")
    show.add_argument("--depth", type=int_range(0), default=1,
                      help="tiers below the node to list")
    add_store(show, existing=True)
    show.set_defaults(func=run_show)
    _party_commands(sub)

    campaign = subparsers.add_parser("campaign", help="one-click campaigns over the grid")
    csub = campaign.add_subparsers(dest="campaign_command", metavar="SUBCOMMAND",
                                   required=True)
    start = csub.add_parser("start", help="open a task on every cell under a node")
    start.add_argument("node")
    start.add_argument("--name", required=True)
    start.add_argument("--workflow", default="emergency_task")
    start.add_argument("--minutes", type=positive_float,
                       help="on-post deadline in minutes, > 0 (default: the workflow's)")
    _engine_args(start, existing=False)
    start.set_defaults(func=run_start)
    status = csub.add_parser("status", help="on-post rate (到岗率) per node")
    status.add_argument("campaign")
    status.add_argument("--tier", type=int_range(0, 3), default=1,
                        help="deepest tier to list (0–3)")
    _engine_args(status, existing=True)
    status.set_defaults(func=run_status)
    cancel = csub.add_parser("cancel", help="close a campaign's open tasks with a reason")
    cancel.add_argument("campaign")
    cancel.add_argument("--reason", required=True)
    _engine_args(cancel, existing=True)
    cancel.set_defaults(func=run_cancel)


def _party_commands(sub: Any) -> None:
    party = sub.add_parser("party", help="party organisations and households (联户党员)")
    psub = party.add_subparsers(dest="party_command", metavar="SUBCOMMAND", required=True)
    load = psub.add_parser("load", help="validate a party file against the stored grid and "
                           "keep it in the store")
    load.add_argument("path", help="a .yaml file with orgs: and households: lists")
    load.add_argument("--check", action="store_true", help="validate only; store nothing")
    add_store(load, existing=True)
    load.set_defaults(func=run_party_load)
    gen = psub.add_parser("generate", help="a branch per cell of the stored grid, building "
                          "groups and households linked to its party members")
    gen.add_argument("--out", help="write the party to this .yaml file")
    gen.add_argument("--save", action="store_true", help="also keep it in the store (--store)")
    add_store(gen, existing=True)
    gen.set_defaults(func=run_party_generate)


def _engine_args(parser: argparse.ArgumentParser, *, existing: bool) -> None:
    add_store(parser, existing=existing)
    parser.add_argument("--grid", help="grid file (default: the grid kept in the store)")
    add_workflows(parser)
    parser.add_argument("--actor", default="command-centre", help="who acts (a commander)")


def _grid(args: argparse.Namespace) -> Grid:
    if getattr(args, "grid", None):
        from govflow.grid.load import load_grid

        return load_grid(args.grid)
    from govflow.grid.persist import load_from_store

    store = open_existing(args)  # the grid comes from the store: it must be there
    try:
        return load_from_store(store)
    finally:
        store.close()


def _summary(grid: Grid, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in ("district", "streets", "communities", "cells", "households", "people"):
        table.add_column(column, justify="right")
    c = grid.counts()
    table.add_row(grid.root, *(f"{c[k]:,}" for k in ("street", "community", "cell",
                                                     "households", "people")))
    Console().print(table)


def _save(grid: Grid, args: argparse.Namespace) -> None:
    from govflow.grid.persist import save_to_store
    from govflow.store import open_store
    from govflow.store.url import redact

    url = store_url(args)
    store = open_store(url)
    try:
        save_to_store(store, grid)
    finally:
        store.close()
    print(f"grid kept in {redact(url)}")


def run_generate(args: argparse.Namespace) -> int:
    from govflow.grid.generate import generate_district
    from govflow.grid.load import write_grid

    grid = generate_district(args.seed, args.scale, people=args.people)
    _summary(grid, f"generated (seed {args.seed}, scale {args.scale})")
    if args.out:
        print(f"written to {write_grid(grid, args.out)}")
    if args.save:
        _save(grid, args)
    return 0


def run_load(args: argparse.Namespace) -> int:
    from govflow.grid.load import load_grid

    grid = load_grid(args.path, people=args.people, duty=args.duty)
    _summary(grid, f"{args.path}: valid")
    if not args.check:
        _save(grid, args)
    return 0


def _party_summary(party: Party, title: str) -> None:
    branches = sum(o.kind == "branch" for o in party.orgs)
    members = len({h.member for h in party.households})
    print(f"{title}: {branches:,} grid branches, {len(party.orgs) - branches:,} building "
          f"groups, {len(party.households):,} households linked to {members:,} party members")


def _keep_party(party: Party, grid: Grid, args: argparse.Namespace) -> None:
    from govflow.grid.persist import save_party_to_store
    from govflow.store import open_store
    from govflow.store.url import redact

    url = existing_store(args)
    store = open_store(url)
    try:
        save_party_to_store(store, party, grid)
    finally:
        store.close()
    print(f"party organisations kept in {redact(url)}")


def run_party_load(args: argparse.Namespace) -> int:
    from govflow.grid.party import load_party

    grid = _grid(args)
    party = load_party(args.path, grid)
    _party_summary(party, f"{args.path}: valid")
    if not args.check:
        _keep_party(party, grid, args)
    return 0


def run_party_generate(args: argparse.Namespace) -> int:
    from govflow.grid.party import generate_party, write_party

    grid = _grid(args)
    party = generate_party(grid)
    _party_summary(party, "generated")
    if args.out:
        print(f"written to {write_party(party, args.out)}")
    if args.save:
        _keep_party(party, grid, args)
    return 0


def run_show(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from govflow.grid.model import TIER_NAMES

    grid = _grid(args)
    code = args.node or grid.root
    top = grid.node(code)
    table = Table(title=f"{top.code} {top.name} ({TIER_NAMES[top.tier]})")
    for column in ("code", "name", "tier", "cells", "households", "people", "on duty"):
        table.add_column(column, no_wrap=column in ("code", "name", "on duty"),
                         justify="right" if column in ("cells", "households", "people")
                         else "left")
    arrays = grid.to_arrays()
    for node in grid.subtree(code):
        found = grid.node(node)
        if found.tier - top.tier > args.depth:
            continue
        duty = grid.on_duty(node)
        who = f"{grid.person(duty).name} {duty}" if duty else "—"
        table.add_row("  " * (found.tier - top.tier) + node, found.name,
                      TIER_NAMES[found.tier], str(len(grid.cells_under(node))),
                      f"{int(arrays.households[arrays.index[node]]):,}",
                      str(len(grid.people_under(node))), who)
    Console().print(table)
    return 0


def _engine(args: argparse.Namespace, grid: Grid) -> Engine:
    from govflow.engine.engine import Engine
    from govflow.grid.routing import grid_actions

    store = open_existing(args) if args._existing_store else store_url(args)
    return Engine(workflows_path(args), store=store, grid=grid,
                  actions=grid_actions(grid))


def _actor(args: argparse.Namespace) -> Any:
    from govflow.records import Actor

    return Actor.of(args.actor, "commander", "cadre")


def run_start(args: argparse.Namespace) -> int:
    from govflow.grid.campaign import start_campaign

    grid = _grid(args)
    engine = _engine(args, grid)
    try:
        deadline = timedelta(minutes=args.minutes) if args.minutes else None
        campaign = start_campaign(engine, grid, args.node, name=args.name,
                                  workflow=args.workflow, deadline=deadline,
                                  actor=_actor(args))
    finally:
        engine.close()
    print(f"campaign {campaign.id} ({campaign.name}): {campaign.tasks} tasks under "
          f"{campaign.node}, {campaign.alerts} alerts sent, on post by "
          f"{local_time(campaign.due_at, engine.calendar.timezone)}")
    return 0


def run_status(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from govflow.grid.campaign import campaign_status

    grid = _grid(args)
    engine = _engine(args, grid)
    try:
        status = campaign_status(engine, grid, args.campaign)
    finally:
        engine.close()
    table = Table(title=f"campaign {args.campaign}: 到岗率 (on post by the deadline ÷ required)")
    for column in ("node", "name", "required", "on post", "late", "open", "cancelled", "rate"):
        table.add_column(column, no_wrap=column in ("node", "name"),
                         justify="left" if column in ("node", "name") else "right")
    for code, row in status.items():
        if row.tier > args.tier:
            continue
        table.add_row("  " * row.tier + code, grid.node(code).name, str(row.required),
                      str(row.on_post), str(row.late), str(row.open), str(row.cancelled),
                      f"{row.rate:.1%}")
    Console().print(table)
    return 0


def run_cancel(args: argparse.Namespace) -> int:
    from govflow.grid.campaign import cancel_campaign

    grid = _grid(args)
    engine = _engine(args, grid)
    try:
        count = cancel_campaign(engine, grid, args.campaign, actor=_actor(args),
                                reason=args.reason)
    finally:
        engine.close()
    print(f"campaign {args.campaign}: {count} open tasks cancelled ({args.reason})")
    return 0
