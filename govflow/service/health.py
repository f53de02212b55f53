"""``/healthz`` (the store answers) and ``/metrics`` (Prometheus text); both anonymous."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from govflow.errors import StoreError
from govflow.service.context import ServiceContext
from govflow.service.metrics import CONTENT_TYPE


def router(ctx: ServiceContext) -> APIRouter:
    api = APIRouter(tags=["health"])
    figures = getattr(ctx.store, "service_figures", None)
    if callable(figures):
        ctx.metrics.read_figures(lambda: figures(datetime.now(UTC)))

    @api.get("/healthz", summary="liveness and store check")
    async def healthz() -> JSONResponse:
        try:
            await ctx.read(ctx.store.next_due)
        except StoreError as exc:
            return JSONResponse({"status": "failing", "store": str(exc)}, status_code=503)
        worker = ctx.worker
        return JSONResponse({
            "status": "ok",
            "store": getattr(ctx.store, "url", type(ctx.store).__name__),
            "worker": None if worker is None else {
                "running": not worker.stopping, "tasks": worker.task_names},
        })

    @api.get("/metrics", summary="Prometheus metrics")
    async def metrics() -> Response:
        return Response(await ctx.read(ctx.metrics.render), media_type=CONTENT_TYPE)

    return api
