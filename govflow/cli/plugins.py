"""``govflow plugins`` and ``govflow intake``: what is loaded, and taking a source in.

A command group for :mod:`govflow.cli` (``add_commands``); imports happen when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from govflow.cli.argtypes import int_range
from govflow.cli.options import add_store, add_workflows, store_url, workflows_path


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
        "or drive cases; bad records go to dead letters. Prints the counts. A plugin that "
        "fails to register is an error (exit status 1) before anything is read.")
    intake.add_argument("source", help="the source's name, e.g. urban_patrol")
    _add_loading(intake)
    add_workflows(intake)
    add_store(intake, note="memory:// keeps nothing")
    intake.add_argument("--limit", type=int_range(0), default=None,
                        help="read at most this many")
    intake.add_argument("--batch", type=int_range(1), default=500,
                        help="records per commit (%(default)s)")
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
    import logging

    from govflow.plugins.host import PluginHost

    log = logging.getLogger("govflow.plugins")
    if not log.hasHandlers():  # the command prints each failure itself: no second copy
        log.addHandler(logging.NullHandler())

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
    if host.failures:
        count = len(host.failures)
        print(f"govflow: {count} plugin failure{'s' if count != 1 else ''} (listed above as "
              "FAILED); fix the plugin or block it with GOVFLOW_BLOCK_PLUGINS=NAME",
              file=sys.stderr)
        return 1
    return 0


def _grid(args: argparse.Namespace, store: Any) -> Any:
    """The grid to check cells against: --grid FILE, --grid-seed N, or the store's own."""
    if args.grid:
        from govflow.grid.load import load_grid

        return load_grid(args.grid)
    if args.grid_seed is not None:
        from govflow.grid import generate_district

        return generate_district(args.grid_seed, people="chain")
    from govflow.grid.persist import stored_grid

    return stored_grid(store)


#: dead-letter kinds that mean plugin code raised (not that the record was bad)
PLUGIN_FAULTS = ("plugin_error", "rule_error")


def run_intake(args: argparse.Namespace) -> int:
    """Take the source in; exit 1 when a plugin failed (to register, or on a record)."""
    from govflow.engine.engine import Engine
    from govflow.errors import PluginError
    from govflow.plugins.host import PluginHost
    from govflow.plugins.intake import Intake
    from govflow.store import open_store

    host = _host(args)
    assert isinstance(host, PluginHost)
    if host.failures:  # a half-registered plugin would turn good records into dead letters
        raise PluginError("; ".join(map(str, host.failures)) + "; nothing was read (fix the "
                          "plugin, or block it with GOVFLOW_BLOCK_PLUGINS="
                          f"{host.failures[0].plugin})", plugin=host.failures[0].plugin)
    store = open_store(store_url(args))
    try:
        grid = _grid(args, store)
        engine = Engine(workflows_path(args), store=store, grid=grid, plugins=host)
    except BaseException:
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
        example = report.dead_examples.get(reason)
        print(f"  dead: {reason} {count}" + (f" (first: {example})" if example else ""))
    for failure in host.failures:
        print(f"FAILED {failure}", file=sys.stderr)
    faults = sum(report.dead_reasons[kind] for kind in PLUGIN_FAULTS)
    if host.failures or faults:  # kept (cursor and dead letters), but plugin code failed
        print(f"govflow: plugin code failed during the intake ({len(host.failures)} hook "
              f"failures, {faults} records it could not map; they are kept as dead letters)",
              file=sys.stderr)
        return 1
    return 0
