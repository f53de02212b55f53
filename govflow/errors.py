"""The one exception tree of govflow.

::

    GovflowError
    ├── WorkflowError                 a workflow definition is wrong
    │   ├── WorkflowLoadError         a file failed to load: .problems lists every one
    │   ├── GuardError                a guard expression failed at run time (names the guard)
    │   └── MigrationError            running cases cannot move to a version (.unmapped)
    ├── CalendarError                 a date the work calendar does not cover
    │   └── NoticeError               a holiday notice it cannot read fully (.source, .item)
    ├── RequestError                  a bad argument to an engine call (.field, .fix)
    │   └── DataError                 case data that is not JSON, too big or too deep
    ├── CaseError                     something about one case (.case_id)
    │   ├── CaseNotFound
    │   ├── TransitionNotAllowed      not possible now (.state, .trigger, .allowed)
    │   ├── PermissionDenied          the actor lacks the role or the grid scope
    │   └── ConflictError             another writer changed the case first (.expected, .actual)
    ├── StoreError                    the database failed; the URL's password is never shown
    │   ├── ContentionError           aborted to settle contention (deadlock): try again
    │   └── SchemaVersionError        the database schema is not the one this govflow knows
    ├── GridError                     a grid or people file is wrong: .problems lists every one
    ├── ReplayError                   a replay cannot run (unreadable data, wrong clock)
    │   └── MappingError              a column-mapping file is wrong: .problems lists every one
    ├── ServiceError                  a service request or set-up is wrong
    │   ├── AuthError                 no key, an unknown or a revoked key (HTTP 401)
    │   └── RequestTooLarge           a request body over the size limit (HTTP 413)
    ├── PluginError                   a plugin misbehaved (.plugin, .hook)
    │   └── RegistrationConflict      two plugins registered one name (.name, .first, .second)
    └── KernelInputError              arrays handed to a kernel are not valid

Foreign exceptions are wrapped at the boundary with ``raise ... from exc``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class GovflowError(Exception):
    """Base of every error govflow raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in an input file: where it is (1-based line, and the column where
    the YAML reader gives one) and what is wrong."""

    file: str
    line: int | None
    path: str
    message: str
    column: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        if self.line is not None and self.column is not None:
            where += f":{self.column}"
        return f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class _ProblemsError(GovflowError):
    """An error that carries every problem of an input at once."""

    what = "input"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{self.what} has {count} problem{'s' if count != 1 else ''}:\n{lines}")


class WorkflowError(GovflowError):
    """A workflow definition is wrong."""


class WorkflowLoadError(_ProblemsError, WorkflowError):
    """A workflow file failed to load; ``problems`` lists every problem with file and line."""

    what = "workflow file"


class MigrationError(WorkflowError):
    """Running cases cannot be moved to the version asked for. ``unmapped`` lists every state
    (with its case count) that has no place in the new version."""

    def __init__(self, message: str, *, unmapped: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.unmapped: tuple[str, ...] = tuple(unmapped)


class GuardError(WorkflowError):
    """A guard expression failed at run time (a type error other than a missing field)."""


class CalendarError(GovflowError):
    """The work calendar cannot answer for a date (not covered, or badly configured)."""


class NoticeError(CalendarError):
    """A State Council holiday notice that cannot be read fully: nothing of it is taken."""

    def __init__(self, source: str, item: str, reason: str) -> None:
        self.source = source
        self.item = item
        self.reason = reason
        where = f" in item {item!r}" if item else ""
        super().__init__(f"{source}: cannot import the notice{where}: {reason}; nothing was "
                         "imported (fix the text or leave the notice out)")


class RequestError(GovflowError):
    """A call to the engine with an argument that is wrong (checked at the engine's door,
    before anything is read or written). ``field`` names the argument (``cell``,
    ``actor.roles``, ``data.items[3]``), ``fix`` says what to give instead; nothing was
    written."""

    def __init__(self, message: str, *, field: str = "", fix: str = "") -> None:
        self.field = field
        self.fix = fix
        super().__init__(message)


class DataError(RequestError):
    """Case data that a database could not keep as JSON, or over the engine's limits (size,
    nesting depth, integer range); nothing was written."""


class CaseError(GovflowError):
    """An error about one case."""

    def __init__(self, message: str, *, case_id: str) -> None:
        self.case_id = case_id
        super().__init__(message)


class CaseNotFound(CaseError):
    """No case has this id."""

    def __init__(self, case_id: str) -> None:
        super().__init__(f"case {case_id!r} does not exist", case_id=case_id)


class TransitionNotAllowed(CaseError):
    """The trigger cannot fire from the case's current state (or its guard said no)."""

    def __init__(
        self, *, case_id: str, state: str, trigger: str, allowed: Sequence[str], reason: str = ""
    ) -> None:
        self.state = state
        self.trigger = trigger
        self.allowed = tuple(allowed)
        shown = ", ".join(self.allowed) if self.allowed else "none (the case is in a final state)"
        why = f" ({reason})" if reason else ""
        super().__init__(
            f"case {case_id!r} is in state {state!r}: trigger {trigger!r} is not allowed{why}; "
            f"allowed triggers: {shown}",
            case_id=case_id,
        )


