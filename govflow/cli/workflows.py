"""``govflow validate``, ``govflow graph`` and ``govflow simulate``: the department's tools."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_FILE = "workflows.yaml"


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the workflow commands to the ``govflow`` parser."""
    validate = sub.add_parser(
        "validate",
        help="check a workflows file and list every problem",
        description="Check a workflows file: prints OK with counts, or every problem with its "
        "file, line and path (exit status 1).",
    )
    validate.add_argument("file", help="the workflows file, e.g. workflows.yaml")
    _add_names(validate)
    validate.set_defaults(func=run_validate)

    graph = sub.add_parser(
        "graph",
        help="draw a workflow as a Mermaid state diagram",
        description="Print a workflow as Mermaid stateDiagram-v2 text (renders on GitHub).",
    )
    graph.add_argument("workflow", help="the workflow's name, e.g. standard_case")
    graph.add_argument("--file", default=DEFAULT_FILE, help="the workflows file (%(default)s)")
    graph.add_argument(
        "--markdown", action="store_true", help="wrap the diagram in a ```mermaid block"
    )
    _add_names(graph)
    graph.set_defaults(func=run_graph)

    simulate = sub.add_parser(
        "simulate",
        help="dry-run a script of events on a simulated clock",
        description="Run a script of events (open, fire, advance, extend, supervise, revisit) "
        "against an in-memory engine on a simulated clock and print the timeline, warnings and "
        "escalations included. See docs/workflows.md.",
    )
    simulate.add_argument("script", help="the script (YAML)")
    simulate.add_argument(
        "--file", default=None, help="the workflows file (default: the script's workflows: key, "
        f"else {DEFAULT_FILE})",
    )
    simulate.set_defaults(func=run_simulate)


def _add_names(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--action", action="append", default=[], metavar="NAME",
        help="an extra action name a plugin registers (repeatable)",
    )
    parser.add_argument(
        "--function", action="append", default=[], metavar="NAME",
        help="an extra guard function name a plugin registers (repeatable)",
    )


def _load(file: str, args: argparse.Namespace) -> object:
    from govflow.workflows import BUILTIN_ACTIONS, BUILTIN_FUNCTIONS, load_workflows

    return load_workflows(
        Path(file),
        actions=BUILTIN_ACTIONS | set(args.action),
        functions=BUILTIN_FUNCTIONS | set(args.function),
        filename=file,
    )


def run_validate(args: argparse.Namespace) -> int:
    from govflow.errors import WorkflowLoadError
    from govflow.workflows import WorkflowSet

    try:
        loaded = _load(args.file, args)
    except WorkflowLoadError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(f"{args.file}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        return 1
    assert isinstance(loaded, WorkflowSet)
    specs = loaded.workflows.values()
    states = sum(len(spec.states) for spec in specs)
    transitions = sum(len(spec.transitions) for spec in specs)
    print(
        f"OK {args.file}: {len(specs)} workflows, {states} states, {transitions} transitions, "
        f"{len(loaded.roles)} roles"
    )
    for spec in specs:
        print(f"  {spec.name} v{spec.version}: {len(spec.states)} states, "
              f"{len(spec.transitions)} transitions{f'  ({spec.title})' if spec.title else ''}")
    _calendar_warning(loaded)
    return 0


def _calendar_warning(loaded: object) -> None:
    """Warn (stderr, exit status unchanged) when a provisional calendar year is near."""
    from govflow.cli.calendar import today_in
    from govflow.workflows import WorkflowSet
    from govflow.worktime import WorkCalendar
    from govflow.worktime.status import provisional_warning, thin_file_years

    assert isinstance(loaded, WorkflowSet)
    cal = WorkCalendar.from_spec(loaded.calendar)
    for warning in [provisional_warning(cal, today_in(cal.timezone)), *thin_file_years(cal)]:
        if warning:
            print(f"warning: calendar: {warning}", file=sys.stderr)


def run_graph(args: argparse.Namespace) -> int:
    from govflow.workflows import WorkflowSet
    from govflow.workflows.diagram import to_mermaid

    loaded = _load(args.file, args)
    assert isinstance(loaded, WorkflowSet)
    spec = loaded.workflows.get(args.workflow)
    if spec is None:
        names = ", ".join(loaded.workflows)
        print(f"govflow: no workflow {args.workflow!r} in {args.file}; workflows: {names}",
              file=sys.stderr)
        return 1
    text = to_mermaid(spec)
    print(f"```mermaid\n{text}```" if args.markdown else text, end="" if not args.markdown
          else "\n")
    return 0


def run_simulate(args: argparse.Namespace) -> int:
    from govflow.simulate import run_script

    return run_script(Path(args.script), workflows_file=args.file, out=sys.stdout,
                      err=sys.stderr)
