"""The webhook queries of the SQL store: subscriptions, the feed, deliveries and their leases.

How a committed event becomes a delivery, durably and without ever holding up the engine:

1. :func:`feed_events` runs inside :meth:`SqlStore.commit`'s own transaction and, while at
   least one subscription is active, writes one ``webhook_feed`` row per event (case id and
   event seq: a plain insert that cannot fail on its own). An event committed is an event
   fed; a rolled-back change feeds nothing. No network, no subscription matching here.
2. :meth:`WebhookStore.fan_out` (the worker) takes feed rows oldest first, lets the service
   turn each event into messages for the subscriptions that want it, inserts those delivery
   rows and deletes the feed rows, all in one transaction. On PostgreSQL the feed rows are
   taken ``FOR UPDATE SKIP LOCKED``, so several workers fan out disjoint rows.
3. :meth:`WebhookStore.claim` leases due deliveries to one worker (``SKIP LOCKED`` again,
   like timers); the worker sends them and records the outcome with :meth:`WebhookStore.sent`,
   :meth:`WebhookStore.retry_at` or :meth:`WebhookStore.failed`. A worker that dies mid-send
   loses its lease and another sends the delivery again (at least once, same ``id``).

Webhooks need a SQL store: their whole point is durable state that outlives the process,
which the in-memory store does not have (see docs/service.md, "Webhooks").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from govflow.errors import ServiceError
from govflow.records import Case, Event
from govflow.store.changes import CASE_FIELDS, EVENT_FIELDS
from govflow.store.tables import (
    UTCDateTime,
    cases,
    events,
    webhook_deliveries,
    webhook_feed,
    webhooks,
)

if TYPE_CHECKING:
    from govflow.store.sql import SqlStore

PENDING, SENT, FAILED = "pending", "sent", "failed"


@dataclass(frozen=True, slots=True)
class Webhook:
    """A subscription: where to send which kinds of events, signed with ``secret``."""

    id: str
    url: str
    events: tuple[str, ...]
    secret: str = field(repr=False)
    active: bool
    created_at: datetime
    disabled_at: datetime | None = None
    disabled_reason: str = ""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message to one subscription and how sending it went."""

    id: str
    webhook_id: str
    kind: str
    case_id: str
    body: str
    created_at: datetime
    status: str
    attempts: int
    next_at: datetime
    last_status: int | None
    last_error: str
    done_at: datetime | None


@dataclass(frozen=True, slots=True)
class FeedItem:
    """A committed event waiting for fan-out, with its case as it stands now."""

    created_at: datetime
    event: Event
    case: Case | None


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """A delivery row the fan-out writes."""

    id: str
    webhook_id: str
    kind: str
    case_id: str
    body: str


#: makes the deliveries for a page of feed items, given the active subscriptions
MakeDeliveries = Callable[[Sequence[FeedItem], Sequence[Webhook]], list[NewDelivery]]

_WEBHOOK_COLS = [webhooks.c[n] for n in ("id", "url", "events", "secret", "active",
                                         "created_at", "disabled_at", "disabled_reason")]
_DELIVERY_COLS = [webhook_deliveries.c[n] for n in (
    "id", "webhook_id", "kind", "case_id", "body", "created_at", "status", "attempts",
    "next_at", "last_status", "last_error", "done_at")]
_ANY_ACTIVE = sa.select(webhooks.c.id).where(webhooks.c.active == sa.true()).limit(1)
_FEED = webhook_feed.insert()


def feed_events(conn: Connection, event_rows: Sequence[dict[str, Any]]) -> None:
    """In the committing transaction: queue the events for fan-out if anyone subscribes.

    Costs one indexed read per commit while nobody subscribes, and one more ``executemany``
    while someone does."""
    if not event_rows or conn.execute(_ANY_ACTIVE).first() is None:
        return
    now = datetime.now(UTC)
    conn.execute(_FEED, [{"case_id": row["case_id"], "event_seq": row["seq"],
                          "created_at": now} for row in event_rows])


