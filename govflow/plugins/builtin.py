"""The built-in plugin: govflow's own actions and guard functions, registered like any other.

Blocking it (``GOVFLOW_BLOCK_PLUGINS=builtin``) leaves an engine with only what other
plugins register; workflow files that name a built-in action then fail to load.
"""

from __future__ import annotations

from govflow.engine.actions import BUILTIN_ACTIONS, BUILTIN_FUNCTIONS
from govflow.plugins.markers import hookimpl
from govflow.plugins.registry import Registry


@hookimpl
def govflow_register_actions(registry: Registry) -> None:
    """``notify_owner``, ``notify_reporter``, ``watchlist_add``, ``watchlist_remove``, ..."""
    for name, fn in BUILTIN_ACTIONS.items():
        registry.add_action(name, fn)


@hookimpl
def govflow_register_functions(registry: Registry) -> None:
    """``len``, ``min``, ``max``, ``abs``."""
    for name, fn in BUILTIN_FUNCTIONS.items():
        registry.add_function(name, fn)


@hookimpl
def govflow_register_sources(registry: Registry) -> None:
    """``open311``: the requests posted to the service's Open311 endpoint."""
    from govflow.plugins.open311 import Open311Push

    registry.add_source(Open311Push())
