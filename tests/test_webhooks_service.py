"""Webhooks end to end: a real ``govflow serve`` on 127.0.0.1 and a real receiver that checks
every signature with the ``standardwebhooks`` library.

The servers run with ``GOVFLOW_WEBHOOK_FIRST_RETRY=0.3`` (retries after 0.3 s, 0.6 s, …
instead of 30 s, 60 s, …) and ``--tick 0.2``, so a test sees several attempts in seconds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from govflow.cli import main
from tests.conftest import postgres_url
from tests.service_fixtures import CELL, Server, make_keys, start_server
from tests.webhook_receiver import Receiver

KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "admin": (("admin",), ()),
    "street_admin": (("admin",), ("410102001",)),
    "operator": (("hotline_operator",), ()),
    "handler": (("handler",), ()),
}
FAST = {"GOVFLOW_WEBHOOK_FIRST_RETRY": "0.3"}
CALLER = {"caller_phone": "13800000000", "kind": "complaint"}


def _start(url: str, keys: dict[str, str], *extra: str) -> Server:
    return start_server(url, keys=keys, extra=["--tick", "0.2", *extra], env=FAST)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.stop()


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hooks.db'}"


@pytest.fixture
def keys(store_url: str) -> dict[str, str]:
    return make_keys(store_url, KEYS)


@pytest.fixture
def server(store_url: str, keys: dict[str, str]) -> Iterator[Server]:
    made = _start(store_url, keys)
    yield made
    made.stop()


def _subscribe(client: httpx.Client, server: Server, receiver: Receiver,
               events: list[str]) -> dict[str, Any]:
    made = client.post("/api/v1/webhooks", headers=server.headers("admin"),
                       json={"url": receiver.url, "events": events})
    assert made.status_code == 201, made.text
    hook: dict[str, Any] = made.json()
    receiver.secret = hook["secret"]
    return hook


def _open(client: httpx.Client, server: Server) -> dict[str, Any]:
    opened = client.post("/api/v1/cases", headers=server.headers("operator"),
                         json={"workflow": "hotline", "cell": CELL, "data": CALLER})
    assert opened.status_code == 201, opened.text
    case: dict[str, Any] = opened.json()
    return case


def _fire(client: httpx.Client, server: Server, case: dict[str, Any], trigger: str,
          key: str = "handler") -> dict[str, Any]:
    fired = client.post(f"/api/v1/cases/{case['id']}/fire", headers=server.headers(key),
                        json={"trigger": trigger, "version": case["version"]})
    assert fired.status_code == 200, fired.text
    found: dict[str, Any] = fired.json()
    return found


def _deliveries(client: httpx.Client, server: Server, hook: dict[str, Any]) -> list[Any]:
    answer = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                        headers=server.headers("admin"))
    assert answer.status_code == 200, answer.text
    rows: list[Any] = answer.json()["deliveries"]
    return rows


def _wait_deliveries(client: httpx.Client, server: Server, hook: dict[str, Any],
                     check: Any, timeout: float = 30.0) -> list[Any]:
    import time

    deadline = time.monotonic() + timeout
    rows: list[Any] = []
    while time.monotonic() < deadline:
        rows = _deliveries(client, server, hook)
        if check(rows):
            return rows
        time.sleep(0.1)
    raise AssertionError(f"deliveries never got there: {rows}")


def test_events_arrive_signed_and_are_listed(server: Server, receiver: Receiver) -> None:
    """A subscription to case.opened and trigger.sign receives both, each verified by
    ``standardwebhooks``; the list shows no secret; deliveries and /metrics count them."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        hook = _subscribe(client, server, receiver, ["case.opened", "trigger.sign"])
        assert hook["secret"].startswith("whsec_") and hook["active"] is True
        case = _open(client, server)
        _fire(client, server, case, "sign")
        got = receiver.wait_for(lambda seen: len(seen) >= 2)
        assert all(r.verified for r in got)
        by_type = {r.json["type"]: r.json for r in got}  # several at a time: any order
        assert sorted(by_type) == ["case.opened", "trigger.sign"]
        assert {r.json["data"]["case_id"] for r in got} == {case["id"]}
        assert by_type["trigger.sign"]["data"]["event"]["to"] == "signed"
        assert by_type["trigger.sign"]["data"]["event"]["seq"] == 2
        assert len({r.id for r in got}) == 2
        listed = client.get("/api/v1/webhooks", headers=server.headers("admin")).json()
        assert [h["id"] for h in listed["webhooks"]] == [hook["id"]]
        assert "secret" not in listed["webhooks"][0]
        rows = _wait_deliveries(client, server, hook,
                                lambda rows: [r["status"] for r in rows] == ["sent", "sent"])
        assert {r["id"] for r in rows} == {r.id for r in got}
        metrics = client.get("/metrics").text
        assert "govflow_webhook_deliveries_sent 2.0" in metrics
        assert "govflow_webhook_deliveries_pending 0.0" in metrics


