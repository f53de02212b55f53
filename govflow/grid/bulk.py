"""Opening many cases for one command (a campaign, an order): checked first, never half done.

Before anything is opened the actor must hold one of the workflow's open roles and answer for
the node (its scope covers it). The cases are opened ``batch`` per commit; if a later commit
(or the messages after it) fails, the cases already opened are cancelled again, so a failure
leaves no orphan tasks behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from govflow.engine.requests import FireRequest, OpenRequest
from govflow.errors import GovflowError, PermissionDenied
from govflow.grid.tree import Grid
from govflow.records import SYSTEM_ACTOR, Actor

log = logging.getLogger("govflow.grid")


def check_may_open(engine: Any, grid: Grid, node: str, workflow: str, actor: Actor) -> None:
    """Raise PermissionDenied unless ``actor`` may open ``workflow`` cases on all of ``node``."""
    if actor is SYSTEM_ACTOR:
        return
    roles = engine.workflow(workflow).open_roles
    if roles and roles.isdisjoint(actor.roles):
        raise PermissionDenied(
            f"actor {actor.id!r} (roles {sorted(actor.roles)}) may not open {workflow!r} "
            f"cases; roles allowed: {sorted(roles)}; nothing was opened",
            case_id="", actor=actor.id, trigger="open")
    above = grid.ancestors(node)
    if actor.scope and not any(scope in above for scope in actor.scope):
        raise PermissionDenied(
            f"actor {actor.id!r} answers for {', '.join(actor.scope)}, not for all of "
            f"{node!r}; ask someone responsible for {node!r}; nothing was opened",
            case_id="", actor=actor.id, trigger="open")


def open_all(engine: Any, requests: Sequence[OpenRequest], *, actor: Actor, batch: int,
             then: Callable[[list[str]], Any] | None = None) -> tuple[list[str], Any]:
    """Open ``requests`` ``batch`` per commit, then call ``then(ids)``; all or nothing.

    On any error the cases opened so far are cancelled (trigger ``cancel``, by the system)
    and the error is raised again. Returns the ids and what ``then`` returned.
    """
    ids: list[str] = []
    try:
        for start in range(0, len(requests), max(batch, 1)):
            chunk = requests[start:start + max(batch, 1)]
            ids.extend(engine.open_cases(chunk, actor=actor, batch=len(chunk)))
        extra = then(ids) if then is not None and ids else None
    except Exception as exc:
        _cancel(engine, ids, f"rolled back: {type(exc).__name__}: {exc}"[:200])
        raise
    return ids, extra


def _cancel(engine: Any, ids: list[str], reason: str) -> None:
    if not ids:
        return
    try:
        engine.fire_many((FireRequest(cid, "cancel", SYSTEM_ACTOR, None, reason)
                          for cid in ids), batch=1000)
    except GovflowError as exc:  # no cancel trigger: say which cases are left
        log.error("could not cancel %d cases after a failed bulk open (%s); first: %s",
                  len(ids), exc, ids[0])
