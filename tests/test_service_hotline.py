"""The whole 12345 hotline path over HTTP against a real ``govflow serve`` process:
签收, 退单, 延期, 回访, 重办 and the close, with versions, permissions and the event log."""

from __future__ import annotations

from typing import Any

import httpx

from tests.service_fixtures import CELL, Server


def _fire(client: httpx.Client, service: Server, key: str, case: dict[str, Any],
          trigger: str, **body: Any) -> dict[str, Any]:
    reply = client.post(f"/api/v1/cases/{case['id']}/fire", headers=service.headers(key),
                        json={"trigger": trigger, "version": case["version"], **body})
    assert reply.status_code == 200, reply.text
    fired: dict[str, Any] = reply.json()
    assert fired["version"] > case["version"]
    return fired


def test_the_hotline_path_over_http(service: Server) -> None:
    """签收 → 退单 → re-route → 签收 → 办理 → 延期 → 答复 → 回访 → 重办 → 答复 → 回访 → 办结."""
    with httpx.Client(base_url=service.url, timeout=30) as client:
        opened = client.post("/api/v1/cases", headers=service.headers("operator"), json={
            "workflow": "hotline", "cell": CELL,
            "data": {"caller_phone": "13800000000", "kind": "complaint"}})
        assert opened.status_code == 201, opened.text
        case = opened.json()
        assert opened.headers["location"] == f"/api/v1/cases/{case['id']}"
        case = _fire(client, service, "local_handler", case, "sign")            # 签收
        case = _fire(client, service, "local_handler", case, "return",          # 退单
                     reason="not ours: water supply")
        assert case["state"] == "returned" and case["data"]["returns"] == 1
        case = _fire(client, service, "operator", case, "reroute")
        case = _fire(client, service, "handler", case, "sign")
        case = _fire(client, service, "handler", case, "start")
        due = case["due_at"]
        extended = client.post(f"/api/v1/cases/{case['id']}/extend",                 # 延期
                               headers=service.headers("cadre"),
                               json={"workdays": 2, "reason": "pipe parts on order"})
        assert extended.status_code == 200, extended.text
        case = extended.json()
        assert case["extension_days"] == 2 and case["due_at"] > due
        case = _fire(client, service, "handler", case, "reply")
        case = _fire(client, service, "operator", case, "call_back")            # 回访
        case = _fire(client, service, "operator", case, "redo",                 # 重办
                     reason="caller says the leak is back")
        assert case["state"] == "handling" and case["rework"] == 1
        case = _fire(client, service, "handler", case, "reply")
        case = _fire(client, service, "operator", case, "call_back")
        case = _fire(client, service, "operator", case, "close")
        assert case["state"] == "closed" and case["closed_at"] is not None

        history = client.get(f"/api/v1/cases/{case['id']}/history",
                             headers=service.headers("operator")).json()["events"]
        triggers = [e["trigger"] for e in history]
        for wanted in ("open", "sign", "return", "reroute", "start", "extend", "reply",
                       "call_back", "redo", "close"):
            assert wanted in triggers, (wanted, triggers)
        assert [e["seq"] for e in history] == list(range(1, len(history) + 1))
        actors = {e["trigger"]: e["actor"] for e in history}
        assert actors["return"] == "local_handler" and actors["redo"] == "operator"
        timers = client.get(f"/api/v1/cases/{case['id']}/timers",
                            headers=service.headers("operator"))
        assert timers.status_code == 200 and timers.json()["timers"] == []


def test_stale_version_role_and_scope_are_refused(service: Server) -> None:
    """409 on an old version, 403 for a missing role and for a cell outside the key's scope,
    409 for a trigger the state does not allow; nothing is written by any of them."""
    with httpx.Client(base_url=service.url, timeout=30) as client:
        case = client.post("/api/v1/cases", headers=service.headers("operator"), json={
            "workflow": "hotline", "cell": CELL, "data": {"kind": "help"}}).json()
        url = f"/api/v1/cases/{case['id']}/fire"
        far = client.post(url, headers=service.headers("far_handler"),
                          json={"trigger": "sign", "version": case["version"]})
        assert far.status_code == 403, far.text
        assert far.headers["content-type"] == "application/problem+json"
        assert "may not" in far.json()["detail"] and far.json()["case_id"] == case["id"]
        no_role = client.post(url, headers=service.headers("worker"),
                              json={"trigger": "sign", "version": case["version"]})
        assert no_role.status_code == 403
        read_far = client.get(f"/api/v1/cases/{case['id']}",
                              headers=service.headers("far_handler"))
        assert read_far.status_code == 403
        signed = _fire(client, service, "handler", case, "sign")
        stale = client.post(url, headers=service.headers("handler"),
                            json={"trigger": "start", "version": case["version"]})
        assert stale.status_code == 409
        assert stale.json()["current_version"] == signed["version"]
        wrong = client.post(url, headers=service.headers("handler"),
                            json={"trigger": "reply", "version": signed["version"]})
        assert wrong.status_code == 409 and "start" in wrong.json()["allowed"]
        after = client.get(f"/api/v1/cases/{case['id']}", headers=service.headers("handler"))
        assert after.json()["version"] == signed["version"]
        assert after.json()["state"] == "signed"
        missing = client.get("/api/v1/cases/nope", headers=service.headers("handler"))
        assert missing.status_code == 404 and missing.json()["status"] == 404
