"""The cases as columns, read fast: what the cockpit's kernels need, straight into numpy.

One SQLAlchemy Core ``SELECT`` of only the columns the snapshot uses, run on the driver's
cursor and fetched in large chunks (no ORM, no :class:`~govflow.records.Case` per row): the
strings (cell, category, state, source, light) become int32 codes through small append-only
dictionaries, the times become int64 epoch seconds in SQL (:data:`NO_TIME` for NULL).

:func:`refresh` then keeps a :class:`CaseTable` current cheaply. Every change of a case
raises its ``rev`` by one, and no case is ever deleted, so ``count(*)`` and ``sum(rev)``
equal to the table's mean nothing changed (one aggregate, no rows fetched); otherwise the
``(seq, rev)`` pairs are compared with the table's and only the rows that differ (or are new)
are read again and patched in. The schema has no change sequence across cases, so finding
*which* cases changed still reads two integers per case; an indexed change counter would make
it proportional to the changes alone (it needs a column, hence a migration).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray

from govflow.records import Case
from govflow.store.changes import CASE_FIELDS
from govflow.store.table import (
    NO_TIME,
    STRINGS,
    CaseTable,
    Names,
    empty_table,
    iso_seconds,
)
from govflow.store.tables import cases

#: rows fetched per driver call, and per ``seq IN (...)`` of a refresh
CHUNK = 50_000
BATCH = 900
#: above this share of changed rows a refresh reads everything again
REREAD_SHARE = 0.25


# -- the statements -------------------------------------------------------------------------
def _seconds(column: Any, dialect: str) -> Any:
    """Epoch seconds in SQL, NULL as :data:`NO_TIME`: the whole second the time is in (floor,
    as PostgreSQL's ``floor(extract(epoch))`` and the per-case read's ``int(timestamp())``).

    SQLite keeps fixed-width UTC ISO text (see UTCDateTime): ``unixepoch`` (SQLite 3.38+)
    turns it into seconds in C, 2.4 times faster than fetching the text and parsing it in
    numpy; ``strftime('%s')`` before 3.38. Both round the fraction to milliseconds first
    (``…00.9996`` would be ``…01``), so they are given the first 19 characters only,
    ``YYYY-MM-DD HH:MM:SS``: the fraction cut off is the floor."""
    if dialect == "sqlite":
        import sqlite3

        whole = sa.func.substr(column, 1, 19)
        seconds = (sa.func.unixepoch(whole) if sqlite3.sqlite_version_info >= (3, 38)
                   else sa.cast(sa.func.strftime("%s", whole), sa.BigInteger))
    else:
        seconds = sa.cast(sa.func.floor(sa.extract("epoch", column)), sa.BigInteger)
    return sa.func.coalesce(seconds, sa.literal_column(str(NO_TIME), sa.BigInteger))


def _data_due(dialect: str) -> Any:
    """``data.due`` when it is a JSON string (anything else counts as no deadline)."""
    due = cases.c.data["due"]
    if dialect == "sqlite":  # the substring test first spares parsing most rows' JSON
        kind = sa.and_(sa.func.instr(cases.c.data, '"due"') > 0,
                       sa.func.json_type(cases.c.data, "$.due") == "text")
    else:
        kind = sa.func.jsonb_typeof(due) == "string"
    return sa.case((kind, due.as_string()), else_=sa.null())


def columns_select(dialect: str) -> sa.Select[Any]:
    """The columns of a :class:`CaseTable` row, in the order :func:`_chunk` reads them."""
    c = cases.c
    return sa.select(
        c.seq, c.rev, _seconds(c.opened_at, dialect), _seconds(c.closed_at, dialect),
        _seconds(c.due_at, dialect), _seconds(c.breached_at, dialect), _data_due(dialect),
        c.rework, c.cell, c.category, c.state, c.source, c.light, c.id,
    )


def _sql(stmt: sa.ClauseElement, dialect: sa.engine.Dialect) -> str:
    # every bound value here is an int this module made or a fixed literal: rendered inline
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a large fetch makes its tuples: they hold no
    cycles, and each collection would walk all of them again (it doubled the read's time)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _rows(store: Any, stmts: Sequence[sa.ClauseElement], what: str) -> Iterator[list[Any]]:
    """Chunks of rows of each statement, fetched on the driver's cursor."""
    dialect = store._engine.dialect
    with store._read(what) as conn:
        cursor = conn.connection.driver_connection.cursor()
        try:
            for stmt in stmts:
                cursor.execute(_sql(stmt, dialect))
                while rows := cursor.fetchmany(CHUNK):
                    yield rows
        finally:
            cursor.close()


def _chunk(rows: list[Any], names: dict[str, Names]) -> dict[str, Any]:
    cols = list(zip(*rows, strict=True))
    out: dict[str, Any] = {}
    for k, name in enumerate(("seq", "rev", "opened", "closed", "due_at", "breached")):
        out[name] = np.fromiter(cols[k], np.int64, len(rows))
    out["data_due"] = np.fromiter(map(iso_seconds, cols[6]), np.int64, len(rows))
    out["rework"] = np.fromiter(cols[7], np.int64, len(rows))
    for k, name in enumerate(STRINGS, start=8):
        out[name] = names[name].encode(cols[k])
    out["ids"] = np.array(cols[13], dtype=object)
    return out


def _read(store: Any, where: Sequence[Any], names: dict[str, Names], what: str) -> CaseTable:
    select = columns_select(store.backend).order_by(cases.c.seq)
    stmts = [select.where(w) for w in where] if where else [select]
    with _collector_paused():
        parts = [_chunk(rows, names) for rows in _rows(store, stmts, what)]
    table = empty_table()
    table.names = names
    if not parts:
        return table
    for key in table._arrays():
        setattr(table, key, np.concatenate([p[key] for p in parts]))
    return table


