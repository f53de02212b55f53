"""Webhooks below the HTTP layer: the retry plan, signing (checked with ``standardwebhooks``),
event kinds, the feed written in the change's own transaction, fan-out, leases and results,
on SQLite and on PostgreSQL (where two workers must never hold the same delivery)."""

from __future__ import annotations

import dataclasses
import itertools
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import standardwebhooks

from govflow import Engine, SimClock
from govflow.errors import ConflictError, ServiceError
from govflow.records import Actor, Change, Event
from govflow.service.webhooks import (
    ATTEMPTS,
    FIRST_RETRY,
    LONGEST_WAIT,
    backoff,
    check_events,
    check_url,
    kinds_of,
    new_secret,
    schedule,
    sign,
    subscribe,
    wants,
)
from govflow.service.webhooks_sender import Outcome, Sender, fan_out_for
from govflow.store.sql import SqlStore
from govflow.store.tables import webhook_deliveries, webhook_feed
from govflow.store.webhooks import FAILED, PENDING, SENT, WebhookStore, webhook_store
from tests.conftest import ROOT, postgres_url
from tests.webhook_receiver import Receiver

CELL = "410102001001001"
OPERATOR = Actor.of("desk", "hotline_operator")
HANDLER = Actor.of("li", "handler")
CALLER = {"caller_phone": "13800000000", "kind": "complaint"}


# -- the retry plan ---------------------------------------------------------------------------
def test_backoff_schedule_spans_about_three_days() -> None:
    """The nominal waits start at 30 s, double up to 12 h and add up to about three days."""
    waits = schedule()
    assert len(waits) == ATTEMPTS - 1
    assert waits[0] == FIRST_RETRY == timedelta(seconds=30)
    assert all(b >= a for a, b in itertools.pairwise(waits))
    assert max(waits) == LONGEST_WAIT
    total = sum(waits, timedelta())
    assert timedelta(days=2.5) <= total <= timedelta(days=3.5), total


def test_backoff_jitters_within_a_fifth_and_gives_up_after_the_last_attempt() -> None:
    """Each wait is its nominal value ± 20 %, differs between draws, and there is none after
    the last attempt; with jitter the whole plan still spans 2.4–4.2 days."""
    rng = random.Random(15)
    nominal = schedule()
    for attempts, wait in enumerate(nominal, start=1):
        drawn = [backoff(attempts, rng=rng) for _ in range(50)]
        assert all(d is not None and 0.8 * wait <= d <= 1.2 * wait for d in drawn)
        assert len(set(drawn)) > 1
    assert backoff(ATTEMPTS, rng=rng) is None
    total = sum((backoff(n, rng=rng) or timedelta() for n in range(1, ATTEMPTS)), timedelta())
    assert timedelta(days=2.4) <= total <= timedelta(days=4.2)


def test_a_shorter_first_retry_scales_the_start_only() -> None:
    """``first`` sets the first wait; the cap stays at 12 h."""
    waits = schedule(first=timedelta(seconds=1))
    assert waits[:3] == [timedelta(seconds=1), timedelta(seconds=2), timedelta(seconds=4)]
    assert max(waits) <= LONGEST_WAIT


# -- signing and kinds -----------------------------------------------------------------------
def test_signature_verifies_with_the_reference_library() -> None:
    """Our ``v1,`` signature is what ``standardwebhooks`` expects; a changed body fails."""
    secret = new_secret()
    assert secret.startswith("whsec_")
    stamp = int(datetime.now(UTC).timestamp())
    body = '{"type":"case.opened","data":{"note":"占道经营"}}'
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(stamp),
               "webhook-signature": sign(secret, "msg_1", stamp, body)}
    hook = standardwebhooks.Webhook(secret)
    assert hook.verify(body.encode(), headers)["type"] == "case.opened"
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        hook.verify(body.replace("opened", "closed").encode(), headers)
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(new_secret()).verify(body.encode(), headers)


def _event(trigger: str, **data: object) -> Event:
    return Event("c1", 2, datetime.now(UTC), "a", "r", trigger, "x", "y", data=dict(data))


