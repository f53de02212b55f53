"""Stage and duty columns: what the stage-KPI and assessment kernel reads, one array a field.

One record per case. Times are int64 epoch seconds with :data:`~govflow.kernels.columns.NEVER`
for "did not happen" / "no limit". A stage (registration 立案, dispatch 派遣, handling 处置)
has the moment the case left it (``registered``, ``dispatched``, ``handled``) and the due time
it was measured against when it entered it (``*_due``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from govflow.errors import KernelInputError
from govflow.kernels.validate import as_array, as_times, in_range, same_length

#: satisfaction codes: no callback, the caller was not satisfied, satisfied
NO_REVISIT, UNSATISFIED, SATISFIED = -1, 0, 1

#: columns of the kernel's output rows (per node, rolled up; and per person)
DUTY_FIELDS = (
    "registered",            # 0 registered (立案) in the window
    "registered_on_time",    # 1 of those, by the registration due time
    "due_to_dispatch",       # 2 dispatched in the window + waiting past due at its end
    "dispatched",            # 3 dispatched in the window
    "dispatched_on_time",    # 4 of those, by the dispatch due time
    "dispatched_accurately", # 5 of those, never returned for re-dispatch (no re-route)
    "due_to_handle",         # 6 handled in the window + waiting past due at its end
    "handled",               # 7 handled (处置完毕) in the window
    "handled_on_time",       # 8 of those, by the handling due time
    "revisited",             # 9 closed in the window with a callback (回访)
    "satisfied",             # 10 of those, the caller satisfied
    "answered",              # 11 cases open at some moment of the window (answered for)
    "closed",                # 12 closed in the window
    "closed_on_time",        # 13 of those, by their due time (never breached)
    "reworked",              # 14 closed in the window after a send-back
    "escalated",             # 15 answered-for cases escalated above their node
    "tasks_required",        # 16 on-post tasks opened in the window
    "tasks_on_post",         # 17 of those, confirmed by their deadline
)
DUTY = {name: i for i, name in enumerate(DUTY_FIELDS)}


@dataclass(frozen=True, slots=True)
class DutyColumns:
    """N cases; ``cell`` indexes the grid arrays, ``person`` the people list (-1: nobody)."""

    cell: NDArray[np.int32]
    person: NDArray[np.int32]
    opened: NDArray[np.int64]
    closed: NDArray[np.int64]
    due: NDArray[np.int64]
    registered: NDArray[np.int64]
    register_due: NDArray[np.int64]
    dispatched: NDArray[np.int64]
    dispatch_due: NDArray[np.int64]
    handled: NDArray[np.int64]
    handle_due: NDArray[np.int64]
    reroutes: NDArray[np.int16]
    rework: NDArray[np.int16]
    escalation: NDArray[np.int16]
    satisfied: NDArray[np.int8]
    task: NDArray[np.int8]

    def __len__(self) -> int:
        return int(self.cell.shape[0])


_TIMES = ("opened", "closed", "due", "registered", "register_due", "dispatched",
          "dispatch_due", "handled", "handle_due")
_INTS: dict[str, type[np.generic]] = {
    "cell": np.int32, "person": np.int32, "reroutes": np.int16, "rework": np.int16,
    "escalation": np.int16, "satisfied": np.int8, "task": np.int8}


def check_duty(cols: DutyColumns, n_nodes: int, n_people: int) -> DutyColumns:
    """Columns with exactly the kernel dtypes; a KernelInputError names a bad one."""
    arrays: dict[str, Any] = {}
    for f in fields(DutyColumns):
        value = getattr(cols, f.name)
        arrays[f.name] = (as_times(f.name, value) if f.name in _TIMES
                          else as_array(f.name, value, _INTS[f.name]))
    same_length(**arrays)
    in_range("cell", arrays["cell"], 0, n_nodes, "a node index of the grid arrays")
    in_range("person", arrays["person"], -1, n_people, "-1 or an index of the people")
    in_range("satisfied", arrays["satisfied"], -1, 2, "-1 (no callback), 0 or 1")
    in_range("task", arrays["task"], 0, 2, "0 or 1")
    for name in ("reroutes", "rework", "escalation"):
        if arrays[name].size and int(arrays[name].min()) < 0:
            raise KernelInputError(f"{name} counts must not be negative")
    return DutyColumns(**arrays)