class WebhookStore:
    """The webhook tables of one :class:`~govflow.store.sql.SqlStore`."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        make = postgresql.insert if store.backend == "postgresql" else sqlite.insert
        self._insert_delivery = make(webhook_deliveries).on_conflict_do_nothing(
            index_elements=["id"])
        self._pg = store.backend == "postgresql"

    @property
    def worker(self) -> str:
        return self._store.worker

    # -- subscriptions -------------------------------------------------------------------
    def add(self, hook: Webhook) -> None:
        with self._store._write("adding a webhook") as conn:
            conn.execute(webhooks.insert(), {
                "id": hook.id, "url": hook.url, "events": list(hook.events),
                "secret": hook.secret, "active": hook.active, "created_at": hook.created_at,
                "disabled_at": hook.disabled_at, "disabled_reason": hook.disabled_reason})

    def subscriptions(self) -> list[Webhook]:
        with self._store._read("listing webhooks") as conn:
            rows = conn.execute(sa.select(*_WEBHOOK_COLS).order_by(webhooks.c.created_at,
                                                                    webhooks.c.id)).all()
        return [_webhook(row) for row in rows]

    def get(self, webhook_id: str) -> Webhook | None:
        with self._store._read("reading a webhook") as conn:
            row = conn.execute(sa.select(*_WEBHOOK_COLS).where(
                webhooks.c.id == webhook_id)).first()
        return None if row is None else _webhook(row)

    def remove(self, webhook_id: str) -> bool:
        """Delete a subscription and its deliveries (sent, pending or failed)."""
        with self._store._write("removing a webhook") as conn:
            conn.execute(webhook_deliveries.delete().where(
                webhook_deliveries.c.webhook_id == webhook_id))
            return bool(conn.execute(webhooks.delete().where(
                webhooks.c.id == webhook_id)).rowcount)

    def set_active(self, webhook_id: str, active: bool, *, reason: str = "",
                   at: datetime | None = None) -> bool:
        """Enable or disable a subscription; False if there is no such subscription."""
        values: dict[str, Any] = {"active": active,
                                  "disabled_at": None if active else (at or datetime.now(UTC)),
                                  "disabled_reason": "" if active else reason}
        with self._store._write("changing a webhook") as conn:
            return bool(conn.execute(webhooks.update().where(
                webhooks.c.id == webhook_id).values(**values)).rowcount)

    # -- fan-out -------------------------------------------------------------------------
    def fan_out(self, make: MakeDeliveries, *, limit: int = 500,
                now: datetime | None = None) -> int:
        """Turn up to ``limit`` feed rows into deliveries, in one transaction; returns how
        many feed rows were taken."""
        now = now or datetime.now(UTC)
        take = (sa.select(webhook_feed.c.seq, webhook_feed.c.case_id,
                          webhook_feed.c.event_seq, webhook_feed.c.created_at)
                .order_by(webhook_feed.c.seq).limit(limit))
        if self._pg:
            take = take.with_for_update(skip_locked=True)
        with self._store._write("fanning out webhook events") as conn:
            feed = conn.execute(take).all()
            if not feed:
                return 0
            hooks = [_webhook(r) for r in conn.execute(
                sa.select(*_WEBHOOK_COLS).where(webhooks.c.active == sa.true()))]
            items = _items(conn, feed) if hooks else []
            rows = make(items, hooks) if items else []
            if rows:
                conn.execute(self._insert_delivery, [
                    {"id": r.id, "webhook_id": r.webhook_id, "kind": r.kind,
                     "case_id": r.case_id, "body": r.body, "created_at": now,
                     "status": PENDING, "attempts": 0, "next_at": now} for r in rows])
            seqs = [row.seq for row in feed]
            for start in range(0, len(seqs), 500):
                conn.execute(webhook_feed.delete().where(
                    webhook_feed.c.seq.in_(seqs[start:start + 500])))
        return len(feed)

    # -- sending -------------------------------------------------------------------------
    def claim(self, now: datetime, limit: int,
              lease: timedelta) -> list[tuple[Delivery, Webhook]]:
        """Lease up to ``limit`` due deliveries of active subscriptions to this worker."""
        claim = self.claim_statement(limit, now + lease)
        with self._store._write("claiming webhook deliveries") as conn:
            found = [_delivery(row) for row in conn.execute(claim, {"b_now": now}).all()]
            if not found:
                return []
            hooks = {row.id: _webhook(row) for row in conn.execute(
                sa.select(*_WEBHOOK_COLS).where(
                    webhooks.c.id.in_({x.webhook_id for x in found})))}
        found.sort(key=lambda x: (x.next_at, x.id))
        return [(x, hooks[x.webhook_id]) for x in found if x.webhook_id in hooks]

    def claim_statement(self, limit: int, until: datetime) -> sa.Update:
        """The lease as one ``UPDATE … RETURNING`` (due rows taken ``SKIP LOCKED`` on
        PostgreSQL), bound with ``b_now``."""
        d = webhook_deliveries
        unleased = sa.or_(d.c.lease_until.is_(None),
                          d.c.lease_until < sa.bindparam("b_now", type_=UTCDateTime))
        due = (sa.select(d.c.id)
               .where(d.c.status == PENDING,
                      d.c.next_at <= sa.bindparam("b_now", type_=UTCDateTime), unleased,
                      d.c.webhook_id.in_(sa.select(webhooks.c.id).where(
                          webhooks.c.active == sa.true())))
               .order_by(d.c.next_at, d.c.seq).limit(limit))
        if self._pg:
            due = due.with_for_update(skip_locked=True, of=d)
        return (d.update().where(d.c.id.in_(due.scalar_subquery()))
                .values(lease_owner=self.worker, lease_until=until)
                .returning(*_DELIVERY_COLS))

    def sent(self, delivery_id: str, status: int, at: datetime) -> None:
        """The receiver took it (2xx)."""
        self._finish(delivery_id, {"status": SENT, "last_status": status, "last_error": "",
                                   "done_at": at})

    def retry_at(self, delivery_id: str, when: datetime, status: int | None,
                 error: str) -> None:
        """The attempt failed: try again at ``when``."""
        self._finish(delivery_id, {"status": PENDING, "next_at": when, "last_status": status,
                                   "last_error": error[:500]})

    def failed(self, delivery_id: str, status: int | None, error: str, at: datetime,
               *, disable: tuple[str, str] | None = None) -> None:
        """Given up on (attempts spent, or 410); ``disable`` = (webhook id, reason) also
        disables the subscription, in the same transaction."""
        self._finish(delivery_id, {"status": FAILED, "last_status": status,
                                   "last_error": error[:500], "done_at": at}, disable, at)

    def _finish(self, delivery_id: str, values: dict[str, Any],
                disable: tuple[str, str] | None = None, at: datetime | None = None) -> None:
        d = webhook_deliveries
        stmt = (d.update().where(d.c.id == delivery_id, d.c.status == PENDING)
                .values(attempts=d.c.attempts + 1, lease_until=None, lease_owner=None,
                        **values))
        with self._store._write("recording a webhook delivery") as conn:
            conn.execute(stmt)
            if disable is not None:
                conn.execute(webhooks.update().where(webhooks.c.id == disable[0]).values(
                    active=False, disabled_at=at, disabled_reason=disable[1]))

    def prune(self, before: datetime) -> int:
        """Forget sent and failed deliveries done before ``before``; returns how many."""
        d = webhook_deliveries
        stmt = d.delete().where(d.c.status.in_((SENT, FAILED)), d.c.done_at < before)
        with self._store._write("pruning webhook deliveries") as conn:
            return int(conn.execute(stmt).rowcount)

    # -- reading -------------------------------------------------------------------------
    def deliveries(self, webhook_id: str | None = None, *, status: str | None = None,
                   limit: int = 50) -> list[Delivery]:
        """The most recent deliveries first (of one subscription, of one status)."""
        stmt = sa.select(*_DELIVERY_COLS).order_by(webhook_deliveries.c.seq.desc()).limit(limit)
        if webhook_id is not None:
            stmt = stmt.where(webhook_deliveries.c.webhook_id == webhook_id)
        if status is not None:
            stmt = stmt.where(webhook_deliveries.c.status == status)
        with self._store._read("reading webhook deliveries") as conn:
            return [_delivery(row) for row in conn.execute(stmt)]

    def figures(self, now: datetime) -> dict[str, float]:
        """Deliveries pending (for active subscriptions), sent and failed, and the age of the
        oldest pending one (or of the oldest event not yet fanned out, if older)."""
        d = webhook_deliveries
        counts = sa.select(d.c.status, sa.func.count()).group_by(d.c.status)
        # deliveries of a disabled subscription wait, parked, until it is enabled again
        live = sa.and_(d.c.status == PENDING, d.c.webhook_id.in_(
            sa.select(webhooks.c.id).where(webhooks.c.active == sa.true())))
        pending = sa.select(sa.func.count()).select_from(d).where(live)
        oldest = sa.select(sa.func.min(d.c.created_at)).where(live)
        fed = sa.select(sa.func.min(webhook_feed.c.created_at))
        with self._store._read("reading the webhook figures") as conn:
            by_status = {str(s): int(n) for s, n in conn.execute(counts)}
            waiting = int(conn.execute(pending).scalar() or 0)
            first = [conn.execute(oldest).scalar(), conn.execute(fed).scalar()]
        moments = [_moment(m) for m in first if m is not None]
        lag = (now - min(moments)).total_seconds() if moments else 0.0
        return {"webhook_deliveries_pending": waiting,
                "webhook_deliveries_sent": by_status.get(SENT, 0),
                "webhook_deliveries_failed": by_status.get(FAILED, 0),
                "webhook_lag_seconds": max(0.0, lag)}


def webhook_store(store: object) -> WebhookStore:
    """The store's webhook tables, or a clear error for a store without them."""
    from govflow.store.sql import SqlStore

    if not isinstance(store, SqlStore):
        raise ServiceError(
            f"webhooks need a SQL store (sqlite:///FILE.db or postgresql+psycopg://…), not "
            f"{store!r}: deliveries must outlive the process, and the in-memory store "
            "forgets everything when it stops")
    return WebhookStore(store)


