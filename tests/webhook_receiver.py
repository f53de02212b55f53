"""A real webhook receiver for tests: an HTTP server in a thread on 127.0.0.1, ephemeral port.

It verifies every request with the ``standardwebhooks`` library (the reference
implementation of the spec, not govflow's own code) and keeps what came. ``answer`` is the
status it replies with; :meth:`Receiver.stop` and :meth:`Receiver.start` take it down (the
sender then meets a refused connection) and bring it back on the same port.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import standardwebhooks


@dataclass
class Received:
    """One request: its headers, body, whether the signature verified, what was answered."""

    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """Receives webhooks for one secret (set it once the subscription is made)."""

    def __init__(self, answer: int = 200) -> None:
        self.answer = answer
        self.secret: str | None = None
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        #: while set, requests are held unanswered until it is cleared (a hanging receiver)
        self.holding = threading.Event()
        #: set when a request arrives
        self.arrived = threading.Event()
        self._release = threading.Event()
        self.start()

    def hold(self) -> None:
        self.holding.set()
        self._release.clear()

    def release(self) -> None:
        self.holding.clear()
        self._release.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/govflow"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                verified = False
                if receiver.secret is not None:
                    try:
                        standardwebhooks.Webhook(receiver.secret).verify(body, headers)
                        verified = True
                    except standardwebhooks.WebhookVerificationError:
                        verified = False
                receiver.arrived.set()
                if receiver.holding.is_set():
                    receiver._release.wait(30)
                status = receiver.answer
                with receiver._lock:
                    receiver.received.append(Received(headers, body, verified, status))
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def wait_for(self, check: Callable[[list[Received]], bool], timeout: float = 30.0,
                 what: str = "webhooks") -> list[Received]:
        """Poll (bounded) until ``check(received)`` holds; fail with what came."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                seen = list(self.received)
            if check(seen):
                return seen
            time.sleep(0.05)
        with self._lock:
            seen = list(self.received)
        raise AssertionError(f"timed out waiting for {what}; received "
                             f"{[(r.answered, r.headers.get('webhook-id')) for r in seen]}")