def test_each_event_is_sent_as_its_kinds() -> None:
    """open, timers, transitions (closing ones also as case.closed), rebounds; notes and the
    engine's bookkeeping events are not sent."""
    assert kinds_of(_event("open"), False) == ["case.opened"]
    assert kinds_of(_event("warn"), False) == ["timer.warning"]
    assert kinds_of(_event("breach"), False) == ["timer.breach"]
    assert kinds_of(_event("escalate"), False) == ["timer.escalation"]
    assert kinds_of(_event("revisit_due"), False) == ["timer.revisit_due"]
    assert kinds_of(_event("sign"), False) == ["trigger.sign"]
    assert kinds_of(_event("close"), True) == ["trigger.close", "case.closed"]
    assert kinds_of(_event("revisit", rebound=True), False) == ["case.reopened"]
    assert kinds_of(_event("revisit", rebound=False), False) == []
    assert kinds_of(_event("sign", note=True), False) == []
    for quiet in ("extend", "supervise", "replan", "migrate", "revisit_end"):
        assert kinds_of(_event(quiet), False) == []


def test_wildcards_and_bad_kinds() -> None:
    """``*`` and ``family.*`` match; a misspelt kind is refused with the list of kinds."""
    assert wants(["*"], "timer.breach")
    assert wants(["trigger.*"], "trigger.sign") and not wants(["trigger.*"], "case.opened")
    assert wants(["case.closed"], "case.closed") and not wants(["case.closed"], "case.opened")
    assert check_events(["case.opened", " trigger.sign ", "case.opened"]) == (
        "case.opened", "trigger.sign")
    with pytest.raises(ServiceError, match=r"'case.open'.*case\.opened"):
        check_events(["case.open"])
    with pytest.raises(ServiceError, match="at least one"):
        check_events([" "])
    with pytest.raises(ServiceError, match="http"):
        check_url("ftp://example.org/x")


def test_the_memory_store_is_refused_with_the_reason() -> None:
    """Webhooks need a SQL store; the error says which and why."""
    from govflow.store.memory import MemoryStore

    with pytest.raises(ServiceError, match="need a SQL store"):
        webhook_store(MemoryStore())


# -- on a real database ----------------------------------------------------------------------
def _engine(store: SqlStore) -> Engine:
    return Engine(ROOT / "workflows.yaml", store=store,
                  clock=SimClock(datetime(2026, 10, 12, 9, 0, tzinfo=UTC)))


def _count(store: SqlStore, table: sa.Table) -> int:
    with store._read("counting") as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)


def test_the_feed_is_written_only_while_someone_subscribes(sql_store: SqlStore) -> None:
    """No subscription: no feed rows. Active one: a row per event. Disabled: none again."""
    engine = _engine(sql_store)
    hooks = WebhookStore(sql_store)
    engine.open_case("hotline", cell=CELL, data=CALLER, actor=OPERATOR)
    assert _count(sql_store, webhook_feed) == 0
    hook = subscribe(hooks, "http://127.0.0.1:9/x", ["*"])
    case = engine.open_case("hotline", cell=CELL, data=CALLER, actor=OPERATOR)
    engine.fire(case.id, "sign", actor=HANDLER)
    assert _count(sql_store, webhook_feed) == 2
    hooks.set_active(hook.id, False, reason="test")
    engine.open_case("hotline", cell=CELL, data=CALLER, actor=OPERATOR)
    assert _count(sql_store, webhook_feed) == 2


def test_a_refused_commit_feeds_nothing(sql_store: SqlStore) -> None:
    """The feed rows share the change's transaction: a conflicting commit leaves none."""
    engine = _engine(sql_store)
    subscribe(WebhookStore(sql_store), "http://127.0.0.1:9/x", ["*"])
    case = engine.open_case("hotline", cell=CELL, data=CALLER, actor=OPERATOR)
    before = _count(sql_store, webhook_feed)
    stale = engine.case(case.id)
    engine.fire(case.id, "sign", actor=HANDLER)
    stale.state = "signed"
    stale.rev += 1
    event = Event(case.id, stale.events + 1, datetime.now(UTC), "x", "handler", "sign",
                  "received", "signed")
    with pytest.raises(ConflictError):
        sql_store.commit([Change(stale, stale.rev - 1, [event])])
    assert _count(sql_store, webhook_feed) == before + 1  # the sign that committed only