def test_only_an_admin_key_manages_webhooks(server: Server, receiver: Receiver) -> None:
    """Another role gets 403 naming the admin role; no key 401; a bad kind 400; unknown 404."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        refused = client.post("/api/v1/webhooks", headers=server.headers("operator"),
                              json={"url": receiver.url, "events": ["*"]})
        assert refused.status_code == 403 and "'admin'" in refused.json()["detail"]
        scoped = client.post("/api/v1/webhooks", headers=server.headers("street_admin"),
                             json={"url": receiver.url, "events": ["*"]})
        assert scoped.status_code == 403 and "scoped to 410102001" in scoped.json()["detail"]
        assert client.get("/api/v1/webhooks").status_code == 401
        bad = client.post("/api/v1/webhooks", headers=server.headers("admin"),
                          json={"url": receiver.url, "events": ["case.open"]})
        assert bad.status_code == 400 and "case.opened" in bad.json()["detail"]
        missing = client.delete("/api/v1/webhooks/wh_nope", headers=server.headers("admin"))
        assert missing.status_code == 404
        hook = _subscribe(client, server, receiver, ["*"])
        gone = client.delete(f"/api/v1/webhooks/{hook['id']}", headers=server.headers("admin"))
        assert gone.status_code == 204
        assert client.get("/api/v1/webhooks",
                          headers=server.headers("admin")).json()["webhooks"] == []


def test_a_receiver_down_then_failing_then_up_gets_the_same_id(
    server: Server, receiver: Receiver,
) -> None:
    """Connection refused, then 500, then 200: the same message (same webhook-id, same body)
    is tried again with backoff until it is taken, and each attempt verifies."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        hook = _subscribe(client, server, receiver, ["case.opened"])
        receiver.stop()
        case = _open(client, server)
        rows = _wait_deliveries(client, server, hook,
                                lambda rows: rows and rows[0]["attempts"] >= 1)
        assert rows[0]["status"] == "pending" and "Connect" in rows[0]["last_error"]
        receiver.answer = 500
        receiver.start()
        receiver.wait_for(lambda seen: len(seen) >= 1, what="the 500 attempt")
        receiver.answer = 200
        got = receiver.wait_for(lambda seen: any(r.answered == 200 for r in seen))
        assert {r.id for r in got} == {rows[0]["id"]}
        assert len({r.body for r in got}) == 1 and all(r.verified for r in got)
        assert got[0].json["data"]["case_id"] == case["id"]
        done = _wait_deliveries(client, server, hook, lambda rows: rows[0]["status"] == "sent")
        assert done[0]["attempts"] >= 2 + 1  # refused at least once, 500 once, then 200


def test_410_disables_the_subscription(
    server: Server, receiver: Receiver,
) -> None:
    """A 410 answer disables the subscription: it gets nothing more, while another
    subscription goes on receiving; it can be enabled again."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        receiver.answer = 410
        hook = _subscribe(client, server, receiver, ["case.opened"])
        _open(client, server)
        receiver.wait_for(lambda seen: len(seen) == 1)
        import time

        deadline = time.monotonic() + 30
        state: dict[str, Any] = {}
        while time.monotonic() < deadline:
            state = client.get(f"/api/v1/webhooks/{hook['id']}",
                               headers=server.headers("admin")).json()
            if not state["active"]:
                break
            time.sleep(0.1)
        assert state["active"] is False and "410" in state["disabled_reason"]
        other = Receiver()
        try:
            _subscribe(client, server, other, ["case.opened"])
            second = _open(client, server)
            seen = other.wait_for(lambda seen: len(seen) == 1)
            assert seen[0].json["data"]["case_id"] == second["id"]
        finally:
            other.stop()
        assert len(receiver.received) == 1
        rows = _deliveries(client, server, hook)
        assert [(r["status"], r["last_status"]) for r in rows] == [("failed", 410)]
        enabled = client.post(f"/api/v1/webhooks/{hook['id']}/enable",
                              headers=server.headers("admin"))
        assert enabled.status_code == 200 and enabled.json()["active"] is True


def test_a_restart_between_failure_and_retry_still_delivers(
    store_url: str, keys: dict[str, str], receiver: Receiver,
) -> None:
    """The first attempt fails (receiver down); the server stops; the receiver comes back; a
    new server on the same store delivers the same message."""
    first = _start(store_url, keys)
    try:
        with httpx.Client(base_url=first.url, timeout=30) as client:
            hook = _subscribe(client, first, receiver, ["case.opened"])
            receiver.stop()
            _open(client, first)
            rows = _wait_deliveries(client, first, hook,
                                    lambda rows: rows and rows[0]["attempts"] >= 1)
    finally:
        assert first.stop() == 0
    pending_id = rows[0]["id"]
    receiver.start()
    second = _start(store_url, keys)
    try:
        got = receiver.wait_for(lambda seen: len(seen) >= 1)
        assert got[0].id == pending_id and got[0].verified
    finally:
        second.stop()


def test_a_failing_receiver_never_fails_a_fire(server: Server, receiver: Receiver) -> None:
    """With every event subscribed and the receiver answering 500 (then gone), the whole
    hotline path still commits; the deliveries wait, pending, in the store."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        hook = _subscribe(client, server, receiver, ["*"])
        receiver.answer = 500
        case = _open(client, server)
        case = _fire(client, server, case, "sign")
        receiver.stop()
        case = _fire(client, server, case, "start")
        case = _fire(client, server, case, "reply")
        case = _fire(client, server, case, "call_back", key="operator")
        case = _fire(client, server, case, "close", key="operator")
        assert case["state"] == "closed"
        history = client.get(f"/api/v1/cases/{case['id']}/history",
                             headers=server.headers("operator")).json()["events"]
        assert [e["trigger"] for e in history][-1] == "close"
        rows = _wait_deliveries(client, server, hook, lambda rows: len(rows) == 7)
        assert {r["status"] for r in rows} == {"pending"}
        assert {r["type"] for r in rows} >= {"case.opened", "trigger.close", "case.closed"}


