"""Webhook delivery, run by the worker loop: fan committed events out, send what is due.

Two worker tasks: ``webhook-fanout`` turns fed events into delivery rows
(:meth:`~govflow.store.webhooks.WebhookStore.fan_out`), ``webhooks`` leases due deliveries
and POSTs them with httpx on an asyncio loop in a thread of its own (the worker's loop never
waits for a receiver), each attempt signed anew (same ``webhook-id``, this attempt's
timestamp). 2xx: sent. 410 Gone: the receiver asks to stop, the subscription is disabled.
Anything else (refused, timed out, another status): tried again after
:func:`~govflow.service.webhooks.backoff`, failed after the last attempt. No request is
made inside a database transaction.

A receiver cannot hold a sender: each attempt has one deadline for all of it (connect, send,
the answer's head and body), not a timeout per read that a byte now and then resets, and at
most :data:`BODY_CAP` bytes of an answer are read (its start is kept as the error text).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import AsyncGenerator, Callable, Coroutine
from concurrent.futures import Future
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast
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
#: the most of a receiver's answer body that is read (room for an error text, no more)
BODY_CAP = 64 * 1024
#: the most characters of an answer's text kept as the attempt's error
ERROR_TEXT = 300

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one attempt went: the HTTP status (None: no answer), what went wrong (for an
    answer that is not 2xx: the start of its text, else its reason phrase) and the start of
    the answer's body (at most :data:`BODY_CAP` bytes)."""

    status: int | None
    error: str = ""
    body: bytes = b""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Sender:
    """Sends due deliveries of one store; one instance per worker process.

    :meth:`send_due` never waits for a receiver: it records the attempts that finished since
    its last run, leases as many due deliveries as there is room for (``in_flight``) and hands
    them to its loop. So a slow or hanging receiver holds up only its own deliveries, never
    the worker's timers. ``timeout`` is each attempt's deadline, in seconds, for all of it
    (connect, send, receive); an attempt past it is a failed attempt, retried as any other.
    :meth:`close` lets the attempts in hand finish and records them.
    """

    def __init__(
        self, hooks: WebhookStore, *, in_flight: int = 16, timeout: float = 10.0,
        lease: timedelta = timedelta(seconds=60), first_retry: timedelta = FIRST_RETRY,
        metrics: Metrics | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not timeout > 0:
            raise ValueError(f"timeout={timeout!r}: give the attempt's deadline in seconds, "
                             "above 0")
        if lease.total_seconds() <= 2 * timeout:
            raise ValueError("the lease must outlast an attempt (lease > 2 × timeout)")
        self.hooks = hooks
        self.in_flight = in_flight
        self.timeout = timeout
        self.lease = lease
        self.first_retry = first_retry
        self.metrics = metrics
        self.clock = clock
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="govflow-webhooks")
        self._thread.start()
        self._client = self._on_loop(self._open_client()).result()
        self._sending: list[tuple[Delivery, Webhook, Future[Outcome]]] = []

    def _on_loop(self, work: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    async def _open_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0)),
            follow_redirects=False,
            # the body is read raw, to the cap: no compression that could unpack past it
            headers={"user-agent": USER_AGENT, "accept-encoding": "identity"})

    def send_due(self) -> int:
        """Record finished attempts, start new ones; returns how many were recorded."""
        recorded = self._collect()
        room = self.in_flight - len(self._sending)
        if room > 0:
            for delivery, hook in self.hooks.claim(self.clock(), room, self.lease):
                self._sending.append(
                    (delivery, hook, self._on_loop(self._attempt(delivery, hook))))
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
        """POST one delivery, signed for this attempt, and wait for how it went (at most the
        deadline); nothing is recorded."""
        return self._on_loop(self._attempt(delivery, hook)).result()

    async def _attempt(self, delivery: Delivery, hook: Webhook) -> Outcome:
        stamp = int(self.clock().timestamp())
        headers = {"content-type": "application/json", "webhook-id": delivery.id,
                   "webhook-timestamp": str(stamp),
                   "webhook-signature": sign(hook.secret, delivery.id, stamp, delivery.body)}
        try:
            async with asyncio.timeout(self.timeout):
                async with self._client.stream("POST", hook.url, headers=headers,
                                               content=delivery.body.encode("utf-8"),
                                               ) as answer:
                    body = await _read_at_most(answer, BODY_CAP)
        except TimeoutError:
            return Outcome(None, f"TimeoutError: no whole answer within {self.timeout:g} s "
                                 "(the deadline for connecting, sending and receiving)")
        except httpx.HTTPError as exc:
            return Outcome(None, f"{type(exc).__name__}: {exc}")
        if 200 <= answer.status_code < 300:
            return Outcome(answer.status_code, "", body)
        return Outcome(answer.status_code, _text_of(body) or answer.reason_phrase, body)

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
        # the receiver's own text is kept with the attempt, not logged (it may echo the event)
        logged = f"HTTP {outcome.status}" if outcome.status else outcome.error
        shown = f"{logged}: {outcome.error}" if outcome.status and outcome.error else logged
        wait = backoff(delivery.attempts + 1, first=self.first_retry)
        if wait is None:
            self.hooks.failed(delivery.id, outcome.status, shown, now)
            log.warning("webhook delivery %s to %s failed for good after %d attempts: %s",
                        delivery.id, hook.id, delivery.attempts + 1, logged)
            self._count("failed")
            return
        self.hooks.retry_at(delivery.id, now + wait, outcome.status, shown)
        log.info("webhook delivery %s to %s: %s; retrying in %.0f s", delivery.id, hook.id,
                 logged, wait.total_seconds())
        self._count("retry")

    def _count(self, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.webhook_attempts.labels(outcome).inc()

    def close(self) -> None:
        """Let the attempts in hand finish (each within its deadline), record them, release
        the loop's thread and the sockets."""
        if self._loop.is_closed():
            return
        try:
            self._collect(wait=True)
        finally:
            for _, _, attempt in self._sending:  # left if recording failed: not to be waited on
                attempt.cancel()
            self._sending = []
            try:
                self._on_loop(self._client.aclose()).result()
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join()
                self._loop.close()


async def _read_at_most(answer: httpx.Response, most: int) -> bytes:
    """The first ``most`` bytes of ``answer``'s body, as sent; the rest is never read (closing
    the answer early drops its connection)."""
    chunks: list[bytes] = []
    got = 0
    # aiter_raw is an async generator (typed as an iterator): closed here, not left to the GC
    raw = cast(AsyncGenerator[bytes, None], answer.aiter_raw())
    async with aclosing(raw) as stream:
        async for chunk in stream:
            chunks.append(chunk)
            got += len(chunk)
            if got >= most:
                break
    return b"".join(chunks)[:most]


def _text_of(body: bytes) -> str:
    """The start of an answer's text on one line: control characters and runs of white space
    made one space, cut at :data:`ERROR_TEXT` characters."""
    text = body[:4 * ERROR_TEXT].decode("utf-8", errors="replace")
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text if len(text) <= ERROR_TEXT else text[:ERROR_TEXT - 1] + "…"


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
