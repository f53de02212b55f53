"""``govflow demo``: a short run of the district, its figures, the page and determinism."""

from __future__ import annotations

import random
import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from govflow.demo.behaviour import minutes, office
from govflow.demo.records import DayFeed, Generators, day_records
from govflow.demo.result import DemoResult, Options
from govflow.demo.run import run_demo, simulate
from govflow.demo.timeline import LOCAL, at_hour, local_hour
from govflow.demo.world import fresh_store, repo_file, store_url
from tests.conftest import postgres_url

SOURCES = ("urban_patrol", "ai_vision", "police_incidents", "police_patrols", "hotline_feed",
           "party_visits")


def _run(tmp_path: Path, name: str, *, days: int = 2, seed: int = 0,
         url: str | None = None) -> DemoResult:
    opts = Options(days=days, seed=seed, url=url, out=tmp_path / name, quiet=True,
                   warmup=False)
    return run_demo(opts)


@pytest.fixture(scope="module")
def two_days(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, DemoResult]:
    """The same two-day run twice (seed 0), in two folders."""
    base = tmp_path_factory.mktemp("demo")
    return _run(base, "a"), _run(base, "b")


@pytest.mark.slow
def test_every_plugin_source_opens_cases(two_days: tuple[DemoResult, DemoResult]) -> None:
    """Each of the six sample sources reads records and opens cases; nothing is dead."""
    result = two_days[0]
    for source in SOURCES:
        assert result.records[source] > 0, source
        assert result.opened[source] > 0, source
    assert sum(result.dead.values()) == 0
    assert result.skipped["party_visits"] > 0  # visits that found nothing
    assert 100 <= result.total_records / result.days <= 400  # a district's day


@pytest.mark.slow
def test_deadlines_warn_escalate_and_cases_are_reworked(
        two_days: tuple[DemoResult, DemoResult]) -> None:
    """Late work turns lights yellow and red and escalates; checks and revisits send back."""
    result = two_days[0]
    assert result.messages["warning"] > 0
    assert result.messages["breach"] > 0
    assert result.events["escalated"] > 0
    assert result.cases["escalated"] > 0
    assert result.cases["reworked"] > 0
    assert result.actions["rework"] + result.actions["redo"] > 0
    assert result.events["revisits"] > 0
    assert sum(result.refused.values()) == 0


@pytest.mark.slow
def test_campaign_covers_every_cell_and_volunteers_are_matched(
        two_days: tuple[DemoResult, DemoResult]) -> None:
    """A short run still holds the campaign: 934 tasks, a high on-post rate, orders sent."""
    camp = two_days[0].campaign
    assert camp["tasks"] == camp["required"] == 934
    assert camp["on_post"] + camp["late"] + camp["open"] == 934
    assert 0.85 <= camp["rate"] < 1.0
    assert camp["rate"] == pytest.approx(camp["on_post"] / 934, abs=1e-4)
    assert camp["matched"] == camp["places"] == 934 + 2 * 157
    assert two_days[0].opened["campaign"] == 934
    assert two_days[0].opened["mobilise"] == camp["matched"] + camp["refilled"]
    assert camp["replaced"] > 0


@pytest.mark.slow
def test_page_is_written(two_days: tuple[DemoResult, DemoResult]) -> None:
    """The cockpit page is one self-contained HTML file with the cells in it."""
    page = two_days[0].html
    assert page is not None and page.is_file()
    text = page.read_text(encoding="utf-8")
    assert text.lower().startswith("<!doctype html>")
    assert "<script src" not in text and "<link" not in text
    assert len(set(re.findall(r'"code":"(\d{15})"', text))) == 934  # the map's cells
    assert "window.GOVFLOW_SNAPSHOT" in text and "到岗率" in text


@pytest.mark.slow
def test_same_seed_same_figures(two_days: tuple[DemoResult, DemoResult]) -> None:
    """Two runs with one seed give the same figures (case ids differ, nothing else)."""
    first, second = two_days
    assert first.figures() == second.figures()
    assert first.campaign["id"] != second.campaign["id"]


@pytest.mark.slow
def test_another_seed_other_figures(tmp_path: Path,
                                    two_days: tuple[DemoResult, DemoResult]) -> None:
    """The seed drives what happens: another seed, other figures."""
    other, world, _ = simulate(Options(days=1, seed=7, out=tmp_path, quiet=True,
                                       warmup=False))
    world.engine.close()
    assert other.figures()["records"] != two_days[0].figures()["records"]


def test_library_default_folder_and_url(tmp_path: Path) -> None:
    """Called without a URL (the command always passes one: its --store, else the shared
    default) the store is govflow.db in the output folder; PostgreSQL gets a schema."""
    assert store_url(None, tmp_path) == f"sqlite:///{(tmp_path / 'govflow.db').resolve()}"
    pg = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert store_url(pg, tmp_path) == pg + "?schema=govflow_demo"
    assert store_url(pg + "?schema=x", tmp_path) == pg + "?schema=x"



def test_demo_replaces_only_a_store_it_made(tmp_path: Path) -> None:
    """A SQLite file the demo made is replaced; one holding someone's grid is refused and
    left as it was."""
    from govflow.errors import GovflowError
    from govflow.grid import generate_district
    from govflow.grid.persist import save_to_store
    from govflow.store import open_store

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    fresh_store(url).close()
    fresh_store(url).close()  # its own: replaced without a word
    theirs = tmp_path / "theirs.db"
    store = open_store(f"sqlite:///{theirs}")
    save_to_store(store, generate_district(0, people="none"))
    store.close()
    before = theirs.read_bytes()
    with pytest.raises(GovflowError, match="holds a store the demo did not make"):
        fresh_store(f"sqlite:///{theirs}")
    assert theirs.read_bytes() == before


