"""Open311 GeoReport v2 on a real ``govflow serve`` process, driven with httpx.

The store holds the generated district's grid (so lat/long locate to its cells) and the
urban_management plugin's open311 rules (the service list). Keys: ``app`` (role reporter,
may open the services' workflows), ``checker`` (may not open them), ``inspector`` (acts on
street-vending cases).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from defusedxml import ElementTree as SafeET

from tests.conftest import postgres_schema
from tests.service_fixtures import Server, make_keys, start_server

ROOT = Path(__file__).resolve().parents[1]
KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "app": (("reporter",), ()),
    "importer": (("reporter", "admin"), ()),  # may post older requests (requested_datetime)
    "checker": (("checker",), ()),
    "inspector": (("inspector",), ()),
}


def _grid() -> Any:
    from govflow.plugins.samples import district

    return district(0)


def _prepare(store_url: str) -> dict[str, str]:
    """Keys, and the district's grid kept in the store."""
    from govflow.grid.persist import save_to_store
    from govflow.store.sql import SqlStore

    keys = make_keys(store_url, KEYS)
    store = SqlStore(store_url)
    try:
        save_to_store(store, _grid())
    finally:
        store.close()
    return keys


JURISDICTION = "zhongyuan.example"


def _serve(store_url: str) -> Server:
    return start_server(store_url, keys=_prepare(store_url),
                        extra=["--plugins-dir", str(ROOT / "plugins"), "--no-worker",
                               "--open311-jurisdiction", JURISDICTION])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    url = f"sqlite:///{tmp_path_factory.mktemp('open311') / 'o311.db'}"
    running = _serve(url)
    try:
        yield running
    finally:
        running.stop()


def _point(cell_index: int = 5) -> tuple[str, float, float]:
    """A cell of the grid and a point inside it (lat, long)."""
    import shapely

    grid = _grid()
    cell = sorted(grid.cells())[cell_index]
    inside = shapely.from_wkt(grid.node(cell).polygon).representative_point()
    return cell, inside.y, inside.x


def _post(server: Server, fmt: str = "json", **fields: Any) -> httpx.Response:
    _, lat, lon = _point(fields.pop("cell_index", 5))
    form = {"api_key": server.keys["app"], "service_code": "pothole", "lat": lat,
            "long": lon, **fields}
    form = {k: v for k, v in form.items() if v is not None}
    return httpx.post(f"{server.url}/open311/v2/requests.{fmt}", data=form, timeout=30)


def _xml_items(text: str) -> list[dict[str, str]]:
    root = SafeET.fromstring(text)
    return [{child.tag: child.text or "" for child in item} for item in root]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def round_trip(server: Server) -> None:
    """POST with an api_key, then read the request back in JSON and XML."""
    cell, lat, lon = _point(7)
    posted = _post(server, cell_index=7, description="deep hole by the bus stop",
                   address_string="1 Jianshe Road", media_url="https://example.org/hole.jpg",
                   **{"attribute[lane]": "bus"})
    assert posted.status_code == 201, posted.text
    [made] = posted.json()
    request_id = made["service_request_id"]
    assert made["token"] == request_id
    case = httpx.get(f"{server.url}/api/v1/cases/{request_id}",
                     headers=server.headers("app"), timeout=30)
    assert case.status_code == 200, case.text
    case_json = case.json()
    assert case_json["source"] == "open311" and case_json["cell"] == cell
    assert case_json["workflow"] == "standard_case" and case_json["category"] == "pothole"
    assert case_json["data"]["attributes"] == {"lane": "bus"}

    got = httpx.get(f"{server.url}/open311/v2/requests/{request_id}.json", timeout=30)
    assert got.status_code == 200 and got.headers["content-type"].startswith(
        "application/json")
    [shown] = got.json()
    assert shown["expected_datetime"] == case_json["due_at"] is not None
    assert shown["requested_datetime"] == case_json["opened_at"]
    assert shown["status"] == "open" and shown["service_code"] == "pothole"
    assert shown["address"] == "1 Jianshe Road" and shown["address_id"] == cell
    assert shown["description"] == "deep hole by the bus stop"
    assert shown["media_url"] == "https://example.org/hole.jpg"
    assert (shown["lat"], shown["long"]) == (pytest.approx(lat), pytest.approx(lon))
    assert shown["status_notes"] == "上报 (reported)"  # the state's fixed text (title, name)

    xml = httpx.get(f"{server.url}/open311/v2/requests/{request_id}.xml", timeout=30)
    assert xml.headers["content-type"].startswith("text/xml")
    assert SafeET.fromstring(xml.text).tag == "service_requests"
    [from_xml] = _xml_items(xml.text)
    assert from_xml == {k: _as_text(v) for k, v in shown.items()}

    token = httpx.get(f"{server.url}/open311/v2/tokens/{request_id}.json", timeout=30)
    assert token.json() == [{"service_request_id": request_id, "token": request_id}]


def test_round_trip_with_api_key_json_and_xml(server: Server) -> None:
    round_trip(server)


