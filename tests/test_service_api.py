"""The JSON API of a real ``govflow serve`` process, driven over HTTP with httpx."""

from __future__ import annotations

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
