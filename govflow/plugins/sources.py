"""What a data source is: records with a stable id and a cursor, and a pydantic model.

A source reads from wherever its records live (a file, a feed, a generator) and yields
:class:`RawRecord` objects in a stable order. ``cursor`` is the position *after* the record:
handing it back to :meth:`Source.read` resumes with the next record, so an intake that
restarts after a crash takes no record twice (the cursor commits with the cases).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as read, before validation: its id, its cursor and the raw fields."""

    id: str
    cursor: str
    payload: Mapping[str, Any]


@runtime_checkable
class Source(Protocol):
    """A data source a plugin registers with ``registry.add_source``."""

    @property
    def name(self) -> str:
        """Unique name, e.g. ``"chicago_open311"``; also the key of its stored cursor."""
        ...

    @property
    def model(self) -> type[BaseModel]:
        """The pydantic model each record's payload is validated with."""
        ...

    def read(self, cursor: str | None) -> Iterator[RawRecord]:
        """Records after ``cursor`` (``None``: from the beginning), in a stable order."""
        ...


class ListSource:
    """A source over an in-memory sequence of payloads; the cursor is the record's index.

    ``make`` builds the payloads lazily (called on every read), so a file is only opened when
    the intake runs, never at import or registration.
    """

    def __init__(
        self,
        name: str,
        model: type[BaseModel],
        make: Callable[[], Iterable[Mapping[str, Any]]],
        *,
        id_field: str | None = None,
    ) -> None:
        self.name = name
        self.model = model
        self._make = make
        self.id_field = id_field

    def read(self, cursor: str | None) -> Iterator[RawRecord]:
        start = int(cursor) + 1 if cursor is not None else 0
        for index, payload in enumerate(self._make()):
            if index < start:
                continue
            # a payload that is not a mapping is still yielded: validation dead-letters it
            rid = (str(payload.get(self.id_field, index))
                   if self.id_field and isinstance(payload, Mapping) else str(index))
            yield RawRecord(id=rid, cursor=str(index), payload=payload)
