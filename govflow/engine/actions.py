"""Entry/exit and transition actions: the context they get and the built-in ones.

An action is a plain function of an :class:`ActionContext`. It may change ``ctx.case.data`` and
queue notifications with ``ctx.notify``; both are written in the same transaction as the change.
Actions are found by registered name only; plugins add more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from govflow.engine.hierarchy import Hierarchy
from govflow.records import Actor, Case


@dataclass(slots=True)
class ActionContext:
    """What an action sees: the case being changed, the trigger's input, who and when."""

    case: Case
    input: dict[str, Any]
    actor: Actor
    now: datetime
    trigger: str
    grid: Hierarchy
    #: (kind, recipient, payload) queued by :meth:`notify`
    notices: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def notify(self, kind: str, recipient: str, payload: dict[str, Any] | None = None) -> None:
        """Queue an outbox message; it is written with the change, delivered after commit."""
        self.notices.append((kind, recipient, dict(payload or {})))

    def owner_contact(self) -> str:
        """The person on duty for the case's owner node, or the node code itself."""
        return self.grid.on_duty(self.case.owner) or self.case.owner


Action = Callable[[ActionContext], None]


def notify_owner(ctx: ActionContext) -> None:
    """Tell whoever is on duty for the owning node that the case needs them."""
    ctx.notify("assigned", ctx.owner_contact(), {"state": ctx.case.state, "trigger": ctx.trigger})


def notify_reporter(ctx: ActionContext) -> None:
    """Tell the reporter (``data.reporter``) how their case stands."""
    reporter = ctx.case.data.get("reporter")
    if reporter:
        ctx.notify("reporter_update", str(reporter), {"state": ctx.case.state})


def watchlist_add(ctx: ActionContext) -> None:
    """Put the case's site on the patrol watch list (纳入巡查重点)."""
    ctx.case.data["watchlist"] = True


def watchlist_remove(ctx: ActionContext) -> None:
    """Take the site off the watch list."""
    ctx.case.data["watchlist"] = False


def record_return(ctx: ActionContext) -> None:
    """A return (回退): count it and keep the reason code given with the trigger."""
    ctx.case.data["returns"] = int(ctx.case.data.get("returns") or 0) + 1
    reason = ctx.input.get("reason")
    if reason is not None:
        ctx.case.data["return_reason"] = str(reason)


def route(ctx: ActionContext) -> None:
    """Without a responsibility matrix the owner stays the case's cell (属地)."""
    ctx.case.owner = ctx.case.owner or ctx.case.cell


BUILTIN_ACTIONS: dict[str, Action] = {
    "notify_owner": notify_owner,
    "notify_reporter": notify_reporter,
    "watchlist_add": watchlist_add,
    "watchlist_remove": watchlist_remove,
    "record_return": record_return,
    "route": route,
}

BUILTIN_FUNCTIONS: dict[str, Callable[..., Any]] = {"len": len, "min": min, "max": max, "abs": abs}