@pytest.mark.slow
def test_demo_on_postgresql(tmp_path: Path, capsys: Any) -> None:
    """One day on PostgreSQL in a schema of its own: same kind of figures as SQLite."""
    schema = f"gf_test_{uuid.uuid4().hex[:12]}"
    url = f"{postgres_url()}?schema={schema}"
    result = _run(tmp_path, "pg", days=1, url=url)
    try:
        assert result.total_opened > 934
        assert result.campaign["tasks"] == 934
        assert "postgresql" in capsys.readouterr().out
    finally:
        from govflow.store.sql import SqlStore

        store = SqlStore(url)
        store.drop_schema()
        store.close()


@pytest.fixture(scope="module")
def generators() -> Generators:
    """The plugins' sample generators over the district's cells."""
    from govflow.grid import generate_district

    return Generators.load(repo_file("plugins", "--plugins-dir"),
                           generate_district(0, people="none").cells())


def test_street_vending_is_found_at_night(generators: Generators) -> None:
    """Vending findings fall between 18:00 and 23:30 local time, the rest in office hours."""
    found = day_records(generators, "urban_patrol", 0, 3)
    assert found
    for rec in found:
        hour = local_hour(datetime.fromisoformat(rec["found_at"]))
        if rec["kind"] == "street_vending":
            assert 18.0 <= hour <= 23.5
        else:
            assert 8.5 <= hour <= 17.5
        assert rec["id"].startswith("d03-")


def test_day_records_repeat_for_a_seed(generators: Generators) -> None:
    """The same seed and day give the same records; another day other ones."""
    again = day_records(generators, "police_incidents", 5, 2)
    assert again == day_records(generators, "police_incidents", 5, 2)
    assert again != day_records(generators, "police_incidents", 5, 3)


def test_feed_releases_records_when_their_time_comes(generators: Generators) -> None:
    """Intake sees no record before the clock reaches its time; the cursor resumes after."""
    from pydantic import BaseModel

    feed = DayFeed("hotline_feed", BaseModel, "id", "received_at")
    feed.extend(day_records(generators, "hotline_feed", 0, 1))
    assert not feed.ready()  # no time set yet
    feed.until = at_hour(1, 12.0)
    first = list(feed.read(None))
    assert first and all(datetime.fromisoformat(r.payload["received_at"]) <= feed.until
                         for r in first)
    assert len(first) < len(feed.records)
    feed.until = at_hour(2, 0.0)
    rest = list(feed.read(first[-1].cursor))
    assert [r.id for r in first + rest] == [r["id"] for r in feed.records]


def test_office_staff_wait_for_the_morning() -> None:
    """Office work planned at night moves to the next morning; daytime work stays."""
    rng = random.Random(0)
    night = at_hour(4, 22.0)
    moved = office(night, rng)
    assert moved.astimezone(LOCAL).date() > night.astimezone(LOCAL).date()
    assert 8.5 <= local_hour(moved) <= 10.0
    noon = at_hour(4, 12.0)
    assert office(noon, rng) == noon


def test_late_draws_pass_the_limit() -> None:
    """A draw marked late always passes the state's limit; others centre on the median."""
    rng = random.Random(1)
    assert all(minutes(rng, 10, late=1.0, limit=30) > 30 for _ in range(100))
    draws = sorted(minutes(rng, 10) for _ in range(1001))
    assert 8 < draws[500] < 12


@pytest.mark.slow
def test_the_subsystems_run_and_their_figures_are_reported(
        two_days: tuple[DemoResult, DemoResult]) -> None:
    """Gas campaign, patrols, AI-vision confirmation, message triage, stage KPIs and the
    assessment all ran and each has its figure."""
    subs = two_days[0].subsystems
    n = subs["counts"]
    gas = subs["gas"]
    assert gas["premises"] == subs["party"]["households"] == 24
    assert 0 < gas["checked"] <= gas["premises"]
    assert subs["party"]["branches"] == 3 and subs["party"]["groups"] == 6
    assert n["patrols_scheduled"] > n["patrols_walked"] > 0
    assert n["vision_confirmed"] > 0 and n["vision_false_alarms"] > 0
    assert sum(v["confirmed"] for v in subs["vision"].values()) == n["vision_confirmed"]
    assert n.get("messages_classified", 0) > 0
    assert set(subs["kpis"]) >= {"on_time_registration", "accurate_dispatch", "handling_rate"}
    assert 0 < subs["kpis"]["on_time_registration"] <= 1
    assert 0 < subs["assessment"]["district"] <= 100
    assert subs["assessment"]["cells_scored"] > 0


@pytest.mark.slow
def test_the_demo_keeps_its_party_in_its_store(
        two_days: tuple[DemoResult, DemoResult]) -> None:
    """The first community's branches, groups and households are in the demo's database,
    valid against the grid kept there, as many as the summary reports."""
    from govflow.grid.persist import load_party_from_store
    from govflow.store.sql import SqlStore

    result = two_days[0]
    with SqlStore(result.url) as store:
        party = load_party_from_store(store)
    figures = result.subsystems["party"]
    assert len(party.households) == figures["households"] == 24
    assert sum(o.kind == "branch" for o in party.orgs) == figures["branches"]
    assert len({h.member for h in party.households}) == figures["members"]
