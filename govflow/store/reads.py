"""The hot read: one case by id, on a driver cursor held per thread.

``engine.fire`` and ``engine.tick`` read every case they touch, one by one. Through a
SQLAlchemy ``Connection`` that read costs ~8x what the driver does (pool checkout, execution
context, result processing). Here the statement is still built by SQLAlchemy Core and compiled
once for the dialect; it runs on a driver connection kept per thread in autocommit mode (no
transaction left open, so nothing is pinned), and the row is converted to a
:class:`~govflow.records.Case` by hand, exactly as the column types would.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from govflow.records import Case
from govflow.store import statements as q
from govflow.store.changes import CASE_FIELDS
from govflow.store.tables import UTCDateTime, cases

#: positions of the time columns, read off the table so that a new one cannot be missed
_TIMES = tuple(i for i, name in enumerate(CASE_FIELDS)
               if isinstance(cases.c[name].type, UTCDateTime))
_DATA = CASE_FIELDS.index("data")
_FLAG = CASE_FIELDS.index("revisit_pending")


class CaseReader:
    """Reads cases by id on per-thread driver connections taken from ``engine``'s pool."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        compiled = q.GET_CASE.compile(dialect=engine.dialect)
        self._sql = str(compiled)
        self._local = threading.local()
        self._held: list[Any] = []
        self._lock = threading.Lock()

    def _cursor(self) -> Any:
        held = getattr(self._local, "held", None)
        if held is None or held[0] != os.getpid():
            proxy = self._engine.raw_connection()
            dbapi = proxy.driver_connection
            if not self._sqlite:
                assert dbapi is not None
                dbapi.autocommit = True
            held = (os.getpid(), proxy, proxy.cursor())
            self._local.held = held
            with self._lock:
                self._held.append(proxy)
        return held[2]

    def forget(self) -> None:
        """Drop this thread's connection (after a driver error)."""
        held = getattr(self._local, "held", None)
        self._local.held = None
        if held is not None and held[0] == os.getpid():
            with self._lock:
                if held[1] in self._held:
                    self._held.remove(held[1])
            held[1].invalidate()

    def get(self, case_id: str) -> Case | None:
        """The case, or None. Driver errors propagate (the caller maps them)."""
        cursor = self._cursor()
        try:
            cursor.execute(self._sql, (case_id,) if self._sqlite else {"b_id": case_id})
            row = cursor.fetchone()
        except BaseException:
            self.forget()
            raise
        if row is None:
            return None
        values = list(row)
        if self._sqlite:
            values[_DATA] = json.loads(values[_DATA])
            for i in _TIMES:
                if values[i] is not None:
                    values[i] = datetime.fromisoformat(values[i]).replace(tzinfo=UTC)
            values[_FLAG] = bool(values[_FLAG])
        else:
            for i in _TIMES:
                if values[i] is not None:
                    values[i] = values[i].astimezone(UTC)
        return Case(*values)

    def close(self) -> None:
        """Return every held connection of this process to the pool."""
        with self._lock:
            held, self._held = self._held, []
        for proxy in held:
            try:
                if not self._sqlite:
                    proxy.driver_connection.autocommit = False
                proxy.close()
            except Exception:  # a broken connection: the pool forgets it
                proxy.invalidate()
        self._local = threading.local()
