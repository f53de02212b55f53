"""Draw a compiled workflow as a Mermaid ``stateDiagram-v2`` (renders on GitHub, no Graphviz)."""

from __future__ import annotations

import json

from govflow.workflows.spec import StateSpec, WorkflowSpec

_ESCAPES = {"#": "#35;", '"': "#quot;", ":": "#58;", ";": "#59;", "<": "#lt;", ">": "#gt;"}


def escape(text: str) -> str:
    """Make ``text`` safe inside a Mermaid label (entity codes for the characters it parses)."""
    return "".join(_ESCAPES.get(ch, ch) for ch in " ".join(text.split()))


def _state_label(state: StateSpec) -> str:
    label = f"{state.title} ({state.name})" if state.title else state.name
    if state.deadline is not None:
        label += f" ⏱ {state.deadline.limit}"
    return label


def _notes(spec: WorkflowSpec) -> dict[str, list[str]]:
    notes: dict[str, list[str]] = {name: [] for name in spec.states}
    for name, state in spec.states.items():
        deadline = state.deadline
        if deadline is None:
            continue
        breach = []
        if deadline.on_breach.escalate:
            breach.append("escalate")
        if deadline.on_breach.trigger:
            breach.append(f"fire {deadline.on_breach.trigger}")
        field = f" (or data.{deadline.limit_field})" if deadline.limit_field else ""
        then = f", then {' and '.join(breach)}" if breach else ""
        notes[name].append(
            f"limit {deadline.limit}{field}, yellow at {deadline.yellow_at:g}, "
            f"red at {deadline.red_at:g}{then}"
        )
    if spec.extension is not None:
        for name in sorted(spec.extension.states):
            notes[name].append(f"extension up to {spec.extension.max_workdays:g} workdays")
    for rule in spec.supervision:
        notes[rule.state].append(f"{rule.level} card after {rule.after}")
    rv = spec.revisit
    if rv is not None:
        offsets = ", ".join(str(d) for d in rv.offsets)
        when = offsets if rv.offsets else f"every {rv.every} × {rv.times}"
        end = f", then {rv.on_clean}" if rv.on_clean else ""
        notes[rv.after_state].append(
            f"revisits {when}, a rebound fires {rv.on_rebound}, "
            f"{rv.clean_to_end} clean in a row end the cycle{end}"
        )
    return notes


def to_mermaid(spec: WorkflowSpec) -> str:
    """The workflow as Mermaid text: states, transitions (guards, rework ↺), time-rule notes."""
    title = f"{spec.name} v{spec.version}" + (f" · {spec.title}" if spec.title else "")
    out = ["---", f"title: {json.dumps(title, ensure_ascii=False)}", "---", "stateDiagram-v2"]
    for name, state in spec.states.items():
        out.append(f'    state "{escape(_state_label(state))}" as {name}')
    out.append(f"    [*] --> {spec.initial}")
    for t in spec.transitions:
        label = t.trigger
        if t.guard is not None:
            label += f" [{t.guard.source}]"
        if t.rework:
            label += " ↺"
        for source in t.sources:
            out.append(f"    {source} --> {t.dest} : {escape(label)}")
    for name, state in spec.states.items():
        if state.final:
            out.append(f"    {name} --> [*]")
    for name, lines in _notes(spec).items():
        if lines:
            out.append(f"    note right of {name}")
            out.extend(f"        {escape(line)}" for line in lines)
            out.append("    end note")
    return "\n".join(out) + "\n"
