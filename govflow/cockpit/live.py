"""The cockpit kept current over a store: one columnar snapshot, re-read in the background.

Every view (the page's JSON, the HTML snapshot, the terminal) is computed from a
:class:`Reading`: the snapshot of every case (for the aggregation kernel) plus the few records
the side panels need (campaign tasks, command and recruitment orders, public-opinion cases),
taken in the same pass over the store. A reading older than ``max_age`` seconds (or twice
what the last read took, if longer) is replaced by a fresh one in a background thread while
requests go on being answered from the last one; ``generation`` moves only when what was
read differs, so a page polling it refetches only when a figure can have changed (a case
turning red, a task checked in).

On a SQL store the cases are read as columns straight into numpy
(:mod:`govflow.store.columnar`), and every later reading fetches only the cases that changed
and patches the columns. With a ``cache`` file the columns are kept on disk too, so a
restarted server starts from them and reads only what changed while it was down.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from govflow.cockpit.formulas import Formulas
from govflow.cockpit.kpi import TASK_CATEGORIES, Cockpit, from_grid
from govflow.kernels.columns import NEVER
from govflow.kernels.snapshot import Snapshot, from_table, snapshot
from govflow.records import Case
from govflow.store.table import CaseTable

log = logging.getLogger(__name__)

#: sources whose cases are citizens' messages (舆情): the public-opinion panel's topics
OPINION_SOURCES = ("hotline_feed", "zhengwu_board", "zhengwu_labeled", "public_opinion")


@dataclass(frozen=True, slots=True)
class Opinion:
    """A citizen message's case, as the public-opinion panel counts it."""

    topic: str
    opened: int
    closed: int
    cell: str


@dataclass
class Reading:
    """One consistent pass over the store."""

    snapshot: Snapshot
    tasks: list[Case]
    opinions: list[Opinion]
    digest: str
    generation: int
    read_at: float  # time.time() of the read
    seconds: float  # how long the read took
    end: int  # the window's default end: the latest opening or closing, plus one second
    #: how the cases were read: "full", "changes" (patched), "file" (the cache), "cases"
    source: str = "cases"
    cockpits: dict[tuple[int, int], Cockpit] = field(default_factory=dict)


def _digest(snap: Snapshot, tasks: list[Case]) -> str:
    h = hashlib.blake2b(digest_size=12)
    cols = snap.columns
    for arr in (cols.cell, cols.category, cols.status, cols.light, cols.closed, cols.due,
                cols.rework, cols.opened, cols.source):
        h.update(np.ascontiguousarray(arr).tobytes())
    for names in (snap.categories, snap.statuses, snap.sources):  # what the codes mean
        h.update("\x1f".join(names).encode() + b"\x1e")
    for case in tasks:
        h.update(f"{case.id}:{case.rev};".encode())
    return h.hexdigest()


def _end(snap: Snapshot) -> int:
    cols = snap.columns
    if len(cols) == 0:
        return int(time.time())
    closed = cols.closed[cols.closed != NEVER]
    last = max(int(cols.opened.max()), int(closed.max()) if closed.size else 0)
    return last + 1


def read(cases: Iterable[Case], index: dict[str, int],
         opinion_sources: tuple[str, ...] = OPINION_SOURCES) -> tuple[Snapshot, list[Case],
                                                                        list[Opinion]]:
    """The snapshot of ``cases`` and, from the same pass, the panels' records."""
    tasks: list[Case] = []
    opinions: list[Opinion] = []
    sources = set(opinion_sources)

    def tee() -> Iterator[Case]:
        for case in cases:
            if case.category in TASK_CATEGORIES:
                tasks.append(case)
            elif case.source in sources:
                closed = NEVER if case.closed_at is None else int(case.closed_at.timestamp())
                opinions.append(Opinion(case.category.split("/", 1)[0],
                                        int(case.opened_at.timestamp()), closed, case.cell))
            yield case

    snap = snapshot(tee(), index)
    return snap, tasks, opinions


