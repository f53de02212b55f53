"""The cases' snapshot fields as numpy columns (:class:`CaseTable`), numpy only.

What :mod:`govflow.store.columnar` reads from a SQL store and
:func:`govflow.kernels.snapshot.from_table` turns into the kernels' input; kept apart from the
reading so that the kernels can name it without importing SQLAlchemy.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

#: "no such time" (equals :data:`govflow.kernels.columns.NEVER`): NULL times and deadlines
NO_TIME = int(np.iinfo(np.int64).max)
#: the string columns, read as codes into per-column dictionaries
STRINGS = ("cell", "category", "state", "source", "light")
#: the integer columns (times in epoch seconds)
NUMBERS = ("seq", "rev", "opened", "closed", "due_at", "breached", "data_due", "rework")


def iso_seconds(raw: Any) -> int:
    """A case's ``data.due`` as epoch seconds: an ISO time string, else :data:`NO_TIME`."""
    if isinstance(raw, str):
        try:
            return int(datetime.fromisoformat(raw).timestamp())
        except ValueError:
            return NO_TIME
    return NO_TIME


@dataclass
class Names:
    """An append-only dictionary of one string column: code ``k`` is ``names[k]``."""

    names: list[str] = field(default_factory=list)
    codes: dict[str, int] = field(default_factory=dict)

    def encode(self, values: Sequence[str]) -> NDArray[np.int32]:
        codes, names = self.codes, self.names
        for value in sorted(set(values).difference(codes)):  # sorted: deterministic codes
            codes[value] = len(names)
            names.append(value)
        return np.fromiter(map(codes.__getitem__, values), np.int32, len(values))


@dataclass
class CaseTable:
    """Every case's snapshot fields as parallel arrays, in ``seq`` (opening) order.

    Times are int64 epoch seconds (:data:`NO_TIME` for NULL); ``data_due`` is the case's
    ``data.due`` when that is an ISO time string. The string columns hold codes into
    :attr:`names`; ``ids`` is an object array of the case ids."""

    seq: NDArray[np.int64]
    rev: NDArray[np.int64]
    opened: NDArray[np.int64]
    closed: NDArray[np.int64]
    due_at: NDArray[np.int64]
    breached: NDArray[np.int64]
    data_due: NDArray[np.int64]
    rework: NDArray[np.int64]
    cell: NDArray[np.int32]
    category: NDArray[np.int32]
    state: NDArray[np.int32]
    source: NDArray[np.int32]
    light: NDArray[np.int32]
    ids: NDArray[np.object_]
    names: dict[str, Names]

    def __len__(self) -> int:
        return int(self.seq.shape[0])

    @property
    def revs_total(self) -> int:
        return int(self.rev.sum())

    def strings(self, column: str) -> list[str]:
        """The names of ``column``'s codes (code ``k`` is item ``k``)."""
        return self.names[column].names

    def _arrays(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self) if f.name != "names")

    def take(self, index: NDArray[np.intp]) -> CaseTable:
        return replace(self, **{k: getattr(self, k)[index] for k in self._arrays()})


def empty_table() -> CaseTable:
    names = {k: Names() for k in STRINGS}
    ints: dict[str, Any] = {k: np.zeros(0, np.int64) for k in NUMBERS}
    codes: dict[str, Any] = {k: np.zeros(0, np.int32) for k in STRINGS}
    return CaseTable(**ints, **codes, ids=np.zeros(0, object), names=names)


#: bump when the file layout or what its columns mean changes: an older file is then
#: ignored and read again (2: SQLite times are floored to the second; format 1 rounded
#: a time less than 0.5 ms before the next second up to it)
FILE_FORMAT = 2


def save_table(table: CaseTable, path: Path, meta: dict[str, Any]) -> None:
    """Write ``table`` (and ``meta``, JSON) to ``path`` atomically (``.npz``, no pickles)."""
    arrays: dict[str, Any] = {k: getattr(table, k) for k in table._arrays() if k != "ids"}
    arrays["ids"] = table.ids.astype(str) if len(table) else np.zeros(0, "U1")
    head = {"format": FILE_FORMAT, "meta": meta,
            "names": {k: v.names for k, v in table.names.items()}}
    arrays["head"] = np.array(json.dumps(head, ensure_ascii=False))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, **arrays)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def load_table(path: Path, meta: dict[str, Any]) -> CaseTable | None:
    """The table kept at ``path`` if it was written with this format and ``meta``, else
    None (a missing, foreign or damaged file is not an error: the store is read instead).

    A file that is there but cannot be this table (unreadable, columns of unequal lengths,
    ``seq`` not strictly increasing, a string code outside its names) is logged as a
    warning naming it; one of another format or store only at info level."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as kept:
            head = json.loads(str(kept["head"]))
            if head.get("format") != FILE_FORMAT or head.get("meta") != meta:
                log.info("cockpit: %s was written by another format or for another store; "
                         "reading the store", path)
                return None
            names = {k: Names(list(v), {n: i for i, n in enumerate(v)})
                     for k, v in head["names"].items()}
            if set(names) != set(STRINGS):
                _damaged(path, "its string columns are not " + ", ".join(STRINGS))
                return None
            # columns of exactly the types saved: a cast would wrap or truncate silently
            wanted = {**dict.fromkeys(NUMBERS, np.int64), **dict.fromkeys(STRINGS, np.int32)}
            columns = {k: kept[k] for k in wanted}
            odd = [f"{k} ({v.dtype})" for k, v in columns.items() if v.dtype != wanted[k]]
            if odd:
                _damaged(path, "columns not of the saved types: " + ", ".join(odd))
                return None
            ints: dict[str, Any] = {k: columns[k] for k in NUMBERS}
            codes: dict[str, Any] = {k: columns[k] for k in STRINGS}
            ids = kept["ids"].astype(object)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, EOFError,
            zipfile.BadZipFile, json.JSONDecodeError) as exc:
        _damaged(path, f"it cannot be read ({type(exc).__name__}: {exc})")
        return None
    table = CaseTable(**ints, **codes, ids=ids, names=names)
    problem = _impossible(table)
    if problem is not None:
        _damaged(path, problem)
        return None
    return table


def _impossible(table: CaseTable) -> str | None:
    """What makes ``table`` one no store can have, or None: the loader's last check (a file
    is trusted for its figures, and the refresh finds rows by ``seq`` with a binary search)."""
    arrays = table._arrays()
    if any(getattr(table, k).ndim != 1 for k in arrays):
        return "a column is not one-dimensional"
    lengths = {len(getattr(table, k)) for k in arrays}
    if len(lengths) != 1:
        return f"its columns have unequal lengths {sorted(lengths)}"
    if len(table) > 1 and not bool(np.all(np.diff(table.seq) > 0)):
        return "its seq column is not strictly increasing"
    for k in STRINGS:
        column = getattr(table, k)
        if len(column) and (int(column.min()) < 0
                            or int(column.max()) >= len(table.names[k].names)):
            return (f"its {k} column holds codes outside its {len(table.names[k].names)} "
                    "names")
    return None


def _damaged(path: Path, why: str) -> None:
    log.warning("cockpit: ignoring the kept case columns %s: %s; reading the store (the file "
                "is written anew)", path, why)
