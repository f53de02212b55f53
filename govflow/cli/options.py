"""The options every ``govflow`` command shares, written once: the store, and how times show.

* ``--store URL`` on every command that opens a store, one default for all of them
  (``$GOVFLOW_STORE_URL``, else :data:`~govflow.store.url.DEFAULT_URL`); ``--url`` is still
  read, as a deprecated spelling hidden from the help.
* A read-only command (``db current``, ``cockpit``, ``keys list`` …) never makes a file: a
  SQLite store that does not exist is refused with the command to run first, and an existing
  one is opened without creating the schema.
* Times are printed in the calendar's zone (``Asia/Shanghai`` unless the workflows file
  names another), with their offset.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govflow.errors import GovflowError
from govflow.store.url import DEFAULT_URL, backend, redact

if TYPE_CHECKING:
    from govflow.store.base import Store

#: The variable that names the store when ``--store`` is not given.
STORE_ENV = "GOVFLOW_STORE_URL"
#: The zone times are shown in when no workflows file names one (the calendar's default).
DEFAULT_ZONE = "Asia/Shanghai"


class _DeprecatedUrl(argparse.Action):
    """``--url URL``: the old spelling of ``--store``; works, with a note on stderr."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        print("govflow: --url is deprecated; use --store", file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_store(parser: argparse.ArgumentParser, *, existing: bool = False,
              note: str = "") -> None:
    """Add ``--store URL`` (and the hidden ``--url``) to a command that opens a store.

    ``existing``: the command reads (or changes what is there) and must not create the
    store (see :func:`open_existing`); the parser is marked so the convention tests find it.
    ``note``: a sentence for the help, after the default.
    """
    parser.add_argument(
        "--store", default=None, metavar="URL",
        help=f"store URL (default: ${STORE_ENV} or {DEFAULT_URL}; "
        f"postgresql+psycopg://USER@HOST/DB for PostgreSQL){'; ' + note if note else ''}")
    parser.add_argument("--url", dest="store", action=_DeprecatedUrl, help=argparse.SUPPRESS)
    parser.set_defaults(_opens_store=True, _existing_store=existing)


def store_url(args: argparse.Namespace) -> str:
    """The store URL a command works on: ``--store``, else the environment, else the default."""
    return str(getattr(args, "store", None) or os.environ.get(STORE_ENV) or DEFAULT_URL)


def sqlite_path(url: str) -> Path | None:
    """The file a ``sqlite://`` URL names (``None``: not SQLite, or an in-memory database)."""
    if backend(url) != "sqlite":
        return None
    _, sep, rest = url.partition(":///")
    path = rest.split("?", 1)[0]
    if not sep or path in ("", ":memory:"):
        return None
    return Path(path)


def existing_store(args: argparse.Namespace) -> str:
    """The store URL of a read-only command, refused when it names a SQLite file that is not
    there (so reading never leaves an empty file behind)."""
    url = store_url(args)
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        raise GovflowError(
            f"no store at {path}; create it with `govflow db upgrade --store {redact(url)}`, "
            "or run `govflow demo` first (or name another with --store URL)")
    return url


def open_existing(args: argparse.Namespace) -> Store:
    """Open the store of a read-only command: it must exist, and its schema is not created."""
    from govflow.store import open_store

    url = existing_store(args)
    if backend(url) == "memory":
        return open_store(url)
    return open_store(url, create=False)


def zone_of(workflows: str | Path | None = None) -> str:
    """The calendar's zone: ``calendar.timezone`` of the workflows file (``workflows.yaml`` in
    the working directory when none is named), else :data:`DEFAULT_ZONE`. A file named but
    unreadable is refused; the implicit one may be missing."""
    from govflow.workflows.safeyaml import YamlFault, safe_load_file

    path = Path(workflows) if workflows else Path("workflows.yaml")
    try:
        data = safe_load_file(path)
    except YamlFault as fault:
        if workflows:
            raise GovflowError(f"cannot read the calendar of {fault.where(path)}: "
                               f"{fault.message}") from None
        return DEFAULT_ZONE
    calendar = data.get("calendar") if isinstance(data, dict) else None
    zone = calendar.get("timezone") if isinstance(calendar, dict) else None
    return zone if isinstance(zone, str) and zone else DEFAULT_ZONE


def local_time(moment: datetime | str | None, zone: str) -> str:
    """``2026-10-12 09:00+08:00``: a time (or an ISO string) in ``zone``, with its offset."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    if moment is None or moment == "":
        return "-"
    if isinstance(moment, str):
        try:
            parsed = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    else:
        parsed = moment
    if parsed.tzinfo is None:  # the store keeps UTC
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(ZoneInfo(zone)).isoformat(sep=" ", timespec="minutes")


#: the help of every ``--workflows`` that falls back on the district's file
WORKFLOWS_HELP = "the workflows file (default: ./workflows.yaml, else the district's file " \
                 "shipped with govflow; the command says which it took)"


def add_workflows(parser: argparse.ArgumentParser, help: str = WORKFLOWS_HELP) -> None:
    """Add ``--workflows FILE``, found by :func:`workflows_path` when not given."""
    parser.add_argument("--workflows", default=None, metavar="FILE", help=help)


def workflows_path(args: argparse.Namespace) -> Path:
    """The ``--workflows`` file, else ``./workflows.yaml``, else the district's shipped one
    (:mod:`govflow.resources`); when not given, which one was taken is said on stderr."""
    from govflow.resources import workflows_file

    found = workflows_file(args.workflows)
    if args.workflows is None:
        print(f"govflow: workflows {found}", file=sys.stderr)
    return found.path