def test_discovery_and_services_come_from_the_open311_rules(server: Server) -> None:
    services = httpx.get(f"{server.url}/open311/v2/services.json", timeout=30).json()
    assert [s["service_code"] for s in services] == [
        "street_vending", "gas_safety", "pothole", "street_light"]
    assert all(s["metadata"] is False and s["type"] == "realtime" for s in services)
    xml = httpx.get(f"{server.url}/open311/v2/services.xml", timeout=30).text
    assert [s["service_code"] for s in _xml_items(xml)] == [
        s["service_code"] for s in services]
    definition = httpx.get(f"{server.url}/open311/v2/services/pothole.json", timeout=30)
    assert definition.json() == {"service_code": "pothole", "attributes": []}
    found = httpx.get(f"{server.url}/open311/v2/discovery.json", timeout=30).json()
    assert found["endpoints"][0]["url"] == f"{server.url}/open311/v2/"
    assert "text/xml" in found["endpoints"][0]["formats"]


def test_errors_are_lists_of_code_and_description(server: Server) -> None:
    """Missing or bad api_key 403; a role that may not open 403 (the engine's check);
    unknown service 400 on POST and 404 as a definition; unknown request 404."""
    def check(response: httpx.Response, status: int, words: str) -> None:
        assert response.status_code == status, response.text
        [error] = response.json()
        assert set(error) == {"code", "description"} and error["code"] == status
        assert words in error["description"]

    check(_post(server, api_key=None), 403, "api_key is required")
    check(_post(server, api_key="gfk_not-a-key"), 403, "not known")
    in_url = httpx.post(f"{server.url}/open311/v2/requests.json",
                        params={"api_key": server.keys["app"]}, timeout=30)
    check(in_url, 400, "in the body")
    check(_post(server, api_key=server.keys["checker"]), 403, "may not open")
    check(_post(server, service_code="no_such"), 400, "'no_such' is not a service")
    check(_post(server, lat=10.0, long=10.0), 400, "in no cell")
    check(_post(server, lat=None, long=None), 400, "lat and long")
    check(httpx.get(f"{server.url}/open311/v2/services/no_such.json", timeout=30), 404,
          "not a service")
    check(httpx.get(f"{server.url}/open311/v2/requests/ffffffffffffffff.json", timeout=30),
          404, "no service request")
    check(httpx.get(f"{server.url}/open311/v2/tokens/ffffffffffffffff.json", timeout=30),
          404, "no service request")
    check(httpx.get(f"{server.url}/open311/v2/requests.csv", timeout=30), 400, ".json or .xml")
    check(httpx.get(f"{server.url}/open311/v2/services.json",
                    params={"jurisdiction_id": "elsewhere"}, timeout=30), 404, JURISDICTION)
    assert httpx.get(f"{server.url}/open311/v2/services.json",
                     params={"jurisdiction_id": JURISDICTION}, timeout=30).status_code == 200
    xml = _post(server, "xml", api_key=None)
    assert xml.status_code == 403
    root = SafeET.fromstring(xml.text)
    assert root.tag == "errors" and [e.tag for e in root] == ["error"]
    assert root.find("error/code").text == "403"  # type: ignore[union-attr]


def test_lists_are_bounded_and_filtered(server: Server) -> None:
    """90 days and 1,000 rows at most; the spec's filters; pages of the extension."""
    base = f"{server.url}/open311/v2/requests.json"
    old_at = (datetime.now().astimezone() - timedelta(days=120)).replace(microsecond=0)
    old = _post(server, service_code="street_light", requested_datetime=old_at.isoformat(),
                api_key=server.keys["importer"])
    assert old.status_code == 201, old.text
    old_id = old.json()[0]["service_request_id"]
    fresh = [_post(server, service_code="street_light").json()[0]["service_request_id"]
             for _ in range(3)]

    recent = httpx.get(base, params={"service_code": "street_light"}, timeout=30).json()
    assert [r["service_request_id"] for r in recent] == fresh  # the last 90 days only
    window = {"start_date": (old_at - timedelta(days=1)).isoformat(),
              "end_date": (old_at + timedelta(days=1)).isoformat()}
    back = httpx.get(base, params={**window, "service_code": "street_light"}, timeout=30)
    assert [r["service_request_id"] for r in back.json()] == [old_id]
    too_long = httpx.get(base, params={"start_date": old_at.isoformat()}, timeout=30)
    assert too_long.status_code == 200  # start + 90 days
    wide = {"start_date": old_at.isoformat(),
            "end_date": (old_at + timedelta(days=91)).isoformat()}
    refused = httpx.get(base, params=wide, timeout=30)
    assert refused.status_code == 400 and "90 days" in refused.json()[0]["description"]
    assert httpx.get(base, params={"page_size": 1001}, timeout=30).status_code == 400
    assert httpx.get(base, params={"start_date": "yesterday"}, timeout=30).status_code == 400

    by_id = httpx.get(base, params={"service_request_id": f"{fresh[2]},{old_id}"},
                      timeout=30).json()
    assert sorted(r["service_request_id"] for r in by_id) == sorted([fresh[2], old_id])
    pages = [httpx.get(base, params={"service_code": "street_light", "page_size": 2,
                                     "page": p}, timeout=30).json() for p in (1, 2, 3)]
    assert [[r["service_request_id"] for r in page] for page in pages] == [
        fresh[:2], fresh[2:], []]
    assert httpx.get(base, params={"service_code": "street_light", "status": "closed"},
                     timeout=30).json() == []
    opened = httpx.get(base, params={"service_code": "street_light", "status": "open"},
                       timeout=30).json()
    assert len(opened) == 3

    # a reporter's posted time is not the case's clock (it would set the deadlines): now is
    backdated = _post(server, service_code="street_light", requested_datetime=old_at.isoformat())
    assert backdated.status_code == 201, backdated.text
    shown = httpx.get(f"{server.url}/open311/v2/requests/"
                      f"{backdated.json()[0]['service_request_id']}.json", timeout=30).json()[0]
    opened = datetime.fromisoformat(shown["requested_datetime"])
    assert abs(opened - datetime.now().astimezone()) < timedelta(minutes=10)