def opinions_of(table: CaseTable, opinion_sources: tuple[str, ...] = OPINION_SOURCES
                ) -> list[Opinion]:
    """The public-opinion panel's records from the columns (what :func:`read` collects:
    the cases from those sources that are not the platform's own work orders)."""
    wanted = [k for k, name in enumerate(table.strings("source")) if name in opinion_sources]
    cats, cells = table.strings("category"), table.strings("cell")
    tasks = [k for k, name in enumerate(cats) if name in TASK_CATEGORIES]
    rows = np.flatnonzero(np.isin(table.source, wanted) & ~np.isin(table.category, tasks))
    topics = [name.split("/", 1)[0] for name in cats]
    return [Opinion(topics[c], o, x, cells[e]) for c, o, x, e in zip(
        table.category[rows].tolist(), table.opened[rows].tolist(),
        table.closed[rows].tolist(), table.cell[rows].tolist(), strict=True)]


def _task_codes(table: CaseTable) -> list[int]:
    """The codes of ``table``'s category column that name task categories."""
    return [k for k, name in enumerate(table.strings("category")) if name in TASK_CATEGORIES]


def _touches_tasks(before: CaseTable, rows: CaseTable | None) -> bool:
    """Whether the re-read ``rows`` change the task list: a row in a task category now, or
    one that was in a task category in ``before`` (a case moved out of the tasks)."""
    if rows is None or len(rows) == 0:
        return False
    if rows.names["category"] is not before.names["category"]:
        return True  # not a patch of ``before`` (its codes mean other names): read them
    codes = _task_codes(rows)
    if not codes:
        return False
    if np.isin(rows.category, codes).any():
        return True
    if len(before) == 0:
        return False
    at = np.searchsorted(before.seq, rows.seq).clip(max=len(before) - 1)
    known = before.seq[at] == rows.seq
    return bool(np.isin(before.category[at[known]], codes).any())


class ColumnReader:
    """The SQL store's cases kept as columns: read once (or loaded from ``cache``), then
    patched with the cases that changed, and the panels' task records re-read only when one
    of them changed."""

    def __init__(self, store: Any, cache: Path | None = None,
                 cache_every: float = 30.0) -> None:
        self.store = store
        self.cache = cache
        self.cache_every = cache_every
        self.table: CaseTable | None = None
        self.tasks: list[Case] = []
        self.last = "none"  # how the last reading was taken (for /version and the logs)
        self._saved = 0.0
        self._dirty = False
        self._lock = threading.Lock()  # one read at a time (a refresh and a background one)
        self._keeping = threading.Lock()  # one cache write at a time
        #: guards ``table`` and ``_dirty`` together (a keep takes both at once)
        self._state = threading.Lock()

    def _meta(self) -> dict[str, Any]:
        from govflow.store.tables import SCHEMA_REVISION

        return {"store": str(self.store.url), "schema": SCHEMA_REVISION}

    def _start(self) -> CaseTable:
        from govflow.store.columnar import agrees, read_table
        from govflow.store.table import load_table

        if self.cache is not None:
            kept = load_table(self.cache, self._meta())
            if kept is not None and agrees(self.store, kept):
                self.last = "file"
                return kept
            if kept is not None:
                log.warning("cockpit: %s does not match the store's cases; reading them",
                            self.cache)
        self.last = "full"
        with self._state:
            self._dirty = True
        return read_table(self.store)

    def read(self) -> tuple[CaseTable, list[Case]]:
        """The current columns and task records."""
        with self._lock:
            return self._read()

    def _read(self) -> tuple[CaseTable, list[Case]]:
        from govflow.store.columnar import cases_at, refresh

        first = self.table is None
        table = self._start() if self.table is None else self.table
        done = refresh(self.store, table)
        if not first:
            self.last = "full" if done.full else "changes"
        new = done.table
        with self._state:
            self._dirty |= new is not table
            self.table = new
        if first or done.full or done.dropped or _touches_tasks(table, done.rows):
            tasks = np.isin(new.category, _task_codes(new))
            self.tasks = cases_at(self.store, new.seq[tasks].tolist())
        return new, self.tasks

    def keep(self) -> None:
        """Write the columns to the cache file if they changed since it was written (at most
        every ``cache_every`` seconds). Run after a reading is published: it is not on the
        way to any figure."""
        with self._keeping:
            if self.cache is None or not self._dirty:
                return
            if self._saved and time.monotonic() - self._saved < self.cache_every:
                return
            from govflow.store.table import save_table

            # the table and its mark taken together: a reading that replaces the table
            # after this marks it dirty again, and the next keep writes it
            with self._state:
                table = self.table
                if table is None or not self._dirty:
                    return
                self._dirty = False
            try:
                save_table(table, self.cache, self._meta())
            except OSError as exc:  # a read-only folder: serve on, without the file
                log.warning("cockpit: cannot keep the case columns in %s: %s", self.cache,
                            exc)
                self.cache = None
                return
            except BaseException:
                with self._state:  # not written: still to be written
                    self._dirty = True
                raise
            self._saved = time.monotonic()


