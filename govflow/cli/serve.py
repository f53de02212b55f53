"""``govflow serve`` (the API and the worker), ``govflow worker`` (the loop alone) and
``govflow keys add|list|revoke``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govflow.cli.argtypes import int_range, positive_float
from govflow.cli.options import (
    add_store,
    add_workflows,
    local_time,
    open_existing,
    store_url,
    workflows_path,
    zone_of,
)

if TYPE_CHECKING:
    from govflow.service.config import ServiceConfig


def add_commands(subparsers: Any) -> None:
    """Register ``serve``, ``worker`` and ``keys``."""
    serve = subparsers.add_parser("serve", help="serve the JSON API (and run the worker loop)")
    _common(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    serve.add_argument("--port", type=int_range(0, 65535), default=8000,
                       help="port (%(default)s; 0 picks a free one)")
    serve.add_argument("--no-worker", action="store_true",
                       help="serve only; run the loop in `govflow worker` processes")
    serve.add_argument("--max-body", type=int_range(1024), default=1_000_000,
                       help="largest request body in bytes (%(default)s)")
    serve.add_argument("--no-group-commit", action="store_true",
                       help="commit each write alone (for comparison)")
    serve.add_argument("--open311-jurisdiction", default=None,
                       help="the Open311 jurisdiction_id served (default: any is accepted)")
    serve.set_defaults(func=run_serve)

    worker = subparsers.add_parser("worker", help="run the worker loop alone: timers, "
                                   "outbox, scheduled intake")
    _common(worker)
    worker.add_argument("--once", action="store_true", help="run each task once and exit")
    worker.set_defaults(func=run_worker)

    keys = subparsers.add_parser("keys", help="service keys: add, list, revoke")
    sub = keys.add_subparsers(dest="keys_command", metavar="SUBCOMMAND", required=True)
    add = sub.add_parser("add", help="make a key (printed once; only its hash is kept)")
    add.add_argument("name", help="the key's name (unique)")
    add.add_argument("--role", action="append", required=True,
                     help="a role the key's actor holds (repeat for more)")
    add.add_argument("--scope", action="append", default=[],
                     help="a grid node the actor answers for (repeat; none: the district)")
    add.add_argument("--actor", help="the actor id written in the event log (default: NAME)")
    add.add_argument("--grant-system", action="store_true",
                     help="allow --role system, the engine's own role (triggers meant for "
                     "deadlines only); off by default")
    add_store(add)
    add.set_defaults(func=run_keys_add)
    ls = sub.add_parser("list", help="list keys (names, actors, roles; never secrets)")
    add_store(ls, existing=True)
    ls.set_defaults(func=run_keys_list)
    revoke = sub.add_parser("revoke", help="revoke a key: requests with it get 401")
    revoke.add_argument("name")
    add_store(revoke, existing=True)  # revoking needs a store that has the key
    revoke.set_defaults(func=run_keys_revoke)


def _common(parser: argparse.ArgumentParser) -> None:
    add_store(parser)
    add_workflows(parser)
    parser.add_argument("--plugins-dir", default=None, help="a folder of plugins to load")
    parser.add_argument("--tick", type=positive_float, default=1.0,
                        help="seconds between timer sweeps (%(default)s)")
    parser.add_argument("--intake-every", type=positive_float, default=300.0,
                        help="seconds between intakes of the plugins' sources (%(default)s)")


def _config(args: argparse.Namespace, **more: Any) -> ServiceConfig:
    from govflow.service.config import ServiceConfig

    return ServiceConfig(
        store_url=store_url(args), workflows=workflows_path(args),
        plugins_dir=Path(args.plugins_dir) if args.plugins_dir else None,
        tick_seconds=args.tick, intake_seconds=args.intake_every, **more)


def run_serve(args: argparse.Namespace) -> int:
    from govflow.service.serve import serve

    config = _config(args, host=args.host, port=args.port, run_worker=not args.no_worker,
                     max_body_bytes=args.max_body, group_commit=not args.no_group_commit,
                     open311_jurisdiction=args.open311_jurisdiction)
    serve(config)
    return 0


def run_worker(args: argparse.Namespace) -> int:
    from govflow.service.serve import work

    work(_config(args), once=args.once)
    return 0


def run_keys_add(args: argparse.Namespace) -> int:
    from govflow.service.keys import issue
    from govflow.store import open_store

    store = open_store(store_url(args))
    try:
        key, secret = issue(store, args.name, roles=args.role, scope=args.scope,
                            actor=args.actor, grant_system=args.grant_system)
    finally:
        store.close()
    scope = ", ".join(key.scope) or "the whole district"
    print(f"key {key.name!r}: actor {key.actor}, roles {', '.join(key.roles)}, scope {scope}")
    print("keep it now; it is not shown again:")
    print(secret)
    return 0


def run_keys_list(args: argparse.Namespace) -> int:
    from govflow.service.keys import key_store

    store = open_existing(args)
    try:
        keys = key_store(store).list_keys()
    finally:
        store.close()
    zone = zone_of()
    if not keys:
        print("no keys; make one with `govflow keys add NAME --role ROLE`")
    for key in keys:
        state = f"revoked {local_time(key.revoked_at, zone)}" if key.revoked_at else "live"
        print(f"{key.name}\tactor={key.actor}\troles={','.join(key.roles)}\t"
              f"scope={','.join(key.scope) or '-'}\t{state}")
    return 0


def run_keys_revoke(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from govflow.errors import ServiceError
    from govflow.service.keys import key_store

    store = open_existing(args)
    try:
        done = key_store(store).revoke_key(args.name, datetime.now(UTC))
    finally:
        store.close()
    if not done:
        raise ServiceError(f"no live key named {args.name!r} (see `govflow keys list`)")
    print(f"key {args.name!r} revoked")
    return 0
