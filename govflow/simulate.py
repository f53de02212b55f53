"""A dry run: a script of events against an in-memory engine on a simulated clock.

The script format is described in ``docs/workflows.md`` (Dry runs).

Every step is shown in a timeline with what the timers did in between (warnings, breaches,
escalations, supervision, revisits). The exit status is 1 if a step failed unexpectedly or
the script was refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from govflow.engine.engine import Engine
from govflow.errors import GovflowError, WorkflowLoadError
from govflow.records import SYSTEM_ACTOR, Actor, Case, Event
from govflow.workflows.load import load_workflows
from govflow.workflows.safeyaml import YamlFault, read_yaml_file
from govflow.workflows.yamlio import YamlProblem, load_yaml
from govflow.worktime.parse import parse_duration

STEP_KINDS = ("open", "fire", "advance", "extend", "supervise", "revisit")


class ScriptError(ValueError):
    """A script that cannot be run: names the step and its line."""


class Simulation:
    """Runs one script, printing the timeline to ``out``."""

    def __init__(self, engine: Engine, tz: ZoneInfo, actors: Mapping[str, Actor], out: TextIO):
        self.engine = engine
        self.tz = tz
        self.actors = actors
        self.out = out
        self.cases: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.seen: dict[str, int] = {}
        self.failures = 0

    def local(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M %a")

    def moment(self, value: Any, where: str) -> datetime:
        now = self.engine.clock.now()
        if isinstance(value, str) and value.strip().startswith("+"):
            try:
                return self.engine.calendar.add(now, parse_duration(value.strip()[1:].strip()))
            except ValueError as exc:
                raise ScriptError(f"{where}: {exc}") from None
        return read_local(value, self.tz, where)

    def actor(self, value: Any, where: str, *, default: Actor | None = None) -> Actor:
        if value is None:
            if default is None:
                raise ScriptError(f"{where}: give the step an actor (a name from actors: or "
                                  "{id: ..., roles: [...]})")
            return default
        if isinstance(value, str):
            if value not in self.actors:
                known = ", ".join(self.actors) or "none"
                raise ScriptError(f"{where}: unknown actor {value!r}; actors: {known}")
            return self.actors[value]
        return read_actor(value, where)

    def case_id(self, name: Any, where: str) -> str:
        if name not in self.cases:
            raise ScriptError(f"{where}: no case {name!r} opened yet; open it first")
        return self.cases[name]

    def step(self, step: Mapping[str, Any], where: str) -> None:
        if "at" in step:
            self.run_until(self.moment(step["at"], where))
        kinds = [k for k in STEP_KINDS if k in step]
        if len(kinds) > 1:
            raise ScriptError(f"{where}: one action per step, found {', '.join(kinds)}")
        if not kinds:
            if "at" in step:
                return
            raise ScriptError(f"{where}: a step needs one of {', '.join(STEP_KINDS)} (or at:)")
        kind = kinds[0]
        expect = step.get("expect", "ok")
        if expect not in ("ok", "refused"):
            raise ScriptError(f"{where}: expect is ok or refused, not {expect!r}")
        if kind == "advance":
            self.run_until(self.moment(f"+{step['advance']}", where))
            return
        case = str(step.get("case") or (step[kind] if kind not in ("open", "fire") else ""))
        try:
            self.act(kind, step, where)
        except GovflowError as exc:
            label = "refused as expected" if expect == "refused" else "FAILED"
            self.failures += expect != "refused"
            self.line(self.engine.clock.now(), case, f"✗ {kind}", f"{label}: {exc}")
        else:
            if expect == "refused":
                self.failures += 1
                self.line(self.engine.clock.now(), case, f"✗ {kind}",
                          "FAILED: expected to be refused, but it was allowed")
        self.flush()

    def act(self, kind: str, step: Mapping[str, Any], where: str) -> None:
        engine = self.engine
        if kind == "open":
            name = str(step.get("case") or f"case{len(self.cases) + 1}")
            case = engine.open_case(
                str(step["open"]), cell=str(step.get("cell") or self.default_cell),
                actor=self.actor(step.get("actor"), where, default=SYSTEM_ACTOR),
                category=str(step.get("category", "")), data=dict(step.get("data") or {}),
                source=str(step.get("source", "simulate")),
            )
            self.cases[name] = case.id
            self.names[case.id] = name
            self.seen[case.id] = 0
            return
        actor = self.actor(step.get("actor"), where, default=SYSTEM_ACTOR
                           if kind == "revisit" else None)
        if kind == "fire":
            engine.fire(self.case_id(step.get("case"), where), str(step["fire"]), actor=actor,
                        data=dict(step.get("data") or {}), reason=str(step.get("reason", "")))
        elif kind == "extend":
            engine.extend(self.case_id(step["extend"], where), float(step.get("workdays", 1)),
                          actor=actor, reason=str(step.get("reason", "extension")))
        elif kind == "supervise":
            engine.supervise(self.case_id(step["supervise"], where),
                             str(step.get("level", "yellow")), actor=actor,
                             reason=str(step.get("reason", "")))
        else:
            engine.record_revisit(self.case_id(step["revisit"], where),
                                  rebound=bool(step.get("rebound", False)), actor=actor,
                                  note=str(step.get("note", "")))

    default_cell = "410102001001001"

    def run_until(self, moment: datetime) -> None:
        if moment < self.engine.clock.now():
            raise ScriptError(f"time {self.local(moment)} is before now "
                              f"({self.local(self.engine.clock.now())}); steps go forward")
        self.engine.run_until(moment)
        self.flush()

    def flush(self) -> None:
        """Print the events written since the last flush, in time order."""
        fresh: list[tuple[datetime, int, Event]] = []
        for order, case_id in enumerate(self.cases.values()):
            history = self.engine.history(case_id)
            fresh.extend((e.at, order, e) for e in history[self.seen[case_id]:])
            self.seen[case_id] = len(history)
        for _, _, event in sorted(fresh, key=lambda item: (item[0], item[1], item[2].seq)):
            self.line(event.at, self.names[event.case_id], event.trigger, describe(event))

    def line(self, at: datetime, case: str, what: str, detail: str) -> None:
        print(f"{self.local(at)}  {case:<8} {what:<14} {detail}".rstrip(), file=self.out)

    def summary(self) -> None:
        print("", file=self.out)
        for name, case_id in self.cases.items():
            case: Case = self.engine.case(case_id)
            closed = "closed" if case.is_closed else "open"
            print(
                f"{name}: {case.workflow} v{case.version} {case.state} ({closed}), "
                f"light {case.light}, owner {case.owner}, escalation {case.escalation}, "
                f"supervision {case.supervision}, rework {case.rework}",
                file=self.out,
            )


def describe(event: Event) -> str:
    """One line about an event: the move, who, and what the engine recorded."""
    who = f"by {event.actor}" + (f" ({event.role})" if event.role else "")
    data = event.data
    if event.trigger == "escalate":
        return f"owner {data.get('from_owner')} → {data.get('to_owner')}  {event.reason}"
    if event.trigger in ("warn", "breach"):
        return f"{event.source}: {data.get('light', '')} light  {event.reason}".rstrip()
    move = f"{event.source or '∅'} → {event.dest}" if event.source != event.dest \
        else event.dest
    extra = f"  {event.reason}" if event.reason else ""
    shown = {k: v for k, v in data.items() if k not in ("due_at", "data", "workflow", "version",
                                                         "cell", "owner", "category", "source")}
    if shown:
        extra += "  " + ", ".join(f"{k}={v}" for k, v in shown.items())
    return f"{move}  {who}{extra}"


def read_local(value: Any, tz: ZoneInfo, where: str) -> datetime:
    """A local date-time from the script (``2026-09-28 09:00``), as aware UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0))
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ScriptError(
                f"{where}: {value!r} is not a time; write \"2026-09-28 09:00\" or \"+2h\""
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(ZoneInfo("UTC"))


def read_actor(value: Any, where: str) -> Actor:
    """An actor written as ``{id: li, roles: [grid_worker], scope: [node, ...]}``."""
    if not isinstance(value, Mapping) or "id" not in value:
        raise ScriptError(f"{where}: an actor is a name from actors: or "
                          "{id: ..., roles: [...], scope: [...]}")
    roles = value.get("roles") or []
    scope = value.get("scope") or []
    roles = [roles] if isinstance(roles, str) else roles
    scope = [scope] if isinstance(scope, str) else scope
    return Actor(id=str(value["id"]), roles=frozenset(map(str, roles)),
                 scope=tuple(map(str, scope)))


def run_script(script: Path, *, workflows_file: str | None, out: TextIO,
               err: TextIO | None = None) -> int:
    """Run ``script``; print the timeline to ``out`` and what is wrong with the script or its
    workflows to ``err`` (default: ``out``). 0: all went as expected; 1: a step did not, or
    the script was refused."""
    err = out if err is None else err
    try:
        text = read_yaml_file(script)
    except YamlFault as fault:
        print(f"govflow: {fault.where(script)}: {fault.message}", file=err)
        return 1
    doc = load_yaml(text)
    if doc.problems or not isinstance(doc.data, dict):
        for p in doc.problems or [YamlProblem(1, (), "the script must be a mapping")]:
            print(f"{script}:{p.line}: {p.message}", file=err)
        return 1
    data: dict[str, Any] = doc.data
    try:
        source = Path(workflows_file) if workflows_file else (
            script.parent / str(data["workflows"]) if "workflows" in data
            else Path("workflows.yaml"))
        loaded = load_workflows(source)
        tz = ZoneInfo(loaded.calendar.timezone)
        if "start" not in data:
            raise ScriptError('start: is missing; write start: "2026-09-28 09:00" (local time)')
        from govflow.clock import SimClock

        clock = SimClock(read_local(data["start"], tz, "start"))
        actors = {str(k): read_actor({"id": k, **(v or {})}, f"actors.{k}")
                  for k, v in (data.get("actors") or {}).items()}
        sim = Simulation(Engine(loaded, clock=clock), tz, actors, out)
        sim.default_cell = str(data.get("cell", sim.default_cell))
        steps = data.get("steps") or []
        if not isinstance(steps, list):
            raise ScriptError("steps: must be a list of steps")
        print(f"simulating {script} on {source} from {sim.local(clock.now())}", file=out)
        for i, step in enumerate(steps):
            where = f"{script}:{doc.line_of(('steps', i))} steps[{i}]"
            if not isinstance(step, dict):
                raise ScriptError(f"{where}: a step is a mapping such as {{fire: ..., case: ...}}")
            sim.step(step, where)
        if "until" in data:
            sim.run_until(sim.moment(data["until"], "until"))
        sim.summary()
    except WorkflowLoadError as exc:
        print(f"govflow: {exc}", file=err)
        return 1
    except (ScriptError, KeyError, TypeError, ValueError) as exc:
        print(f"govflow: {exc}", file=err)
        return 1
    return 1 if sim.failures else 0
