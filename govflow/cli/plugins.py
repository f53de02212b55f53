"""``govflow plugins`` and ``govflow intake``: what is loaded, and taking a source in.

A command group for :mod:`govflow.cli` (``add_commands``); imports happen when a command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``plugins`` and ``intake`` to the ``govflow`` parser."""
    plugins = sub.add_parser(
        "plugins", help="list the loaded plugins and what each registered",
        description="Load plugins (built-in, installed entry points, a plugins folder) and "
        "list each with the sources, actions, functions, workflow files and rules it added, "
        "then any plugin failures. Honours GOVFLOW_BLOCK_PLUGINS and GOVFLOW_TRACE_HOOKS.")
    _add_loading(plugins)
    plugins.set_defaults(func=run_plugins)

    intake = sub.add_parser(
        "intake", help="take a plugin's data source into the engine",
        description="Read a registered source from its stored cursor, validate, map and open "
        "or drive cases; bad records go to dead letters. Prints the counts.")
    intake.add_argument("source", help="the source's name, e.g. urban_patrol")
    _add_loading(intake)
    intake.add_argument("--workflows", default="workflows.yaml",
                        help="the workflows file (%(default)s)")
    intake.add_argument("--store", default=None,
                        help="store URL, e.g. sqlite:///govflow.db (default: in memory)")
    intake.add_argument("--limit", type=int, default=None, help="read at most this many")
    intake.add_argument("--batch", type=int, default=500, help="records per commit (%(default)s)")
    intake.add_argument("--grid", default=None, metavar="FILE",
                        help="check cells against this grid file (default: the grid kept in "
                        "the store, if it keeps one)")
    intake.add_argument("--grid-seed", type=int, default=None,
                        help="check cells against the generated demo district of this seed")
    intake.set_defaults(func=run_intake)


def _add_loading(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plugins-dir", default=None, metavar="DIR",
                        help="a folder of plugins (name.py or name/__init__.py), e.g. plugins/")
    parser.add_argument("--no-entry-points", action="store_true",
                        help="do not load installed plugins (the 'govflow' entry points)")


def _host(args: argparse.Namespace) -> object:
    from govflow.plugins.host import PluginHost

    return PluginHost(plugins_dir=Path(args.plugins_dir) if args.plugins_dir else None,
                      entry_points=not args.no_entry_points)


def run_plugins(args: argparse.Namespace) -> int:
    from govflow.plugins.host import PluginHost

    host = _host(args)
    assert isinstance(host, PluginHost)
    for name in host.plugin_names:
        added = host.registry.added_by(name)
        print(f"{name}")
        for kind, item in added:
            print(f"  {kind:<9} {item}")
    for failure in host.failures:
        print(f"FAILED {failure}")
    return 1 if host.failures else 0


def _grid(args: argparse.Namespace, store: Any) -> Any:
    """The grid to check cells against: --grid FILE, --grid-seed N, or the store's own."""
    if args.grid:
        from govflow.grid.load import load_grid

        return load_grid(args.grid)
    if args.grid_seed is not None:
        from govflow.grid import generate_district

        return generate_district(args.grid_seed, people="chain")
    if store is None:
        return None
    from govflow.grid.persist import stored_grid

    return stored_grid(store)


def run_intake(args: argparse.Namespace) -> int:
    from govflow.engine.engine import Engine
    from govflow.plugins.host import PluginHost
    from govflow.plugins.intake import Intake

    host = _host(args)
    assert isinstance(host, PluginHost)
    from govflow.store import open_store

    store = open_store(args.store) if args.store else None
    try:
        grid = _grid(args, store)
        engine = Engine(args.workflows, store=store, grid=grid, plugins=host)
    except BaseException:
        if store is not None:
            store.close()
        raise
    try:
        report = Intake(engine, host).run(args.source, limit=args.limit, batch=args.batch)
    finally:
        engine.close()
    print(f"{report.source}: read {report.read}, opened {report.opened}, merged {report.merged}, "
          f"triggered {report.triggered}, noted {report.noted}, skipped {report.skipped}, "
          f"dead letters {report.dead}; cursor {report.cursor}")
    for reason, count in sorted(report.dead_reasons.items()):
        print(f"  dead: {reason} {count}")
    for failure in host.failures:
        print(f"FAILED {failure}")
    return 0
