"""The checks a type system cannot make: names, the state graph, guards, time rules.

Each check adds ``(path, message)`` to a list; nothing stops at the first problem. Messages
say what is wrong and how to fix it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from govflow.widths import NAME
from govflow.workflows.expr import CompiledGuard, GuardSyntaxError, compile_guard
from govflow.workflows.quote import quoted
from govflow.workflows.schema import DeadlineModel, TransitionModel, WorkflowModel
from govflow.workflows.structure import Found
from govflow.workflows.yamlio import Path
from govflow.worktime.parse import parse_duration

SYSTEM_ROLE = "system"
ANY = "*"
#: triggers the engine writes to the event log itself; a workflow may not reuse them
RESERVED_TRIGGERS = frozenset(
    {"open", "warn", "breach", "escalate", "extend", "supervise", "revisit_due", "revisit",
     "revisit_end", "note", "merge"}
)  # fmt: skip
#: a name the store keeps (govflow.widths.NAME characters at most)
_NAME = re.compile(rf"[a-z][a-z0-9_]{{0,{NAME - 1}}}\Z")
_SNAKE = f"snake_case (a-z, 0-9, _; at most {NAME} characters)"
_LIMIT_FIELD_TYPES = frozenset({"str", "duration", "any"})


@dataclass(slots=True)
class Checked:
    """What the checks found, and the guards compiled on the way (by transition index)."""

    found: Found = field(default_factory=list)
    guards: dict[int, CompiledGuard] = field(default_factory=dict)
    initial: str | None = None


def _did_you_mean(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean {quoted(close[0])}?)" if close else ""


def check_roles(roles: list[str]) -> Found:
    """The top-level role list: snake_case names, each once."""
    found: Found = []
    seen: set[str] = set()
    for i, role in enumerate(roles):
        if role == ANY or not _NAME.match(role):
            found.append((("roles", i), f"role {quoted(role)} is not {_SNAKE}"))
        if role in seen:
            found.append((("roles", i), f"role {quoted(role)} is declared twice; keep one"))
        seen.add(role)
    return found


class WorkflowChecker:
    """Checks one workflow against the file's roles and the engine's actions and functions."""

    def __init__(
        self,
        name: str,
        wf: WorkflowModel,
        *,
        roles: Collection[str],
        actions: Collection[str],
        functions: Collection[str],
        partial: bool = False,
    ) -> None:
        self.name = name
        self.wf = wf
        self.roles = frozenset(roles) | {SYSTEM_ROLE}
        self.actions = frozenset(actions)
        self.functions = frozenset(functions)
        self.partial = partial
        self.base: Path = ("workflows", name)
        self.out = Checked()
        self.finals = {s for s, st in wf.states.items() if st.final}

    def add(self, path: Path, message: str) -> None:
        self.out.found.append(((*self.base, *path), message))

    def run(self) -> Checked:
        if not _NAME.match(self.name):
            self.add((), f"workflow name {quoted(self.name)} is not {_SNAKE}")
        self.check_fields()
        self.check_initial()
        self.check_states()
        self.check_transitions()
        self.check_extension()
        self.check_supervision()
        self.check_revisit()
        self.check_role_list(self.wf.open_roles, ("open_roles",), allow_any=False)
        if not self.partial:
            self.check_graph()
        return self.out

    # -- names ---------------------------------------------------------------------------------
    def check_state(self, state: str, path: Path, what: str) -> bool:
        if state in self.wf.states:
            return True
        hint = _did_you_mean(state, self.wf.states)
        self.add(
            path,
            f"{what} {quoted(state)} is not a state of {self.name}{hint}; "
            f"states: {', '.join(self.wf.states)}",
        )
        return False

    def check_role_list(self, roles: list[str], path: Path, *, allow_any: bool = True) -> None:
        for i, role in enumerate(roles):
            if role == ANY and allow_any:
                continue
            if role not in self.roles:
                hint = _did_you_mean(role, self.roles)
                self.add(
                    (*path, i),
                    f"unknown role {quoted(role)}{hint}; declare it under roles: at the top of "
                    "the file",
                )

    def check_actions(self, actions: list[str], path: Path) -> None:
        for i, action in enumerate(actions):
            if action not in self.actions:
                hint = _did_you_mean(action, self.actions)
                self.add(
                    (*path, i),
                    f"unknown action {quoted(action)}{hint}; registered actions: "
                    f"{', '.join(sorted(self.actions)) or 'none'} (plugins can add more)",
                )

    def check_fields(self) -> None:
        for field_name in self.wf.fields:
            if not _NAME.match(field_name):
                self.add(("fields", field_name), f"field {quoted(field_name)} is not {_SNAKE}")

    # -- states --------------------------------------------------------------------------------
    def check_initial(self) -> None:
        marked = [s for s, st in self.wf.states.items() if st.initial]
        named = self.wf.initial
        if named is not None and self.check_state(named, ("initial",), "initial state"):
            marked = [named, *[s for s in marked if s != named]]
        elif named is not None:
            return
        if not marked:
            self.add(
                ("states",),
                "no initial state; add initial: <state> to the workflow "
                "(or initial: true on one state)",
            )
            return
        if len(marked) > 1:
            self.add(
                ("states", marked[1], "initial") if self.wf.states[marked[1]].initial
                else ("initial",),
                f"several initial states ({', '.join(marked)}); keep exactly one",
            )
        self.out.initial = marked[0]
        if marked[0] in self.finals:
            self.add(("initial",), f"initial state {quoted(marked[0])} is final; a case would "
                                   "close "
                     "as it opens")

    def check_states(self) -> None:
        if not self.finals:
            self.add(("states",), "no final state; mark the closing state(s) final: true")
        for state, spec in self.wf.states.items():
            path: Path = ("states", state)
            if not _NAME.match(state):
                self.add(path, f"state name {quoted(state)} is not {_SNAKE}; "
                               "put the "
                         "human name in title:")
            self.check_actions(spec.on_enter, (*path, "on_enter"))
            self.check_actions(spec.on_exit, (*path, "on_exit"))
            if spec.final and spec.on_exit:
                self.add((*path, "on_exit"), "a final state is never left; remove on_exit")
            if spec.deadline is not None:
                if spec.final:
                    self.add((*path, "deadline"), "a final state has no deadline; remove it")
                else:
                    self.check_deadline(state, spec.deadline, (*path, "deadline"))

    def check_deadline(self, state: str, deadline: DeadlineModel, path: Path) -> None:
        if not 0 < deadline.yellow_at <= deadline.red_at:
            self.add(
                (*path, "yellow_at"),
                f"yellow_at {deadline.yellow_at} must lie in (0, red_at={deadline.red_at}]; "
                "e.g. 0.8 for a warning at 80 % of the limit",
            )
        limit_field = deadline.limit_field
        if limit_field is not None and self.wf.fields:
            kind = self.wf.fields.get(limit_field)
            if kind is None:
                self.add(
                    (*path, "limit_field"),
                    f"limit_field {quoted(limit_field)} is not a declared field; add it under "
                    f"fields: as {limit_field}: duration",
                )
            elif kind not in _LIMIT_FIELD_TYPES:
                self.add(
                    (*path, "limit_field"),
                    f"limit_field {quoted(limit_field)} is declared {kind}; declare it duration",
                )
        due_field = deadline.due_field
        if due_field is not None and limit_field is not None:
            self.add((*path, "due_field"), "give either due_field (a due time) or limit_field "
                     "(a duration), not both")
        if due_field is not None and self.wf.fields:
            kind = self.wf.fields.get(due_field)
            if kind is None:
                self.add((*path, "due_field"), f"due_field {quoted(due_field)} is not a declared "
                         f"field; add it under fields: as {due_field}: datetime")
            elif kind not in ("datetime", "str", "any"):
                self.add((*path, "due_field"),
                         f"due_field {quoted(due_field)} is declared {kind}; declare it datetime")
        trigger = deadline.on_breach.trigger
        if trigger is not None:
            self.check_system_trigger(trigger, state, (*path, "on_breach", "trigger"), "breach")

    def check_system_trigger(self, trigger: str, state: str, path: Path, by: str) -> None:
        """A trigger the timers fire from ``state``: it must exist there and allow system."""
        if state not in self.wf.states:
            return
        candidates = [t for t in self.wf.transitions if t.trigger == trigger and state in
                      self.sources(t)]
        if not candidates:
            self.add(
                path,
                f"the {by} fires {quoted(trigger)} from state {quoted(state)}, but no "
                "transition has "
                f"trigger: {trigger} from: {state}; add one",
            )
        elif not any(SYSTEM_ROLE in t.roles or ANY in t.roles for t in candidates):
            self.add(
                path,
                f"the {by} fires {quoted(trigger)} as role system, but its transition from "
                f"{quoted(state)} does not allow system; add system to its roles",
            )

    # -- transitions ---------------------------------------------------------------------------
    def sources(self, t: TransitionModel) -> list[str]:
        if t.from_ == [ANY]:
            return [s for s in self.wf.states if s not in self.finals]
        return list(t.from_)

    def check_transitions(self) -> None:
        unguarded: dict[tuple[str, str], int] = {}
        for i, t in enumerate(self.wf.transitions):
            path: Path = ("transitions", i)
            if not _NAME.match(t.trigger):
                self.add((*path, "trigger"), f"trigger {quoted(t.trigger)} is not {_SNAKE}")
            if t.trigger in RESERVED_TRIGGERS:
                self.add(
                    (*path, "trigger"),
                    f"trigger {quoted(t.trigger)} is reserved for the engine's own events; "
                    "rename it",
                )
            if ANY in t.from_ and len(t.from_) > 1:
                self.add((*path, "from"), '"*" stands alone: write from: "*" or list states')
            for j, source in enumerate(t.from_):
                if source == ANY:
                    continue
                where = (*path, "from", j) if len(t.from_) > 1 else (*path, "from")
                if not self.check_state(source, where, "source state"):
                    self.partial = True
                elif source in self.finals:
                    self.add(
                        (*path, "from"),
                        f"transition {quoted(t.trigger)} leaves final state {quoted(source)}; a "
                        "final state "
                        "has no way out (make it non-final or remove the transition)",
                    )
            if not self.check_state(t.to, (*path, "to"), "target state"):
                self.partial = True  # the graph has a hole: its checks would report echoes
            self.check_role_list(t.roles, (*path, "roles"))
            self.check_actions(t.actions, (*path, "actions"))
            if t.guard is not None:
                self.compile_guard(i, t.guard, (*path, "guard"))
            for source in self.sources(t):
                key = (t.trigger, source)
                if key in unguarded:
                    first = unguarded[key]
                    self.add(
                        path,
                        f"trigger {quoted(t.trigger)} from {quoted(source)} is already defined "
                        "without a "
                        f"guard (transitions[{first}]), so this one can never fire; give the "
                        "first a guard or merge the two",
                    )
                elif t.guard is None:
                    unguarded[key] = i

    def compile_guard(self, index: int, text: str, path: Path) -> None:
        declared = set(self.wf.fields) if self.wf.fields else None
        try:
            self.out.guards[index] = compile_guard(
                text, functions=self.functions, fields=declared
            )
        except GuardSyntaxError as exc:
            self.add(path, f"guard {quoted(text)}: {exc}")

    # -- time rules ----------------------------------------------------------------------------
    def check_extension(self) -> None:
        ext = self.wf.extension
        if ext is None:
            return
        self.check_role_list(ext.roles, ("extension", "roles"), allow_any=False)
        for i, state in enumerate(ext.states):
            path: Path = ("extension", "states", i)
            if not self.check_state(state, path, "extension state"):
                continue
            if self.wf.states[state].deadline is None:
                self.add(path, f"state {quoted(state)} has no deadline to extend; give it a "
                               "deadline "
                         "or remove it here")

    def check_supervision(self) -> None:
        seen: dict[tuple[str, str], int] = {}
        for i, rule in enumerate(self.wf.supervision):
            path: Path = ("supervision", i)
            if not self.check_state(rule.state, (*path, "state"), "supervised state"):
                continue
            if rule.state in self.finals:
                self.add((*path, "state"), f"state {quoted(rule.state)} is final; nothing to "
                                           "supervise")
            key = (rule.state, rule.level)
            if key in seen:
                self.add(path, f"{rule.level} card on {quoted(rule.state)} is already set by "
                         f"supervision[{seen[key]}]; keep one")
            seen[key] = i
        for (state, level), i in seen.items():
            red = seen.get((state, "red"))
            if level != "yellow" or red is None:
                continue
            yellow_after = parse_duration(self.wf.supervision[i].after)
            red_after = parse_duration(self.wf.supervision[red].after)
            if yellow_after.unit == red_after.unit and yellow_after.amount >= red_after.amount:
                self.add(
                    ("supervision", red, "after"),
                    f"the red card on {quoted(state)} comes at {red_after}, not after the "
                    "yellow card "
                    f"({yellow_after}); give red the longer time",
                )

    def check_revisit(self) -> None:
        rv = self.wf.revisit
        if rv is None:
            return
        path: Path = ("revisit",)
        self.check_role_list(rv.roles, (*path, "roles"), allow_any=False)
        if not self.check_state(rv.after, (*path, "after"), "revisit state"):
            return
        if rv.after in self.finals:
            self.add(
                (*path, "after"),
                f"revisits after final state {quoted(rv.after)} could never reopen the case; start "
                "them at a non-final state (e.g. cleared) and end with on_clean: close",
            )
            return
        self.check_system_trigger(rv.on_rebound, rv.after, (*path, "on_rebound"), "revisit")
        if rv.on_clean is not None:
            self.check_system_trigger(rv.on_clean, rv.after, (*path, "on_clean"), "revisit")

    # -- graph ---------------------------------------------------------------------------------
    def check_graph(self) -> None:
        edges: dict[str, set[str]] = {s: set() for s in self.wf.states}
        for t in self.wf.transitions:
            if t.to not in self.wf.states:
                continue
            for source in self.sources(t):
                if source in edges:
                    edges[source].add(t.to)
        start = self.out.initial
        if start is not None:
            reached = _closure({start}, edges)
            for state in self.wf.states:
                if state not in reached:
                    self.add(
                        ("states", state),
                        f"state {quoted(state)} cannot be reached from the initial state "
                        f"{quoted(start)}; "
                        "add a transition into it or remove it",
                    )
        if not self.finals:
            return
        backwards: dict[str, set[str]] = {s: set() for s in self.wf.states}
        for source, dests in edges.items():
            for dest in dests:
                backwards[dest].add(source)
        closing = _closure(self.finals, backwards)
        for state in self.wf.states:
            if state not in closing:
                self.add(
                    ("states", state),
                    f"state {quoted(state)} has no path to a final state, so its cases never "
                    "close; "
                    "add a transition out of it",
                )


def _closure(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    todo = list(start)
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