def _items(conn: Connection, feed: Sequence[Any]) -> list[FeedItem]:
    keys = [(row.case_id, row.event_seq) for row in feed]
    found: dict[tuple[str, int], Event] = {}
    for start in range(0, len(keys), 500):
        part = keys[start:start + 500]
        stmt = sa.select(*[events.c[n] for n in EVENT_FIELDS]).where(
            sa.tuple_(events.c.case_id, events.c.seq).in_(part))
        for row in conn.execute(stmt):
            event = Event(*row)
            found[(event.case_id, event.seq)] = event
    ids = sorted({case_id for case_id, _ in keys})
    by_id: dict[str, Case] = {}
    for start in range(0, len(ids), 500):
        stmt = sa.select(*[cases.c[n] for n in CASE_FIELDS]).where(
            cases.c.id.in_(ids[start:start + 500]))
        for row in conn.execute(stmt):
            case = Case(*row)
            by_id[case.id] = case
    return [FeedItem(_moment(row.created_at), found[(row.case_id, row.event_seq)],
                     by_id.get(row.case_id))
            for row in feed if (row.case_id, row.event_seq) in found]


def _moment(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite: an aggregate loses the column type
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    moment: datetime = value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _webhook(row: Any) -> Webhook:
    return Webhook(row.id, row.url, tuple(row.events), row.secret, bool(row.active),
                   row.created_at, row.disabled_at, row.disabled_reason or "")


def _delivery(row: Any) -> Delivery:
    return Delivery(row.id, row.webhook_id, row.kind, row.case_id, row.body, row.created_at,
                    row.status, row.attempts, row.next_at, row.last_status,
                    row.last_error or "", row.done_at)