def test_fan_out_makes_one_delivery_per_wanting_subscription(sql_store: SqlStore) -> None:
    """Each event becomes a delivery for each subscription that wants its kind; a closing
    transition is also ``case.closed``; fanning out empties the feed."""
    engine = _engine(sql_store)
    hooks = WebhookStore(sql_store)
    everything = subscribe(hooks, "http://127.0.0.1:9/all", ["*"])
    closing = subscribe(hooks, "http://127.0.0.1:9/closed", ["case.closed", "trigger.sign"])
    case = engine.open_case("hotline", cell=CELL, data=CALLER, actor=OPERATOR)
    for trigger, actor in (("sign", HANDLER), ("start", HANDLER), ("reply", HANDLER),
                           ("call_back", OPERATOR), ("close", OPERATOR)):
        engine.fire(case.id, trigger, actor=actor)
    fan = fan_out_for(engine, "Asia/Shanghai")
    assert hooks.fan_out(fan) == 6
    assert hooks.fan_out(fan) == 0
    kinds_all = sorted(d.kind for d in hooks.deliveries(everything.id))
    assert kinds_all == sorted(["case.opened", "trigger.sign", "trigger.start",
                                "trigger.reply", "trigger.call_back", "trigger.close",
                                "case.closed"])
    assert sorted(d.kind for d in hooks.deliveries(closing.id)) == ["case.closed",
                                                                    "trigger.sign"]
    assert _count(sql_store, webhook_feed) == 0
    assert len({d.id for d in hooks.deliveries(limit=100)}) == 9


def test_a_subscription_gets_only_events_after_it_was_made(sql_store: SqlStore) -> None:
    """Events fed before a subscription existed are not sent to it."""
    engine = _engine(sql_store)
    hooks = WebhookStore(sql_store)
    early = subscribe(hooks, "http://127.0.0.1:9/a", ["*"])
    engine.open_case("hotline", cell=CELL, data=CALLER, actor=OPERATOR)
    late = subscribe(hooks, "http://127.0.0.1:9/b", ["*"],
                     at=datetime.now(UTC) + timedelta(seconds=5))
    hooks.fan_out(fan_out_for(engine, "Asia/Shanghai"))
    assert len(hooks.deliveries(early.id)) == 1
    assert hooks.deliveries(late.id) == []


def test_outcomes_are_recorded_and_410_disables(sql_store: SqlStore) -> None:
    """2xx: sent. 500: pending again, later, attempts counted. 410: failed and the
    subscription disabled (its other deliveries are no longer claimed). Last attempt: failed."""
    engine = _engine(sql_store)
    hooks = WebhookStore(sql_store)
    hook = subscribe(hooks, "http://127.0.0.1:9/x", ["*"])
    for _ in range(4):
        engine.open_case("hotline", cell=CELL, data=CALLER, actor=OPERATOR)
    hooks.fan_out(fan_out_for(engine, "Asia/Shanghai"))
    now = datetime.now(UTC)
    sender = Sender(hooks, clock=lambda: now)
    try:
        claimed = hooks.claim(now, 10, timedelta(seconds=60))
        assert len(claimed) == 4
        assert hooks.claim(now, 10, timedelta(seconds=60)) == []  # all leased
        (a, _), (b, _), (c, _), (d, _) = claimed
        sender._record(a, hook, Outcome(204))
        sender._record(b, hook, Outcome(500, "Internal Server Error"))
        last = dataclasses.replace(c, attempts=ATTEMPTS - 1)
        sender._record(last, hook, Outcome(None, "ConnectError: refused"))
        rows = {x.id: x for x in hooks.deliveries(limit=10)}
        assert rows[a.id].status == SENT and rows[a.id].last_status == 204
        assert rows[b.id].status == PENDING and rows[b.id].attempts == 1
        assert rows[b.id].next_at >= now + 0.8 * FIRST_RETRY
        assert rows[c.id].status == FAILED and "refused" in rows[c.id].last_error
        sender._record(d, hook, Outcome(410, "Gone"))
        found = hooks.get(hook.id)
        assert found is not None and not found.active and "410" in found.disabled_reason
        failed = {x.id: x for x in hooks.deliveries(status=FAILED, limit=10)}
        assert set(failed) == {c.id, d.id} and failed[d.id].last_status == 410
        later = now + timedelta(days=1)
        assert hooks.claim(later, 10, timedelta(seconds=60)) == []  # b: hook disabled
        assert hooks.figures(later)["webhook_deliveries_pending"] == 0  # parked, not late
        hooks.set_active(hook.id, True)
        assert [x.id for x, _ in hooks.claim(later, 10, timedelta(seconds=60))] == [b.id]
        figures = hooks.figures(later)
        assert figures["webhook_deliveries_pending"] == 1
        assert figures["webhook_deliveries_sent"] == 1
        assert figures["webhook_deliveries_failed"] == 2
        assert figures["webhook_lag_seconds"] >= timedelta(days=1).total_seconds() - 5
        # done deliveries are kept for a while, then pruned; pending ones never
        assert hooks.prune(now - timedelta(seconds=1)) == 0
        assert hooks.prune(later) == 3
        assert [x.id for x in hooks.deliveries(limit=10)] == [b.id]
    finally:
        sender.close()


