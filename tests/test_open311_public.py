"""How much one Open311 list may read, and the Open311 face's errors.

A real ``govflow serve`` (SQLite file) driven with httpx, on the
generated district's grid and the urban_management plugin's open311 rules, like
``test_open311_service``. The server takes bodies of at most 2,048 bytes here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from defusedxml import ElementTree as SafeET

from govflow.service.open311_requests import ANON_DEPTH, KEY_DEPTH, MAX_ROWS
from tests.service_fixtures import Server, make_keys, start_server
from tests.test_open311_service import ROOT, _grid, _point

KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "app": (("reporter",), ()),
}
MAX_BODY = 2048


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
