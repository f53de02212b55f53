"""What every request handler works with, and the FastAPI dependencies that hand it out."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request

from govflow.records import Actor, ApiKey
from govflow.service.config import ServiceConfig
from govflow.service.keys import authenticate, key_store

if TYPE_CHECKING:
    from govflow.engine.engine import Engine
    from govflow.service.commit import GroupCommitter
    from govflow.service.metrics import Metrics
    from govflow.service.worker import Worker
    from govflow.store.base import KeyStore, Store


@dataclass
class ServiceContext:
    """The engine, its store, the key store, the metrics and the write path of one app.

    ``write_lock`` serialises the engine's writers inside this process (the group committer
    and the worker loop); other processes on PostgreSQL are kept apart by the database.
    """

    engine: Engine
    config: ServiceConfig
    keys: KeyStore
    metrics: Metrics
    committer: GroupCommitter
    worker: Worker | None = None
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    #: anything a router module wants to keep per app (its own state), by module name
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def store(self) -> Store:
        return self.engine.store

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.config.timezone)

    @classmethod
    def open(cls, config: ServiceConfig, *, engine: Engine | None = None) -> ServiceContext:
        """Open the store and the engine the config names (or use ``engine``)."""
        from govflow.service.commit import GroupCommitter
        from govflow.service.metrics import Metrics

        if engine is None:
            engine = open_engine(config)
        metrics = Metrics()
        lock = threading.Lock()
        committer = GroupCommitter(engine, lock, metrics, max_batch=config.max_batch,
                                   grouped=config.group_commit)
        ctx = cls(engine=engine, config=config, keys=key_store(engine.store), metrics=metrics,
                  committer=committer, write_lock=lock)
        if config.run_worker:
            from govflow.service.worker import Worker

            ctx.worker = Worker.for_engine(engine, lock, metrics, config)
        return ctx

    def close(self) -> None:
        """Stop the worker and close the store (idempotent)."""
        if self.worker is not None:
            self.worker.stop()
        self.engine.close()


def open_engine(config: ServiceConfig) -> Engine:
    """The engine on the config's store, workflows and plugins (system clock)."""
    from govflow.engine.engine import Engine
    from govflow.store import open_store

    store = open_store(config.store_url)
    try:
        return Engine(config.workflows, store=store, plugins_dir=config.plugins_dir)
    except BaseException:
        store.close()
        raise


def get_context(request: Request) -> ServiceContext:
    """The app's context (set by :func:`govflow.service.app.create_app`)."""
    ctx: ServiceContext = request.app.state.govflow
    return ctx


def current_key(request: Request) -> ApiKey:
    """The live key the request carries; 401 (a problem document) without one."""
    key = authenticate(get_context(request).keys, request.headers.get("authorization"))
    request.state.key_name = key.name
    return key


def current_actor(request: Request) -> Actor:
    """The Actor of the request's key: the engine checks its roles and grid scope."""
    return current_key(request).as_actor()


def optional_actor(request: Request) -> Actor | None:
    """The key's Actor when the request carries a key, else ``None`` (anonymous reads)."""
    if not request.headers.get("authorization"):
        return None
    return current_actor(request)


#: annotated dependencies for handlers: ``def h(ctx: Ctx, actor: CurrentActor)``
Ctx = Annotated[ServiceContext, Depends(get_context)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
OptionalActor = Annotated[Actor | None, Depends(optional_actor)]
