"""``govflow webhooks add|list|remove|enable|deliveries``: subscriptions in the store."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from govflow.cli.argtypes import int_range
from govflow.cli.options import add_store, open_existing, store_url

if TYPE_CHECKING:
    from govflow.store.sql import SqlStore


def add_commands(subparsers: Any) -> None:
    """Register ``govflow webhooks``."""
    hooks = subparsers.add_parser("webhooks", help="webhook subscriptions: add, list, remove")
    sub = hooks.add_subparsers(dest="webhooks_command", metavar="SUBCOMMAND", required=True)
    add = sub.add_parser(
        "add", help="subscribe a URL to event kinds (prints its signing secret once)",
        description="Subscribe URL to event kinds: case.opened, case.closed, case.reopened, "
        "trigger.NAME, timer.warning, timer.breach, timer.escalation, timer.revisit_due, or "
        "the wildcards '*', 'case.*', 'trigger.*', 'timer.*'.")
    add.add_argument("url", help="where to POST the events (http:// or https://)")
    add.add_argument("--events", action="append", required=True,
                     help="kinds, comma-separated or repeated (e.g. case.opened,trigger.sign)")
    add_store(add)
    add.set_defaults(func=run_add)
    ls = sub.add_parser("list", help="list subscriptions (never secrets)")
    add_store(ls, existing=True)
    ls.set_defaults(func=run_list)
    remove = sub.add_parser("remove", help="delete a subscription and its deliveries")
    remove.add_argument("id", help="the subscription's id (wh_…)")
    add_store(remove, existing=True)
    remove.set_defaults(func=run_remove)
    enable = sub.add_parser("enable", help="enable a subscription again (after a 410)")
    enable.add_argument("id")
    add_store(enable, existing=True)
    enable.set_defaults(func=run_enable)
    recent = sub.add_parser("deliveries", help="recent deliveries, newest first")
    recent.add_argument("id", nargs="?", help="only this subscription's")
    recent.add_argument("--status", choices=("pending", "sent", "failed"))
    recent.add_argument("--limit", type=int_range(1, 500), default=20,
                        help="how many (%(default)s)")
    add_store(recent, existing=True)
    recent.set_defaults(func=run_deliveries)


def _open(args: argparse.Namespace) -> SqlStore:
    from govflow.store import open_store
    from govflow.store.sql import SqlStore
    from govflow.store.webhooks import webhook_store

    store = open_existing(args) if args._existing_store else open_store(store_url(args))
    try:
        webhook_store(store)
    except BaseException:
        store.close()
        raise
    assert isinstance(store, SqlStore)
    return store


def run_add(args: argparse.Namespace) -> int:
    from govflow.service.webhooks import subscribe
    from govflow.store.webhooks import WebhookStore

    events = [part for value in args.events for part in value.split(",")]
    store = _open(args)
    try:
        hook = subscribe(WebhookStore(store), args.url, events)
    finally:
        store.close()
    print(f"webhook {hook.id}: {hook.url} for {', '.join(hook.events)}")
    print("its signing secret; keep it now, it is not shown again:")
    print(hook.secret)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from govflow.store.webhooks import WebhookStore

    store = _open(args)
    try:
        hooks = WebhookStore(store).subscriptions()
    finally:
        store.close()
    if not hooks:
        print("no webhooks; add one with `govflow webhooks add URL --events KINDS`")
    for hook in hooks:
        state = "active" if hook.active else f"disabled ({hook.disabled_reason or 'by hand'})"
        print(f"{hook.id}\t{hook.url}\tevents={','.join(hook.events)}\t{state}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from govflow.errors import ServiceError
    from govflow.store.webhooks import WebhookStore

    store = _open(args)
    try:
        done = WebhookStore(store).remove(args.id)
    finally:
        store.close()
    if not done:
        raise ServiceError(f"no webhook {args.id!r} (see `govflow webhooks list`)")
    print(f"webhook {args.id} removed")
    return 0


def run_enable(args: argparse.Namespace) -> int:
    from govflow.errors import ServiceError
    from govflow.store.webhooks import WebhookStore

    store = _open(args)
    try:
        done = WebhookStore(store).set_active(args.id, True)
    finally:
        store.close()
    if not done:
        raise ServiceError(f"no webhook {args.id!r} (see `govflow webhooks list`)")
    print(f"webhook {args.id} enabled")
    return 0


def run_deliveries(args: argparse.Namespace) -> int:
    from govflow.store.webhooks import WebhookStore

    store = _open(args)
    try:
        rows = WebhookStore(store).deliveries(args.id, status=args.status, limit=args.limit)
    finally:
        store.close()
    for d in rows:
        last = f"HTTP {d.last_status}" if d.last_status else (d.last_error or "-")
        print(f"{d.created_at:%Y-%m-%d %H:%M:%S}Z\t{d.id}\t{d.webhook_id}\t{d.kind}\t"
              f"case {d.case_id}\t{d.status}\tattempts={d.attempts}\tlast={last}")
    print(f"{len(rows)} deliver{'ies' if len(rows) != 1 else 'y'}")
    return 0
