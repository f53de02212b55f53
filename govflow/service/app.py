"""The ASGI app: routers by name, problem documents, a body-size limit, metrics.

``create_app(config)`` opens the store and engine the config names; ``create_app(context=…)``
serves a context made elsewhere (tests, an embedding application). The routers come from
the modules named in :data:`ROUTERS`; each module exposes ``router(ctx) -> APIRouter``, and
a module that is not there is skipped (so the parts ship independently). A module with an
error format of its own also exposes ``ERROR_FORMAT`` (a :class:`problems.ErrorFormat`):
errors under its prefix, the body limit's 413 and unknown paths included, use it.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from govflow.errors import RequestTooLarge
from govflow.service import health, problems
from govflow.service.config import ServiceConfig
from govflow.service.context import ServiceContext
from govflow.service.metrics import Metrics

#: router modules, each ``router(ctx: ServiceContext) -> fastapi.APIRouter``
ROUTERS = (
    "govflow.service.api",
    "govflow.service.open311",
    "govflow.service.webhooks_api",
    "govflow.service.cockpit",
)


def create_app(
    config: ServiceConfig | None = None, *, context: ServiceContext | None = None
) -> FastAPI:
    """The service app. Its lifespan starts the group committer and the worker and, on
    shutdown, lets queued writes finish, stops the worker and closes the store."""
    owned = context is None
    ctx = context if context is not None else ServiceContext.open(config or ServiceConfig())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx.committer.start()
        if ctx.worker is not None:
            ctx.worker.start()
        try:
            yield
        finally:
            await ctx.committer.stop()
            if ctx.worker is not None:
                ctx.worker.stop()
            if owned:
                ctx.close()

    from govflow import __version__

    app = FastAPI(
        title="govflow", version=__version__, lifespan=lifespan,
        description="Cases, triggers, worklists, campaigns and dispatch of the govflow "
                    "engine. Authenticate with `Authorization: Bearer KEY` (`govflow keys add`).",
        openapi_url="/api/v1/openapi.json", docs_url="/api/v1/docs", redoc_url=None,
    )
    app.state.govflow = ctx
    app.include_router(health.router(ctx))
    formats: list[problems.ErrorFormat] = []
    for name in ROUTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        app.include_router(module.router(ctx))
        own = getattr(module, "ERROR_FORMAT", None)
        if isinstance(own, problems.ErrorFormat):
            formats.append(own)
    problems.install(app, formats)
    app.add_middleware(_BodyLimit, limit=ctx.config.max_body_bytes, formats=tuple(formats))
    app.add_middleware(_Measure, metrics=ctx.metrics)
    return app


class _BodyLimit:
    """Refuse request bodies over ``limit`` bytes (413), by header or as they stream in; the
    answer is in the error format of the path (a problem document, or e.g. Open311's)."""

    def __init__(self, app: ASGIApp, limit: int,
                 formats: tuple[problems.ErrorFormat, ...] = ()) -> None:
        self.app = app
        self.limit = limit
        self.formats = formats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    size = int(value)
                except ValueError:
                    size = 0
                if size > limit:
                    response = problems.error_response(RequestTooLarge(limit), scope["path"],
                                                       self.formats)
                    await response(scope, receive, send)
                    return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise RequestTooLarge(limit)
            return message

        await self.app(scope, counted, send)


class _Measure:
    """Count requests by route template and status, and time them."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route: Any = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(scope["method"], path, str(status[0])).inc()
            self.metrics.latency.labels(path).observe(time.perf_counter() - start)