@pytest.mark.postgres
def test_two_servers_on_postgres_send_each_delivery_once(receiver: Receiver) -> None:
    """Two serving processes with their workers on one PostgreSQL schema share the deliveries:
    every message arrives, none twice (the leases keep them apart)."""
    url = f"{postgres_url()}?schema=gf_test_{uuid.uuid4().hex[:12]}"
    keys = make_keys(url, KEYS)
    one, two = _start(url, keys), _start(url, keys)
    try:
        with httpx.Client(base_url=one.url, timeout=30) as client, \
                httpx.Client(base_url=two.url, timeout=30) as other:
            _subscribe(client, one, receiver, ["case.opened"])
            for n in range(30):
                _open(client if n % 2 else other, one if n % 2 else two)
            got = receiver.wait_for(lambda seen: len({r.id for r in seen}) >= 30, timeout=60)
        ids = [r.id for r in got]
        assert len(ids) == len(set(ids)) == 30
        assert all(r.verified for r in got)
    finally:
        one.stop()
        two.stop()
        from govflow.store.sql import SqlStore

        SqlStore(url).drop_schema()


# -- the command line ---------------------------------------------------------------------
def test_cli_adds_lists_and_removes(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``govflow webhooks add`` prints the secret once; ``list`` never; ``remove`` deletes;
    a bad kind and the memory store are refused with the reason."""
    assert main(["webhooks", "add", "http://127.0.0.1:9/in", "--events",
                 "case.opened,trigger.*", "--store", store_url]) == 0
    out = capsys.readouterr().out
    hook_id = out.split()[1].rstrip(":")
    secret = out.strip().splitlines()[-1]
    assert hook_id.startswith("wh_") and secret.startswith("whsec_")
    assert main(["webhooks", "list", "--store", store_url]) == 0
    listed = capsys.readouterr().out
    assert hook_id in listed and "case.opened,trigger.*" in listed and secret not in listed
    assert main(["webhooks", "deliveries", hook_id, "--store", store_url]) == 0
    assert "0 deliveries" in capsys.readouterr().out
    assert main(["webhooks", "add", "http://127.0.0.1:9/in", "--events", "case.shut",
                 "--store", store_url]) == 1
    assert "'case.shut'" in capsys.readouterr().err
    assert main(["webhooks", "remove", hook_id, "--store", store_url]) == 0
    assert main(["webhooks", "remove", hook_id, "--store", store_url]) == 1
    assert "no webhook" in capsys.readouterr().err
    assert main(["webhooks", "list", "--store", "memory://"]) == 1
    assert "need a SQL store" in capsys.readouterr().err


def test_worker_once_fans_out_sends_and_records(
    store_url: str, receiver: Receiver, capsys: pytest.CaptureFixture[str],
) -> None:
    """``govflow worker --once`` turns a committed event into a delivery, sends it and, as it
    stops, records the answer."""
    from govflow import Engine
    from govflow.records import Actor
    from govflow.service.webhooks import subscribe
    from govflow.store.sql import SqlStore
    from govflow.store.webhooks import WebhookStore
    from tests.service_fixtures import WORKFLOWS

    with SqlStore(store_url, create=True) as store:
        receiver.secret = subscribe(WebhookStore(store), receiver.url, ["case.opened"]).secret
        Engine(WORKFLOWS, store=store).open_case(
            "hotline", cell=CELL, data=CALLER, actor=Actor.of("desk", "hotline_operator"))
    assert main(["worker", "--once", "--store", store_url, "--workflows", str(WORKFLOWS)]) == 0
    assert "webhook-fanout 1" in capsys.readouterr().out
    assert [r.verified for r in receiver.received] == [True]
    with SqlStore(store_url) as store:
        assert [(d.status, d.attempts) for d in WebhookStore(store).deliveries()] == [("sent", 1)]
