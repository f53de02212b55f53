"""Every hook govflow calls, declared in this one module.

A plugin implements a hook by defining a function with the hook's name (or any subset of its
parameters) decorated with :data:`govflow.plugins.hookimpl`. The engine calls hooks through
:class:`govflow.plugins.host.PluginHost`, which isolates every call: a plugin that raises is
recorded as a :class:`~govflow.plugins.host.PluginFailure` and the other plugins still run.

Two families:

* **register hooks** (``govflow_register_*``) are called once, when an engine starts, with a
  :class:`~govflow.plugins.registry.Registry`; the plugin adds what it brings (sources,
  actions, guard functions, workflow files, mapping rules). A name taken twice is an error
  naming both plugins.
* **observer and service hooks** are called while the engine runs, after each change has
  been committed (never inside the transaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from govflow.plugins.markers import hookspec

if TYPE_CHECKING:
    from govflow.plugins.registry import Registry
    from govflow.records import Case, Event, Message, Timer


@hookspec
def govflow_register_sources(registry: Registry) -> None:
    """Add data sources with ``registry.add_source(source)``.

    :param registry: the engine's registry; ``add_source`` takes an object following the
        :class:`~govflow.plugins.sources.Source` protocol (``name``, pydantic ``model``,
        ``read(cursor)``).
    :return: nothing; what the plugin adds is recorded against its name.

    Called once per engine, at start-up, before rules are registered.
    """


@hookspec
def govflow_register_actions(registry: Registry) -> None:
    """Add entry/exit actions with ``registry.add_action(name, fn)``.

    :param registry: the engine's registry; ``fn`` is ``Callable[[ActionContext], None]``
        and ``name`` is what workflow files write under ``on_enter`` / ``on_exit`` / ``actions``.
    :return: nothing.

    Called once per engine, at start-up, before workflow files are loaded (their action names
    are checked against what was registered).
    """


@hookspec
def govflow_register_functions(registry: Registry) -> None:
    """Add guard functions with ``registry.add_function(name, fn)``.

    :param registry: the engine's registry; ``fn`` is a plain callable that guard expressions
        may call by ``name`` (it must be pure: no I/O, no side effects).
    :return: nothing.

    Called once per engine, at start-up, before workflow files are loaded.
    """


@hookspec
def govflow_register_workflows(registry: Registry) -> None:
    """Add workflow files with ``registry.add_workflows(path)``.

    :param registry: the engine's registry; ``path`` is a YAML file in the workflow format.
    :return: nothing.

    Called once per engine, at start-up; the engine loads these files beside its own.
    """


@hookspec
def govflow_register_rules(registry: Registry) -> None:
    """Add mapping rules with ``registry.add_rules(source, rules)``.

    :param registry: the engine's registry; ``rules`` is a ``rules.yaml`` path or Python rule
        functions (``Callable[[record], OpenCase | Trigger | None]``) for the named source.
    :return: nothing.

    Called once per engine, at start-up, after every source has been registered.
    """


@hookspec
def govflow_case_opened(case: Case, event: Event) -> None:
    """Observe a new case.

    :param case: the case as committed (do not mutate it).
    :param event: its ``open`` event.
    :return: nothing (a returned value is recorded as a failure).

    Called after the transaction that opened the case has committed.
    """


@hookspec
def govflow_case_transitioned(case: Case, event: Event) -> None:
    """Observe a workflow transition.

    :param case: the case after the change.
    :param event: the event written for it (``trigger``, ``source``, ``dest``, ``actor``).
    :return: nothing.

    Called after commit for every workflow trigger, whoever fired it (a person, a mapping
    rule, a deadline's ``on_breach`` trigger, a revisit's ``on_rebound``/``on_clean``),
    including one that closes the case (then ``govflow_case_closed`` follows). Not called for
    the engine's own events (``warn``, ``breach``, ``escalate``, ``extend``, ``supervise``,
    revisit bookkeeping) nor for notes such as ``merge``.
    """


@hookspec
def govflow_case_escalated(case: Case, event: Event) -> None:
    """Observe an escalation: the owner moved one tier up the grid.

    :param case: the case with its new ``owner`` and ``escalation`` level.
    :param event: the ``escalate`` event; ``event.data`` has ``from_owner``, ``to_owner``,
        ``on_duty``.
    :return: nothing.

    Called after the escalation has committed.
    """


@hookspec
def govflow_case_closed(case: Case, event: Event) -> None:
    """Observe a case entering a final state.

    :param case: the closed case (``closed_at`` set).
    :param event: the event that closed it.
    :return: nothing.

    Called after commit, right after ``govflow_case_transitioned`` for the same event.
    """


@hookspec
def govflow_deliver(messages: Sequence[Message]) -> list[str]:
    """Deliver outbox messages (SMS, app push, a hotline system, ...).

    :param messages: pending messages; ``Message.id`` is the idempotency key (a message may
        be handed over again if an earlier delivery was not acknowledged).
    :return: the ids of the messages this plugin delivered; return ``[]`` for those it does
        not handle. The union over all plugins is marked delivered; the rest are retried.

    Called by ``engine.deliver_outbox()``; every delivering plugin sees every message.
    """
    raise NotImplementedError  # pragma: no cover - a spec has no body


@hookspec(firstresult=True)
def govflow_revisit_outcome(case: Case) -> bool | None:
    """Answer a due revisit (回访 / 回头看): did the site rebound?

    :param case: the case whose revisit is due.
    :return: ``True`` for a rebound (the case reopens), ``False`` for a clean site, ``None``
        when this plugin has no answer.

    Called when a revisit timer fires. Stops at first non-None result; with no answer the
    engine waits for a person to record the revisit (``engine.record_revisit``).
    """
    raise NotImplementedError  # pragma: no cover - a spec has no body


@hookspec
def govflow_timer_dead(timer: Timer, reason: str, attempts: int) -> None:
    """Observe a timer given up on: its firing raised ``attempts`` times in a row.

    :param timer: the timer (case, kind, due time, payload) as it was set.
    :param reason: the last error, as text.
    :param attempts: how many firings were tried (the engine's ``timer_attempts``).
    :return: nothing.

    Called once, after the timer has been moved to the dead letters (source ``timer``, record
    id the timer's id, its JSON in the payload) and cancelled: it no longer fires by itself.
    ``govflow timers dead`` lists these; tell a person, the case is not moving on its own.
    """


#: Every hook name declared here, in declaration order.
HOOK_NAMES: tuple[str, ...] = (
    "govflow_register_sources",
    "govflow_register_actions",
    "govflow_register_functions",
    "govflow_register_workflows",
    "govflow_register_rules",
    "govflow_case_opened",
    "govflow_case_transitioned",
    "govflow_case_escalated",
    "govflow_case_closed",
    "govflow_deliver",
    "govflow_revisit_outcome",
    "govflow_timer_dead",
)

#: The register hooks, in the order the host calls them.
REGISTER_HOOKS: tuple[str, ...] = HOOK_NAMES[:5]
