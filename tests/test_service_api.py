"""The JSON API of a real ``govflow serve`` process, driven over HTTP with httpx."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.service_fixtures import CELL, Server


def _open(service: Server, client: httpx.Client) -> dict[str, object]:
    reply = client.post("/api/v1/cases", headers=service.headers("operator"), json={
        "workflow": "hotline", "cell": CELL, "data": {"caller_phone": "13800000000",
                                                     "kind": "complaint"}})
    assert reply.status_code == 201, reply.text
    body: dict[str, object] = reply.json()
    return body


def test_open_and_read_a_case_over_http(service: Server) -> None:
    """A case opened with a key is read back with its deadline and version."""
    with httpx.Client(base_url=service.url, timeout=30) as client:
        case = _open(service, client)
        assert case["state"] == "received" and case["version"] == 1
        assert case["due_at"] is not None
        read = client.get(f"/api/v1/cases/{case['id']}", headers=service.headers("handler"))
        assert read.status_code == 200 and read.json()["id"] == case["id"]


def test_requests_without_a_good_key_get_401_problem_documents(service: Server) -> None:
    """No key and a wrong key are refused with an RFC 9457 document; health is anonymous."""
    with httpx.Client(base_url=service.url, timeout=30) as client:
        for headers in ({}, {"Authorization": "Bearer gfk_wrong"}):
            reply = client.post("/api/v1/cases", headers=headers,
                                json={"workflow": "hotline", "cell": CELL})
            assert reply.status_code == 401
            assert reply.headers["content-type"] == "application/problem+json"
            assert reply.json()["status"] == 401
        assert client.get("/healthz").json()["status"] == "ok"


def test_search_filters_and_pages_with_a_cursor(service: Server) -> None:
    """Cases found by workflow, state, cell, subtree and light, page by page, none twice."""
    from tests.service_fixtures import OTHER_CELL

    with httpx.Client(base_url=service.url, timeout=30) as client:
        ids = [_open(service, client)["id"] for _ in range(5)]
        other = client.post("/api/v1/cases", headers=service.headers("operator"), json={
            "workflow": "hotline", "cell": OTHER_CELL}).json()["id"]
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, object] = {"workflow": "hotline", "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/api/v1/cases", params=params,
                              headers=service.headers("operator")).json()
            seen += [c["id"] for c in page["cases"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [*ids, other]
        street = CELL[:9]
        under = client.get("/api/v1/cases", params={"under": street},
                           headers=service.headers("operator")).json()
        assert [c["id"] for c in under["cases"]] == ids
        scoped = client.get("/api/v1/cases", headers=service.headers("far_handler")).json()
        assert [c["id"] for c in scoped["cases"]] == [other]
        red = client.get("/api/v1/cases", params={"light": "red"},
                         headers=service.headers("operator")).json()
        assert red["cases"] == []
        none = client.get("/api/v1/cases", params={"state": "closed", "open": "true"},
                          headers=service.headers("operator")).json()
        assert none["count"] == 0
        bad = client.get("/api/v1/cases", params={"cursor": "zzz"},
                         headers=service.headers("operator"))
        assert bad.status_code == 400 and "cursor" in bad.json()["detail"]
        naive = client.get("/api/v1/cases", params={"opened_after": "2026-01-01T00:00"},
                           headers=service.headers("operator"))
        assert naive.status_code == 400 and "zone" in naive.json()["detail"]


def test_worklist_lists_what_the_caller_may_do_now(service: Server) -> None:
    """A handler's worklist holds the received cases in its scope with ``sign``/``return``."""
    from tests.service_fixtures import OTHER_CELL

    with httpx.Client(base_url=service.url, timeout=30) as client:
        here = _open(service, client)["id"]
        client.post("/api/v1/cases", headers=service.headers("operator"),
                    json={"workflow": "hotline", "cell": OTHER_CELL})
        work = client.get("/api/v1/worklist", headers=service.headers("local_handler")).json()
        assert [c["id"] for c in work["cases"]] == [here]
        assert set(work["cases"][0]["triggers"]) == {"sign", "return"}
        assert client.get("/api/v1/worklist",
                          headers=service.headers("worker")).json()["cases"] == []


