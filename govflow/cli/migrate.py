"""``govflow migrate``: move the running cases of a workflow to another version."""

from __future__ import annotations

import argparse
import sys

from govflow.cli.argtypes import int_range
from govflow.cli.options import add_store, add_workflows, open_existing, workflows_path
from govflow.errors import GovflowError


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``migrate`` to the ``govflow`` parser."""
    p = sub.add_parser(
        "migrate",
        help="move running cases to another version of their workflow",
        description="Move every running case of WORKFLOW on another version to version N: "
        "states are mapped (--map old=new; a state the new version also has may be left "
        "out), deadlines, supervision and revisits are planned anew under the new rules, one "
        "audited migrate event per case. A state with no place is refused, every one named, "
        "before anything is written (exit status 1).",
    )
    p.add_argument("workflow", help="the workflow's name, e.g. standard_case")
    p.add_argument("--to", type=int, required=True, metavar="N", help="the version to move to")
    p.add_argument("--map", action="append", default=[], metavar="OLD=NEW",
                   help="where the cases in state OLD go in the new version (repeatable)")
    p.add_argument("--dry-run", action="store_true", help="check and count; write nothing")
    add_store(p, existing=True)
    add_workflows(p, "the workflows file holding the new version (default: ./workflows.yaml, "
                     "else the district's file shipped with govflow)")
    p.add_argument("--chunk", type=int_range(1), default=1000,
                   help="cases per commit (%(default)s)")
    p.set_defaults(func=run_migrate)


def parse_map(items: list[str]) -> dict[str, str]:
    """``["old=new", …]`` → a dict; a malformed item is refused by name."""
    out: dict[str, str] = {}
    for item in items:
        old, sep, new = item.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise GovflowError(f"--map {item!r}: write it as OLD=NEW, e.g. --map verify=checking")
        out[old.strip()] = new.strip()
    return out


def run_migrate(args: argparse.Namespace) -> int:
    from govflow.engine.engine import Engine

    state_map = parse_map(args.map)
    store = open_existing(args)  # cases to move must be there: never a new, empty store
    try:
        flows = workflows_path(args)
        engine = Engine(flows, store=store)
    except BaseException:
        store.close()
        raise
    for name, version in engine.restored_versions:
        print(f"govflow: {name} v{version} is not in {flows}; its running cases run "
              "on the copy the store keeps", file=sys.stderr)
    try:
        report = engine.migrate(args.workflow, args.to, state_map=state_map,
                                dry_run=args.dry_run, chunk=args.chunk)
    finally:
        engine.close()
    for line in report.lines():
        print(line)
    return 0
