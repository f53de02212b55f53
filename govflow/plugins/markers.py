"""The pluggy markers of govflow: ``hookspec`` declares a hook, ``hookimpl`` implements one.

Plugin authors write ``from govflow.plugins import hookimpl`` (or ``from govflow import
hookimpl``) and decorate functions named after a hook in :mod:`govflow.plugins.hookspecs`.
"""

from __future__ import annotations

import pluggy

#: The pluggy project name; also the entry-point group plugins are published under.
PROJECT = "govflow"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["PROJECT", "hookimpl", "hookspec"]
