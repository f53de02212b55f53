"""Webhook delivery, run by the worker loop: fan committed events out, send what is due.

Two worker tasks: ``webhook-fanout`` turns fed events into delivery rows
(:meth:`~govflow.store.webhooks.WebhookStore.fan_out`), ``webhooks`` leases due deliveries
and POSTs them with httpx on a small thread pool of its own (the worker's loop never waits
for a receiver), each attempt signed anew (same ``webhook-id``, this attempt's timestamp).
2xx: sent. 410 Gone: the receiver asks to stop, the subscription is disabled. Anything else
(refused, timed out, another status): tried again after
:func:`~govflow.service.webhooks.backoff`, failed after the last attempt. No request is
made inside a database transaction.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import httpx

from govflow.service.webhooks import FIRST_RETRY, FanOut, backoff, sign
from govflow.store.webhooks import Delivery, Webhook, WebhookStore

if TYPE_CHECKING:
    from govflow.engine.engine import Engine
    from govflow.records import Case
    from govflow.service.config import ServiceConfig
    from govflow.service.metrics import Metrics
    from govflow.service.worker import Worker

log = logging.getLogger("govflow.service.webhooks")

#: seconds to wait for the first retry (the rest double from it); tests make it short
FIRST_RETRY_ENV = "GOVFLOW_WEBHOOK_FIRST_RETRY"
USER_AGENT = "govflow-webhooks"
#: how long sent and failed deliveries stay listed before the worker forgets them
KEEP_DONE = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one attempt went: the HTTP status (None: no answer) and what went wrong."""

    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Sender:
    """Sends due deliveries of one store; one instance per worker process.

    :meth:`send_due` never waits for a receiver: it records the attempts that finished since
    its last run, leases as many due deliveries as there is room for (``in_flight``) and hands
    them to its threads. So a slow or hanging receiver holds up only its own deliveries, never
    the worker's timers. :meth:`close` lets the attempts in hand finish and records them.
    """

    def __init__(
        self, hooks: WebhookStore, *, in_flight: int = 16, threads: int = 8,
        timeout: float = 10.0, lease: timedelta = timedelta(seconds=60),
        first_retry: timedelta = FIRST_RETRY, metrics: Metrics | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if lease.total_seconds() <= 2 * timeout:
            raise ValueError("the lease must outlast an attempt (lease > 2 × timeout)")
        self.hooks = hooks
        self.in_flight = in_flight
        self.lease = lease
        self.first_retry = first_retry
        self.metrics = metrics
        self.clock = clock
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
                                    follow_redirects=False,
                                    headers={"user-agent": USER_AGENT})
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="govflow-webhook")
        self._sending: list[tuple[Delivery, Webhook, Future[Outcome]]] = []

    def send_due(self) -> int:
        """Record finished attempts, start new ones; returns how many were recorded."""
        recorded = self._collect()
        room = self.in_flight - len(self._sending)
        if room > 0:
            for delivery, hook in self.hooks.claim(self.clock(), room, self.lease):
                self._sending.append(
                    (delivery, hook, self._pool.submit(self.attempt, delivery, hook)))
        return recorded

    def _collect(self, *, wait: bool = False) -> int:
        done = [item for item in self._sending if wait or item[2].done()]
        if not done:
            return 0
        self._sending = [item for item in self._sending if item not in done]
        for delivery, hook, attempt in done:
            self._record(delivery, hook, attempt.result())
        return len(done)

    def attempt(self, delivery: Delivery, hook: Webhook) -> Outcome:
        """POST one delivery, signed for this attempt."""
        stamp = int(self.clock().timestamp())
        headers = {"content-type": "application/json", "webhook-id": delivery.id,
                   "webhook-timestamp": str(stamp),
                   "webhook-signature": sign(hook.secret, delivery.id, stamp, delivery.body)}
        try:
            answer = self._client.post(hook.url, content=delivery.body.encode("utf-8"),
                                       headers=headers)
        except httpx.HTTPError as exc:
            return Outcome(None, f"{type(exc).__name__}: {exc}")
        return Outcome(answer.status_code,
                       "" if 200 <= answer.status_code < 300 else answer.reason_phrase)

    def _record(self, delivery: Delivery, hook: Webhook, outcome: Outcome) -> None:
        now = self.clock()
        if outcome.ok:
            self.hooks.sent(delivery.id, outcome.status or 200, now)
            self._count("sent")
            return
        if outcome.status == 410:
            reason = f"the receiver answered 410 Gone at {now:%Y-%m-%d %H:%M:%S}Z"
            self.hooks.failed(delivery.id, 410, "Gone", now, disable=(hook.id, reason))
            log.warning("webhook %s disabled: %s", hook.id, reason)
            self._count("gone")
            return
        shown = f"HTTP {outcome.status}" if outcome.status else outcome.error
        wait = backoff(delivery.attempts + 1, first=self.first_retry)
        if wait is None:
            self.hooks.failed(delivery.id, outcome.status, shown, now)
            log.warning("webhook delivery %s to %s failed for good after %d attempts: %s",
                        delivery.id, hook.id, delivery.attempts + 1, shown)
            self._count("failed")
            return
        self.hooks.retry_at(delivery.id, now + wait, outcome.status, shown)
        log.info("webhook delivery %s to %s: %s; retrying in %.0f s", delivery.id, hook.id,
                 shown, wait.total_seconds())
        self._count("retry")

    def _count(self, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.webhook_attempts.labels(outcome).inc()

    def close(self) -> None:
        """Let the attempts in hand finish, record them, release the threads and sockets."""
        self._pool.shutdown(wait=True)
        try:
            self._collect(wait=True)
        finally:
            self._client.close()


def first_retry() -> timedelta:
    """The first retry's wait: :data:`FIRST_RETRY_ENV` seconds if set, else 30 s."""
    raw = os.environ.get(FIRST_RETRY_ENV, "").strip()
    if not raw:
        return FIRST_RETRY
    try:
        seconds = float(raw)
    except ValueError:
        raise ValueError(f"{FIRST_RETRY_ENV}={raw!r}: give a number of seconds") from None
    if seconds <= 0:
        raise ValueError(f"{FIRST_RETRY_ENV}={raw!r}: give a number of seconds above 0")
    return timedelta(seconds=seconds)


def fan_out_for(engine: Engine, zone: str) -> FanOut:
    """The fan-out of an engine's store: final states from its workflows."""

    def is_final(case: Case, state: str) -> bool:
        try:
            spec = engine.workflow(case.workflow, case.version)
        except Exception:  # a workflow this process does not know: not known to be final
            return False
        found = spec.states.get(state)
        return bool(found is not None and found.final)

    return FanOut(is_final, ZoneInfo(zone))


def add_tasks(worker: Worker, engine: Engine, metrics: Metrics | None,
              config: ServiceConfig) -> Sender | None:
    """Add the fan-out and the sender to ``worker``, if the engine's store keeps webhooks."""
    from govflow.store.sql import SqlStore

    store = engine.store
    if not isinstance(store, SqlStore):
        return None
    hooks = WebhookStore(store)
    fan_out = fan_out_for(engine, config.timezone)
    sender = Sender(hooks, metrics=metrics, first_retry=first_retry())
    every = min(config.tick_seconds, 1.0)
    worker.add_task("webhook-fanout", lambda: hooks.fan_out(fan_out), every=every, busy_at=500)
    worker.add_task("webhooks", sender.send_due, every=every, busy_at=sender.in_flight)
    worker.add_task("webhook-prune", lambda: hooks.prune(datetime.now(UTC) - KEEP_DONE),
                    every=3600.0)
    return sender
