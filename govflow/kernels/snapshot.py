"""A columnar snapshot of cases for the kernels: the store's cases → numpy arrays.

Two ways in, with the same result: :func:`snapshot` over :class:`~govflow.records.Case`
objects (any store, e.g. ``store.iter_cases()``), and :func:`from_table` over the columns a
SQL store reads straight into numpy (:mod:`govflow.store.columnar`, many times faster).

Strings become small ints with lookup tables (sorted, so a snapshot is deterministic):
categories, statuses (the case's state) and sources. Times become int64 epoch seconds, with
:data:`~govflow.kernels.columns.NEVER` for "not closed" and "no deadline". The kernels never
see a :class:`~govflow.records.Case` object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from govflow.errors import KernelInputError
from govflow.kernels.columns import NEVER, CaseColumns
from govflow.records import Case
from govflow.store.table import CaseTable, iso_seconds

LIGHT_CODES = {"green": 0, "yellow": 1, "red": 2}


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Case columns plus what their codes mean; ``skipped`` counts cases off the grid."""

    columns: CaseColumns
    case_ids: tuple[str, ...]
    categories: tuple[str, ...]
    statuses: tuple[str, ...]
    sources: tuple[str, ...]
    skipped: int = 0

    def __len__(self) -> int:
        return len(self.columns)

    def source_code(self, name: str) -> int:
        """The code of source ``name``, or -1 when no case has it."""
        return self.sources.index(name) if name in self.sources else -1


def _table(values: list[str], what: str) -> tuple[tuple[str, ...], NDArray[np.int16]]:
    names, codes = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
    if names.shape[0] > np.iinfo(np.int16).max:
        raise KernelInputError(f"more than 32767 distinct {what}: group them first")
    return tuple(str(n) for n in names), codes.ravel().astype(np.int16)


def _seconds(moment: Any) -> int:
    return NEVER if moment is None else int(moment.timestamp())


def _due(case: Case) -> int:
    """The deadline a case is measured against. An open case: its current stage's. A closed
    case: the first deadline it missed (``breached_at``), so that it counts as closed late if
    any stage went red, and on time if none did. Campaign tasks keep theirs in ``data.due``."""
    if case.closed_at is not None and case.breached_at is not None:
        return int(case.breached_at.timestamp())
    if case.due_at is not None:
        return int(case.due_at.timestamp())
    return iso_seconds(case.data.get("due") if isinstance(case.data, dict) else None)


def snapshot(cases: Iterable[Case], index: Mapping[str, int]) -> Snapshot:
    """Columns of every case whose cell is in ``index`` (node code → grid-array position)."""
    ids: list[str] = []
    cell: list[int] = []
    cats: list[str] = []
    states: list[str] = []
    sources: list[str] = []
    light: list[int] = []
    opened: list[int] = []
    closed: list[int] = []
    due: list[int] = []
    rework: list[int] = []
    skipped = 0
    for case in cases:
        node = index.get(case.cell)
        if node is None:
            skipped += 1
            continue
        ids.append(case.id)
        cell.append(node)
        cats.append(case.category)
        states.append(case.state)
        sources.append(case.source)
        light.append(LIGHT_CODES.get(case.light, 0))
        opened.append(_seconds(case.opened_at))
        closed.append(_seconds(case.closed_at))
        due.append(_due(case))
        rework.append(min(case.rework, np.iinfo(np.int16).max))
    cat_names, cat_codes = _table(cats, "categories")
    st_names, st_codes = _table(states, "states")
    src_names, src_codes = _table(sources, "sources")
    columns = CaseColumns(
        cell=np.asarray(cell, np.int32), category=cat_codes, status=st_codes.astype(np.int8)
        if len(st_names) < 128 else _too_many("states"),
        light=np.asarray(light, np.int8), opened=np.asarray(opened, np.int64),
        closed=np.asarray(closed, np.int64), due=np.asarray(due, np.int64),
        rework=np.asarray(rework, np.int16), source=src_codes,
    )
    return Snapshot(columns, tuple(ids), cat_names, st_names, src_names, skipped)


def _too_many(what: str) -> NDArray[np.int8]:
    raise KernelInputError(f"more than 127 distinct {what}: the status column is int8")


def from_store(store: Any, index: Mapping[str, int]) -> Snapshot:
    """The snapshot of every case of a :class:`~govflow.store.base.Store` (a SQL store's
    through the fast columnar read)."""
    if getattr(store, "backend", None) in ("sqlite", "postgresql"):
        from govflow.store.columnar import read_table

        return from_table(read_table(store), index)
    return snapshot(store.iter_cases(), index)


def _sorted(codes: NDArray[np.int32], names: list[str], what: str
            ) -> tuple[tuple[str, ...], NDArray[np.int16]]:
    """Codes into an append-only table → codes into the sorted table of the names used (what
    :func:`_table` makes from the strings themselves)."""
    used = np.flatnonzero(np.bincount(codes, minlength=len(names)))
    order = sorted(used.tolist(), key=names.__getitem__)
    if len(order) > np.iinfo(np.int16).max:
        raise KernelInputError(f"more than 32767 distinct {what}: group them first")
    remap = np.zeros(max(len(names), 1), np.int16)
    remap[order] = np.arange(len(order), dtype=np.int16)
    return tuple(names[k] for k in order), remap[codes]


def from_table(table: CaseTable, index: Mapping[str, int]) -> Snapshot:
    """The snapshot of a :class:`~govflow.store.table.CaseTable`: equal, array for array,
    to :func:`snapshot` of the same cases."""
    nodes = np.array([index.get(name, -1) for name in table.strings("cell")] or [-1],
                     np.int32)[table.cell]
    keep = np.flatnonzero(nodes >= 0)
    t = table.take(keep) if keep.size < len(table) else table
    cat_names, cat_codes = _sorted(t.category, t.strings("category"), "categories")
    st_names, st_codes = _sorted(t.state, t.strings("state"), "states")
    src_names, src_codes = _sorted(t.source, t.strings("source"), "sources")
    if len(st_names) >= 128:
        _too_many("states")
    lights = np.array([LIGHT_CODES.get(name, 0) for name in t.strings("light")] or [0],
                      np.int8)
    closed_late = (t.closed != NEVER) & (t.breached != NEVER)
    due = np.where(closed_late, t.breached, np.where(t.due_at != NEVER, t.due_at, t.data_due))
    columns = CaseColumns(
        cell=np.ascontiguousarray(nodes[keep]), category=cat_codes,
        status=st_codes.astype(np.int8), light=lights[t.light],
        opened=t.opened, closed=t.closed, due=due.astype(np.int64),
        rework=np.minimum(t.rework, np.iinfo(np.int16).max).astype(np.int16),
        source=src_codes,
    )
    return Snapshot(columns, tuple(t.ids.tolist()), cat_names, st_names, src_names,
                    len(table) - int(keep.size))
