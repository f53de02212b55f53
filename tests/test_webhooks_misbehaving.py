"""Receivers that misbehave on purpose, on real sockets on 127.0.0.1: one that trickles its
answer a byte at a time (every read arrives in time, the answer never ends) and one that
answers with 10 MB. The sender hangs up at its deadline and reads at most ``BODY_CAP`` bytes
of an answer; either way the attempt is recorded like any other."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from govflow import Engine, SimClock
from govflow.records import Actor
from govflow.service.webhooks import FIRST_RETRY, subscribe
from govflow.service.webhooks_sender import BODY_CAP, Outcome, Sender, fan_out_for
from govflow.store.sql import SqlStore
from govflow.store.webhooks import PENDING, SENT, Delivery, Webhook, WebhookStore
from tests.conftest import ROOT

CELL = "410102001001001"
OPERATOR = Actor.of("desk", "hotline_operator")
CALLER = {"caller_phone": "13800000000", "kind": "complaint"}
#: the sender's deadline in these tests; the waits below are hang guards far above it
DEADLINE = 1.0
GUARD = 20.0
TEN_MB = 10 * 1024 * 1024

Answer = Callable[[socket.socket, threading.Event], None]


class RawReceiver:
    """An HTTP receiver on a bare socket, in threads: it reads each request whole, then lets
    ``answer(connection, stopping)`` write whatever it likes. :meth:`stop` ends the answers
    still running and closes every socket."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.stopping = threading.Event()
        #: set once a request was read whole
        self.arrived = threading.Event()
        #: set when the sender hung up while an answer was still being written
        self.hung_up = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(GUARD)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            while len(body) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                body += chunk
            self.arrived.set()
            try:
                self.answer(conn, self.stopping)
            except OSError:  # the sender closed the connection under us
                self.hung_up.set()

    def stop(self) -> None:
        self.stopping.set()
        self._accepting.join(GUARD)
        self._listener.close()
        for thread in self._threads:
            thread.join(GUARD)


def trickle(head: bytes) -> Answer:
    """``head`` one byte every 0.2 s, then one more byte every 0.2 s, for ever (until
    stopped)."""

    def answer(conn: socket.socket, stopping: threading.Event) -> None:
        for byte in head:
            conn.sendall(bytes([byte]))
            if stopping.wait(0.2):
                return
        while not stopping.wait(0.2):
            conn.sendall(b"a")

    return answer


#: trickled in the answer's head (a header that never ends), or in the body of a whole head
TRICKLES = {"head": b"HTTP/1.1 200 OK\r\nx-slow: ",
            "body": b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\nok"}


def ten_megabytes(status: bytes) -> Answer:
    """A whole, well-formed answer with ``status`` and a body of 10 MB of text."""

    def answer(conn: socket.socket, stopping: threading.Event) -> None:
        first = b"the receiver broke:\n\tdisk full\x00 "
        conn.sendall(b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain\r\n"
                     b"content-length: " + str(TEN_MB).encode() + b"\r\n\r\n" + first)
        left = TEN_MB - len(first)
        block = b"x" * 65536
        while left > 0 and not stopping.is_set():
            conn.sendall(block[:left])
            left -= min(left, len(block))

    return answer


def one_due(store: SqlStore, url: str) -> WebhookStore:
    """Subscribe ``url`` to new cases, open one, fan out: one delivery is due."""
    hooks = WebhookStore(store)
    engine = Engine(ROOT / "workflows.yaml", store=store,
                    clock=SimClock(datetime(2026, 10, 12, 9, 0, tzinfo=UTC)))
    subscribe(hooks, url, ["case.opened"])
    engine.open_case("hotline", cell=CELL, data=CALLER, actor=OPERATOR)
    hooks.fan_out(fan_out_for(engine, "Asia/Shanghai"))
    return hooks


def claim_one(hooks: WebhookStore) -> tuple[Delivery, Webhook]:
    """The one due delivery, claimed, with its subscription."""
    (claimed,) = hooks.claim(datetime.now(UTC), 10, timedelta(seconds=60))
    return claimed


def send_until_recorded(sender: Sender) -> None:
    """Run ``send_due`` until it records one attempt; fail (not hang) after :data:`GUARD`."""
    sender.send_due()
    until = time.monotonic() + GUARD
    while time.monotonic() < until:
        if sender.send_due():
            return
        time.sleep(0.05)
    raise AssertionError(f"no attempt recorded after {GUARD} s: the sender hangs")


@pytest.mark.parametrize("where", sorted(TRICKLES))
def test_a_trickling_receiver_is_hung_up_on_at_the_deadline(sql_store: SqlStore,
                                                             where: str) -> None:
    """Every byte arrives well within the read timeout, the answer never ends: the sender
    gives up at its deadline, hangs up, and records a timed-out attempt to be retried."""
    receiver = RawReceiver(trickle(TRICKLES[where]))
    hooks = one_due(sql_store, receiver.url)
    sender = Sender(hooks, timeout=DEADLINE)
    try:
        before = datetime.now(UTC)
        send_until_recorded(sender)
        assert receiver.arrived.is_set()
        assert receiver.hung_up.wait(GUARD), "the sender never closed the connection"
    finally:
        receiver.stop()
        sender.close()
    (delivery,) = hooks.deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status) == (PENDING, 1, None)
    assert "TimeoutError" in delivery.last_error
    assert f"within {DEADLINE:g} s" in delivery.last_error
    assert delivery.next_at is not None
    assert delivery.next_at >= before + 0.8 * FIRST_RETRY  # the usual retry schedule


def attempt_once(sql_store: SqlStore, answer: Answer) -> tuple[Outcome, Delivery]:
    """One delivery attempted against a receiver giving ``answer`` (with a deadline ample
    for 10 MB) and recorded: how the attempt went, and the delivery as stored after it."""
    receiver = RawReceiver(answer)
    hooks = one_due(sql_store, receiver.url)
    sender = Sender(hooks, timeout=DEADLINE * 10)
    try:
        delivery, hook = claim_one(hooks)
        outcome = sender.attempt(delivery, hook)
        sender._record(delivery, hook, outcome)
    finally:
        receiver.stop()
        sender.close()
    (stored,) = hooks.deliveries()
    return outcome, stored


def test_a_ten_megabyte_error_is_read_to_the_cap_only(sql_store: SqlStore) -> None:
    """A 500 with 10 MB of text: the attempt keeps the first ``BODY_CAP`` bytes; what is
    recorded is the status and the start of that text, on one line."""
    outcome, stored = attempt_once(sql_store, ten_megabytes(b"500 Internal Server Error"))
    assert outcome.status == 500 and not outcome.ok
    assert len(outcome.body) == BODY_CAP
    assert outcome.body.startswith(b"the receiver broke:") and outcome.body.endswith(b"x")
    assert (stored.status, stored.attempts, stored.last_status) == (PENDING, 1, 500)
    assert stored.last_error.startswith("HTTP 500: the receiver broke: disk full xxx")
    assert len(stored.last_error) <= 500 and "\n" not in stored.last_error


def test_a_ten_megabyte_success_is_sent(sql_store: SqlStore) -> None:
    """A 200 with 10 MB of body is a delivery sent; the body is read to the cap, no more."""
    outcome, stored = attempt_once(sql_store, ten_megabytes(b"200 OK"))
    assert outcome.ok and len(outcome.body) == BODY_CAP
    assert (stored.status, stored.last_status, stored.last_error) == (SENT, 200, "")

