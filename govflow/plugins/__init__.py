"""The plugin framework: hook specs, the plugin host, sources, mapping rules and intake.

Nothing is loaded at import: each :class:`~govflow.plugins.host.PluginHost` (one per engine)
loads its plugins when it is built.
"""

from __future__ import annotations

from govflow.plugins.host import PluginFailure, PluginHost
from govflow.plugins.intake import Intake, IntakeReport
from govflow.plugins.markers import hookimpl, hookspec
from govflow.plugins.registry import Registry
from govflow.plugins.rules import Note, OpenCase, Rule, Skip, Trigger
from govflow.plugins.sources import ListSource, RawRecord, Source

__all__ = [
    "Intake",
    "IntakeReport",
    "ListSource",
    "Note",
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