def test_the_client_pulls_from_a_running_server_incrementally(
        server: Server, tmp_path: Path) -> None:
    """A second store pulls this server's requests: once each, by cursor; a closing on the
    server closes the pulled case on the next pull; nothing is duplicated."""
    from govflow.engine.engine import Engine
    from govflow.plugins import PluginHost, hookimpl
    from govflow.plugins.intake import Intake
    from govflow.plugins.loading import import_plugin
    from govflow.plugins.open311_client import Open311Feed
    from govflow.plugins.registry import Registry
    from govflow.store.sql import SqlStore

    vending = [_post(server, service_code="street_vending", cell_index=i,
                     address_string=f"stall {i}").json()[0]["service_request_id"]
               for i in (11, 12, 13)]
    feed = Open311Feed("govflow_pull", f"{server.url}/open311/v2", page_size=2,
                       sleep=lambda s: None)

    class Pull:
        @hookimpl
        def govflow_register_sources(self, registry: Registry) -> None:
            registry.add_source(feed)

        @hookimpl
        def govflow_register_rules(self, registry: Registry) -> None:
            registry.add_rules(feed.name, feed.rule)

    um = import_plugin("urban_management", ROOT / "plugins")
    host = PluginHost([um.UrbanManagement(), Pull()], entry_points=False, env={})
    store = SqlStore(f"sqlite:///{tmp_path / 'puller.db'}", create=True)
    try:
        engine = Engine(ROOT / "workflows.yaml", store=store, grid=_grid(), plugins=host)
        intake = Intake(engine, host)
        listed = httpx.get(f"{server.url}/open311/v2/requests.json", timeout=30).json()
        first = intake.run(feed.name)
        assert first.opened == len(listed) and first.dead == 0
        pulled = {c.data["ref"]: c for c in store.iter_cases()}
        assert set(vending) <= set(pulled) and len(pulled) == len(listed)
        assert pulled[vending[0]].data["address"] == "stall 11"
        assert pulled[vending[0]].workflow == "open311_request"
        assert pulled[vending[0]].cell == _point(11)[0]  # located on the same grid
        assert feed.calls >= -(-len(listed) // 2)  # paged two by two

        again = intake.run(feed.name)
        assert (again.opened, again.triggered, again.dead) == (0, 0, 0)
        assert again.read == feed.stats.unchanged  # only the cursor's edge, read again
        assert len(list(store.iter_cases())) == len(listed)

        dismissed = httpx.post(f"{server.url}/api/v1/cases/{vending[1]}/fire",
                               headers=server.headers("inspector"),
                               json={"trigger": "dismiss", "reason": "stall gone"}, timeout=30)
        assert dismissed.status_code == 200, dismissed.text
        third = intake.run(feed.name)
        assert (third.opened, third.triggered, third.dead) == (0, 1, 0)
        closed = store.get_case(pulled[vending[1]].id)
        assert closed.state == "closed" and closed.data["status_notes"] == "stall gone"
        assert len(list(store.iter_cases())) == len(listed)
    finally:
        store.close()


@pytest.mark.postgres
def test_round_trip_on_postgresql() -> None:
    """The same round trip with the service on PostgreSQL (a schema of its own)."""
    with postgres_schema("gf_o311") as url:
        running = _serve(url)
        try:
            round_trip(running)
        finally:
            running.stop()


def test_a_control_character_never_breaks_the_xml_feed(server: Server) -> None:
    """XML 1.0 cannot carry \\x0b: a description holding one is served as U+FFFD, so the
    public list stays well-formed for every client."""
    posted = _post(server, service_code="pothole", description="hole\x0bby the stop")
    assert posted.status_code == 201, posted.text
    token = posted.json()[0]["service_request_id"]
    xml = httpx.get(f"{server.url}/open311/v2/requests.xml", timeout=30)
    assert xml.status_code == 200
    items = {item["service_request_id"]: item for item in _xml_items(xml.text)}
    assert items[token]["description"] == "hole\ufffdby the stop"
    shown = httpx.get(f"{server.url}/open311/v2/requests/{token}.json", timeout=30).json()[0]
    assert shown["description"] == "hole\x0bby the stop"  # JSON carries it as it was
