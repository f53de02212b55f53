"""The plugin framework: hook specs, the plugin host, sources, mapping rules and intake.

Nothing is loaded at import: each :class:`~govflow.plugins.host.PluginHost` (one per engine)
loads its plugins when it is built.
"""

from __future__ import annotations

from govflow.plugins.host import PluginFailure, PluginHost
from govflow.plugins.markers import hookimpl, hookspec
from govflow.plugins.registry import Registry
from govflow.plugins.rules import OpenCase, Rule, Skip, Trigger
from govflow.plugins.sources import ListSource, RawRecord, Source

__all__ = [
    "ListSource",
    "OpenCase",
    "PluginFailure",
    "PluginHost",
    "RawRecord",
    "Registry",
    "Rule",
    "Skip",
    "Source",
    "Trigger",
    "hookimpl",
    "hookspec",
]
