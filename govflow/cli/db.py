"""``govflow db``: create or upgrade a store's schema, and show its revision."""

from __future__ import annotations

import argparse
from typing import Any

from govflow.cli.options import add_store, existing_store, store_url
from govflow.store.url import redact


def add_commands(subparsers: Any) -> None:
    """Register ``govflow db upgrade`` and ``govflow db current``."""
    db = subparsers.add_parser("db", help="create or upgrade the database schema")
    sub = db.add_subparsers(dest="db_command", metavar="SUBCOMMAND", required=True)
    upgrade = sub.add_parser("upgrade", help="create or upgrade the schema to this version's")
    _common(upgrade, existing=False)
    upgrade.add_argument("--revision", default="head", help="target revision (default: head)")
    upgrade.set_defaults(func=run_upgrade)
    current = sub.add_parser("current", help="show the schema revision of a database")
    _common(current, existing=True)
    current.set_defaults(func=run_current)


def _common(parser: argparse.ArgumentParser, *, existing: bool) -> None:
    add_store(parser, existing=existing)
    parser.add_argument("--schema", default=None, help="PostgreSQL schema to work in")


def run_upgrade(args: argparse.Namespace) -> int:
    """Upgrade the database to the target revision and say from where to where."""
    from govflow.store.connect import upgrade

    url = store_url(args)
    before, after = upgrade(url, schema=args.schema, revision=args.revision)
    if before == after:
        print(f"{redact(url)}: schema already at {after}")
    else:
        print(f"{redact(url)}: schema upgraded from {before or '(empty)'} to {after}")
    return 0


def run_current(args: argparse.Namespace) -> int:
    """Print the revision; exit 1 when it is not the one this govflow needs."""
    from govflow.store.connect import revision
    from govflow.store.tables import SCHEMA_REVISION

    url = existing_store(args)
    found = revision(url, schema=args.schema)
    if found == SCHEMA_REVISION:
        print(f"{redact(url)}: {found} (current)")
        return 0
    print(f"{redact(url)}: {found or '(no govflow schema)'}; this govflow needs "
          f"{SCHEMA_REVISION}: run `govflow db upgrade --store {redact(url)}`")
    return 1
