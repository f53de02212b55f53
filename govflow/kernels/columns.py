"""The columnar form of cases that the kernels read: one numpy array per field.

Times are int64 seconds since the Unix epoch (UTC). :data:`NEVER` (the largest int64) marks
a time that has not happened or does not exist: an open case's ``closed``, a case without a
deadline's ``due``. With that sentinel "closed before t" is simply ``closed < t``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: "no such time": an open case's closed time, a case without a deadline's due time
NEVER = int(np.iinfo(np.int64).max)

#: warning-light codes
GREEN, YELLOW, RED = 0, 1, 2
LIGHTS = ("green", "yellow", "red")


@dataclass(frozen=True, slots=True)
class CaseColumns:
    """N case records as parallel arrays (validated ones have exactly the kernel dtypes).

    ``cell`` is the index of the case's node in the grid arrays; ``category``, ``status``
    and ``source`` are small-int codes whose names live in a snapshot's lookup tables;
    ``light`` is :data:`GREEN`/:data:`YELLOW`/:data:`RED`; ``rework`` counts send-backs.
    """

    cell: NDArray[np.int32]
    category: NDArray[np.int16]
    status: NDArray[np.int8]
    light: NDArray[np.int8]
    opened: NDArray[np.int64]
    closed: NDArray[np.int64]
    due: NDArray[np.int64]
    rework: NDArray[np.int16]
    source: NDArray[np.int16]

    def __len__(self) -> int:
        return int(self.cell.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes the aggregation kernel reads (for GB/s figures)."""
        return sum(
            int(a.nbytes)
            for a in (self.cell, self.category, self.status, self.light, self.opened,
                      self.closed, self.due, self.rework, self.source)
        )

    def take(self, index: NDArray[np.intp]) -> CaseColumns:
        """The records at ``index`` (a selection or a permutation)."""
        return CaseColumns(
            *(np.ascontiguousarray(getattr(self, f)[index]) for f in _FIELDS)
        )


_FIELDS = ("cell", "category", "status", "light", "opened", "closed", "due", "rework", "source")

#: dtype each column must have when it reaches a kernel
DTYPES: dict[str, type[np.generic]] = {
    "cell": np.int32, "category": np.int16, "status": np.int8, "light": np.int8,
    "opened": np.int64, "closed": np.int64, "due": np.int64, "rework": np.int16,
    "source": np.int16,
}


def empty_columns() -> CaseColumns:
    """No records at all."""
    return CaseColumns(*(np.zeros(0, dtype=DTYPES[f]) for f in _FIELDS))