class PermissionDenied(CaseError):
    """The actor may not fire this trigger on this case (role or grid scope)."""

    def __init__(self, message: str, *, case_id: str, actor: str, trigger: str) -> None:
        self.actor = actor
        self.trigger = trigger
        super().__init__(message, case_id=case_id)


class ConflictError(CaseError):
    """Another writer changed the case since it was read; nothing was written."""

    def __init__(self, *, case_id: str, expected: int, actual: int | None) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"case {case_id!r} was changed by another writer (expected version {expected}, "
            f"found {actual}); read it again and retry",
            case_id=case_id,
        )


class StoreError(GovflowError):
    """The database failed. Messages name the store by its URL with the password hidden."""


class ContentionError(StoreError):
    """The database aborted the transaction to settle contention with another writer (a
    deadlock or serialization failure); nothing was written and the same work may be retried."""


class SchemaVersionError(StoreError):
    """The database schema is not the one this govflow version knows."""


class DeadLetterGone(GovflowError):
    """A dead letter to retire with a commit was removed already (re-driven by another
    request or worker); nothing was written, so the record is not taken in twice."""


class GridError(_ProblemsError):
    """A grid or people file is wrong; ``problems`` lists every problem."""

    what = "grid"


class ReplayError(GovflowError):
    """A replay cannot run: a data file that cannot be read, an engine on the wrong clock."""


class MappingError(_ProblemsError, ReplayError):
    """A replay's column-mapping file is wrong; ``problems`` lists every problem."""

    what = "mapping file"


class ServiceError(GovflowError):
    """A service request or the service's set-up is wrong (a key name taken, a bad query)."""


class AuthError(ServiceError):
    """A request without a key, or with a key that is unknown or revoked."""


class RequestTooLarge(ServiceError):
    """A request body over the service's size limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the request body is larger than {limit} bytes; send less per "
                         "request (several requests, or a smaller payload)")


class PluginError(GovflowError):
    """A plugin misbehaved: names the plugin and the hook."""

    def __init__(self, message: str, *, plugin: str, hook: str = "") -> None:
        self.plugin = plugin
        self.hook = hook
        super().__init__(message)


class RegistrationConflict(PluginError):
    """Two plugins registered the same name."""

    def __init__(self, *, kind: str, name: str, first: str, second: str) -> None:
        self.kind = kind
        self.name = name
        self.first = first
        self.second = second
        super().__init__(
            f"{kind} {name!r} is registered by plugin {first!r} and again by plugin {second!r}; "
            f"rename one of them or block one plugin (GOVFLOW_BLOCK_PLUGINS)",
            plugin=second,
            hook="register",
        )


class KernelInputError(GovflowError):
    """Arrays handed to a kernel are not valid (lengths, ranges, NaN)."""
