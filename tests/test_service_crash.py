"""Crash safety of ``govflow serve``: SIGKILLed during concurrent load, restarted, checked.

Clients open cases (each tagged with a token of its own) and drive their own hotline case
through its triggers with optimistic versions, all at once, through the group committer.
The server is SIGKILLed mid-load, restarted on the same store, and loaded again, a few
times. Then, for every request that got a 2xx: the case is in the store, exactly once (no
token on two cases), at least at the acknowledged version, and the event log holds each
acknowledged fire once (at most one more, the request in flight when the server died).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from govflow.store.sql import SqlStore
from tests.conftest import postgres_schema
from tests.service_fixtures import CELL, DEFAULT_KEYS, Server, make_keys, start_server

ROUNDS = 3
CLIENTS = 8
#: after the last trigger the cycle goes on: reply → call_back → redo → reply …
PATH = ("sign", "start", "reply", "call_back", "redo")
KEY_FOR = {"sign": "handler", "start": "handler", "reply": "handler",
           "call_back": "operator", "redo": "operator"}


@dataclass
class Acks:
    opened: dict[str, str] = field(default_factory=dict)      # token → case id
    fired: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # case → (trigger, v)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _next_trigger(done: int) -> str:
    return PATH[done] if done < len(PATH) else PATH[2 + (done - len(PATH)) % 3]


def _client(server: Server, acks: Acks, stop: threading.Event, own: dict[str, int]) -> None:
    """Open tagged cases and fire on this client's own case until the server goes away."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        case_id, version, done = own["case"], own["version"], own["done"]
        try:
            while not stop.is_set():
                token = uuid.uuid4().hex
                reply = client.post("/api/v1/cases", headers=server.headers("operator"), json={
                    "workflow": "hotline", "cell": CELL, "data": {"token": token}})
                if reply.status_code == 201:
                    with acks.lock:
                        acks.opened[token] = reply.json()["id"]
                trigger = _next_trigger(done)
                reply = client.post(f"/api/v1/cases/{case_id}/fire",
                                    headers=server.headers(KEY_FOR[trigger]),
                                    json={"trigger": trigger, "version": version})
                if reply.status_code == 200:
                    version, done = reply.json()["version"], done + 1
                    with acks.lock:
                        acks.fired.setdefault(str(case_id), []).append((trigger, version))
                elif reply.status_code == 409:  # the fire in flight at the kill did commit
                    current = client.get(f"/api/v1/cases/{case_id}",
                                         headers=server.headers("operator")).json()
                    version, done = current["version"], current["events"] - 1
        except httpx.TransportError:
            pass  # the server was killed
    own.update(case=case_id, version=version, done=done)


def _run(store_url: str, tmp_path: Path) -> None:
    keys = make_keys(store_url, DEFAULT_KEYS)
    acks = Acks()
    rng = random.Random(15)
    owned: list[dict[str, int]] = []
    deadline = time.monotonic() + 150
    for _ in range(ROUNDS):
        server = start_server(store_url, keys=keys)
        try:
            if not owned:
                with httpx.Client(base_url=server.url, timeout=10) as client:
                    for _ in range(CLIENTS):
                        case = client.post("/api/v1/cases", headers=server.headers("operator"),
                                           json={"workflow": "hotline", "cell": CELL}).json()
                        owned.append({"case": case["id"], "version": case["version"],
                                      "done": 0})
            stop = threading.Event()
            threads = [threading.Thread(target=_client, args=(server, acks, stop, own))
                       for own in owned]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(1.0, 2.5))
            server.kill()  # SIGKILL mid-load: no shutdown, requests cut
            stop.set()
            for thread in threads:
                thread.join(30)
                assert not thread.is_alive()
        finally:
            server.kill()
        assert time.monotonic() < deadline, "the crash test ran over its time bound"
    assert len(acks.opened) > 20 and sum(map(len, acks.fired.values())) > 20

    store = SqlStore(store_url)
    try:
        cases = {c.id: c for c in store.iter_cases()}
        tokens = Counter(c.data.get("token") for c in cases.values() if c.data.get("token"))
        assert max(tokens.values()) == 1, "a token was taken twice"
        for token, case_id in acks.opened.items():
            assert case_id in cases, f"acknowledged open {case_id} is not in the store"
            assert cases[case_id].data["token"] == token
        for case_id, fired in acks.fired.items():
            case = cases[case_id]
            assert case.rev >= fired[-1][1]
            logged = Counter(e.trigger for e in store.history(case_id) if e.trigger != "open")
            wanted = Counter(trigger for trigger, _ in fired)
            for trigger, count in wanted.items():
                # one per acknowledged fire, plus at most the round's request in flight
                assert count <= logged[trigger] <= count + ROUNDS, (case_id, trigger)
            assert sum(logged.values()) <= len(fired) + ROUNDS
    finally:
        store.close()


@pytest.mark.slow
def test_sigkill_under_load_loses_no_acknowledged_request_sqlite(tmp_path: Path) -> None:
    """SQLite file: every 2xx is in the store once after SIGKILLs mid-load."""
    _run(f"sqlite:///{tmp_path / 'crash.db'}", tmp_path)


@pytest.mark.slow
@pytest.mark.postgres
def test_sigkill_under_load_loses_no_acknowledged_request_postgres(tmp_path: Path) -> None:
    """PostgreSQL: the same, on a schema of its own."""
    with postgres_schema("gf_crash") as url:
        _run(url, tmp_path)
