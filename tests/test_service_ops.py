"""Campaigns, command dispatch and dead letters over HTTP, on a store that keeps a grid."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.service_fixtures import DEFAULT_KEYS, make_keys, start_server


def test_campaign_and_order_over_http(tmp_path: Path) -> None:
    """A campaign opens a task per cell and reports per node; an order reaches each person,
    who acknowledges their own copy; dead letters list (none here)."""
    from govflow.grid.generate import generate_district
    from govflow.grid.persist import save_to_store
    from govflow.store.sql import SqlStore

    url = f"sqlite:///{tmp_path / 'grid.db'}"
    keys = make_keys(url, {"commander": DEFAULT_KEYS["commander"], "admin": (("admin",), ())})
    grid = generate_district(0, 1, people="chain")
    store = SqlStore(url)
    try:
        save_to_store(store, grid)
    finally:
        store.close()
    node = sorted(c for c in grid.subtree(grid.root) if len(c) == 9)[0]  # a street
    from govflow.grid.model import Identity

    person = grid.people_under(node, Identity.GRID_WORKER)[0]
    keys.update(make_keys(url, {person.id: (("grid_worker",), ())}))
    server = start_server(url, keys=keys, extra=["--no-worker"])
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            started = client.post("/api/v1/campaigns", headers=server.headers("commander"),
                                  json={"node": node, "name": "flood watch", "minutes": 60})
            assert started.status_code == 201, started.text
            campaign = started.json()
            assert campaign["tasks"] == len(grid.cells_under(node)) > 0
            status = client.get(f"/api/v1/campaigns/{campaign['id']}",
                                headers=server.headers("commander")).json()
            top = status["nodes"][0]
            assert top["node"] == node and top["required"] == campaign["tasks"]
            assert top["open"] == campaign["tasks"] and top["rate"] == 0
            unknown = client.get("/api/v1/campaigns/c000000000000",
                                 headers=server.headers("commander"))
            assert unknown.status_code == 400
            sent = client.post("/api/v1/orders", headers=server.headers("commander"), json={
                "node": node, "identities": ["GRID_WORKER"], "text": "check the drains",
                "minutes": 30})
            assert sent.status_code == 201, sent.text
            order = sent.json()
            assert person.id in order["cases"]
            acked = client.post(f"/api/v1/orders/{order['id']}/acknowledge",
                                headers=server.headers(person.id))
            assert acked.status_code == 200, acked.text
            assert acked.json()["state"] == "acknowledged"
            states = client.get(f"/api/v1/orders/{order['id']}",
                                headers=server.headers("commander")).json()["states"]
            assert states["acknowledged"] == 1 and states["sent"] == len(order["cases"]) - 1
            letters = client.get("/api/v1/dead-letters", headers=server.headers("commander"))
            assert letters.status_code == 403  # dead letters are an admin's
            letters = client.get("/api/v1/dead-letters", headers=server.headers("admin"))
            assert letters.status_code == 200 and letters.json()["dead_letters"] == []
    finally:
        server.stop()
