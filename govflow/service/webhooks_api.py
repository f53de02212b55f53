"""``/api/v1/webhooks``: subscribe, list, enable, delete, and the recent deliveries.

Only a key holding the ``admin`` role may manage webhooks (a subscription receives every
case's events, whatever a key's grid scope: that is an administrator's decision). The
secret is in the answer to the ``POST`` only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from govflow.errors import ServiceError
from govflow.service.context import AdminKey, ServiceContext
from govflow.service.webhooks import subscribe, webhook_view
from govflow.store.webhooks import Delivery, WebhookStore, webhook_store

#: the key role that may manage webhooks


class NewWebhook(BaseModel):
    """A subscription: the receiver's URL and the event kinds it wants."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000)
    events: list[str] = Field(min_length=1, max_length=50)


Admin = AdminKey


def router(ctx: ServiceContext) -> APIRouter:
    api = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
    try:
        hooks: WebhookStore | None = webhook_store(ctx.store)
    except ServiceError as exc:
        hooks, why = None, str(exc)
    if hooks is not None:
        kept = hooks
        ctx.metrics.read_figures(lambda: kept.figures(datetime.now(UTC)))

    def store() -> WebhookStore:
        if hooks is None:
            raise HTTPException(status.HTTP_501_NOT_IMPLEMENTED, why)
        return hooks

    @api.post("", status_code=status.HTTP_201_CREATED,
              summary="subscribe a URL to event kinds (the answer holds the secret, once)")
    async def create(body: NewWebhook, key: Admin, response: Response) -> dict[str, Any]:
        found = store()
        hook = await ctx.read(lambda: subscribe(found, body.url, body.events))
        response.headers["Location"] = f"/api/v1/webhooks/{hook.id}"
        return webhook_view(hook, secret=True)

    @api.get("", summary="the subscriptions (no secrets)")
    async def listing(key: Admin) -> dict[str, Any]:
        found = store()
        return {"webhooks": [webhook_view(h) for h in await ctx.read(found.subscriptions)]}

    @api.get("/{webhook_id}", summary="one subscription (no secret)")
    async def one(webhook_id: str, key: Admin) -> dict[str, Any]:
        found = store()
        hook = await ctx.read(lambda: found.get(webhook_id))
        if hook is None:
            raise _missing(webhook_id)
        return webhook_view(hook)

    @api.post("/{webhook_id}/enable", summary="enable a subscription again (after a 410)")
    async def enable(webhook_id: str, key: Admin) -> dict[str, Any]:
        found = store()
        if not await ctx.read(lambda: found.set_active(webhook_id, True)):
            raise _missing(webhook_id)
        hook = await ctx.read(lambda: found.get(webhook_id))
        assert hook is not None
        return webhook_view(hook)

    @api.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT,
                summary="delete a subscription and its deliveries")
    async def remove(webhook_id: str, key: Admin) -> Response:
        found = store()
        if not await ctx.read(lambda: found.remove(webhook_id)):
            raise _missing(webhook_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @api.get("/{webhook_id}/deliveries", summary="a subscription's recent deliveries")
    async def deliveries(
        webhook_id: str, key: Admin,
        state: Annotated[str | None, Query(alias="status",
                                           pattern="^(pending|sent|failed)$")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> dict[str, Any]:
        found = store()
        if await ctx.read(lambda: found.get(webhook_id)) is None:
            raise _missing(webhook_id)
        rows = await ctx.read(lambda: found.deliveries(webhook_id, status=state, limit=limit))
        return {"webhook_id": webhook_id, "deliveries": [delivery_view(d) for d in rows]}

    return api


def delivery_view(delivery: Delivery) -> dict[str, Any]:
    """A delivery as the API shows it (without its body)."""

    def at(moment: datetime | None) -> str | None:
        return None if moment is None else moment.isoformat()

    return {"id": delivery.id, "type": delivery.kind, "case_id": delivery.case_id,
            "status": delivery.status, "attempts": delivery.attempts,
            "created_at": at(delivery.created_at),
            "next_attempt_at": at(delivery.next_at) if delivery.status == "pending" else None,
            "last_status": delivery.last_status, "last_error": delivery.last_error or None,
            "done_at": at(delivery.done_at)}


def _missing(webhook_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND,
                         f"no webhook {webhook_id!r} (see GET /api/v1/webhooks)")
