"""What every request handler works with, and the FastAPI dependencies that hand it out."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Depends, Request

from govflow.records import SYSTEM, Actor, ApiKey
from govflow.service.config import ServiceConfig
from govflow.service.keys import authenticate, key_store

T = TypeVar("T")

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
    #: keys checked lately: header → (key, until when, monotonic)
    key_cache: dict[str, tuple[ApiKey, float]] = field(default_factory=dict)
    #: anything a router module wants to keep per app (its own state), by module name
    extras: dict[str, Any] = field(default_factory=dict)

    #: the threads that read the store: few and fixed, since each keeps a connection
    readers: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(4, thread_name_prefix="govflow-read"))

    async def read(self, work: Callable[[], T]) -> T:
        """Run a blocking store read on the reader threads (not the event loop's default
        pool, whose many threads would each hold a database connection)."""
        return await asyncio.get_running_loop().run_in_executor(self.readers, work)

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
        self.readers.shutdown(wait=True)
        self.engine.close()


def open_engine(config: ServiceConfig) -> Engine:
    """The engine on the config's store, workflows and plugins (system clock)."""
    from govflow.engine.engine import Engine
    from govflow.store import open_store

    store = open_store(config.store_url)
    try:
        from govflow.grid.persist import stored_grid

        grid = stored_grid(store)
        if grid is None:
            return Engine(config.workflows, store=store, plugins_dir=config.plugins_dir)
        from govflow.grid.routing import grid_actions

        # the grid kept in the store: escalation up its duty chain, routing, campaigns
        return Engine(config.workflows, store=store, plugins_dir=config.plugins_dir,
                      grid=grid, actions=grid_actions(grid))
    except BaseException:
        store.close()
        raise


def get_context(request: Request) -> ServiceContext:
    """The app's context (set by :func:`govflow.service.app.create_app`)."""
    ctx: ServiceContext = request.app.state.govflow
    return ctx


#: seconds a checked key is trusted without reading the store again (a revocation takes
#: effect within this time)
KEY_CACHE_SECONDS = 2.0


async def current_key(request: Request) -> ApiKey:
    """The live key the request carries; 401 (a problem document) without one."""
    ctx = get_context(request)
    header = request.headers.get("authorization")
    now = time.monotonic()
    cached = ctx.key_cache.get(header) if header else None
    if cached is not None and cached[1] > now:
        return cached[0]
    key = await ctx.read(lambda: authenticate(ctx.keys, header))
    if header:
        if len(ctx.key_cache) > 10_000:
            ctx.key_cache.clear()
        ctx.key_cache[header] = (key, now + KEY_CACHE_SECONDS)
    return key


def actor_of(ctx: ServiceContext, key: ApiKey) -> Actor:
    """The Actor a key acts as: the engine checks its roles and grid scope. A key granted the
    system role (``keys add --grant-system``) acts as an actor the engine mints: the engine
    refuses that role on any other."""
    if SYSTEM in key.roles:
        others = (role for role in key.roles if role != SYSTEM)
        return ctx.engine.system_actor(key.actor, *others, scope=key.scope)
    return key.as_actor()


async def current_actor(request: Request) -> Actor:
    """The Actor of the request's key (:func:`actor_of`)."""
    return actor_of(get_context(request), await current_key(request))


#: the role of keys that administer the service (webhooks, dead letters, imports)
ADMIN_ROLE = "admin"


async def admin_key(request: Request) -> ApiKey:
    """The request's key, if it holds the admin role and no grid scope (else 403): what an
    admin does (webhooks, dead letters) sees the whole district."""
    from govflow.errors import PermissionDenied

    key = await current_key(request)
    if ADMIN_ROLE not in key.roles or key.scope:
        why = (f"has {', '.join(key.roles)}" if ADMIN_ROLE not in key.roles
               else f"is scoped to {', '.join(key.scope)}")
        raise PermissionDenied(
            f"this needs an unscoped key with the {ADMIN_ROLE!r} role; key {key.name!r} {why} "
            "(make one: `govflow keys add NAME --role admin`)",
            case_id="", actor=key.actor, trigger="admin")
    return key


async def optional_actor(request: Request) -> Actor | None:
    """The key's Actor when the request carries a key, else ``None`` (anonymous reads)."""
    if not request.headers.get("authorization"):
        return None
    return await current_actor(request)


#: annotated dependencies for handlers: ``def h(ctx: Ctx, actor: CurrentActor)``
Ctx = Annotated[ServiceContext, Depends(get_context)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
OptionalActor = Annotated[Actor | None, Depends(optional_actor)]
AdminKey = Annotated[ApiKey, Depends(admin_key)]
