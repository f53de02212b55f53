"""The leadership cockpit (领导驾驶舱): KPIs per grid node from the aggregation kernel, shown
as rich tables in a terminal (:mod:`~govflow.cockpit.terminal`) or as one self-contained
HTML page (:mod:`~govflow.cockpit.html`). See ``docs/cockpit.md``."""

from __future__ import annotations

from govflow.cockpit.kpi import Cockpit, Hotspot, Overdue, build

__all__ = ["Cockpit", "Hotspot", "Overdue", "build"]
