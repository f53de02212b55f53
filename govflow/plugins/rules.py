"""Mapping rules: what a validated record becomes.

A rule is a function of one validated record (the source's pydantic model) that returns

* :class:`OpenCase`: open a case (workflow, cell, category, data). With ``merge_within``
  set, a report of the same category on the same cell while an earlier case opened within
  that window is still open is *merged* into it (a ``merge`` note on the open case) instead
  of opening another: the night-market "one stall spreads to the street" pattern;
* :class:`Trigger`: fire a trigger on the open case that an earlier record opened under the
  same ``ref`` (e.g. an Open311 request id);
* :class:`Note`: write an informative event on that open case (no state change);
* :class:`Skip`: take the record in without any case change (counted, not lost);
* ``None``: this rule does not apply; the next rule of the source is tried.

Rules come from Python (``registry.add_rules(source, fn, ...)``) or from a ``rules.yaml``
file (:mod:`govflow.plugins.rules_yaml`), which compiles to the same :class:`Rule` objects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from govflow.records import Actor


@dataclass(frozen=True, slots=True)
class OpenCase:
    """Open a case; ``ref`` is the record's own key for later triggers (default: record id)."""

    workflow: str
    cell: str
    category: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    ref: str | None = None
    at: datetime | None = None
    owner: str | None = None
    #: merge into an open case of the same category and cell opened within this window
    merge_within: timedelta | None = None


@dataclass(frozen=True, slots=True)
class Trigger:
    """Fire ``trigger`` on the open case opened under ``ref`` by this source."""

    ref: str
    trigger: str
    data: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""
    #: who fires it; default: the source's intake actor
    actor: Actor | None = None


@dataclass(frozen=True, slots=True)
class Note:
    """Write an event ``what`` on the open case opened under ``ref`` (no state change)."""

    ref: str
    what: str
    data: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Skip:
    """Take the record in without changing any case (e.g. a note that only informs)."""

    reason: str = ""


Op = OpenCase | Trigger | Note | Skip
RuleFn = Callable[[Any], Op | None]


@dataclass(frozen=True, slots=True)
class Rule:
    """A named rule of one source; ``origin`` says where it was defined (file:line or module)."""

    name: str
    source: str
    fn: RuleFn
    origin: str = ""
    #: the rule as declared in a rules file (``when`` and its outcome), for catalogues built
    #: from rules such as the Open311 service list; ``None`` for Python rules
    declared: Mapping[str, Any] | None = None


class NoRuleMatched(LookupError):
    """No rule of the source mapped the record (the record becomes a dead letter)."""


def apply_rules(rules: Sequence[Rule], record: BaseModel) -> Op:
    """The first non-None answer of ``rules`` for ``record``; :class:`NoRuleMatched` if none."""
    for rule in rules:
        op = rule.fn(record)
        if op is not None:
            if not isinstance(op, OpenCase | Trigger | Note | Skip):
                raise TypeError(
                    f"rule {rule.name!r} ({rule.origin}) returned {type(op).__name__}; "
                    "a rule returns OpenCase, Trigger, Note, Skip or None"
                )
            return op
    names = ", ".join(rule.name for rule in rules) or "none registered"
    raise NoRuleMatched(f"no mapping rule matched (rules tried: {names})")


def rule_from_function(source: str, fn: RuleFn, name: str | None = None) -> Rule:
    """Wrap a plugin's Python rule function."""
    label = name or str(getattr(fn, "__name__", repr(fn)))
    origin = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', label)}"
    return Rule(name=label, source=source, fn=fn, origin=origin)