def test_an_expired_lease_is_handed_out_again(sql_store: SqlStore) -> None:
    """A worker that died keeps its deliveries only until the lease ends."""
    engine = _engine(sql_store)
    hooks = WebhookStore(sql_store)
    subscribe(hooks, "http://127.0.0.1:9/x", ["case.opened"])
    engine.open_case("hotline", cell=CELL, data=CALLER, actor=OPERATOR)
    hooks.fan_out(fan_out_for(engine, "Asia/Shanghai"))
    now = datetime.now(UTC)
    first = hooks.claim(now, 10, timedelta(seconds=60))
    assert len(first) == 1
    assert hooks.claim(now + timedelta(seconds=30), 10, timedelta(seconds=60)) == []
    again = hooks.claim(now + timedelta(seconds=61), 10, timedelta(seconds=60))
    assert [d.id for d, _ in again] == [first[0][0].id]


def test_a_hanging_receiver_does_not_hold_up_the_worker(sql_store: SqlStore) -> None:
    """``send_due`` returns while the receiver still sits on the request; the attempt is
    recorded at a later run (here: at close, which lets the attempt in hand finish)."""
    engine = _engine(sql_store)
    hooks = WebhookStore(sql_store)
    receiver = Receiver()
    receiver.hold()
    sender = Sender(hooks)
    try:
        receiver.secret = subscribe(hooks, receiver.url, ["case.opened"]).secret
        engine.open_case("hotline", cell=CELL, data=CALLER, actor=OPERATOR)
        hooks.fan_out(fan_out_for(engine, "Asia/Shanghai"))
        assert sender.send_due() == 0
        assert receiver.arrived.wait(10)  # the request is out, unanswered, and we are back
        assert receiver.holding.is_set() and receiver.received == []
        assert [d.status for d in hooks.deliveries()] == [PENDING]
        receiver.release()
    finally:
        receiver.release()
        sender.close()
        receiver.stop()
    assert [(d.status, d.attempts) for d in hooks.deliveries()] == [(SENT, 1)]
    assert receiver.received[0].verified


@pytest.mark.postgres
def test_two_postgres_workers_never_hold_the_same_delivery(tmp_path: Path) -> None:
    """While one worker's claim is still uncommitted (its rows locked), another worker's claim
    skips those rows at once (``SKIP LOCKED``, no wait) and takes the rest; the same for
    fan-out of the feed."""
    schema = f"gf_test_{uuid.uuid4().hex[:12]}"
    one = SqlStore(postgres_url(), schema=schema, create=True, worker="one")
    two = SqlStore(postgres_url(), schema=schema, worker="two")
    try:
        # worker two waits for no lock: a blocked statement fails instead of waiting
        two._engine.dispose()
        sa.event.listen(two._engine, "connect", _no_lock_waits)
        engine = _engine(one)
        hooks_one, hooks_two = WebhookStore(one), WebhookStore(two)
        subscribe(hooks_one, "http://127.0.0.1:9/x", ["case.opened"])
        for _ in range(12):
            engine.open_case("hotline", cell=CELL, data=CALLER, actor=OPERATOR)
        # fan-out: a page of the feed locked by worker one is skipped by worker two
        fan = fan_out_for(engine, "Asia/Shanghai")
        with one._engine.connect() as held:
            held.exec_driver_sql("BEGIN")
            locked = held.execute(sa.select(webhook_feed.c.seq).order_by(webhook_feed.c.seq)
                                  .limit(5).with_for_update(skip_locked=True)).scalars().all()
            assert len(locked) == 5
            assert hooks_two.fan_out(fan) == 7
            held.exec_driver_sql("COMMIT")
        assert hooks_one.fan_out(fan) == 5
        assert _count(one, webhook_deliveries) == 12
        # sending: an open claim of 5 by worker one; worker two gets the other 7 at once
        now = datetime.now(UTC)
        claim = hooks_one.claim_statement(5, now + timedelta(seconds=60))
        with one._engine.connect() as held:
            held.exec_driver_sql("BEGIN")
            mine = {row.id for row in held.execute(claim, {"b_now": now})}
            theirs = {d.id for d, _ in hooks_two.claim(now, 100, timedelta(seconds=60))}
            held.exec_driver_sql("COMMIT")
        assert len(mine) == 5 and len(theirs) == 7 and not mine & theirs
        assert hooks_one.claim(now, 100, timedelta(seconds=60)) == []
    finally:
        two.close()
        one.drop_schema()
        one.close()


def _no_lock_waits(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("SET lock_timeout = '500ms'")
    cur.close()