def test_bodies_are_validated_and_size_limited(service: Server) -> None:
    """Unknown fields and wrong types are 422; a body over the limit is 413."""
    with httpx.Client(base_url=service.url, timeout=30) as client:
        headers = service.headers("operator")
        extra = client.post("/api/v1/cases", headers=headers,
                            json={"workflow": "hotline", "cell": CELL, "colour": "red"})
        assert extra.status_code == 422 and "colour" in extra.json()["detail"]
        unknown = client.post("/api/v1/cases", headers=headers,
                              json={"workflow": "nope", "cell": CELL})
        assert unknown.status_code == 422 and "nope" in unknown.json()["detail"]
        big = client.post("/api/v1/cases", headers=headers, json={
            "workflow": "hotline", "cell": CELL, "data": {"text": "x" * 1_100_000}})
        assert big.status_code == 413
        assert big.headers["content-type"] == "application/problem+json"


def test_metrics_and_openapi(service: Server) -> None:
    """/metrics is Prometheus text with requests and store figures; the API is described."""
    with httpx.Client(base_url=service.url, timeout=30) as client:
        _open(service, client)
        text = client.get("/metrics").text
        assert 'govflow_http_requests_total{method="POST",route="/api/v1/cases",status="201"}' \
            in text
        assert "govflow_opens_total" in text and "govflow_timers_due" in text
        assert "govflow_outbox_lag_seconds" in text
        spec = client.get("/api/v1/openapi.json").json()
        for path in ("/api/v1/cases", "/api/v1/cases/{case_id}/fire", "/api/v1/worklist"):
            assert path in spec["paths"]


def test_sigterm_finishes_requests_and_exits_cleanly(tmp_path: Path) -> None:
    """SIGTERM during requests: the server answers what it took, stops the worker, closes
    the store and exits 0; every acknowledged open is in the store."""
    import threading

    from govflow.store.sql import SqlStore
    from tests.service_fixtures import DEFAULT_KEYS, make_keys, start_server

    url = f"sqlite:///{tmp_path / 'term.db'}"
    keys = make_keys(url, {"operator": DEFAULT_KEYS["operator"]})
    server = start_server(url, keys=keys)
    acked: list[str] = []

    def load() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for _ in range(200):
                try:
                    reply = client.post("/api/v1/cases", headers=server.headers("operator"),
                                        json={"workflow": "hotline", "cell": CELL})
                except httpx.TransportError:
                    return
                if reply.status_code == 201:
                    acked.append(reply.json()["id"])

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    while len(acked) < 10:
        threading.Event().wait(0.05)
    assert server.stop() == 0, "".join(server.output)
    for thread in threads:
        thread.join(30)
    store = SqlStore(url)
    try:
        stored = {c.id for c in store.iter_cases()}
    finally:
        store.close()
    assert set(acked) <= stored and acked


def test_keys_and_worker_commands(tmp_path: Path, capsys: object) -> None:
    """keys add prints the secret once, list never shows it, revoke twice is refused (1);
    worker --once runs each task."""
    import pytest

    from govflow.cli import main

    assert isinstance(capsys, pytest.CaptureFixture)
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    assert main(["keys", "add", "desk", "--role", "hotline_operator", "--store", url]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert secret.startswith("gfk_")
    assert main(["keys", "list", "--store", url]) == 0
    listed = capsys.readouterr().out
    assert "desk" in listed and secret not in listed and "live" in listed
    assert main(["keys", "revoke", "desk", "--store", url]) == 0
    assert main(["keys", "revoke", "desk", "--store", url]) == 1
    assert "no live key" in capsys.readouterr().err
    assert main(["worker", "--once", "--store", url]) == 0
    assert "timers 0" in capsys.readouterr().out
