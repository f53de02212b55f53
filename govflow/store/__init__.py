"""Stores: where cases, the event log, timers and the outbox live.

``open_store(url)`` picks one by URL: ``memory://`` (the in-memory reference store),
``sqlite:///file.db`` or ``postgresql+psycopg://...`` (:class:`SqlStore`). SQLAlchemy is
imported only when a SQL store is opened, so the engine core stays free of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govflow.store.base import Store
from govflow.store.memory import MemoryStore
from govflow.store.url import DEFAULT_URL, backend

if TYPE_CHECKING:
    from govflow.store.sql import SqlStore

__all__ = ["DEFAULT_URL", "MemoryStore", "SqlStore", "Store", "open_store"]


def open_store(url: str | None = None, **options: Any) -> Store:
    """The store a URL names (``None``: the default SQLite file ``govflow.db``).

    ``options`` go to :class:`SqlStore` (``schema``, ``create``, ``lease_seconds``, ``worker``).
    """
    if url is not None and backend(url) == "memory":
        return MemoryStore()
    from govflow.store.sql import SqlStore

    return SqlStore(url, **options)


def __getattr__(name: str) -> Any:
    if name == "SqlStore":
        from govflow.store.sql import SqlStore

        return SqlStore
    raise AttributeError(f"module 'govflow.store' has no attribute {name!r}")
