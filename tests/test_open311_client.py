"""The Open311 client source replaying Chicago's real GeoReport v2 requests.

The file's 50 requests are served, paged, by an httpx MockTransport that honours
``updated_after``, ``page`` and ``page_size`` (and fails some calls with 503 or a timeout, to
show the retries); the feed takes them into a SQLite store through the intake.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from govflow.engine.engine import Engine
from govflow.plugins import PluginHost, hookimpl
from govflow.plugins.intake import Intake
from govflow.plugins.loading import import_plugin
from govflow.plugins.open311_client import Open311Feed, register
from govflow.plugins.registry import Registry
from govflow.plugins.samples import district
from govflow.store.sql import SqlStore

ROOT = Path(__file__).resolve().parents[1]
CHICAGO = ROOT.parent / "shared" / "data" / "chicago_open311" / \
    "chicago_open311_requests_with_notes.json"
BASE = "https://chicago.example/open311/v2"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


class Chicago:
    """A paged GeoReport v2 ``requests.json`` over a list of request dicts."""

    def __init__(self, rows: list[dict[str, Any]], *, fail: Callable[[int], str | None]
                 = lambda n: None) -> None:
        self.rows = rows
        self.fail = fail
        self.calls = 0
        self.pages: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        failure = self.fail(self.calls)
        if failure == "503":
            return httpx.Response(503, text="busy")
        if failure == "timeout":
            raise httpx.ReadTimeout("slow", request=request)
        params = request.url.params
        after = params.get("updated_after")
        rows = [r for r in self.rows if after is None
                or "updated_datetime" not in r or _utc(r["updated_datetime"]) >= _utc(after)]
        page, size = int(params.get("page", "1")), int(params.get("page_size", "1000"))
        self.pages.append(page)
        return httpx.Response(200, json=rows[(page - 1) * size: page * size])


def _requests() -> list[dict[str, Any]]:
    if not CHICAGO.is_file():
        pytest.skip(f"real data file {CHICAGO.name} is not in ../shared/data")
    rows: list[dict[str, Any]] = json.loads(CHICAGO.read_text(encoding="utf-8"))
    return rows


def _as_opened(request: dict[str, Any]) -> dict[str, Any]:
    """The request as the server listed it right when it was opened (an older update)."""
    opened = next(n for n in request["notes"] if n["type"] == "opened")
    return {**request, "status": "open", "status_notes": None,
            "updated_datetime": opened["datetime"]}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Engine, Any]]:
    um = import_plugin("urban_management", ROOT / "plugins")
    store = SqlStore(f"sqlite:///{tmp_path / 'pull.db'}", create=True)
    grid = district(0)
    yield Engine(ROOT / "workflows.yaml", store=store, grid=grid,
                 plugins=PluginHost([um.UrbanManagement()], entry_points=False, env={})), um
    store.close()


def _feed_plugin(feed: Open311Feed) -> object:
    class Pull:
        govflow_plugin_name = "open311_pull"

        @hookimpl
        def govflow_register_sources(self, registry: Registry) -> None:
            register(registry, feed)

    return Pull()


def _engine_with(world: tuple[Engine, Any], feed: Open311Feed) -> tuple[Engine, Intake]:
    engine, um = world
    host = PluginHost([um.UrbanManagement(), _feed_plugin(feed)], entry_points=False, env={})
    made = Engine(ROOT / "workflows.yaml", store=engine.store, grid=engine.grid, plugins=host)
    return made, Intake(made, host)


def test_chicago_requests_are_pulled_paged_deduplicated_and_never_moved_back(
        world: tuple[Engine, Any]) -> None:
    """Every request opens one case, every closed one closes it; the same window read again
    changes nothing; older listings of the same requests are skipped and counted."""
    um = world[1]
    requests = _requests()
    served = Chicago(list(requests), fail=lambda n: {2: "503", 4: "timeout"}.get(n))
    waits: list[float] = []
    feed = Open311Feed("chicago_pull", BASE, cell_of=um.UrbanManagement().chicago_cell,
                       page_size=7, backoff=0.25, sleep=waits.append,
                       client=httpx.Client(transport=httpx.MockTransport(served)))
    engine, intake = _engine_with(world, feed)

    first = intake.run("chicago_pull")
    closed = sum(r["status"] == "closed" for r in requests)
    west, south, east, north = um.CHICAGO_BOX
    inside = [r for r in requests if west <= r["long"] <= east and south <= r["lat"] <= north]
    assert (first.opened, first.triggered, first.dead) == (len(inside), closed, 0)
    assert first.read == len(requests) + closed  # a closed request: its listing, its closing
    # 50 rows in pages of 7: 8 pages, two calls retried (a 503, a timeout)
    assert sorted(set(served.pages)) == list(range(1, -(-len(requests) // 7) + 1))
    assert (feed.retried, waits) == (2, [0.25, 0.25])
    newest = max(_utc(r["updated_datetime"]) for r in requests)
    assert first.cursor == newest.isoformat()
    cases = {c.data["ref"]: c for c in engine.store.iter_cases()}
    assert len(cases) == len(requests)
    for request in requests:
        case = cases[request["service_request_id"]]
        assert (case.state == "closed") == (request["status"] == "closed")
        assert case.data["address"] == request["address"]
        assert case.data["open311_updated"] == request["updated_datetime"] or _utc(
            case.data["open311_updated"]) == _utc(request["updated_datetime"])
        assert case.data["media_url"] == (request.get("media_url") or "")

    # the same pull again: the cursor asks for the newest update only, read again unchanged
    again = intake.run("chicago_pull")
    at_edge = [r for r in requests if _utc(r["updated_datetime"]) == newest]
    assert (again.opened, again.triggered, again.dead) == (0, 0, 0)
    assert feed.stats.unchanged == again.read == sum(
        2 if r["status"] == "closed" else 1 for r in at_edge)
    assert len(list(engine.store.iter_cases())) == len(requests)

    # a restarted process (a new feed and intake on the same store), the whole file again
    # from the start: what the store holds deduplicates, nothing is opened twice
    restarted = Open311Feed("chicago_pull", BASE, cell_of=um.UrbanManagement().chicago_cell,
                            page_size=7, client=httpx.Client(transport=httpx.MockTransport(
                                Chicago(list(requests)))))
    engine2, intake2 = _engine_with((engine, um), restarted)
    engine2.store.commit([], cursor=("chicago_pull", "2014-01-01T00:00:00+00:00"))
    replayed = intake2.run("chicago_pull")
    assert (replayed.opened, replayed.triggered, replayed.dead) == (0, 0, 0)
    assert restarted.stats.unchanged == replayed.read == len(requests) + closed
    assert len(list(engine.store.iter_cases())) == len(requests)

    # older listings of every request (as it stood when opened): all skipped as older
    served.rows = [_as_opened(r) for r in requests]
    feed.since = None
    engine.store.commit([], cursor=("chicago_pull", "2014-01-01T00:00:00+00:00"))
    older = intake.run("chicago_pull")
    assert (older.opened, older.triggered, older.dead) == (0, 0, 0)
    assert feed.stats.skipped_older == older.skipped == len(requests)
    states = {c.data["ref"]: c.state for c in engine.store.iter_cases()}
    assert states == {r["service_request_id"]: c.state for r, c in
                      ((r, cases[r["service_request_id"]]) for r in requests)}


def test_bad_rows_are_dead_letters_with_the_reason_and_good_ones_are_taken(
        world: tuple[Engine, Any]) -> None:
    """Rows without a place, with an unknown status, or outside the grid's mapping are dead
    letters naming the problem; the rest open cases; nothing is lost."""
    requests = _requests()[:10]
    bad = [
        {**requests[0], "service_request_id": "bad-no-lat", "lat": None},
        {**requests[1], "service_request_id": "bad-status", "status": "pending"},
        {**requests[2], "service_request_id": "bad-place", "lat": 10.0, "long": 10.0},
        {"status": "open"},
    ]
    served = Chicago(requests + bad)
    feed = Open311Feed("chicago_pull", BASE,
                       cell_of=world[1].UrbanManagement().chicago_cell,
                       client=httpx.Client(transport=httpx.MockTransport(served)))
    engine, intake = _engine_with(world, feed)
    report = intake.run("chicago_pull")
    closed = sum(r["status"] == "closed" for r in requests)
    assert (report.opened, report.triggered, report.dead) == (10, closed, 4)
    assert report.read == report.taken + report.dead
    reasons = {d.record_id: d.reason for d in engine.store.dead_letters("chicago_pull")}
    assert "lat" in reasons["bad-no-lat"]
    assert "status" in reasons["bad-status"]
    assert "no cell" in reasons["bad-place"]
    assert "service_request_id" in reasons["<row 0>"]
    # the closing of the refused bad-place request is absorbed, not a second letter
    assert feed.stats.absorbed == (requests[2]["status"] == "closed")


def test_a_server_that_keeps_failing_stops_the_run_and_nothing_moves(
        world: tuple[Engine, Any]) -> None:
    """After the retries a 5xx is an error naming the endpoint; the cursor does not move."""
    from govflow.errors import PluginError

    served = Chicago(_requests(), fail=lambda n: "503")
    feed = Open311Feed("chicago_pull", BASE, retries=2, sleep=lambda s: None,
                       client=httpx.Client(transport=httpx.MockTransport(served)))
    engine, intake = _engine_with(world, feed)
    with pytest.raises(PluginError, match="failed 3 times"):
        intake.run("chicago_pull")
    assert served.calls == 3
    assert engine.store.get_cursor("chicago_pull") is None
    assert list(engine.store.iter_cases()) == []


def test_the_open311_pull_plugin_takes_its_settings_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """No URL: nothing registered; with one, a feed named and set as the variables say."""
    plugins = ROOT / "plugins"
    host = PluginHost(plugins_dir=plugins, entry_points=False, env={})
    assert "open311_pull" not in host.sources
    monkeypatch.setenv("GOVFLOW_OPEN311_PULL_URL", BASE + "/")
    monkeypatch.setenv("GOVFLOW_OPEN311_PULL_SOURCE", "chicago")
    monkeypatch.setenv("GOVFLOW_OPEN311_PULL_PAGE_SIZE", "250")
    monkeypatch.setenv("GOVFLOW_OPEN311_PULL_SINCE", "2015-09-30T00:00:00-05:00")
    host = PluginHost(plugins_dir=plugins, entry_points=False, env={})
    feed = host.sources["chicago"]
    assert isinstance(feed, Open311Feed)
    assert (feed.base_url, feed.page_size, feed.since, feed.workflow) == (
        BASE, 250, "2015-09-30T00:00:00-05:00", "open311_request")
    assert [r.name for r in host.rules["chicago"]] == ["rule"]


def test_a_key_is_sent_as_a_bearer_header_and_taken_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A govflow server pages deeper for a keyed reader: the feed sends its key as
    ``Authorization: Bearer`` on every page, and sends no such header without one."""
    seen: list[str | None] = []

    def served(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200, json=[])

    for key in ("gf_secret", None):
        feed = Open311Feed("keyed", BASE, api_key=key,
                           client=httpx.Client(transport=httpx.MockTransport(served)))
        assert feed._get(BASE + "/requests.json", {"page": 1}) == []
    assert seen == ["Bearer gf_secret", None]
    monkeypatch.setenv("GOVFLOW_OPEN311_PULL_URL", BASE)
    monkeypatch.setenv("GOVFLOW_OPEN311_PULL_KEY", "gf_from_env")
    host = PluginHost(plugins_dir=ROOT / "plugins", entry_points=False, env={})
    pulled = host.sources["open311_pull"]
    assert isinstance(pulled, Open311Feed)
    assert pulled._headers == {"authorization": "Bearer gf_from_env"}
