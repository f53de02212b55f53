"""What the Open311 face shows the public, how much one list may read, and its errors.

A real ``govflow serve`` (SQLite file, and PostgreSQL for the notes) driven with httpx, on the
generated district's grid and the urban_management plugin's open311 rules, like
``test_open311_service``. The server takes bodies of at most 2,048 bytes here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from defusedxml import ElementTree as SafeET

from govflow.service.open311_requests import ANON_DEPTH, KEY_DEPTH, MAX_ROWS
from tests.conftest import postgres_schema
from tests.service_fixtures import Server, make_keys, start_server
from tests.test_open311_service import ROOT, _grid, _point, _xml_items

KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "app": (("reporter",), ()),
    "registrar": (("registrar",), ()),
    "cadre": (("cadre",), ()),
}
MAX_BODY = 2048
#: what the internal note and the supervision carry: none of it may reach an Open311 reader
NOTE_TEXT = "INTERNAL: caller is a repeat complainer, do not call back"
NOTE_ACTOR = "staff-4471-secret"
NOTE_DATA = "13800001111"
SUPERVISE_TEXT = "INTERNAL: district head asked about this one"
PUBLIC_REASON = "filed: a road crew will assess the hole"


def _serve(store_url: str) -> Server:
    from govflow.grid.persist import save_to_store
    from govflow.store.sql import SqlStore

    keys = make_keys(store_url, KEYS)
    store = SqlStore(store_url)
    try:
        save_to_store(store, _grid())
    finally:
        store.close()
    return start_server(store_url, keys=keys,
                        extra=["--plugins-dir", str(ROOT / "plugins"), "--no-worker",
                               "--max-body", str(MAX_BODY)])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    url = f"sqlite:///{tmp_path_factory.mktemp('open311_public') / 'o311.db'}"
    running = _serve(url)
    try:
        yield running
    finally:
        running.stop()


def _post(server: Server, fmt: str = "json", **fields: Any) -> httpx.Response:
    _, lat, lon = _point(fields.pop("cell_index", 5))
    form = {"api_key": server.keys["app"], "service_code": "pothole", "lat": lat,
            "long": lon, **fields}
    return httpx.post(f"{server.url}/open311/v2/requests.{fmt}", data=form, timeout=30)


def _error(response: httpx.Response, status: int, fmt: str = "json") -> str:
    """The one error of an Open311 error answer (checked to be the spec's shape)."""
    assert response.status_code == status, response.text
    if fmt == "json":
        assert response.headers["content-type"].startswith("application/json")
        [error] = response.json()
        assert set(error) == {"code", "description"} and error["code"] == status
        return str(error["description"])
    assert response.headers["content-type"].startswith("text/xml")
    root = SafeET.fromstring(response.text)
    assert root.tag == "errors" and [e.tag for e in root] == ["error"]
    assert [c.tag for c in root[0]] == ["code", "description"]
    assert root.findtext("error/code") == str(status)
    return root.findtext("error/description") or ""


def _write_note(store_url: str, case_id: str) -> None:
    """An internal note, as a plugin or a back-office tool writes one (no HTTP route)."""
    from govflow.engine.engine import Engine
    from govflow.plugins import PluginHost
    from govflow.plugins.loading import import_plugin
    from govflow.records import Actor
    from govflow.store.sql import SqlStore

    um = import_plugin("urban_management", ROOT / "plugins")
    store = SqlStore(store_url)
    try:
        engine = Engine(ROOT / "workflows.yaml", store=store, grid=_grid(),
                        plugins=PluginHost([um.UrbanManagement()], entry_points=False, env={}))
        engine.note(case_id, "comment", actor=Actor.of(NOTE_ACTOR, "registrar"),
                    reason=NOTE_TEXT, data={"phone": NOTE_DATA, "guard": "data.returns >= 3"})
    finally:
        store.close()


def _reads(server: Server, case_id: str) -> dict[str, str]:
    """Every Open311 read that shows the request: one and listed, JSON and XML (text)."""
    base = f"{server.url}/open311/v2"
    found = {}
    for fmt in ("json", "xml"):
        for name, url, params in (
                ("one", f"{base}/requests/{case_id}.{fmt}", {}),
                ("by_id", f"{base}/requests.{fmt}", {"service_request_id": case_id}),
                ("list", f"{base}/requests.{fmt}", {"service_code": "pothole"})):
            got = httpx.get(url, params=params, timeout=30)
            assert got.status_code == 200, got.text
            found[f"{name}.{fmt}"] = got.text
    return found


def _notes_everywhere(server: Server, case_id: str) -> str:
    """The request's status_notes, the same in every read; no internal text in any read."""
    notes = set()
    for key, text in _reads(server, case_id).items():
        for secret in (NOTE_TEXT, NOTE_ACTOR, NOTE_DATA, SUPERVISE_TEXT, "data.returns"):
            assert secret not in text, f"{key} shows {secret!r}"
        if key.endswith(".json"):
            rows = {r["service_request_id"]: r for r in json.loads(text)}
        else:
            rows = {r["service_request_id"]: r for r in _xml_items(text)}
        notes.add(rows[case_id]["status_notes"])
    [shown] = notes
    return shown


def status_notes_are_public_only(server: Server) -> None:
    """status_notes is a state change's reason or the state's fixed text: never a note's
    text, actor or data, nor an engine event's (supervision) reason."""
    posted = _post(server, description="hole at the crossing")
    assert posted.status_code == 201, posted.text
    case_id = posted.json()[0]["service_request_id"]
    assert _notes_everywhere(server, case_id) == "上报 (reported)"

    _write_note(server.store_url, case_id)  # the note is now the case's last event
    history = httpx.get(f"{server.url}/api/v1/cases/{case_id}/history",
                        headers=server.headers("cadre"), timeout=30).json()["events"]
    assert history[-1]["reason"] == NOTE_TEXT  # the note is there, and last
    assert _notes_everywhere(server, case_id) == "上报 (reported)"

    fired = httpx.post(f"{server.url}/api/v1/cases/{case_id}/fire",
                       headers=server.headers("registrar"),
                       json={"trigger": "register", "reason": PUBLIC_REASON}, timeout=30)
    assert fired.status_code == 200, fired.text
    assert _notes_everywhere(server, case_id) == PUBLIC_REASON

    supervised = httpx.post(f"{server.url}/api/v1/cases/{case_id}/supervise",
                            headers=server.headers("cadre"),
                            json={"level": "yellow", "reason": SUPERVISE_TEXT}, timeout=30)
    assert supervised.status_code == 200, supervised.text
    assert _notes_everywhere(server, case_id) == "立案 (registered)"

    _write_note(server.store_url, case_id)
    assert _notes_everywhere(server, case_id) == "立案 (registered)"


def test_status_notes_never_show_internal_notes(server: Server) -> None:
    status_notes_are_public_only(server)


@pytest.mark.postgres
def test_status_notes_never_show_internal_notes_on_postgresql() -> None:
    """The same on PostgreSQL (the page's last events are one statement there too)."""
    with postgres_schema("gf_o311p") as url:
        running = _serve(url)
        try:
            status_notes_are_public_only(running)
        finally:
            running.stop()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_list_reads_a_bounded_number_of_rows(server: Server, fmt: str) -> None:
    """page × page_size is what a list reads: without a key at most 5,000 rows deep, with a
    key 20,000; the page size at most 1,000. Refusals name the limit and the way out."""
    base = f"{server.url}/open311/v2/requests.{fmt}"
    last_anonymous = ANON_DEPTH // MAX_ROWS
    assert httpx.get(base, params={"page": last_anonymous}, timeout=30).status_code == 200

    deep = httpx.get(base, params={"page": last_anonymous + 1}, timeout=30)
    text = _error(deep, 400, fmt)
    assert f"past row {ANON_DEPTH:,}" in text and "without a key" in text
    assert "start_date/end_date" in text and "Authorization: Bearer" in text
    small_pages = httpx.get(base, params={"page": ANON_DEPTH // 10 + 1, "page_size": 10},
                            timeout=30)
    assert f"past row {ANON_DEPTH:,}" in _error(small_pages, 400, fmt)
    in_url = httpx.get(base, params={"page": last_anonymous + 1,
                                     "api_key": server.keys["app"]}, timeout=30)
    assert "Authorization: Bearer" in _error(in_url, 400, fmt)  # a key in the URL is not read

    keyed = httpx.get(base, params={"page": last_anonymous + 1},
                      headers=server.headers("app"), timeout=30)
    assert keyed.status_code == 200, keyed.text
    too_deep = httpx.get(base, params={"page": KEY_DEPTH // MAX_ROWS + 1},
                         headers=server.headers("app"), timeout=30)
    text = _error(too_deep, 400, fmt)
    assert f"past row {KEY_DEPTH:,}" in text and "with a key" in text
    assert "Authorization" not in text
    bad_key = httpx.get(base, headers={"Authorization": "Bearer gfk_not-a-key"}, timeout=30)
    assert "not known" in _error(bad_key, 403, fmt)

    wide = httpx.get(base, params={"page_size": MAX_ROWS + 1}, timeout=30)
    assert f"from 1 to {MAX_ROWS}" in _error(wide, 400, fmt)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_oversize_post_is_an_open311_413(server: Server, fmt: str) -> None:
    """A body over --max-body is 413 in Open311's format, whether its length is declared
    up front or it streams in (chunked); the JSON API keeps its problem documents."""
    url = f"{server.url}/open311/v2/requests.{fmt}"
    big = {"api_key": server.keys["app"], "service_code": "pothole",
           "description": "x" * (MAX_BODY + 100)}
    declared = httpx.post(url, data=big, timeout=30)
    assert f"larger than {MAX_BODY} bytes" in _error(declared, 413, fmt)

    def chunks() -> Iterator[bytes]:
        yield b"service_code=pothole&description="
        for _ in range(10):
            yield b"x" * 500

    streamed = httpx.post(url, content=chunks(), timeout=30,
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert "content-length" not in {k.lower() for k in streamed.request.headers}
    assert f"larger than {MAX_BODY} bytes" in _error(streamed, 413, fmt)

    api = httpx.post(f"{server.url}/api/v1/cases", headers=server.headers("app"),
                     content=b"{" + b" " * (MAX_BODY + 100) + b"}", timeout=30)
    assert api.status_code == 413
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["status"] == 413


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_open311_paths_are_open311_404s(server: Server, fmt: str) -> None:
    """An unknown path under /open311 (or a wrong method) answers in Open311's format; the
    JSON API's unknown paths keep problem documents."""
    for path in (f"/open311/v2/nothing.{fmt}", f"/open311/v2/requests/a/b.{fmt}",
                 f"/open311/v3/services.{fmt}"):
        text = _error(httpx.get(server.url + path, timeout=30), 404, fmt)
        assert path in text and "/open311/v2/discovery.json" in text
    method = httpx.delete(f"{server.url}/open311/v2/services.{fmt}", timeout=30)
    assert "GET" in _error(method, 405, fmt)

    api = httpx.get(f"{server.url}/api/v1/nothing", timeout=30)
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["status"] == 404