def read_table(store: Any) -> CaseTable:
    """Every case of the SQL ``store`` (a :class:`~govflow.store.sql.SqlStore`)."""
    return _read(store, [], {k: Names() for k in STRINGS}, "reading case columns")


def fingerprint(store: Any) -> tuple[int, int]:
    """``(count(*), sum(rev))`` of the cases: one aggregate, no rows."""
    stmt = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(cases.c.rev), 0))
    with store._read("reading the cases' fingerprint") as conn:
        count, revs = conn.execute(stmt).one()
    return int(count), int(revs)


def revisions(store: Any) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Every case's ``(seq, rev)``, in ``seq`` order."""
    stmt = sa.select(cases.c.seq, cases.c.rev).order_by(cases.c.seq)
    seqs, revs = [], []
    with _collector_paused():
        for rows in _rows(store, [stmt], "reading case revisions"):
            seq, rev = zip(*rows, strict=True)
            seqs.append(np.fromiter(seq, np.int64, len(rows)))
            revs.append(np.fromiter(rev, np.int64, len(rows)))
    if not seqs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(seqs), np.concatenate(revs)


@dataclass(frozen=True, slots=True)
class Refresh:
    """What :func:`refresh` did: ``rows`` re-read (of them ``new`` not known before),
    ``dropped`` rows gone from the store, ``full``: everything read again."""

    table: CaseTable
    rows: CaseTable | None = None
    new: int = 0
    dropped: int = 0
    full: bool = False

    @property
    def changed(self) -> int:
        return 0 if self.rows is None else len(self.rows)


def refresh(store: Any, table: CaseTable) -> Refresh:
    """``table`` brought up to the store's cases, reading only the rows that changed.

    The table given is left as it is (a snapshot may still be reading its arrays): the
    result is a patched copy, or ``table`` itself when nothing changed."""
    if fingerprint(store) == (len(table), table.revs_total):
        return Refresh(table)
    seq, rev = revisions(store)
    if len(table):
        at = np.searchsorted(table.seq, seq).clip(max=len(table) - 1)
        known = table.seq[at] == seq
        stale = ~known | (table.rev[at] != rev)
    else:
        known = np.zeros(len(seq), bool)
        stale = ~known
    wanted = seq[stale]
    dropped = len(table) - int(known.sum())
    if wanted.size > REREAD_SHARE * max(len(seq), 1):
        fresh = read_table(store)
        return Refresh(fresh, fresh, int((~known).sum()), dropped, full=True)
    where = [cases.c.seq.in_(wanted[k:k + BATCH].tolist())
             for k in range(0, wanted.size, BATCH)]
    rows = _read(store, where, table.names, "reading changed cases") if where \
        else empty_table()
    base = table if dropped == 0 else table.take(np.flatnonzero(np.isin(table.seq, seq)))
    return Refresh(_patch(base, rows), rows, int((~known).sum()), dropped)


def _patch(table: CaseTable, rows: CaseTable) -> CaseTable:
    """``table`` with ``rows`` written over the rows of the same ``seq`` and the others added
    (a copy: ``table``'s arrays are not touched)."""
    if len(rows) == 0:
        return table
    keys = table._arrays()
    if len(table):
        at = np.searchsorted(table.seq, rows.seq).clip(max=len(table) - 1)
        known = table.seq[at] == rows.seq
    else:
        at, known = np.zeros(0, np.intp), np.zeros(len(rows), bool)
    out: dict[str, Any] = {k: getattr(table, k).copy() for k in keys}
    for k in keys:
        out[k][at[known]] = getattr(rows, k)[known]
    if known.all():
        return replace(table, **out)
    added = np.flatnonzero(~known)
    joined: dict[str, Any] = {k: np.concatenate([out[k], getattr(rows, k)[added]]) for k in keys}
    if len(table) and rows.seq[added].min() < table.seq[-1]:  # not all after the last one
        order = np.argsort(joined["seq"], kind="stable")
        joined = {k: v[order] for k, v in joined.items()}
    return replace(table, **joined)


def cases_at(store: Any, seqs: Sequence[int]) -> list[Case]:
    """The whole records of the cases at ``seqs`` (the primary key), in ``seq`` order: the
    cockpit's panels need their data."""
    stmt = sa.select(*[cases.c[name] for name in CASE_FIELDS])
    out: list[Case] = []
    with store._read("reading cases by seq") as conn:
        for k in range(0, len(seqs), BATCH):
            chunk = stmt.where(cases.c.seq.in_(list(seqs[k:k + BATCH]))).order_by(cases.c.seq)
            out.extend(Case(*tuple(row)) for row in conn.execute(chunk))
    return out


def agrees(store: Any, table: CaseTable, sample: int = 256, seed: int = 0) -> bool:
    """Whether ``sample`` rows of ``table`` (the first, the last and random ones) equal the
    store's where their ``rev`` is the same: a table kept in a file is trusted only for a store
    that still has its rows."""
    if len(table) == 0:
        return True
    rng = np.random.default_rng(seed)
    pick = np.unique(np.concatenate([[0, len(table) - 1],
                                     rng.integers(0, len(table), min(sample, len(table)))]))
    mine = table.take(pick)
    theirs = _read(store, [cases.c.seq.in_(mine.seq.tolist())], table.names,
                   "checking kept case columns")
    if len(theirs) != len(mine):  # the store never deletes a case: not this store's table
        return False
    same = mine.rev == theirs.rev  # rows written since differ rightly: the refresh reads them
    return all(np.array_equal(getattr(mine, k)[same], getattr(theirs, k)[same])
               for k in mine._arrays())