class LiveCockpit:
    """The cockpit of ``store`` over ``grid``, refreshed at most every ``max_age`` seconds."""

    def __init__(self, store: Any, grid: Any, formulas: Formulas | None = None, *,
                 max_age: float = 2.0, opinion_sources: tuple[str, ...] = OPINION_SOURCES,
                 cache: Path | None = None) -> None:
        self.store = store
        self.grid = grid
        self.formulas = formulas or Formulas.build()
        self.max_age = max_age
        self.opinion_sources = opinion_sources
        self.index = dict(grid.to_arrays().index)
        self._reading: Reading | None = None
        self._lock = threading.Lock()
        self._refreshing = False
        self._first = threading.Lock()
        #: SQL stores: the columnar read (other stores: every case through iter_cases)
        self.columns = (ColumnReader(store, cache)
                        if getattr(store, "backend", None) in ("sqlite", "postgresql") else None)

    # -- readings --------------------------------------------------------------------------
    def _read(self) -> Reading:
        started = time.perf_counter()
        if self.columns is not None:
            table, tasks = self.columns.read()
            snap = from_table(table, self.index)
            opinions = opinions_of(table, self.opinion_sources)
        else:
            snap, tasks, opinions = read(self.store.iter_cases(), self.index,
                                         self.opinion_sources)
        digest = _digest(snap, tasks)
        last = self._reading
        generation = 1 if last is None else last.generation + (last.digest != digest)
        source = "cases" if self.columns is None else self.columns.last
        if last is not None and last.digest == digest:
            last.read_at = time.time()
            return last
        return Reading(snap, tasks, opinions, digest, generation, time.time(),
                       time.perf_counter() - started, _end(snap), source=source)

    def refresh(self) -> Reading:
        """Read the store now (in this thread) and keep the reading; the columns' cache file
        is then written in a thread of its own."""
        reading = self._read()
        with self._lock:
            self._reading = reading
        if self.columns is not None and self.columns.cache is not None:
            threading.Thread(target=self.columns.keep, name="cockpit-keep").start()
        return reading

    def reading(self) -> Reading:
        """The current reading: the first call reads; later ones start a background
        re-read when the reading is older than ``max_age`` and answer from this one."""
        current = self._reading
        if current is None:
            with self._first:
                if self._reading is None:
                    return self.refresh()
                return self._reading
        # a large store takes long to read: re-read at most every twice its read time, so
        # the server is not kept reading (1e6 cases on SQLite: about 20 s a read)
        if time.time() - current.read_at >= max(self.max_age, 2 * current.seconds):
            with self._lock:
                start = not self._refreshing
                self._refreshing = True
            if start:
                threading.Thread(target=self._background, daemon=True,
                                 name="cockpit-refresh").start()
        return current

    def _background(self) -> None:
        try:
            self.refresh()
        finally:
            with self._lock:
                self._refreshing = False

    # -- the cockpit -------------------------------------------------------------------------
    def cockpit(self, days: float = 30.0, until: int | None = None,
                reading: Reading | None = None) -> Cockpit:
        """The cockpit over ``days`` ending at ``until`` (default: :attr:`Reading.end`)."""
        r = reading or self.reading()
        t1 = int(until) if until is not None else r.end
        t0 = t1 - int(days * 86400)
        key = (t0, t1)
        found = r.cockpits.get(key)
        if found is None:
            found = from_grid(r.snapshot, self.grid, t0=t0, t1=t1, formulas=self.formulas)
            if len(r.cockpits) > 8:
                r.cockpits.clear()
            r.cockpits[key] = found
        return found
