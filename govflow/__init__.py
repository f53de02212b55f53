"""govflow: a rules/workflow engine for grid-based city governance.

Departments describe their case workflows in YAML; the :class:`Engine` runs them as state
machines with durable deadlines, escalation up the grid and revisit cycles. Plugins bring in
data sources; numba kernels roll figures up the grid tiers.

>>> from govflow import Engine, Actor, SimClock
"""

from __future__ import annotations

from govflow.clock import Clock, SimClock, SystemClock
from govflow.engine.engine import Engine
from govflow.engine.limits import Limits
from govflow.engine.requests import FireRequest, NoteRequest, OpenRequest
from govflow.errors import (
    AuthError,
    CalendarError,
    CaseError,
    CaseNotFound,
    ConflictError,
    ContentionError,
    DataError,
    DeadLetterGone,
    GovflowError,
    GridError,
    GuardError,
    KernelInputError,
    MappingError,
    MigrationError,
    NoticeError,
    PermissionDenied,
    PluginError,
    RegistrationConflict,
    ReplayError,
    RequestError,
    RequestTooLarge,
    SchemaVersionError,
    ServiceError,
    StoreError,
    TransitionNotAllowed,
    WorkflowError,
    WorkflowLoadError,
)
from govflow.plugins.markers import hookimpl
from govflow.records import Actor, Case, Event, Timer

__version__ = "0.1.0"

__all__ = [
    "Actor",
    "AuthError",
    "CalendarError",
    "Case",
    "CaseError",
    "CaseNotFound",
    "Clock",
    "ConflictError",
    "ContentionError",
    "DataError",
    "DeadLetterGone",
    "Engine",
    "Event",
    "FireRequest",
    "GovflowError",
    "GridError",
    "GuardError",
    "KernelInputError",
    "Limits",
    "MappingError",
    "MigrationError",
    "NoteRequest",
    "NoticeError",
    "OpenRequest",
    "PermissionDenied",
    "PluginError",
    "RegistrationConflict",
    "ReplayError",
    "RequestError",
    "RequestTooLarge",
    "SchemaVersionError",
    "ServiceError",
    "SimClock",
    "StoreError",
    "SystemClock",
    "Timer",
    "TransitionNotAllowed",
    "WorkflowError",
    "WorkflowLoadError",
    "__version__",
    "hookimpl",
]
