"""A template govflow plugin: copy it and rename it.

The module is the plugin: pluggy finds the functions decorated with ``hookimpl`` whose names
are hooks of ``govflow.plugins.hookspecs``. State, if any, belongs on an object built by
``make_plugin()`` (one per engine); this template keeps only a counter for the demo.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from govflow.plugins import ListSource, hookimpl
from govflow.plugins.registry import Registry
from govflow.records import Case, Event

HERE = Path(__file__).resolve().parent
#: cases this plugin saw opened (per process; see make_plugin for per-engine state)
OPENED: list[str] = []


class Report(BaseModel):
    """One record of the template source."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1, max_length=32)
    cell: str = Field(pattern=r"^\d{15}$")
    category: str = Field(min_length=1, max_length=64)
    at: AwareDatetime
    text: str = Field("", max_length=2000)
    severity: int = Field(1, ge=1, le=3)


SAMPLE = [
    {"id": "t1", "cell": "410102001001001", "category": "graffiti",
     "at": "2026-09-29T09:00:00+08:00", "text": "墙面涂鸦", "severity": 1},
    {"id": "t2", "cell": "410102001001001", "category": "graffiti",
     "at": "2026-09-29T09:20:00+08:00", "text": "同一处涂鸦", "severity": 1},
    {"id": "t3", "cell": "410102001001002", "category": "broken_light",
     "at": "2026-09-29T09:30:00+08:00", "text": "路灯不亮", "severity": 2},
]


def stamp_template(ctx: Any) -> None:
    """Action: mark the case as touched by the template plugin."""
    ctx.case.data["template"] = True


def is_urgent(severity: object) -> bool:
    """Guard function: severity 3 is urgent."""
    return severity == 3


@hookimpl
def govflow_register_sources(registry: Registry) -> None:
    registry.add_source(ListSource("template_reports", Report, lambda: SAMPLE, id_field="id"))


@hookimpl
def govflow_register_rules(registry: Registry) -> None:
    registry.add_rules_file(HERE / "rules.yaml")


@hookimpl
def govflow_register_actions(registry: Registry) -> None:
    registry.add_action("stamp_template", stamp_template)


@hookimpl
def govflow_register_functions(registry: Registry) -> None:
    registry.add_function("is_urgent", is_urgent)


@hookimpl
def govflow_case_opened(case: Case, event: Event) -> None:
    OPENED.append(case.id)
