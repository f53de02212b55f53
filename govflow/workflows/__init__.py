"""The workflow language: YAML → checked models → the frozen specs the engine runs."""

from __future__ import annotations

from govflow.workflows.expr import (
    BUILTIN_FUNCTION_IMPLS,
    BUILTIN_FUNCTIONS,
    CompiledGuard,
    GuardSyntaxError,
    compile_guard,
)
from govflow.workflows.load import BUILTIN_ACTIONS, load_workflows
from govflow.workflows.spec import (
    BreachSpec,
    CalendarSpec,
    DeadlineSpec,
    ExtensionSpec,
    Guard,
    RevisitSpec,
    StateSpec,
    SupervisionRule,
    TransitionSpec,
    WorkflowSet,
    WorkflowSpec,
)

__all__ = [
    "BUILTIN_ACTIONS",
    "BUILTIN_FUNCTIONS",
    "BUILTIN_FUNCTION_IMPLS",
    "BreachSpec",
    "CalendarSpec",
    "CompiledGuard",
    "DeadlineSpec",
    "ExtensionSpec",
    "Guard",
    "GuardSyntaxError",
    "RevisitSpec",
    "StateSpec",
    "SupervisionRule",
    "TransitionSpec",
    "WorkflowSet",
    "WorkflowSpec",
    "compile_guard",
    "load_workflows",
]
